"""
Text from outside, made safe to use: typed by readers, sent in headers, read from files.

No app owns these: comments, the articles and the WordPress import all read
text they did not write.
"""

import unicodedata
from urllib.parse import SplitResult, urlsplit


def strip_control_characters(value: str) -> str:
    """
    Drop control characters, keeping line breaks and tabs.

    Only category Cc goes: format characters (Cf) such as the zero-width
    joiner inside emoji and the marks of right-to-left text are kept.
    Carriage returns are folded into the newline they belong to.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in value if char in "\n\t" or unicodedata.category(char) != "Cc")


def parse_id(value: str | None) -> int | None:
    """
    A database id typed into a URL or a form, or None.

    ASCII digits only: "²" and "٣" pass ``str.isdigit()``, and ``int()`` refuses
    the first and reads the second, so neither may reach a query.
    """
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def split_url(url: str) -> SplitResult | None:
    """
    ``urlsplit`` for text from outside, or None for a URL it cannot read.

    ``urlsplit`` raises on a host with an unmatched bracket ("http://[", a
    malformed IPv6 address), which any reader, header or imported file can hold.
    """
    try:
        return urlsplit(url)
    except ValueError:
        return None
