"""
WordPress's HTML as this blog keeps it: a post as Markdown, a comment as text.

A post body becomes Markdown that ``blog.markup.render_markdown`` turns back
into what WordPress showed: paragraphs, headings, lists, quotes, code, tables,
links, emphasis. Images become links to them ("Image: alt"), so a page never
loads anything from the old site. Block-editor comments (``<!-- wp:… -->``)
go; a post without blocks (the classic editor) gets WordPress's ``wpautop``
reading, where a blank line starts a paragraph and a newline breaks a line.
The ``[caption]`` and ``[embed]`` shortcodes are understood; other shortcodes
are kept as text and named, so the import can report them.

Markdown produced here is a fixed point: rendered and converted again, it comes
back the same, so an export and re-import changes no article.

A comment is stored as plain text. WordPress allowed a few tags in comments;
their meaning is kept the way people write it in plain text (``*strong*``,
``_emphasis_``, "text (address)") and the markup itself is never kept.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import Comment as HtmlComment
from bs4.element import Doctype, ProcessingInstruction

from lib.text import parse_id, split_url, strip_control_characters

BLOCKS = {
    "address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "ul",
}  # fmt: skip
DROPPED = {
    "button", "form", "head", "input", "link", "math", "meta", "noscript", "script",
    "select", "style", "svg", "template", "textarea", "title",
}  # fmt: skip
EMBEDS = {"iframe": "Embedded content", "video": "Video", "audio": "Audio", "embed": "Embed"}
# Headings here run from h2 (h1 is the article's title) to h4 (blog/markup.py).
HIGHEST, LOWEST = 2, 4
URL_SCHEMES = {"http", "https", "mailto", ""}  # "": a link within the old site

# Sentinels for the classic editor's paragraph and line breaks, resolved per block.
PARAGRAPH, BREAK = "\x00", "\x01"
# Blocks Python-Markdown would run together, and what keeps them apart (a comment
# is a block of its own, which the sanitizer then drops).
SEPARATOR = "<!-- -->"
MERGING = {("list", "list"), ("list", "code"), ("code", "code"), ("quote", "quote")}
WHITESPACE = re.compile(r"[ \t\n\r\f]+")
EDGES = re.compile(r"(?P<lead>[\s\x01]*)(?P<core>.*?)(?P<trail>[\s\x01]*)\Z", re.DOTALL)
# What Python-Markdown reads as a character reference: a named one with its ";", or any "&#".
ENTITY_LIKE = re.compile(r"&(?=\w+;|#)")
ORDERED_MARKER = re.compile(r"^(\d+)([.)])(?=\s|$)")
CAPTION = re.compile(r"\[caption[^\]]*\](.*?)\[/caption\]", re.DOTALL | re.IGNORECASE)
CAPTION_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.DOTALL)
EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.DOTALL | re.IGNORECASE)
SHORTCODE = re.compile(r"\[([a-z][a-z0-9_-]*)(?:\s[^\]]*=[^\]]*)?\s*/?\]")
KNOWN_SHORTCODES = {"gallery", "audio", "video", "playlist", "wp_caption"}
BARE_URL = re.compile(r"^https?://\S+$")


@dataclass
class Converted:
    markdown: str
    # Shortcodes WordPress would have replaced, and that stay as text here.
    shortcodes: list[str] = field(default_factory=list)


def post_markdown(html: str) -> Converted:
    """A post's ``content:encoded`` as Markdown, and the shortcodes left as text."""
    html = strip_control_characters(html)
    classic = "<!-- wp:" not in html
    html = CAPTION.sub(_caption, html)
    html = EMBED.sub(
        lambda match: f'<p><a href="{match[1].strip()}">{match[1].strip()}</a></p>', html
    )
    shortcodes = sorted(
        {
            match[1]
            for match in SHORTCODE.finditer(html)
            if match[1] in KNOWN_SHORTCODES or "=" in match[0]
        }
    )
    soup = BeautifulSoup(html, "html.parser")
    markdown = _join(_Markdown(classic).blocks(soup))
    return Converted(markdown, shortcodes)


def _caption(match: re.Match) -> str:
    """``[caption]<img …> The caption[/caption]`` as the figure WordPress shows."""
    if image := CAPTION_IMAGE.match(match[1]):
        return f"<figure>{image[1]}<figcaption>{image[2].strip()}</figcaption></figure>"
    return match[1]


def _join(blocks: list[str]) -> str:
    """Blocks one blank line apart, kept apart where Markdown would merge them."""
    out: list[str] = []
    previous = ""
    for block in blocks:
        if not block.strip():
            continue
        kind = _kind(block)
        if out and (_kind(previous), kind) in MERGING:
            out.append(SEPARATOR)
        out.append(block)
        previous = block
    return "\n\n".join(out)


def _kind(block: str) -> str:
    if block.startswith("    "):
        return "code"
    if block.startswith(">"):
        return "quote"
    if block.startswith("- ") or ORDERED_MARKER.match(block):
        return "list"
    return "other"


def escape(text: str) -> str:
    """Plain text as Markdown that renders as exactly that text (Python-Markdown's rules)."""
    text = text.replace("\\", "\\\\")
    for char in "`*_[]":
        text = text.replace(char, "\\" + char)
    text = ENTITY_LIKE.sub("&amp;", text)
    return text.replace("<", "&lt;")


def unescape(markdown: str) -> str:
    """The text that ``escape`` (and the line-start escapes) made this Markdown from."""
    return (
        re.sub(r"\\([\\`*_\[\]#>+\-.)])", r"\1", markdown)
        .replace("&lt;", "<")
        .replace("&amp;", "&")
    )


def _escape_line_start(line: str) -> str:
    """What would start a heading, quote, list or rule at the start of a line, escaped."""
    if line[:1] in {"#", ">", "+", "-"}:
        return "\\" + line
    if line[:1] == "=":
        return "&#61;" + line[1:]
    return ORDERED_MARKER.sub(lambda match: f"{match[1]}\\{match[2]}", line, count=1)


class _Markdown:
    """One conversion; ``classic`` is WordPress's reading of a post without blocks."""

    def __init__(self, classic: bool):
        self.classic = classic

    # Blocks -------------------------------------------------------------------

    def blocks(self, node: Tag) -> list[str]:
        """The Markdown blocks of a container's children, inline runs made paragraphs."""
        out: list[str] = []
        run: list = []
        for child in node.children:
            if isinstance(child, Tag) and child.name in BLOCKS:
                out += self.paragraphs(run)
                run = []
                out += self.block(child)
            else:
                run.append(child)
        return out + self.paragraphs(run)

    def paragraphs(self, run: list) -> list[str]:
        text = "".join(self.inline(child) for child in run)
        return [
            paragraph for chunk in text.split(PARAGRAPH) if (paragraph := self.paragraph(chunk))
        ]

    def paragraph(self, text: str) -> str:
        """Inline Markdown as one paragraph: its lines broken where the HTML broke them."""
        lines = [WHITESPACE.sub(" ", line).strip() for line in text.strip(BREAK).split(BREAK)]
        lines = [_escape_line_start(line) for line in lines if line]
        if len(lines) == 1 and BARE_URL.match(url := unescape(lines[0])):
            # A link alone on its line: WordPress shows the page it names (oEmbed).
            return f"<{url}>"
        return "  \n".join(lines)

    def block(self, node: Tag) -> list[str]:
        name = node.name
        if name in {"p", "dd"} and not node.find(BLOCKS):
            return self.paragraphs(list(node.children))
        if name == "figcaption":
            caption = self.flat(node)
            return [f"*{_escape_line_start(caption)}*"] if caption else []
        if name[0] == "h" and (number := parse_id(name[1:])) is not None:
            level = min(max(number, HIGHEST), LOWEST)
            text = self.flat(node).replace("#", "\\#")
            return [f"{'#' * level} {text}"] if text else []
        if name in {"ul", "ol"}:
            return [self.list(node)]
        if name == "blockquote":
            inner = _join(self.blocks(node))
            return (
                ["\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))]
                if inner
                else []
            )
        if name == "pre":
            return [self.code(node)]
        if name == "hr":
            return ["---"]
        if name == "table":
            return [self.table(node)]
        if name == "dt":
            text = self.flat(node)
            return [f"**{text}**"] if text else []
        return self.blocks(node)

    def list(self, node: Tag) -> str:
        ordered = node.name == "ol"
        start = parse_id(str(node.get("start", "1"))) if ordered else None
        number = 1 if start is None else start
        items = [self.blocks(li) for li in node.find_all("li", recursive=False)]
        items = [blocks for blocks in items if blocks]
        # Loose when an item holds paragraphs: Python-Markdown then wraps each in <p>.
        loose = any(li.find("p", recursive=False) for li in node.find_all("li", recursive=False))
        out = []
        for blocks in items:
            marker = f"{number}." if ordered else "-"
            number += 1
            body = ("\n\n" if loose else "\n").join(blocks)
            lines = body.split("\n")
            first = f"{marker} {lines[0]}"
            rest = [f"    {line}" if line else "" for line in lines[1:]]
            out.append("\n".join([first, *rest]))
        return ("\n\n" if loose else "\n").join(out)

    def code(self, node: Tag) -> str:
        text = node.get_text().expandtabs(4).strip("\n")
        lines = [line.rstrip() for line in text.split("\n")]
        return "\n".join(f"    {line}" if line else "" for line in lines)

    def table(self, node: Tag) -> str:
        rows = [
            [self.flat(cell).replace("|", "\\|") for cell in row.find_all(["td", "th"])]
            for row in node.find_all("tr")
        ]
        rows = [row for row in rows if row]
        if not rows:
            return ""
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = [f"| {' | '.join(rows[0])} |", f"| {' | '.join(['---'] * width)} |"]
        lines += [f"| {' | '.join(row)} |" for row in rows[1:]]
        return "\n".join(lines)

    # Inline -------------------------------------------------------------------

    def flat(self, node: Tag) -> str:
        """A node's inline Markdown on one line (headings, table cells, link text)."""
        text = "".join(self.inline(child) for child in node.children)
        return WHITESPACE.sub(" ", text.replace(PARAGRAPH, " ").replace(BREAK, " ")).strip()

    def inline(self, node) -> str:
        if isinstance(node, (HtmlComment, Doctype, ProcessingInstruction)):
            return ""
        if isinstance(node, NavigableString):
            return self.text(str(node))
        name = node.name
        if name in DROPPED:
            return ""
        if name in BLOCKS:
            return f" {self.flat(node)} "
        if name == "br":
            return BREAK
        if name in {"strong", "b"}:
            return self.wrap(node, "**")
        if name in {"em", "i"}:
            return self.wrap(node, "*")
        if name in {"code", "kbd", "samp", "tt"}:
            return self.code_span(node.get_text())
        if name == "a":
            return self.link(node)
        if name == "img":
            return self.image(node)
        if name in EMBEDS:
            source = node.get("src") or (node.find("source") or {}).get("src", "")
            return self.link_to(source, EMBEDS[name]) if source else ""
        if name in {"sub", "sup"}:
            inner = self.flat(node)
            return f"<{name}>{inner}</{name}>" if inner else ""
        if name in {"abbr", "acronym"} and node.get("title"):
            title = node["title"].replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            return f'<abbr title="{title}">{self.flat(node)}</abbr>'
        if name == "q":
            return f"“{self.flat(node)}”"
        return "".join(self.inline(child) for child in node.children)

    def text(self, text: str) -> str:
        if self.classic:
            text = re.sub(r"\n[ \t]*\n\s*", PARAGRAPH, text.replace("\r\n", "\n"))
            text = text.replace("\n", BREAK)
        return escape(text)

    def wrap(self, node: Tag, marker: str) -> str:
        """Emphasis around the content, its spaces moved out: "* x*" is no emphasis."""
        inner = "".join(self.inline(child) for child in node.children)
        edges = EDGES.match(inner)
        lead, core, trail = edges["lead"], edges["core"], edges["trail"]
        if not core:
            return lead + trail
        return f"{lead}{marker}{core}{marker}{trail}"

    def code_span(self, text: str) -> str:
        # Python-Markdown strips the spaces inside a code span: so does this.
        text = WHITESPACE.sub(" ", text).strip()
        if not text:
            return ""
        fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
        padding = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{padding}{text}{padding}{fence}"

    def link(self, node: Tag) -> str:
        href = (node.get("href") or "").strip()
        images = node.find_all("img")
        if images and not node.get_text(strip=True):
            label = self.image_label(images[0])
        else:
            label = self.flat(node)
        if not href or scheme(href) not in URL_SCHEMES:
            return label
        if not label:
            return ""
        return self.link_to(href, label, node.get("title", ""), raw_label=bool(images))

    def image(self, node: Tag) -> str:
        source = (node.get("src") or "").strip()
        if source.startswith("picture:"):
            return self.image_label(node)
        return self.link_to(source, self.image_label(node)) if source else ""

    def image_label(self, node: Tag) -> str:
        """
        "Image: " and the image's alternative text, or else its file name; an image
        brought here (wordpress/attachments.py) is placed as ``![alt](picture:ID)``.
        """
        alt = WHITESPACE.sub(" ", node.get("alt") or "").strip()
        if (source := (node.get("src") or "").strip()).startswith("picture:"):
            return f"![{escape(alt)}]({source})"
        parts = split_url(node.get("src") or "")
        name = unquote(parts.path.rsplit("/", 1)[-1]) if parts else ""
        return escape(f"Image: {alt or name}".strip())

    def link_to(self, href: str, label: str, title: str = "", raw_label: bool = False) -> str:
        if scheme(href) not in URL_SCHEMES:
            return label
        plain = unescape(label)
        if plain == href and not title and scheme(href) in {"http", "https"}:
            return f"<{href}>"
        for char, code in (" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"):
            href = href.replace(char, code)
        title_part = ""
        if title := WHITESPACE.sub(" ", title).strip():
            title_part = ' "{}"'.format(title.replace('"', "&quot;"))
        return f"[{label}]({href}{title_part})"


def scheme(href: str) -> str | None:
    """A link's scheme, lowercased ("" for a relative link); None if no URL reads it."""
    parts = split_url(href)
    return parts.scheme.lower() if parts else None


# Comments -----------------------------------------------------------------------


def comment_text(html: str) -> str:
    """
    A WordPress comment as plain text, keeping what its few allowed tags meant.

    Bold becomes ``*word*``, emphasis ``_word_``, a link "its text (its address)",
    a quotation lines starting with "> "; nothing else of the markup stays.
    """
    soup = BeautifulSoup(html.replace("\r\n", "\n"), "html.parser")
    text = strip_control_characters(_comment_inline(soup))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _comment_inline(node) -> str:
    if isinstance(node, (HtmlComment, Doctype, ProcessingInstruction)):
        return ""
    if isinstance(node, NavigableString):
        return str(node)
    name = node.name
    if name in DROPPED:
        return ""
    inner = "".join(_comment_inline(child) for child in node.children)
    if name in {"strong", "b"}:
        return _marked(inner, "*")
    if name in {"em", "i"}:
        return _marked(inner, "_")
    if name == "code":
        return _marked(inner, "`")
    if name == "q":
        return f"“{inner}”"
    if name == "br":
        return "\n"
    if name == "a":
        href = (node.get("href") or "").strip()
        if scheme(href) not in {"http", "https"}:
            return inner
        return href if inner.strip() in {"", href} else f"{inner} ({href})"
    if name == "blockquote":
        lines = inner.strip("\n").split("\n")
        return "\n\n" + "\n".join(f"> {line}".rstrip() for line in lines) + "\n\n"
    if name in {"p", "div", "ul", "ol", "pre"}:
        return f"\n\n{inner.strip(chr(10))}\n\n"
    if name == "li":
        return f"\n- {inner.strip()}"
    return inner


def _marked(text: str, marker: str) -> str:
    stripped = text.strip()
    if not stripped:
        return text
    return (
        text[: len(text) - len(text.lstrip())]
        + f"{marker}{stripped}{marker}"
        + (text[len(text.rstrip()) :])
    )
