"""
Finding a page's Webmention endpoint, as the W3C Recommendation says (section 3.1.2).

In order: an HTTP ``Link`` header with ``rel="webmention"`` (among other rels
too, quoted or not), then the first ``<link>`` or ``<a>`` element of an HTML
page with that rel, in document order. The URL is resolved against the page's
address after redirects; an empty one is the page itself; its query string is
kept. The first one found wins; none means the page takes no Webmentions.
"""

import re

from bs4 import BeautifulSoup

from lib.outbound import Response
from mentions.source import absolute, is_html

# One link-value of a Link header (RFC 8288): <uri> followed by its parameters.
LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
REL_PARAMETER = re.compile(r"""\brel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)


def endpoint(page: Response) -> str | None:
    """The endpoint a fetched page advertises, as an absolute URL, or None."""
    for header in page.headers.get_all("Link") or []:
        for match in LINK_VALUE.finditer(header):
            rel = REL_PARAMETER.search(match.group(2))
            is_webmention = (
                rel and "webmention" in (rel.group(1) or rel.group(2) or "").lower().split()
            )
            if is_webmention and (found := absolute(page.url, match.group(1))):
                return found
    if not is_html(page.content_type):
        return None
    soup = BeautifulSoup(page.text(), "html.parser")
    for element in soup.find_all(["link", "a"]):
        rels = element.get("rel") or []
        is_webmention = "webmention" in [rel.lower() for rel in rels]
        if (
            is_webmention
            and element.has_attr("href")
            and (found := absolute(page.url, element["href"]))
        ):
            return found
    return None
