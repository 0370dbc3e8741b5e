"""
Categories, tags and authors of a WordPress blog: read from its export, written back into
ours, and their old addresses.

- Import (``TaxonomyImport``): the channel's ``wp:category``, ``wp:tag`` and ``wp:term``
  entries become categories (with their nesting) and tags, with their names, slugs and
  descriptions; ``wp:author`` entries become bylines (``blog.models.Author``: a name and
  the login as its address, never an account and never the email address the export
  holds); each post's ``<category>`` elements and ``dc:creator`` file its article. A term
  is known by its slug, so importing again, or a second blog with the same tags, adds
  nothing twice; a name or description already here is kept as it is.
- Export (``channel_terms``, ``item_terms``): written back in WordPress's own form, so the
  round trip keeps them.
- Old addresses (``old_address_target``): ``/category/<parent>/<child>/``, ``/tag/<slug>/``,
  ``/author/<name>/``, ``/<year>/<month>/``, ``/<year>/``, ``/page/<n>/``, each with its
  page number and its ``/feed/`` form, lead to the page here (wordpress/redirects.py).
"""

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify

from blog.models import Article, Author, Category, Tag, Topic

NAME_LENGTH = Tag._meta.get_field("name").max_length
SLUG_LENGTH = Tag._meta.get_field("slug").max_length
DESCRIPTION_LENGTH = 2000
YEAR = re.compile(r"^(19|2[0-1])[0-9]{2}$")
MONTH = re.compile(r"^(0?[1-9]|1[0-2])$")
DAY = re.compile(r"^(0?[1-9]|[12][0-9]|3[01])$")
NUMBER = re.compile(r"^[1-9][0-9]{0,5}$")
UNCATEGORIZED = "uncategorized"
# The login this blog's export gives articles without a byline (and the site itself).
SITE_AUTHOR = "relief-notes"
FEED_FORMS = {"rss2", "rss", "rdf", "atom"}
TOPIC_BASES = {"category": Category, "tag": Tag, "author": Author}


# Reading ----------------------------------------------------------------------------------


@dataclass
class Term:
    """A category or tag as the export declares it."""

    line: int
    taxonomy: str  # "category" or "post_tag"
    slug: str
    name: str
    parent: str = ""  # a category's parent's slug
    description: str = ""


@dataclass
class Person:
    """A ``wp:author``: the login (its address on WordPress) and its display name, nothing else."""

    line: int
    login: str
    name: str


@dataclass
class Filing:
    """What one post is filed under: its ``<category>`` elements and its ``dc:creator``."""

    categories: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    tags: list[tuple[str, str]] = field(default_factory=list)
    creator: str = ""


def term_from(kind: str, line: int, fields: dict[str, str]) -> Term | Person | None:
    """A channel entry (``wp:category``, ``wp:tag``, ``wp:term``, ``wp:author``) as read."""
    tag = "wp:" + kind.removeprefix("wp:")

    def text(name: str) -> str:
        return fields.get(name, "")

    if tag == "wp:author":
        return Person(line, text("wp:author_login").strip(), text("wp:author_display_name"))
    if tag == "wp:category":
        return Term(
            line,
            "category",
            text("wp:category_nicename").strip(),
            text("wp:cat_name"),
            text("wp:category_parent").strip(),
            text("wp:category_description"),
        )
    if tag == "wp:tag":
        return Term(
            line,
            "post_tag",
            text("wp:tag_slug").strip(),
            text("wp:tag_name"),
            "",
            text("wp:tag_description"),
        )
    if tag == "wp:term":
        return Term(
            line,
            text("wp:term_taxonomy").strip(),
            text("wp:term_slug").strip(),
            text("wp:term_name"),
            text("wp:term_parent").strip(),
            text("wp:term_description"),
        )
    return None


def login_slug(login: str) -> str:
    """The address WordPress gives a login's author page (its nicename: dots become dashes)."""
    return login.replace(".", "-")


def filing(post) -> Filing:
    """What a post (``wxr.Post``) is filed under, as its ``<category>`` elements say."""
    found = Filing(creator=post.creator)
    for domain, nicename, name in post.terms:
        if domain == "category":
            found.categories.append((nicename or name, name))
        elif domain == "post_tag":
            found.tags.append((nicename or name, name))
    return found


def plain(markup: str) -> str:
    """WordPress keeps term names as HTML (``Shoes &amp; insoles``): their text, one line."""
    return re.sub(r"\s+", " ", html.unescape(strip_tags(markup))).strip()


# Importing --------------------------------------------------------------------------------


class TaxonomyImport:
    """The terms and authors of one import run; ``problem(line, sentence)`` reports."""

    def __init__(self, problem: Callable[[int, str], None]):
        self.problem = problem
        self.created = {"categories": 0, "tags": 0, "authors": 0}
        self.parents: list[tuple[Term, Category]] = []
        self.authors: dict[str, Author] = {}

    def declare(self, entry: Term | Person) -> None:
        """A channel entry: the category, tag or author, made here unless it is already."""
        if isinstance(entry, Person):
            if entry.login != SITE_AUTHOR:
                # Remembered by login: posts name their author by it (dc:creator).
                name = entry.name or entry.login
                self.authors[entry.login] = self.topic(
                    Author, login_slug(entry.login), name, entry.line
                )
        elif entry.taxonomy == "category":
            category = self.topic(Category, entry.slug, entry.name, entry.line, entry.description)
            if category is not None and entry.parent:
                self.parents.append((entry, category))
        elif entry.taxonomy == "post_tag":
            self.topic(Tag, entry.slug, entry.name, entry.line, entry.description)
        # Other taxonomies (nav_menu, post_format, a plugin's) have nothing to become here.

    def settle_parents(self) -> None:
        """Nest the categories once all are declared (a child may come before its parent)."""
        for entry, category in self.parents:
            parent = Category.objects.filter(slug=self.slug(entry.parent)).first()
            if parent is None:
                self.problem(
                    entry.line,
                    f"category “{category.slug}” sits inside “{entry.parent[:100]}”, which the "
                    "export does not declare: imported at the top.",
                )
            elif category.parent_id is not None:
                continue  # Nested here already: kept as it is.
            elif parent.pk in category.descendant_ids():
                self.problem(
                    entry.line,
                    f"category “{category.slug}” would sit inside itself: imported at the top.",
                )
            else:
                category.parent = parent
                category.save(update_fields=["parent"])
        self.parents = []

    def slug(self, raw: str) -> str:
        return slugify(unquote(raw))[:SLUG_LENGTH].strip("-")

    def topic(
        self, model: type[Topic], raw_slug: str, raw_name: str, line: int, description: str = ""
    ) -> Topic | None:
        """The topic of this slug, made if new; None (reported) when it can have no address."""
        noun = {Category: "category", Tag: "tag", Author: "author"}[model]
        name = plain(raw_name)
        slug = self.slug(raw_slug) or self.slug(name)
        if not slug and name:
            # A name in a script slugs cannot hold (日本語): an address made from it, the same
            # on every run.
            slug = f"{noun}-{hashlib.sha256(name.encode()).hexdigest()[:10]}"
        if slug == UNCATEGORIZED and model is Category:
            return None  # WordPress's stand-in for "no category", which articles here may have.
        if not slug:
            self.problem(line, f"a {noun} with no name or slug that makes an address: skipped.")
            return None
        if (known := model.objects.filter(slug=slug).first()) is not None:
            return known
        if len(name) > NAME_LENGTH:
            self.problem(line, f"{noun} “{slug}”: its name was cut to {NAME_LENGTH} characters.")
            name = Truncator(name).chars(NAME_LENGTH)
        # Paragraphs kept; as HTML in the file (this blog's export escapes it), as text here.
        description = html.unescape(strip_tags(description)).strip()
        if len(description) > DESCRIPTION_LENGTH:
            self.problem(
                line,
                f"{noun} “{slug}”: its description was cut to {DESCRIPTION_LENGTH} characters.",
            )
            description = Truncator(description).chars(DESCRIPTION_LENGTH)
        topic = model.objects.create(name=name or slug, slug=slug, description=description)
        self.created[{Category: "categories", Tag: "tags", Author: "authors"}[model]] += 1
        return topic

    def author(self, login: str, line: int) -> Author | None:
        """The byline of this login: declared by the channel, or made from the login alone."""
        if (author := self.authors.get(login)) is not None:
            return author
        return self.topic(Author, login_slug(login), login, line)

    def file(self, article: Article, filing: Filing, line: int) -> None:
        """File a newly imported article under its post's categories, tags and author."""
        categories = [self.topic(Category, slug, name, line) for slug, name in filing.categories]
        tags = [self.topic(Tag, slug, name, line) for slug, name in filing.tags]
        if categories := [category for category in categories if category is not None]:
            article.categories.add(*categories)
        if tags := [tag for tag in tags if tag is not None]:
            article.tags.add(*tags)
        creator = filing.creator
        if creator and creator != SITE_AUTHOR and (author := self.author(creator, line)):
            # Saved, not updated: the author's pages leave nginx's cache (serving/purge.py).
            article.author = author
            article.save(update_fields=["author", "updated_at"])

    def summary(self) -> str:
        singular = {"categories": "category", "tags": "tag", "authors": "author"}
        made = [
            f"{count} {noun if count != 1 else singular[noun]}"
            for noun, count in self.created.items()
            if count
        ]
        return f"New here: {', '.join(made)}." if made else ""


# Exporting --------------------------------------------------------------------------------


def channel_terms(cdata: Callable[[str], str]) -> str:
    """Every author, category and tag, as WordPress 6.1 writes them at the top of its export."""
    lines = []
    for number, author in enumerate(Author.objects.order_by("pk"), start=2):
        lines.append(
            f"\t<wp:author><wp:author_id>{number}</wp:author_id>"
            f"<wp:author_login>{cdata(author.slug)}</wp:author_login>"
            f"<wp:author_email>{cdata('')}</wp:author_email>"
            f"<wp:author_display_name>{cdata(html.escape(author.name, quote=False))}"
            "</wp:author_display_name>"
            f"<wp:author_first_name>{cdata('')}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata('')}</wp:author_last_name></wp:author>\n"
        )
    categories = list(Category.objects.select_related("parent").order_by("pk"))
    for category in parents_first(categories):
        parent = category.parent.slug if category.parent else ""
        lines.append(
            f"\t<wp:category>\n\t\t<wp:term_id>{term_id(category)}</wp:term_id>\n"
            f"\t\t<wp:category_nicename>{cdata(category.slug)}</wp:category_nicename>\n"
            f"\t\t<wp:category_parent>{cdata(parent)}</wp:category_parent>\n"
            f"\t\t<wp:cat_name>{cdata(html.escape(category.name, quote=False))}</wp:cat_name>\n"
            f"\t\t<wp:category_description>{cdata(html.escape(category.description, quote=False))}"
            "</wp:category_description>\n\t</wp:category>\n"
        )
    tags = list(Tag.objects.order_by("pk"))
    for tag in tags:
        lines.append(
            f"\t<wp:tag>\n\t\t<wp:term_id>{term_id(tag)}</wp:term_id>\n"
            f"\t\t<wp:tag_slug>{cdata(tag.slug)}</wp:tag_slug>\n"
            f"\t\t<wp:tag_name>{cdata(html.escape(tag.name, quote=False))}</wp:tag_name>\n"
            f"\t\t<wp:tag_description>{cdata(html.escape(tag.description, quote=False))}"
            "</wp:tag_description>\n"
            "\t</wp:tag>\n"
        )
    # WordPress 6.1 repeats every term in its generic form too.
    for topic, taxonomy in [
        *((c, "category") for c in categories),
        *((t, "post_tag") for t in tags),
    ]:
        parent = topic.parent.slug if taxonomy == "category" and topic.parent else ""
        lines.append(
            f"\t<wp:term>\n\t\t<wp:term_id>{term_id(topic)}</wp:term_id>\n"
            f"\t\t<wp:term_taxonomy>{cdata(taxonomy)}</wp:term_taxonomy>\n"
            f"\t\t<wp:term_slug>{cdata(topic.slug)}</wp:term_slug>\n"
            f"\t\t<wp:term_parent>{cdata(parent)}</wp:term_parent>\n"
            f"\t\t<wp:term_name>{cdata(html.escape(topic.name, quote=False))}</wp:term_name>\n"
            f"\t\t<wp:term_description>{cdata(html.escape(topic.description, quote=False))}"
            "</wp:term_description>\n"
            "\t</wp:term>\n"
        )
    return "".join(lines)


def term_id(topic: Topic) -> int:
    """Categories and tags share WordPress's term ids: tags are numbered after categories."""
    # 1 is WordPress's "Uncategorized"; tags start a million further on.
    return 1 + topic.pk + (1_000_000 if isinstance(topic, Tag) else 0)


def parents_first(categories: list[Category]) -> list[Category]:
    """Each category after the one it sits inside, as WordPress's importer wants them."""
    placed: set[int] = set()
    ordered: list[Category] = []
    remaining = categories
    while remaining:
        ready = [c for c in remaining if c.parent_id is None or c.parent_id in placed]
        if not ready:  # a loop made outside the admin: written as it is
            ready = remaining
        ordered += ready
        placed |= {c.pk for c in ready}
        remaining = [c for c in remaining if c.pk not in placed]
    return ordered


def item_terms(article: Article, cdata: Callable[[str], str]) -> tuple[str, str]:
    """The post's ``dc:creator`` login and its ``<category>`` elements."""
    elements = []
    for category in article.categories.all():
        elements.append(
            f'\t\t<category domain="category" nicename="{html.escape(category.slug)}">'
            f"{cdata(html.escape(category.name, quote=False))}</category>\n"
        )
    for tag in article.tags.all():
        elements.append(
            f'\t\t<category domain="post_tag" nicename="{html.escape(tag.slug)}">'
            f"{cdata(html.escape(tag.name, quote=False))}</category>\n"
        )
    creator = article.author.slug if article.author else ""
    return creator, "".join(elements)


# Old addresses ----------------------------------------------------------------------------


def old_address_target(relative: str) -> str | None:
    """
    Where an old topic, archive or page-of-posts address now points; None if it is not one.

    ``relative`` is the path under the old blog's, without slashes at the ends, lowercase.
    """
    segments = [unquote(segment) for segment in relative.split("/") if segment]
    feed = False
    if len(segments) >= 2 and segments[-2] == "feed" and segments[-1] in FEED_FORMS:
        segments, feed = segments[:-2], True
    elif segments and segments[-1] == "feed":
        segments, feed = segments[:-1], True
    page = 1
    if len(segments) >= 2 and segments[-2] == "page" and NUMBER.match(segments[-1]):
        page, segments = int(segments[-1]), segments[:-2]
    if not segments:
        if page > 1 and not feed:
            return f"{reverse('blog:home')}?page={page}"
        return None
    base = segments[0]
    if base in TOPIC_BASES and len(segments) >= 2:
        topic = TOPIC_BASES[base].objects.filter(slug=slugify(segments[-1])).first()
        if topic is None:
            return None
        if feed:
            return topic.get_feed_url()
        return topic.get_absolute_url() + (f"?page={page}" if page > 1 else "")
    if YEAR.match(base) and len(segments) <= 3:
        year = int(base)
        months = segments[1:2]
        if months and not MONTH.match(months[0]):
            return None
        if len(segments) == 3 and not DAY.match(segments[2]):
            return None
        if feed:
            return reverse("blog:feed")
        published = Article.objects.published().filter(published_at__year=year)
        if months:
            month = int(months[0])
            if not published.filter(published_at__month=month).exists():
                return None
            path = reverse("blog:archive-month", kwargs={"year": year, "month": month})
        elif published.exists():
            path = reverse("blog:archive-year", kwargs={"year": year})
        else:
            return None
        return path + (f"?page={page}" if page > 1 else "")
    return None
