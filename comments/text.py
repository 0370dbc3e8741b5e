"""
What readers type: cleaned before any rule sees it, and shown as HTML after.

The form fields here drop control characters from every field a reader or a
moderator fills in (the comment form, the desk's reply); ``comment_html``
shows a comment's plain text with its paragraphs, line breaks and bare web
links, for pages, feeds and emails alike.
"""

import re

from django import forms
from django.core.validators import URLValidator
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe

from lib.text import split_url, strip_control_characters

# How long a comment's text may be: a reader's, and a reply written at the desk.
COMMENT_MAX_LENGTH = 5000


class PlainTextField(forms.CharField):
    """
    A CharField that drops control characters before stripping and validating.

    A one-line field (the default) also turns line breaks and tabs into spaces:
    a name never spans lines, in the page or in an email.
    """

    def __init__(self, *args, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = strip_control_characters(value)
            if not self.multiline:
                value = " ".join(value.split())
        return super().to_python(value)


class PlainTextEmailField(PlainTextField, forms.EmailField):
    pass


class PlainTextURLField(PlainTextField, forms.URLField):
    default_validators = [URLValidator(schemes=["http", "https"])]


# A web address as readers type them: http:// or https:// and what follows, up
# to a space, a character that cannot be in one (< > "), or an invisible
# character that reorders or hides text (bidirectional controls, zero widths),
# which could make the link read as another address.
WEB_ADDRESS = re.compile(
    r"\bhttps?://[^\s<>\"\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+", re.IGNORECASE
)
# What ends a sentence rather than an address: "see https://example.com." links
# the address without its full stop; a closing bracket stays when the address
# opened it (https://en.wikipedia.org/wiki/Cramp_(disambiguation)).
TRAILING = ".,;:!?'\"*”’»›"
BRACKETS = {")": "(", "]": "[", "}": "{"}
LINK_REL = "nofollow ugc noopener"


def address_part(candidate: str) -> str:
    """The web address at the start of ``candidate``, without the sentence's punctuation."""
    end = len(candidate)
    while end:
        char = candidate[end - 1]
        opener = BRACKETS.get(char)
        if char in TRAILING or (
            opener and candidate[:end].count(char) > candidate[:end].count(opener)
        ):
            end -= 1
        else:
            break
    return candidate[:end]


def is_linkable(address: str) -> bool:
    """Whether this is a web address a browser can follow: it names a host."""
    parts = split_url(address)
    return bool(parts and parts.hostname)


def comment_html(text: str) -> SafeString:
    """
    A reader's plain text as HTML: paragraphs, line breaks, and bare web links.

    As WordPress's ``make_clickable``, an ``http://`` or ``https://`` address
    becomes a link, marked ``rel="nofollow ugc noopener"`` so that it lends
    the site's standing to no one; nothing else a reader typed becomes markup
    (``www.`` addresses and email addresses stay text). Every character
    outside the links, and the links themselves, is escaped.
    """
    parts, position = [], 0
    for match in WEB_ADDRESS.finditer(text):
        address = address_part(match.group())
        if not is_linkable(address):
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(format_html('<a href="{}" rel="{}">{}</a>', address, LINK_REL, address))
        position = match.start() + len(address)
    parts.append(escape(text[position:]))
    # Every part is escaped; no tag spans a line break, so paragraphs cut cleanly.
    return mark_safe(linebreaks("".join(parts)))
