"""
Importing a WordPress export: posts become articles, comments comments, pings mentions.

Each post is imported with its comments in one transaction, so a file that
stops half-way (cut short, or a database error) leaves every post before it
whole and nothing of the one it stopped in; running the import again carries
on. What was imported is remembered by (WordPress site, id) (``models.py``):
importing the same file again changes nothing, and a later export adds only
the posts and comments that are new. Nothing already here is overwritten: a
post changed on WordPress since is reported, not updated.

A comment keeps its WordPress id as its own when that id is free, so an old
``#comment-ID`` link lands on it; when it is taken, the comment gets a new id
and remembers the old one (``Comment.former_id``), which its page renders as a
second anchor, unless a comment of the same article holds that id.

Problems are reported one line each, with the post or comment and its line in
the file, and never with an email address; the rest of the file goes on.
"""

import copy
import hashlib
import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_ipv46_address
from django.db import connection, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify

from blog.models import Article
from comments.models import Comment, discussion_changed
from comments.moderation import waits_for_parent
from lib.text import parse_id, strip_control_characters
from mentions.models import Mention
from mentions.sending import not_announcing
from wordpress import wxr
from wordpress.html import comment_text, post_markdown
from wordpress.models import ImportedComment, ImportedPost, WordPressSite

# Post meta this blog writes into its own exports, read back so a round trip is exact.
MARKDOWN_META = "_relief_notes_markdown"
HTML_HASH_META = "_relief_notes_html_sha256"
CLOSE_AT_META = "_relief_notes_comments_close_at"
HELD_REASON_META = "_relief_notes_held_reason"

POST_STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.DRAFT,
    "private": Article.Status.DRAFT,
}
COMMENT_STATUSES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
    "post-trashed": Comment.Status.REMOVED,
}
HELD_REASONS = {
    Comment.Status.PENDING: "Held for moderation on WordPress (imported).",
    Comment.Status.SPAM: "Marked as spam on WordPress (imported).",
    Comment.Status.REMOVED: "In WordPress's trash (imported).",
}
PARENT_NOT_APPROVED = (
    "Approved on WordPress, but the comment it answers is not approved here; "
    "approve that one first (imported)."
)
STATUS_ORDER = [
    Comment.Status.APPROVED,
    Comment.Status.PENDING,
    Comment.Status.SPAM,
    Comment.Status.REMOVED,
]
PING_TYPES = {"pingback": Mention.Kind.PINGBACK, "trackback": Mention.Kind.TRACKBACK}
COMMENT_TYPES = {"", "comment"}
NO_DATE = {"", "0000-00-00 00:00:00"}
UNTITLED = "Untitled"

TITLE_LENGTH = Article._meta.get_field("title").max_length
SLUG_LENGTH = Article._meta.get_field("slug").max_length
STANDFIRST_LENGTH = Article._meta.get_field("standfirst").max_length
NAME_LENGTH = Comment._meta.get_field("author_name").max_length
URL_LENGTH = Comment._meta.get_field("author_url").max_length
AGENT_LENGTH = Comment._meta.get_field("user_agent").max_length
REASON_LENGTH = Comment._meta.get_field("held_reason").max_length
MENTION_TITLE_LENGTH = Mention._meta.get_field("title").max_length
MENTION_URL_LENGTH = Mention._meta.get_field("url").max_length
is_web_address = URLValidator(schemes=["http", "https"])


@dataclass
class Summary:
    """What an import did, counted; ``line()`` says it in one sentence."""

    articles: int = 0
    pages: int = 0
    renamed: int = 0
    matched: int = 0
    comments: Counter = field(default_factory=Counter)
    held_for_parent: int = 0
    mentions: int = 0
    already_articles: int = 0
    already_comments: int = 0
    skipped: Counter = field(default_factory=Counter)
    problems: int = 0

    def line(self) -> str:
        statuses = ", ".join(
            f"{self.comments[status]} {status.label.lower()}" for status in STATUS_ORDER
        )
        held = f"{self.held_for_parent} held as their parent is not approved"
        parts = [
            f"Imported {_count(self.articles, 'article')}"
            + (f" ({self.pages} from pages)" if self.pages else "")
            + (f" ({self.renamed} renamed)" if self.renamed else "")
            + (f" (and {self.matched} matched to articles already here)" if self.matched else ""),
            f"{_count(self.comments.total(), 'comment')} ({statuses}; {held})",
            _count(self.mentions, "mention"),
        ]
        sentence = "; ".join(parts)
        sentence += (
            f". Already here: {_count(self.already_articles, 'article')}, "
            f"{_count(self.already_comments, 'comment')}."
        )
        if self.skipped:
            sentence += (
                " Skipped: "
                + ", ".join(f"{count} {reason}" for reason, count in sorted(self.skipped.items()))
                + "."
            )
        if self.problems:
            sentence += f" {_count(self.problems, 'problem')} reported above."
        return sentence


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


class Importer:
    """
    One run of the import. ``report`` receives each problem as one line of text.

    ``old_url`` overrides the old links' address the export gives (its own is
    kept as the site's key); ``pages`` imports pages as articles too; ``adopt``
    matches a post to an article already here with the same slug and title
    (one retyped by hand) instead of renaming it: its comments and old links
    are added to that article, whose text is kept.
    """

    def __init__(
        self,
        report: Callable[[str], None],
        *,
        old_url: str = "",
        pages: bool = False,
        adopt: bool = False,
    ):
        self.report_line = report
        self.old_url = old_url.strip().rstrip("/")
        self.pages = pages
        self.adopt = adopt
        self.summary = Summary()
        self.site: WordPressSite | None = None
        self.current: wxr.Post | None = None  # the post being imported, for reports
        self.own_site = False
        self.now = timezone.now()

    def run(self, file: BinaryIO, progress: Callable[[int], None] | None = None) -> Summary:
        """Import every post of the file; ``wxr.WxrError`` where it cannot be read on."""
        with not_announcing():  # The web heard of these posts when WordPress published them.
            return self.import_entries(file, progress)

    def import_entries(self, file: BinaryIO, progress: Callable[[int], None] | None) -> Summary:
        for entry in wxr.read(file, progress):
            if isinstance(entry, wxr.Site):
                self.start(entry)
            elif isinstance(entry, wxr.Post):
                self.import_post(entry)
            elif isinstance(entry, wxr.Stray):
                self.problem(entry.line, "a comment outside any post: skipped.")
                self.summary.skipped["comments outside any post"] += 1
            else:
                self.summary.skipped["authors, categories and tags (articles here have none)"] += 1
        return self.summary

    def problem(self, line: int, message: str) -> None:
        self.summary.problems += 1
        self.report_line(f"line {line}: {message}")

    # The site -----------------------------------------------------------------

    def start(self, site: wxr.Site) -> None:
        url = site.url
        if not url or urlsplit(url).scheme not in {"http", "https"}:
            raise wxr.WxrError(
                "the export does not say which site it came from (wp:base_blog_url), so its "
                "posts could not be told from another site's."
            )
        self.site, _ = WordPressSite.objects.get_or_create(
            url=url, defaults={"address": self.old_url or url}
        )
        if self.old_url and self.site.address != self.old_url:
            self.site.address = self.old_url
            self.site.save(update_fields=["address"])
        # A file this blog exported itself carries its own ids (an export, then a re-import).
        self.own_site = url == settings.SITE_URL.rstrip("/")

    # Posts --------------------------------------------------------------------

    def import_post(self, post: wxr.Post) -> None:
        where = f"post {post.id or '?'}"
        if parse_id(post.id) is None:
            self.problem(post.line, f"{where}: its id is not a number: skipped with its comments.")
            self.skip("posts without an id", post)
            return
        if reason := self.skip_reason(post):
            self.skip(reason, post)
            return
        self.current = post
        counted = copy.deepcopy(self.summary)
        try:
            self.import_post_whole(post)
        except Exception:
            # Rolled back: what it counted is not in the blog (its problems were reported).
            counted.problems = self.summary.problems
            self.summary = counted
            raise
        self.current = None

    @transaction.atomic
    def import_post_whole(self, post: wxr.Post) -> None:
        """The post and its comments, all or nothing."""
        mapping = (
            ImportedPost.objects.filter(site=self.site, wp_id=int(post.id))
            .select_related("article")
            .first()
        )
        if mapping is not None:
            if mapping.article is None:
                self.skip("posts deleted here since an earlier import", post)
                return
            article = mapping.article
            self.summary.already_articles += 1
            self.check_changed(post, mapping)
        elif self.own_site and (article := self.own_article(post)):
            self.summary.already_articles += 1
        else:
            article = self.create_article(post)
            self.record_post(post, article)
        added = CommentImport(self, post, article).run()
        if added:
            discussion_changed([article.pk])

    def skip_reason(self, post: wxr.Post) -> str:
        if post.type == "page" and not self.pages:
            return "pages (import them too with --pages)"
        if post.type == "attachment":
            return "attachments (images stay linked from the articles)"
        if post.type not in {"post", "page"}:
            return f"items of type “{post.type[:40] or 'none'}”"
        if post.status in {"trash", "auto-draft", "inherit"}:
            return f"posts in status “{post.status}”"
        if post.status not in POST_STATUSES:
            self.problem(
                post.line,
                f"post {post.id}: its status “{post.status[:40]}” is not one WordPress gives "
                "posts: skipped with its comments.",
            )
            return "posts with an unknown status"
        return ""

    def skip(self, reason: str, post: wxr.Post) -> None:
        self.summary.skipped[reason] += 1
        if post.comments:
            self.summary.skipped["comments on items not imported"] += len(post.comments)
            self.problem(
                post.line,
                f"{post.type or 'item'} {post.id or '?'} is not imported ({reason}), "
                f"and neither are its {_count(len(post.comments), 'comment')}.",
            )

    def own_article(self, post: wxr.Post) -> Article | None:
        """In a file this blog exported, the article with the post's id and slug, if here."""
        return Article.objects.filter(pk=int(post.id), slug=post.name).first()

    def check_changed(self, post: wxr.Post, mapping: ImportedPost) -> None:
        modified = _date(post.modified_gmt)
        if modified and mapping.wp_modified and modified > mapping.wp_modified:
            self.problem(
                post.line,
                f"post {post.id} changed on WordPress since it was imported; the article here "
                f"(/{mapping.article.slug}) is kept as it is: bring the change over by hand.",
            )

    def create_article(self, post: wxr.Post) -> Article:
        where = f"post {post.id}"
        title = _plain(post.title)
        if not title:
            self.problem(post.line, f'{where} has no title: imported as "{UNTITLED}".')
            title = UNTITLED
        if len(title) > TITLE_LENGTH:
            self.problem(post.line, f"{where}: its title was cut to {TITLE_LENGTH} characters.")
            title = Truncator(title).chars(TITLE_LENGTH)

        status = POST_STATUSES[post.status]
        if post.password:
            status = Article.Status.DRAFT
            self.problem(
                post.line,
                f"{where} is password-protected on WordPress: imported as a draft, since "
                "articles here are public or not.",
            )
        elif post.status == "private":
            self.problem(post.line, f"{where} is private on WordPress: imported as a draft.")

        published_at = self.post_date(post, where, status)
        body = self.body(post, where)
        article = Article(
            title=title,
            slug=self.free_slug(post, title),
            standfirst=self.standfirst(post, where),
            body=body,
            status=status,
            published_at=published_at,
            comments_open=post.comment_status != "closed",
            comments_close_at=_date(post.meta.get(CLOSE_AT_META, ""), iso=True),
        )
        wanted = self.wanted_slug(post, title)
        if self.adopt and (same := self.same_article(wanted, title)):
            self.problem(
                post.line,
                f"{where} is the article already here at “{same.slug}” (same address and "
                "title): its comments and old links go to it; its text is kept.",
            )
            self.summary.matched += 1
            return same
        if article.slug != wanted:
            self.summary.renamed += 1
            self.problem(
                post.line,
                f"{where}: the address “{wanted}” is taken by another article here, so this "
                f"one is “{article.slug}”; the other is left as it was.",
            )
        article.save()
        if post.type == "page":
            self.summary.pages += 1
        self.summary.articles += 1
        return article

    def post_date(self, post: wxr.Post, where: str, status: str) -> datetime:
        if published_at := _date(post.date_gmt):
            pass
        elif published_at := _date(post.date):
            if status == Article.Status.PUBLISHED:
                self.problem(
                    post.line,
                    f"{where} has no GMT date: its local date was taken as UTC "
                    "(the export does not say the old site's time zone).",
                )
        else:
            if status == Article.Status.PUBLISHED:
                self.problem(post.line, f"{where} has no date: dated now, the time of import.")
            published_at = self.now
        if published_at > self.now and status == Article.Status.PUBLISHED:
            self.problem(
                post.line,
                f"{where} is dated in the future ({published_at:%Y-%m-%d %H:%M} UTC): "
                "it is published, and stays hidden until then.",
            )
        return published_at

    def body(self, post: wxr.Post, where: str) -> str:
        markdown = post.meta.get(MARKDOWN_META)
        digest = hashlib.sha256(post.content.encode()).hexdigest()
        if markdown is not None and post.meta.get(HTML_HASH_META) == digest:
            # Written by this blog's export and unchanged since: the Markdown as it was.
            return markdown
        converted = post_markdown(post.content)
        if converted.shortcodes:
            names = ", ".join(f"[{name}]" for name in converted.shortcodes)
            self.problem(
                post.line,
                f"{where} uses shortcodes this blog does not run ({names}): kept as text.",
            )
        return converted.markdown

    def standfirst(self, post: wxr.Post, where: str) -> str:
        text = re.sub(r"\s+", " ", _plain(post.excerpt)).strip()
        if len(text) > STANDFIRST_LENGTH:
            self.problem(
                post.line, f"{where}: its excerpt was cut to {STANDFIRST_LENGTH} characters."
            )
            text = Truncator(text).chars(STANDFIRST_LENGTH)
        return text

    def wanted_slug(self, post: wxr.Post, title: str) -> str:
        name = slugify(unquote(post.name))[:SLUG_LENGTH].strip("-")
        return name or slugify(title)[:SLUG_LENGTH].strip("-") or f"post-{post.id}"

    def free_slug(self, post: wxr.Post, title: str) -> str:
        """The post's name as a slug, or the first free "name-2", "name-3"…"""
        wanted = self.wanted_slug(post, title)
        slug, number = wanted, 1
        while Article.objects.filter(slug=slug).exists():
            number += 1
            suffix = f"-{number}"
            slug = wanted[: SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        return slug

    def same_article(self, slug: str, title: str) -> Article | None:
        """The article here at this slug if it has this title and came from no import."""
        candidate = Article.objects.filter(slug=slug).first()
        if (
            candidate is not None
            and _folded(candidate.title) == _folded(title)
            and not candidate.wordpress_posts.exists()
        ):
            return candidate
        return None

    def record_post(self, post: wxr.Post, article: Article) -> None:
        ImportedPost.objects.create(
            site=self.site,
            wp_id=int(post.id),
            wp_type=post.type,
            wp_slug=unquote(post.name).lower()[:200],
            old_path=old_path(post.link, self.site)[:500],
            wp_modified=_date(post.modified_gmt),
            article=article,
        )


class CommentImport:
    """The comments, pingbacks and trackbacks of one post, imported onto its article."""

    def __init__(self, importer: Importer, post: wxr.Post, article: Article):
        self.importer = importer
        self.post = post
        self.article = article
        self.summary = importer.summary

    def problem(self, entry: wxr.Comment, message: str) -> None:
        self.importer.problem(
            entry.line, f"comment {entry.id or '?'} on post {self.post.id}: {message}"
        )

    def run(self) -> int:
        """Import what is new; return how many comments and mentions were added."""
        entries: dict[int, wxr.Comment] = {}
        for entry in self.post.comments:
            if (wp_id := parse_id(entry.id)) is None:
                self.problem(entry, "its id is not a number: skipped.")
                self.summary.skipped["comments without an id"] += 1
            elif wp_id in entries:
                self.problem(entry, "the same id appears twice in this post: the second skipped.")
                self.summary.skipped["comments repeated in the file"] += 1
            else:
                entries[wp_id] = entry
        known = self.known(entries)
        new = {wp_id: entry for wp_id, entry in entries.items() if wp_id not in known}
        self.summary.already_comments += len(entries) - len(new)

        pings = {wp_id: entry for wp_id, entry in new.items() if entry.type in PING_TYPES}
        comments = {}
        for wp_id, entry in new.items():
            if entry.type in COMMENT_TYPES:
                comments[wp_id] = entry
            elif wp_id not in pings:
                self.problem(entry, f"its type “{entry.type[:40]}” is not a comment: skipped.")
                self.summary.skipped[f"comments of type “{entry.type[:40]}”"] += 1
        added = self.import_mentions(pings)
        return added + self.import_comments(comments, known, set(pings))

    def known(self, entries: dict[int, wxr.Comment]) -> dict[int, Comment | None]:
        """What of these is already here: WordPress id → its comment (None: not a comment)."""
        rows = ImportedComment.objects.filter(
            site=self.importer.site, wp_id__in=list(entries)
        ).select_related("comment")
        known = {row.wp_id: row.comment for row in rows}
        if self.importer.own_site:
            # This blog's own export: its ids are the comments' own, and a mention
            # is known by its address and time.
            for comment in self.article.comments.filter(pk__in=list(entries)):
                known.setdefault(comment.pk, comment)
            mentions = set(self.article.mentions.values_list("url", "created_at"))
            for wp_id, entry in entries.items():
                if entry.type in PING_TYPES and (
                    entry.author_url.strip(),
                    _date(entry.date_gmt),
                ) in (mentions):
                    known.setdefault(wp_id, None)
        return known

    # Mentions -----------------------------------------------------------------

    def import_mentions(self, pings: dict[int, wxr.Comment]) -> int:
        for wp_id, entry in pings.items():
            status = self.status(entry)
            mention = Mention.objects.create(
                article=self.article,
                kind=PING_TYPES[entry.type],
                title=Truncator(_plain(entry.author) or "A page elsewhere").chars(
                    MENTION_TITLE_LENGTH
                ),
                url=self.web_address(entry, MENTION_URL_LENGTH),
                excerpt=comment_text(entry.content),
                status=status,
                created_at=self.date(entry),
            )
            ImportedComment.objects.create(site=self.importer.site, wp_id=wp_id, mention=mention)
            self.summary.mentions += 1
        return len(pings)

    # Comments -----------------------------------------------------------------

    def import_comments(
        self, entries: dict[int, wxr.Comment], known: dict[int, Comment | None], pings: set[int]
    ) -> int:
        if not entries:
            return 0
        parents = self.parents(entries, known, pings)
        reserve_ids(Comment, max(entries))
        taken = dict(Comment.objects.filter(pk__in=list(entries)).values_list("pk", "article_id"))
        created: dict[int, Comment] = {}
        # Parents before their replies: one insert per level of the threads.
        level = [wp_id for wp_id in entries if not isinstance(parents[wp_id], int)]
        while level:
            batch = [
                self.build(wp_id, entries[wp_id], parents[wp_id], created, taken) for wp_id in level
            ]
            Comment.objects.bulk_create(batch)
            created.update(zip(level, batch, strict=True))
            placed = set(level)
            level = [
                wp_id
                for wp_id, parent in parents.items()
                if isinstance(parent, int) and parent in placed
            ]
        ImportedComment.objects.bulk_create(
            ImportedComment(site=self.importer.site, wp_id=wp_id, comment=comment)
            for wp_id, comment in created.items()
        )
        return len(created)

    def parents(
        self, entries: dict[int, wxr.Comment], known: dict[int, Comment | None], pings: set[int]
    ) -> dict[int, int | Comment | None]:
        """
        Each new comment's parent: the WordPress id of a new one, a comment already
        here, or None (top level). Missing parents, a comment answering itself and
        loops are reported, and the comment that would close a loop goes top level.
        """
        parents: dict[int, int | Comment | None] = {}
        for wp_id, entry in entries.items():
            if (parent := parse_id(entry.parent or "0")) is None:
                self.problem(entry, "its parent is not a number: imported as a top-level comment.")
                parents[wp_id] = None
            elif parent == 0:
                parents[wp_id] = None
            elif parent == wp_id:
                self.problem(entry, "it answers itself: imported as a top-level comment.")
                parents[wp_id] = None
            elif parent in entries:
                parents[wp_id] = parent
            elif (here := known.get(parent)) is not None and here.article_id == self.article.pk:
                parents[wp_id] = here
            elif parent in pings or (parent in known and known[parent] is None):
                self.problem(
                    entry,
                    f"it answers {parent}, which is a pingback or trackback here, not a comment: "
                    "imported as a top-level comment.",
                )
                parents[wp_id] = None
            else:
                self.problem(
                    entry,
                    f"the comment it answers ({parent}) is not in this post: imported as a "
                    "top-level comment.",
                )
                parents[wp_id] = None
        for wp_id in sorted(entries):
            chain = [wp_id]
            while isinstance(parent := parents[chain[-1]], int) and parent not in chain:
                chain.append(parent)
            if isinstance(parent, int):
                loop = chain[chain.index(parent) :]
                first = min(loop)
                self.problem(
                    entries[first],
                    "its thread loops back on itself ("
                    + " → ".join(str(item) for item in [*loop, loop[0]])
                    + "): imported as a top-level comment.",
                )
                parents[first] = None
        return parents

    def build(
        self,
        wp_id: int,
        entry: wxr.Comment,
        parent: int | Comment | None,
        created: dict[int, Comment],
        taken: dict[int, int],
    ) -> Comment:
        if isinstance(parent, int):
            parent = created[parent]
        status = self.status(entry)
        reason = HELD_REASONS.get(status, "")
        if status == Comment.Status.APPROVED and waits_for_parent(parent):
            status, reason = Comment.Status.PENDING, PARENT_NOT_APPROVED
            self.summary.held_for_parent += 1
        reason = entry.meta.get(HELD_REASON_META, reason) if status != "approved" else ""
        comment = Comment(
            pk=None if wp_id in taken else wp_id,
            article=self.article,
            parent=parent,
            depth=Comment.depth_under(parent),
            author_name=self.name(entry),
            author_email=self.email(entry),
            author_url=self.web_address(entry, URL_LENGTH),
            body=comment_text(entry.content),
            status=status,
            created_at=self.date(entry),
            ip_address=self.ip_address(entry),
            user_agent=strip_control_characters(entry.agent.strip())[:AGENT_LENGTH],
            held_reason=reason[:REASON_LENGTH],
        )
        if wp_id in taken:
            if taken[wp_id] == self.article.pk:
                self.problem(
                    entry,
                    f"its id is held by another comment of the same article here, so old "
                    f"#comment-{wp_id} links land on that one.",
                )
            else:
                comment.former_id = wp_id
        self.summary.comments[Comment.Status(status)] += 1
        return comment

    def status(self, entry: wxr.Comment) -> str:
        if (status := COMMENT_STATUSES.get(entry.approved)) is None:
            self.problem(entry, f"its status “{entry.approved[:20]}” is unknown: held for review.")
            return Comment.Status.PENDING
        return status

    def name(self, entry: wxr.Comment) -> str:
        name = strip_control_characters(_plain(entry.author)).strip() or "Anonymous"
        if len(name) > NAME_LENGTH:
            self.problem(entry, f"its author's name was cut to {NAME_LENGTH} characters.")
            name = Truncator(name).chars(NAME_LENGTH)
        return name

    def email(self, entry: wxr.Comment) -> str:
        """The address, if it is one; never repeated in a report, even when it is not."""
        email = entry.author_email.strip()
        if not email:
            return ""
        try:
            validate_email(email)
        except ValidationError:
            self.problem(entry, "its author's email is not an address: stored without one.")
            return ""
        return email

    def web_address(self, entry: wxr.Comment, length: int) -> str:
        url = entry.author_url.strip()
        if not url:
            return ""
        try:
            is_web_address(url)
        except ValidationError:
            self.problem(entry, "its website is not a web address: stored without one.")
            return ""
        if len(url) > length:
            self.problem(
                entry, f"its website is longer than {length} characters: stored without one."
            )
            return ""
        return url

    def ip_address(self, entry: wxr.Comment) -> str | None:
        address = entry.author_ip.strip()
        if not address:
            return None
        try:
            validate_ipv46_address(address)
        except ValidationError:
            self.problem(entry, "its IP address is not one: stored without it.")
            return None
        return address

    def date(self, entry: wxr.Comment) -> datetime:
        now = self.importer.now
        if created := _date(entry.date_gmt):
            pass
        elif created := _date(entry.date):
            self.problem(entry, "it has no GMT date: its local date was taken as UTC.")
        else:
            self.problem(entry, "it has no date: dated now, the time of import.")
            created = now
        if created > now:
            self.problem(entry, f"it is dated in the future ({created:%Y-%m-%d %H:%M} UTC).")
        return created


def reserve_ids(model, highest: int) -> None:
    """
    Keep the id sequence past ``highest``, before rows are inserted with their own ids.

    PostgreSQL's sequence does not move for rows given an id: without this, the
    next comment posted would be handed one of them (and fail). SQLite's
    AUTOINCREMENT follows an explicit id only once it is inserted, so a comment
    given a new id before it could take one still to come. Moving the sequence
    first, and only ever forward, also keeps a reader posting during the import
    off those ids.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "GREATEST(%s, nextval(pg_get_serial_sequence(%s, 'id'))))",
                [table, highest, table],
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [highest, table]
            )
            if not cursor.rowcount:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, highest]
                )


def old_path(link: str, site: WordPressSite) -> str:
    """A permalink's path under the old site's, as redirects look it up ("" for none)."""
    parts = urlsplit(link)
    if parts.query or not parts.path.strip("/"):
        return ""  # Plain permalinks (?p=ID) are found by id.
    path = unquote(parts.path).rstrip("/")
    base = unquote(urlsplit(site.url).path).rstrip("/")
    if base and path.startswith(base + "/"):
        path = path[len(base) :]
    return path.strip("/").lower()


def _plain(markup: str) -> str:
    """WordPress stores titles and names as HTML: their text."""
    return html.unescape(strip_tags(markup)).strip()


def _folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _date(value: str, iso: bool = False) -> datetime | None:
    """A WordPress date ("2025-01-15 09:00:00", UTC) or an ISO one; None if none or bad."""
    value = value.strip()
    if value in NO_DATE:
        return None
    try:
        parsed = (
            datetime.fromisoformat(value) if iso else datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
        )
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
