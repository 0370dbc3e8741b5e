"""``manage.py import_wordpress FILE``: a WordPress export's posts and discussions, here."""

from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from wordpress.importer import Importer
from wordpress.wxr import WxrError


def delete_reminder(path: str) -> str:
    return (
        f"{path} holds commenters' email addresses in clear text: once you are done with it, "
        f"delete it (rm {path}), and any copy of it."
    )


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export → All content): posts become articles "
        "with their comments, pingbacks and trackbacks, and old links redirect here. "
        "Importing the same file again changes nothing; a later export adds what is new."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The export (WXR 1.0 to 1.2), as WordPress wrote it.")
        parser.add_argument(
            "--old-url",
            default="",
            help="The old blog's address, where its old links point, if it is not the one "
            "the export names (wp:base_blog_url), e.g. https://example.com/blog. Without "
            "--uploads, the pictures the posts use are fetched from there (and nowhere else).",
        )
        parser.add_argument(
            "--uploads",
            default="",
            metavar="DIR",
            help="A copy of the old site's wp-content/uploads folder: the pictures the posts "
            "use are brought from it (metadata stripped, resized) and the posts point at them.",
        )
        parser.add_argument(
            "--pages",
            action="store_true",
            help="Import pages too, as articles (they are skipped and counted otherwise).",
        )
        parser.add_argument(
            "--adopt",
            action="store_true",
            help="A post whose address and title match an article already here (one retyped "
            "by hand) gets its comments and old links added to that article, whose text is "
            "kept, instead of coming in as a renamed copy.",
        )

    def handle(
        self, *args, file: str, old_url: str, pages: bool, adopt: bool, uploads: str, **options
    ):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: there is no such file.")
        if uploads and not Path(uploads).is_dir():
            raise CommandError(
                f"--uploads {uploads}: there is no such folder (give a copy of the old site's "
                "wp-content/uploads)."
            )
        if old_url and (
            urlsplit(old_url).scheme not in {"http", "https"} or not urlsplit(old_url).netloc
        ):
            raise CommandError(
                f"--old-url must be a web address such as https://example.com, not {old_url!r}."
            )
        on_terminal = self.stderr.isatty()
        bar = tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc="Importing",
            file=self.stderr._out,
            disable=not on_terminal,
            leave=False,
        )

        def report(line: str) -> None:
            if on_terminal:
                tqdm.write(line, file=self.stdout._out)
            else:
                self.stdout.write(line)

        importer = Importer(
            report,
            old_url=old_url,
            pages=pages,
            adopt=adopt,
            uploads=Path(uploads) if uploads else None,
        )
        try:
            with path.open("rb") as export, bar:
                importer.run(export, progress=bar.update)
        except (WxrError, DatabaseError) as error:
            self.stdout.write(importer.summary.line())
            self.stderr.write(delete_reminder(file))
            done = importer.summary.articles + importer.summary.already_articles
            kept = (
                f"{'The post' if done == 1 else f'The {done} posts'} before it "
                f"{'is' if done == 1 else 'are'} imported whole, and "
                "nothing of the one it stopped in; once the file is fixed, import it again: "
                "what is already here is skipped."
                if done
                else "Nothing was imported."
            )
            if isinstance(error, DatabaseError):
                post = importer.current
                error = f"line {post.line}: post {post.id} could not be stored ({error})."
            raise CommandError(f"{file}, {error} {kept}") from None
        self.stdout.write(importer.summary.line())
        self.stderr.write(self.style.WARNING(delete_reminder(file)))
