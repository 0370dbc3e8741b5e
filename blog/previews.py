"""
Link previews (Open Graph, Twitter cards): the site's description and the image a preview shows.

One home for what a page offers a link preview when it has nothing of its own:
``SITE_DESCRIPTION`` (the home page's description) and ``DEFAULT_IMAGE``, a
1200×630 PNG from the site's own static files (the size Open Graph and
Twitter's ``summary_large_image`` card ask for), with its alternative text.
``preview_image`` chooses a page's image: once articles have images of their
own, an article's goes there, ahead of the default.
https://ogp.me/#structured, https://developer.x.com/en/docs/x-for-websites/cards/overview/summary-card-with-large-image
"""

from dataclasses import dataclass

from django.templatetags.static import static

from blog.models import Article, full_url

SITE_DESCRIPTION = "Notes on massage, stretching and relief from muscle cramps."


@dataclass(frozen=True)
class PreviewImage:
    path: str  # under the static files, or an absolute URL
    width: int
    height: int
    alt: str
    mime_type: str = "image/png"

    @property
    def url(self) -> str:
        """Absolute, on DJANGO_SITE_URL, under its hashed static name."""
        return full_url(static(self.path))


DEFAULT_IMAGE = PreviewImage(
    "img/social-preview.png",
    1200,
    630,
    "The site's mark, a white curve on green, beside the words “Relief Notes: "
    "massage, stretching and relief from muscle cramps”.",
)


def preview_image(article: Article | None = None) -> PreviewImage:
    """The image a link to this page (an article, or any other page) previews with."""
    return DEFAULT_IMAGE
