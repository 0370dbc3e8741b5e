"""
A WordPress blog's pictures, brought here with its posts.

``import_wordpress FILE --uploads DIR`` reads each picture an article uses from
a copy of the old site's ``wp-content/uploads``; with ``--old-url`` alone it
fetches them from the old site, and from no other host. Either way the file
goes through ``pictures.store.create_picture`` like an upload in the admin
(checked, stripped of camera and GPS metadata, resized), and the same picture
is stored once however often it is imported.

Attachments come after the posts that use them in an export, so the file is
read once first for its attachments alone (``collect``). Then each post's
HTML is rewritten before it becomes Markdown: an image of the old site (found
by its ``wp-image-N`` class, or by its file, any size WordPress made of it, or
in a ``srcset``) becomes ``<img src="picture:ID">``, which wordpress/html.py
writes as ``![alt](picture:ID)``; a link around it to the file itself goes;
``[gallery ids="…"]`` becomes its pictures; the featured image
(``_thumbnail_id``) becomes the article's. An image that cannot be found,
fetched or accepted is reported with its post and line, and stays a link to
the old site; the article is imported all the same.

Exports this blog wrote (wordpress/exporter.py) name each picture by its id
here as the attachment's id, so the Markdown they carry is renumbered to the
pictures of the importing site.
"""

import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urljoin, urlsplit

from lib.text import parse_id
from pictures import conf as pictures_conf
from pictures.models import Picture
from pictures.store import NotAPicture, create_picture
from wordpress import wxr

UPLOADS = "/wp-content/uploads/"
SIZE_SUFFIX = re.compile(r"-\d{1,5}x\d{1,5}(?=\.[A-Za-z0-9]{1,5}$)")
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
LINKED_IMG = re.compile(r"<a\b([^>]*)>\s*(<img\b[^>]*>)\s*</a>", re.IGNORECASE)
GALLERY = re.compile(r"\[gallery\b([^\]]*)\]", re.IGNORECASE)
GALLERY_IDS = re.compile(r"""\bids\s*=\s*["']?([\d,\s]+)""")
WP_IMAGE = re.compile(r"\bwp-image-(\d{1,18})\b")
SIZE_FILES = re.compile(r's:4:"file";s:\d+:"([^"]{1,300})"')
PICTURE_REFERENCE = re.compile(r"\]\(picture:(\d{1,18})\)")
FETCH_TIMEOUT = 15  # seconds, for each connection and each read
REDIRECTS = 3


class Missing(Exception):
    """The file could not be had; the sentence says why."""


@dataclass
class Attachment:
    id: int
    line: int
    url: str
    file: str  # under uploads, as _wp_attached_file says: "2026/09/name.jpg"
    alt: str = ""
    title: str = ""
    caption: str = ""
    sizes: list[str] = field(default_factory=list)


@dataclass
class Counts:
    brought: int = 0
    already: int = 0
    missing: int = 0

    def sentence(self) -> str:
        if not (self.brought or self.already or self.missing):
            return ""
        parts = [f"Pictures: {self.brought} brought in, {self.already} already here"]
        if self.missing:
            parts.append(f"{self.missing} not found or refused (reported above, left linked)")
        return "; ".join(parts) + "."


class Attachments:
    """The pictures of one import. ``report(line, message)`` receives each problem."""

    def __init__(self, report: Callable[[int, str], None], *, uploads: Path | None, old_url: str):
        self.report = report
        self.uploads = uploads.resolve() if uploads else None
        self.old_url = old_url.rstrip("/")
        self.site_url = ""
        self.by_id: dict[int, Attachment] = {}
        self.by_file: dict[str, Attachment] = {}
        self.by_picture: dict[int, Attachment] = {}  # this blog's exports: picture id here
        self.done: dict[str, Picture | Missing] = {}
        self.counts = Counts()
        self.told_alt: set[int] = set()

    # The first read ------------------------------------------------------------

    def collect(self, file: BinaryIO) -> None:
        """Read the export once for its attachments, then rewind it for the import."""
        for entry in wxr.read(file):
            if isinstance(entry, wxr.Site):
                self.site_url = entry.url
            elif isinstance(entry, wxr.Post) and entry.type == "attachment":
                self.add(entry)
        file.seek(0)

    def add(self, post: wxr.Post) -> None:
        if (wp_id := parse_id(post.id)) is None:
            return
        file = post.meta.get("_wp_attached_file", "").strip().lstrip("/")
        if not file:
            file = self.uploads_file(post.attachment_url) or ""
        attachment = Attachment(
            id=wp_id,
            line=post.line,
            url=post.attachment_url,
            file=file,
            alt=_plain(post.meta.get("_wp_attachment_image_alt", "")),
            title=_plain(post.title),
            caption=_plain(post.excerpt),
        )
        folder = file.rsplit("/", 1)[0] + "/" if "/" in file else ""
        metadata = post.meta.get("_wp_attachment_metadata", "")
        # The sizes WordPress made: names in the attachment's folder (the original has a path).
        attachment.sizes = [
            folder + name for name in SIZE_FILES.findall(metadata) if "/" not in name
        ]
        self.by_id[wp_id] = attachment
        if (own := parse_id(post.meta.get(PICTURE_ID_META, "").strip() or "x")) is not None:
            self.by_picture[own] = attachment
        for name in [file, *attachment.sizes]:
            if name:
                self.by_file.setdefault(name, attachment)

    # Addresses -----------------------------------------------------------------

    def bases(self) -> list[str]:
        """The old site's addresses, each without its scheme: where its uploads are."""
        return [
            urlsplit(url)._replace(scheme="").geturl().lstrip("/").rstrip("/")
            for url in (self.old_url, self.site_url)
            if url
        ]

    def uploads_file(self, url: str) -> str | None:
        """``2026/09/name.jpg`` for an address in the old site's uploads; None for any other."""
        url = html.unescape(url.strip())
        bare = urlsplit(url)._replace(scheme="", query="", fragment="").geturl().lstrip("/")
        for base in self.bases():
            prefix = base + UPLOADS
            if bare.startswith(prefix):
                return unquote(bare[len(prefix) :])
        return None

    # Pictures ------------------------------------------------------------------

    def picture_for_file(self, file: str, line: int, where: str, alt: str = "") -> Picture | None:
        """The picture for a file of the uploads (a size WordPress made leads to its original)."""
        attachment = self.by_file.get(file)
        original = attachment.file if attachment else SIZE_SUFFIX.sub("", file)
        if not attachment and original not in self.done and not self.exists(original):
            original = file
        return self.bring(original, attachment, line, where, alt)

    def picture_for_id(
        self, wp_id: int, line: int, where: str, attachment: Attachment | None = None
    ) -> Picture | None:
        attachment = attachment or self.by_id.get(wp_id)
        if attachment is None:
            self.counts.missing += 1
            self.report(line, f"{where}: attachment {wp_id} is not in the export: left as it was.")
            return None
        return self.bring(attachment.file or attachment.url, attachment, line, where, "")

    def bring(
        self, file: str, attachment: Attachment | None, line: int, where: str, alt: str
    ) -> Picture | None:
        if file not in self.done:
            self.done[file] = self.store(file, attachment, alt)
        result = self.done[file]
        if isinstance(result, Missing):
            self.counts.missing += 1
            named = f" (attachment {attachment.id})" if attachment else ""
            self.report(line, f"{where}: its image {file}{named} {result}: left linked.")
            return None
        if not result.has_alt() and result.pk not in self.told_alt:
            self.told_alt.add(result.pk)
            self.report(
                line,
                f"{where}: its image {file} has no alt text: describe it in Pictures "
                f"(picture {result.pk}) before the article is next published.",
            )
        return result

    def store(self, file: str, attachment: Attachment | None, alt: str) -> Picture | Missing:
        try:
            data = self.read(file, attachment)
            picture, created = create_picture(
                io.BytesIO(data),
                file.rsplit("/", 1)[-1],
                size=len(data),
                alt=(attachment.alt if attachment else "") or alt,
                title=attachment.title if attachment else "",
                caption=attachment.caption if attachment else "",
            )
        except Missing as missing:
            return missing
        except NotAPicture as refused:
            return Missing(f"was refused: {refused.sentence}")
        if created:
            self.counts.brought += 1
        else:
            self.counts.already += 1
        return picture

    def exists(self, file: str) -> bool:
        return bool(self.uploads) and self.inside(file) is not None and self.inside(file).is_file()

    def inside(self, file: str) -> Path | None:
        """The file under the uploads folder, or None when the name leads out of it."""
        path = (self.uploads / file).resolve()
        return path if path.is_relative_to(self.uploads) else None

    def read(self, file: str, attachment: Attachment | None) -> bytes:
        if not file:
            raise Missing("has no file name in the export")
        if "://" in file and self.uploads is not None:
            raise Missing("is not in the old site's uploads (it points at another address)")
        if "://" in file:
            return fetch(file, allowed_host=urlsplit(self.old_url or self.site_url).netloc.lower())
        if self.uploads is not None:
            path = self.inside(file)
            if path is None:
                raise Missing("leads out of the uploads folder, so it was not read")
            if not path.is_file():
                raise Missing("is not in the uploads folder")
            if path.stat().st_size > pictures_conf.PICTURE_MAX_BYTES:
                raise Missing("is larger than a picture may be")
            return path.read_bytes()
        # In the old site's uploads, at the address given (--old-url) or the export's own.
        base = self.old_url or self.site_url
        return fetch(f"{base}{UPLOADS}{file}", allowed_host=urlsplit(base).netloc.lower())

    # Posts ---------------------------------------------------------------------

    def rewrite(self, post: wxr.Post, where: str) -> str:
        """The post's HTML with the old site's images replaced by pictures here."""
        content = GALLERY.sub(lambda match: self.gallery(match, post, where), post.content)
        content = LINKED_IMG.sub(self.unlink, content)
        return IMG.sub(lambda match: self.image(match[0], post, where), content)

    def gallery(self, match: re.Match, post: wxr.Post, where: str) -> str:
        ids = GALLERY_IDS.search(match[1])
        if not ids:
            return match[0]
        images = []
        for item in ids[1].split(","):
            if (wp_id := parse_id(item.strip())) is not None and wp_id in self.by_id:
                attachment = self.by_id[wp_id]
                images.append(
                    f'<img src="{html.escape(attachment.url)}" alt="{html.escape(attachment.alt)}"'
                    f' class="wp-image-{wp_id}">'
                )
        return "<p>" + " ".join(images) + "</p>" if images else match[0]

    def unlink(self, match: re.Match) -> str:
        """A link around an image to the image's own file (WordPress's "link to media file")."""
        href = _attributes(f"<a{match[1]}>").get("href", "")
        return match[2] if self.uploads_file(href) is not None else match[0]

    def image(self, tag: str, post: wxr.Post, where: str) -> str:
        attributes = _attributes(tag)
        alt = attributes.get("alt", "")
        picture = None
        if found := WP_IMAGE.search(attributes.get("class", "")):
            wp_id = int(found[1])
            if wp_id in self.by_id:
                picture = self.picture_for_id(wp_id, post.line, where)
                if picture is None:
                    return tag
        if picture is None:
            file = self.uploads_file(attributes.get("src", ""))
            if file is None:
                return tag  # an image from elsewhere, kept as the link it becomes
            picture = self.picture_for_file(file, post.line, where, alt)
        if picture is None:
            return tag
        return f'<img src="picture:{picture.pk}" alt="{html.escape(alt)}">'

    def featured(self, post: wxr.Post, where: str) -> Picture | None:
        if (wp_id := parse_id(post.meta.get("_thumbnail_id", "").strip() or "x")) is None:
            return None
        if wp_id == parse_id(post.id):
            self.report(post.line, f"{where}: its featured image is the post itself: none kept.")
            return None
        return self.picture_for_id(wp_id, post.line, where)

    def renumber(self, markdown: str, post: wxr.Post, where: str) -> str:
        """This blog's own Markdown: each ``picture:ID`` (an attachment id) to the one here."""

        def replace(match: re.Match) -> str:
            own = int(match[1])
            picture = self.picture_for_id(own, post.line, where, self.by_picture.get(own))
            return f"](picture:{picture.pk})" if picture else "](picture:0)"

        return PICTURE_REFERENCE.sub(replace, markdown)


def fetch(url: str, *, allowed_host: str) -> bytes:
    """
    The file at ``url`` on the old site, bounded: its host only, a few redirects
    within it, a timeout, and no more bytes than a picture may have.
    """
    seen = []
    for _ in range(REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or parts.netloc.lower() != allowed_host:
            raise Missing(f"points at another host ({parts.netloc[:80] or 'none'}), not fetched")
        if url in seen:
            raise Missing("redirects in a loop")
        seen.append(url)
        kind = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        connection = kind(parts.hostname, parts.port, timeout=FETCH_TIMEOUT)
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request("GET", path or "/", headers={"User-Agent": "relief-notes-import"})
            response = connection.getresponse()
            if response.status in {301, 302, 303, 307, 308}:
                url = urljoin(url, response.getheader("Location", ""))
                continue
            if response.status != 200:
                raise Missing(f"could not be fetched from the old site (HTTP {response.status})")
            limit = pictures_conf.PICTURE_MAX_BYTES
            if int(response.getheader("Content-Length") or 0) > limit:
                raise Missing("is larger than a picture may be")
            data = response.read(limit + 1)
            if len(data) > limit:
                raise Missing("is larger than a picture may be")
            return data
        except (OSError, HTTPException) as error:
            raise Missing(
                f"could not be fetched from the old site ({type(error).__name__})"
            ) from None
        finally:
            connection.close()
    raise Missing("redirects too many times")


class _TagReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        self.found = {name: value or "" for name, value in attrs}

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str]:
    reader = _TagReader()
    reader.feed(tag)
    reader.close()
    return reader.found


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", "", text))).strip()


# Exporting -----------------------------------------------------------------------

PICTURE_ID_META = "_relief_notes_picture_id"
MEDIA_ATTRIBUTE = re.compile(r'(\s(?:src|srcset)=")([^"]*)"')


def used_pictures(article) -> list[Picture]:
    """The pictures an article shows: its featured image, then those its Markdown places."""
    ids = [article.featured_image_id] if article.featured_image_id else []
    ids += [int(found) for found in PICTURE_REFERENCE.findall(article.body)]
    found = Picture.objects.in_bulk(set(ids))
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]


def absolute(url: str, site_url: str) -> str:
    return url if "://" in url else f"{site_url}{url}"


def export_html(body_html: str, site_url: str) -> str:
    """An article's HTML as another site reads it: its pictures' addresses absolute."""
    if "<picture>" not in body_html:
        return body_html

    def addresses(match: re.Match) -> str:
        urls = ", ".join(
            " ".join([absolute(part.split(" ")[0], site_url), *part.split(" ")[1:]])
            for part in match[2].split(", ")
        )
        return f'{match[1]}{urls}"'

    return MEDIA_ATTRIBUTE.sub(addresses, body_html)
