"""
A picture as HTML: ``<picture>`` with WebP beside the original's format.

``picture_html`` is the one place the markup is written: ``srcset`` of every
size, ``sizes`` for an article's column, ``width``/``height`` so the page does
not move as it loads, and ``loading="lazy"`` unless the picture is the first a
reader sees. ``place_pictures`` turns the ``<img src="picture:ID">`` that
Markdown makes of ``![alt](picture:ID)`` into that markup, in HTML that has
already been sanitized.
"""

import html
import re
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from pictures import conf
from pictures.models import Picture

PLACED = re.compile(r'<img\b[^>]*\bsrc="picture:(\d{1,18})"[^>]*>')
ALT = re.compile(r'\balt="([^"]*)"')
MARKDOWN_REFERENCE = re.compile(r"\]\(picture:(\d{1,18})\)")


def srcset(entries: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{default_storage.url(name)} {width}w" for name, width in entries)


def picture_html(
    picture: Picture, *, alt: str | None = None, lazy: bool = True, sizes: str = ""
) -> SafeString:
    """The ``<picture>`` element for ``picture``; ``alt`` overrides its own alt text."""
    text = "" if picture.decorative else (alt if alt is not None and alt.strip() else picture.alt)
    own = picture.format if picture.format != "GIF" else "PNG"
    same = [(s["name"], s["width"]) for s in picture.sizes if s["format"] == own]
    webp = [(s["name"], s["width"]) for s in picture.sizes if s["format"] == "WEBP"]
    widest = max((w for _, w in same), default=0)
    if picture.width > widest:
        same.append((picture.original, picture.width))
    sizes = sizes or conf.PICTURE_SIZES
    fallback = picture.original
    if same and picture.format != "GIF":
        # The widest size up to the column's, for browsers without srcset.
        fallback = next(
            (name for name, width in same if width >= max(conf.PICTURE_WIDTHS)), same[-1][0]
        )
    sources = (
        format_html('<source type="image/webp" srcset="{}" sizes="{}">', srcset(webp), sizes)
        if webp
        else ""
    )
    return format_html(
        '<picture>{}<img src="{}"{} alt="{}" width="{}" height="{}"{} decoding="async"></picture>',
        sources,
        default_storage.url(fallback),
        format_html(' srcset="{}" sizes="{}"', srcset(same), sizes) if same else "",
        text,
        picture.width,
        picture.height,
        mark_safe(' loading="lazy"') if lazy else "",
    )


def referenced_ids(sanitized: str) -> list[int]:
    return [int(found) for found in PLACED.findall(sanitized)]


def place_pictures(sanitized: str, *, first_lazy: bool = False) -> str:
    """
    Replace each placed ``picture:ID`` with its markup; an unknown id leaves nothing.

    The first picture loads at once unless ``first_lazy`` (something above it,
    the featured image, is the first a reader sees).
    """
    ids = referenced_ids(sanitized)
    if not ids:
        return sanitized
    pictures = Picture.objects.in_bulk(ids)
    seen = 0

    def replace(match: re.Match) -> str:
        nonlocal seen
        picture = pictures.get(int(match.group(1)))
        if picture is None:
            return ""
        alt = ALT.search(match.group(0))
        lazy = first_lazy or seen > 0
        seen += 1
        return picture_html(picture, alt=html.unescape(alt.group(1)) if alt else None, lazy=lazy)

    return PLACED.sub(replace, sanitized)


def pictures_without_alt(markdown: str, featured: Picture | None = None) -> list[Picture]:
    """The pictures an article would show that have no alt text and are not decorative."""
    ids = [int(found) for found in MARKDOWN_REFERENCE.findall(markdown)]
    shown = list(Picture.objects.filter(pk__in=ids))
    if featured is not None:
        shown.append(featured)
    return [picture for picture in shown if not picture.has_alt()]
