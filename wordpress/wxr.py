"""
Reading a WordPress export (WXR 1.0 to 1.2) as a stream: the site, then each post.

The file is fed in chunks to defusedxml's parser, which refuses entity
declarations (the "billion laughs") and external references (a file read from
this server, or a URL fetched) before anything is expanded. Each ``<item>`` is
handed on as a ``Post`` as soon as it closes and forgotten, so memory stays that
of one post whatever the size of the file. Every post and comment carries the
line it starts on, for reports.

WordPress writes the ``wp:`` namespace with its version in it
(``http://wordpress.org/export/1.2/``); any of the known versions is read.
"""

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

VERSIONS = ("1.0", "1.1", "1.2")
CHUNK_BYTES = 64 * 1024
# Short names for the namespaces WordPress uses; "wp:" holds the version in its URI.
PREFIXES = {
    "http://purl.org/rss/1.0/modules/content/": "content:",
    "http://purl.org/dc/elements/1.1/": "dc:",
    "http://wellformedweb.org/CommentAPI/": "wfw:",
}
WORDPRESS_NAMESPACE = "http://wordpress.org/export/"
# Elements of the channel worth keeping: its address, version and name.
CHANNEL_FIELDS = {"title", "link", "wp:wxr_version", "wp:base_site_url", "wp:base_blog_url"}
# Terms and authors the channel declares (wordpress/taxonomy.py reads them).
CHANNEL_COUNTED = {"wp:author", "wp:category", "wp:tag", "wp:term"}


class WxrError(Exception):
    """The file cannot be read on from here: not XML, not an export, or refused."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Site:
    """What the export says of the blog it came from."""

    version: str
    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""

    @property
    def url(self) -> str:
        """The blog's own address: in a multisite network each blog has its own."""
        return (self.base_blog_url or self.base_site_url or self.link).strip().rstrip("/")


@dataclass
class Comment:
    """One ``wp:comment`` of a post, its fields as text, as the file has them."""

    line: int
    id: str = ""
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    agent: str = ""
    date: str = ""
    date_gmt: str = ""
    content: str = ""
    approved: str = ""
    type: str = ""
    parent: str = ""
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Post:
    """One ``<item>``: a post, page, attachment or other, with its comments."""

    line: int
    id: str = ""
    type: str = ""
    status: str = ""
    title: str = ""
    name: str = ""
    link: str = ""
    content: str = ""
    excerpt: str = ""
    date: str = ""
    date_gmt: str = ""
    modified_gmt: str = ""
    comment_status: str = ""
    password: str = ""
    attachment_url: str = ""  # an attachment's file on the old site (wordpress/attachments.py)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    # Its <category domain="…" nicename="…">name</category> elements, and dc:creator.
    terms: list[tuple[str, str, str]] = field(default_factory=list)
    creator: str = ""


@dataclass
class Stray:
    """A comment outside any post: reported, never imported."""

    line: int


@dataclass
class Counted:
    """An author, category, tag or term the channel declares, its fields as text."""

    kind: str
    line: int = 0
    fields: dict[str, str] = field(default_factory=dict)


class _Node:
    __slots__ = ("tag", "line", "children", "parts", "attrib")

    def __init__(self, tag: str, line: int, attrib: dict | None = None):
        self.tag, self.line, self.children, self.parts = tag, line, [], []
        self.attrib = attrib or {}

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def child_text(self, tag: str) -> str:
        for child in self.children:
            if child.tag == tag:
                return child.text
        return ""


def short_name(tag: str) -> str:
    """``{http://wordpress.org/export/1.2/}post_id`` as ``wp:post_id``, and so on."""
    if not tag.startswith("{"):
        return tag
    namespace, _, local = tag[1:].partition("}")
    if namespace.startswith(WORDPRESS_NAMESPACE):
        return f"excerpt:{local}" if namespace.rstrip("/").endswith("excerpt") else f"wp:{local}"
    return PREFIXES.get(namespace, f"{{{namespace}}}") + local


class _Collector:
    """The parser's target: builds each item as a small tree, and queues what is done."""

    def __init__(self) -> None:
        self.line: Callable[[], int] = lambda: 0
        self.path: list[str] = []
        self.nodes: list[_Node] = []
        self.channel: dict[str, str] = {}
        self.site: Site | None = None
        self.ready: deque = deque()

    def start(self, tag: str, attrib: dict) -> None:
        tag = short_name(tag)
        self.path.append(tag)
        depth = len(self.path)
        if depth == 1 and tag != "rss":
            raise WxrError(
                f"this is XML, but not a WordPress export: it starts with <{tag}>, not <rss>.",
                self.line(),
            )
        if depth == 3 and self.path[1] == "channel" and tag == "item":
            self._announce_site()
        if depth >= 3 and self.path[1] == "channel":
            node = _Node(tag, self.line(), attrib if tag == "category" else None)
            if self.nodes:
                self.nodes[-1].children.append(node)
            self.nodes.append(node)

    def data(self, text: str) -> None:
        if self.nodes:
            self.nodes[-1].parts.append(text)

    def end(self, tag: str) -> None:
        depth = len(self.path)
        self.path.pop()
        if depth < 3 or not self.nodes:
            return
        node = self.nodes.pop()
        if depth != 3:
            return
        if node.tag == "item":
            self.ready.append(_post(node))
        elif node.tag == "wp:comment":
            self.ready.append(Stray(node.line))
        elif node.tag in CHANNEL_COUNTED:
            fields = {child.tag: child.text for child in node.children}
            self.ready.append(Counted(node.tag.removeprefix("wp:"), node.line, fields))
        elif node.tag in CHANNEL_FIELDS:
            self.channel[node.tag] = node.text.strip()
            if node.tag == "wp:wxr_version" and node.text.strip() not in VERSIONS:
                raise WxrError(
                    f"this export is WXR version {node.text.strip()[:20]!r}; this importer "
                    f"reads versions {', '.join(VERSIONS)}.",
                    node.line,
                )

    def close(self) -> None:
        if not self.path and self.site is None and "wp:wxr_version" not in self.channel:
            raise WxrError("this is RSS, but not a WordPress export: it has no wp:wxr_version.")
        self._announce_site()

    def _announce_site(self) -> None:
        if self.site is not None:
            return
        if "wp:wxr_version" not in self.channel:
            raise WxrError(
                "this is RSS, but not a WordPress export: no wp:wxr_version before the first post.",
                self.line(),
            )
        self.site = Site(
            version=self.channel["wp:wxr_version"],
            title=self.channel.get("title", ""),
            link=self.channel.get("link", ""),
            base_site_url=self.channel.get("wp:base_site_url", ""),
            base_blog_url=self.channel.get("wp:base_blog_url", ""),
        )
        self.ready.append(self.site)


def _meta(node: _Node) -> tuple[str, str]:
    return node.child_text("wp:meta_key"), node.child_text("wp:meta_value")


def _comment(node: _Node) -> Comment:
    text = node.child_text
    return Comment(
        line=node.line,
        id=text("wp:comment_id").strip(),
        author=text("wp:comment_author"),
        author_email=text("wp:comment_author_email"),
        author_url=text("wp:comment_author_url"),
        author_ip=text("wp:comment_author_IP"),
        agent=text("wp:comment_agent"),
        date=text("wp:comment_date").strip(),
        date_gmt=text("wp:comment_date_gmt").strip(),
        content=text("wp:comment_content"),
        approved=text("wp:comment_approved").strip(),
        type=text("wp:comment_type").strip(),
        parent=text("wp:comment_parent").strip(),
        meta=dict(_meta(child) for child in node.children if child.tag == "wp:commentmeta"),
    )


def _post(node: _Node) -> Post:
    text = node.child_text
    return Post(
        line=node.line,
        id=text("wp:post_id").strip(),
        type=text("wp:post_type").strip(),
        status=text("wp:status").strip(),
        title=text("title"),
        name=text("wp:post_name").strip(),
        link=text("link").strip(),
        content=text("content:encoded"),
        excerpt=text("excerpt:encoded"),
        date=text("wp:post_date").strip(),
        date_gmt=text("wp:post_date_gmt").strip(),
        modified_gmt=text("wp:post_modified_gmt").strip(),
        comment_status=text("wp:comment_status").strip(),
        password=text("wp:post_password"),
        attachment_url=text("wp:attachment_url").strip(),
        meta=dict(_meta(child) for child in node.children if child.tag == "wp:postmeta"),
        comments=[_comment(child) for child in node.children if child.tag == "wp:comment"],
        terms=[
            (child.attrib.get("domain", ""), child.attrib.get("nicename", ""), child.text)
            for child in node.children
            if child.tag == "category"
        ],
        creator=text("dc:creator").strip(),
    )


def read(
    file: BinaryIO, progress: Callable[[int], None] | None = None
) -> Iterator[Site | Post | Stray | Counted]:
    """
    The site first, then each post (and stray comment, and counted term) in file order.

    Raises ``WxrError`` where the file stops being readable; what was yielded
    before stays good. ``progress`` is told how many bytes each chunk held.
    """
    collector = _Collector()
    parser = DefusedXMLParser(target=collector, forbid_dtd=False)
    expat = parser.parser
    collector.line = lambda: expat.CurrentLineNumber
    try:
        while chunk := file.read(CHUNK_BYTES):
            parser.feed(chunk)
            if progress:
                progress(len(chunk))
            while collector.ready:
                yield collector.ready.popleft()
        parser.close()
    except EntitiesForbidden as refused:
        raise WxrError(
            f"the file declares the entity “{refused.name}”. Entities are refused: they can "
            "swell a small file into gigabytes or read files from this server, and WordPress "
            "never writes them.",
            expat.CurrentLineNumber,
        ) from None
    except ExternalReferenceForbidden:
        raise WxrError(
            "the file refers to an external entity; it is refused (WordPress never writes one).",
            expat.CurrentLineNumber,
        ) from None
    except DefusedXmlException as refused:  # pragma: no cover - the two above are all expat raises
        raise WxrError(f"the file is refused: {refused}.", expat.CurrentLineNumber) from None
    except ParseError as error:
        line = error.position[0] if error.position else None
        raise WxrError(
            f"the file is not well-formed XML ({_reason(error)}), so it is not a WordPress "
            "export, or it was cut short.",
            line,
        ) from None
    while collector.ready:
        yield collector.ready.popleft()


def _reason(error: ParseError) -> str:
    """Expat's own words, without the position it appends (given as the line)."""
    return str(error).split(": line ")[0]
