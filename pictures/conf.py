"""
The pictures app's constants, each overridable by a setting of the same name.

No operator is expected to change them; a test or a site with unusual needs may.
"""

from django.conf import settings

# The widths made at upload (never wider than the original), each in the
# original's format and in WebP beside it.
PICTURE_WIDTHS: tuple[int, ...] = tuple(getattr(settings, "PICTURE_WIDTHS", (480, 960, 1600)))
# An upload larger than this is refused before it is read as an image.
PICTURE_MAX_BYTES: int = getattr(settings, "PICTURE_MAX_BYTES", 40 * 1024 * 1024)
# More pixels than this (all frames of an animation counted) is a decompression
# bomb or close enough: a 24-megapixel camera's photo passes, with room to spare.
PICTURE_MAX_PIXELS: int = getattr(settings, "PICTURE_MAX_PIXELS", 50_000_000)
# A side longer than this is refused, whatever the pixel count (a 1×40,000,000 strip).
PICTURE_MAX_SIDE: int = getattr(settings, "PICTURE_MAX_SIDE", 12_000)
# Where the files go in the storage: <folder>/<hash>/<name>-<width>.<ext>.
PICTURE_FOLDER: str = getattr(settings, "PICTURE_FOLDER", "pictures")
# The space a picture takes in an article's column, for ``sizes``.
PICTURE_SIZES: str = getattr(settings, "PICTURE_SIZES", "(min-width: 46rem) 44rem, 100vw")


def served_by_app() -> bool:
    """Whether the app answers /media/ itself with DEBUG off (pictures/views.py)."""
    return getattr(settings, "PICTURES_SERVED_BY_APP", False)
