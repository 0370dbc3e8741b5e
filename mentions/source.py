"""
Reading another site's page: whether it links to a page of ours, and what its h-entry says.

Everything here works on a page already fetched (``lib.outbound``): nothing
is fetched while reading, not by mf2py either (it fetches only when given no
document). What is taken from the page is text: its name, its author's name
and an excerpt, stripped of markup and control characters and cut to length;
nothing of it is ever shown as HTML.
"""

from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import mf2py
from bs4 import BeautifulSoup
from django.utils.text import Truncator

from lib.text import strip_control_characters

TITLE_LENGTH = 200
AUTHOR_LENGTH = 100
EXCERPT_LENGTH = 1000
# Where a page can link to another: the places the Webmention spec names.
LINKING = {
    "a": "href",
    "area": "href",
    "link": "href",
    "img": "src",
    "video": "src",
    "audio": "src",
}


@dataclass(frozen=True)
class Entry:
    title: str
    author_name: str
    excerpt: str


def is_html(content_type: str) -> bool:
    return content_type in {"text/html", "application/xhtml+xml"}


def absolute(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``; None for one no URL parser reads ("http://[")."""
    try:
        resolved = urljoin(base, href.strip())
        urlsplit(resolved).port  # noqa: B018 (raises on a port that is not one)
    except ValueError:
        return None
    return resolved


def same_page(one: str, other: str) -> bool:
    """Whether two addresses name the same page: the fragment apart."""
    return urldefrag(one).url == urldefrag(other).url


def links_to(document: str, base: str, target: str, content_type: str) -> bool:
    """
    Whether a page links to ``target``: an HTML link, image or media to it, or its
    address in a plain-text page, as the spec asks (relative links resolved).
    """
    if not is_html(content_type):
        return target in document
    soup = BeautifulSoup(document, "html.parser")
    for tag, attribute in LINKING.items():
        for element in soup.find_all(tag):
            value = element.get(attribute)
            if (
                isinstance(value, str)
                and (link := absolute(base, value))
                and same_page(link, target)
            ):
                return True
    return False


def clean(text: object, length: int) -> str:
    """Text from another site: one line of words, no control characters, cut to ``length``."""
    if not isinstance(text, str):
        return ""
    words = " ".join(strip_control_characters(text).split())
    return Truncator(words).chars(length)


def first_entry(items: list[dict]) -> dict | None:
    """The page's h-entry: the first one, at the top or inside an h-feed's children."""
    for item in items:
        if "h-entry" in item.get("type", []):
            return item
        if entry := first_entry(item.get("children", [])):
            return entry
    return None


def first(properties: dict, name: str) -> object:
    values = properties.get(name) or [None]
    return values[0]


def author_name(entry: dict) -> str:
    """The h-entry's author: an h-card's name, or a plain name."""
    author = first(entry.get("properties", {}), "author")
    if isinstance(author, dict):
        name = first(author.get("properties", {}), "name") or author.get("value")
        return clean(name, AUTHOR_LENGTH)
    return clean(author, AUTHOR_LENGTH)


def read_entry(document: str, url: str, content_type: str) -> Entry:
    """
    What the page says of itself: its h-entry's name, author and text, or, without
    one, the page's title and no author or text.
    """
    if not is_html(content_type):
        return Entry(title=clean(url, TITLE_LENGTH), author_name="", excerpt="")
    soup = BeautifulSoup(document, "html.parser")
    page_title = clean(soup.title.string if soup.title else "", TITLE_LENGTH)
    entry = first_entry(mf2py.parse(doc=soup, url=url).get("items", []))
    if entry is None:
        return Entry(title=page_title or clean(url, TITLE_LENGTH), author_name="", excerpt="")
    properties = entry.get("properties", {})
    content = first(properties, "content")
    text = content.get("value") if isinstance(content, dict) else content
    text = text or first(properties, "summary")
    excerpt = clean(text, EXCERPT_LENGTH)
    name = clean(first(properties, "name"), TITLE_LENGTH)
    # A note's implied name is its whole text: the page's title reads better.
    if not name or (excerpt and excerpt.startswith(name.rstrip("…"))):
        name = page_title or clean(url, TITLE_LENGTH)
    return Entry(title=name, author_name=author_name(entry), excerpt=excerpt)
