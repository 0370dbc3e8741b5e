"""
Turn an article's Markdown into HTML that is safe to show as it is.

``![alt](picture:ID)`` places a picture of the pictures app: the sanitized
``<img>`` is replaced by its ``<picture>`` markup (pictures/html.py).
"""

import markdown
import nh3

from pictures.html import place_pictures

# What an article may contain once rendered. Anything else, script and style
# included, is dropped by the sanitizer whatever the Markdown says.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "figcaption", "figure", "h2", "h3",
    "h4", "hr", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}


def render_markdown(text: str, *, first_picture_lazy: bool = False) -> str:
    """
    Render Markdown to HTML, keep only the tags and attributes above, then place
    pictures (lazy from the second on, or from the first if ``first_picture_lazy``).
    """
    html = markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "picture"},
        link_rel="noopener",
    )
    return place_pictures(clean, first_lazy=first_picture_lazy)
