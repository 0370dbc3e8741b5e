"""
What Pillow does to a file before anyone may see it: check, strip, resize.

``process()`` is the one gate. It refuses, with a sentence a person can act on,
anything that is not really a JPEG, PNG, WebP, GIF or AVIF (whatever its name
says), an SVG, a decompression bomb, and a file cut short. What it accepts it
decodes and encodes again from the pixels alone: EXIF (camera, GPS, time), XMP,
IPTC, comments and PNG text chunks are not carried over, in the original nor in
any size made from it, and bytes hidden after the image (a polyglot) are left
behind. The orientation EXIF gave is applied to the pixels first; the colour
profile (no personal data) is kept so colours stay true.

A JPEG, PNG or WebP that needs no turning is stripped without being encoded
again (stripping.py): no quality lost, and a stripped file stays the same file
through an export and an import. It reads and returns bytes only; storing them
is ``store.py``'s business.
"""

import io
import warnings
from dataclasses import dataclass, field
from typing import BinaryIO

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from pictures import conf
from pictures.stripping import STRIPPERS, Unreadable

# Pillow's format name → (file extension, media type). AVIF only where this
# Pillow reads it (its wheels include libavif).
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
if "AVIF" in Image.registered_extensions().values():
    FORMATS["AVIF"] = ("avif", "image/avif")
ACCEPTED = ", ".join(name if name != "WEBP" else "WebP" for name in FORMATS)
# What each encoder is given: nothing from the source's ``info`` (that is where
# EXIF, XMP and comments travel), only these.
ENCODER_OPTIONS = {
    "JPEG": {"quality": 88, "progressive": True, "optimize": True},
    "PNG": {"optimize": False, "compress_level": 6},
    "WEBP": {"quality": 82, "method": 4},
    "GIF": {},
    "AVIF": {"quality": 70, "speed": 8},
}
# A GIF's small sizes are made as PNG (a GIF palette of a resized photo bands).
STILL_FORMAT = {"GIF": "PNG"}


class NotAPicture(Exception):
    """The file was refused; ``sentence`` says why, for the person who sent it."""

    def __init__(self, sentence: str):
        super().__init__(sentence)
        self.sentence = sentence


@dataclass
class Encoded:
    """One file to store: its pixels' size, its format and its bytes."""

    width: int
    height: int
    format: str
    data: bytes = field(repr=False)

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][1]


@dataclass
class Processed:
    """The original, cleaned, and the sizes made from it (narrowest first)."""

    original: Encoded
    sizes: list[Encoded]
    animated: bool = False


def process(file: BinaryIO, size: int | None = None) -> Processed:
    """Check ``file`` and return it cleaned and resized; ``NotAPicture`` if refused."""
    if size is not None and size > conf.PICTURE_MAX_BYTES:
        raise NotAPicture(
            f"This file is {megabytes(size)}; pictures up to "
            f"{megabytes(conf.PICTURE_MAX_BYTES)} are accepted. Make it smaller and try again."
        )
    data = file.read(conf.PICTURE_MAX_BYTES + 1)
    if len(data) > conf.PICTURE_MAX_BYTES:
        return process(io.BytesIO(b""), len(data))
    if looks_like_svg(data[:1024]):
        raise NotAPicture(
            "SVG drawings are not accepted: they can carry scripts. "
            "Export it as PNG or WebP and upload that."
        )
    if stripped := strip_in_place(data):
        image, original = stripped
    else:
        image, original = open_image(io.BytesIO(data)), None
    try:
        return Processed(**clean(image, original))
    finally:
        image.close()


def strip_in_place(data: bytes) -> tuple[Image.Image, "Encoded"] | None:
    """
    The picture stripped by its own structure, and its pixels; None where it must be
    encoded again (turned by EXIF, animated GIF, AVIF, or a structure not walked).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data), formats=list(FORMATS))
        kind, size = probe.format, probe.size
        orientation = probe.getexif().get(0x0112, 1) if kind in STRIPPERS else None
        probe.close()
    except Exception:  # open_image, next, says what is wrong with it
        return None
    if kind not in STRIPPERS or orientation not in {0, 1}:
        return None
    try:
        stripped = STRIPPERS[kind](data)
    except Unreadable:
        return None
    try:
        image = open_image(io.BytesIO(stripped), smaller=True)
    except NotAPicture:
        return None
    if image.format != kind:
        image.close()
        return None
    return image, Encoded(*size, kind, stripped)


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


def looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in text


def open_image(file: BinaryIO, *, smaller: bool = False) -> Image.Image:
    """
    Open and fully decode the file, refusing what is no picture, too big or damaged.

    ``smaller``: a JPEG may be decoded at a half, quarter or eighth of its size
    (still reading all of it), no smaller than the widest size made from it.
    """
    with warnings.catch_warnings():
        # Pillow warns, then refuses, past its own limit; ours is lower and said below.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(file, formats=list(FORMATS))
        except UnidentifiedImageError:
            raise NotAPicture(
                f"This file is not a picture this site accepts ({ACCEPTED}), "
                "whatever its name says."
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise NotAPicture(too_big_sentence()) from None
        except (OSError, SyntaxError, ValueError):
            raise NotAPicture(damaged_sentence()) from None
        width, height = image.size
        frames = getattr(image, "n_frames", 1)
        if (
            width * height * frames > conf.PICTURE_MAX_PIXELS
            or max(width, height) > conf.PICTURE_MAX_SIDE
        ):
            image.close()
            raise NotAPicture(too_big_sentence())
        if smaller and image.format == "JPEG":
            widest = max(conf.PICTURE_WIDTHS)
            image.draft(None, (widest, max(1, round(height * widest / width))))
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            image.close()
            raise NotAPicture(too_big_sentence()) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            image.close()
            raise NotAPicture(damaged_sentence()) from None
    return image


def too_big_sentence() -> str:
    megapixels = conf.PICTURE_MAX_PIXELS // 1_000_000
    return (
        f"This picture is too large to process: up to {megapixels} megapixels and "
        f"{conf.PICTURE_MAX_SIDE:,} pixels a side are accepted. Scale it down and try again."
    )


def damaged_sentence() -> str:
    return "This picture is damaged or cut short and cannot be read. Export it again and retry."


def clean(image: Image.Image, stripped: Encoded | None = None) -> dict:
    kind = image.format
    animated = getattr(image, "is_animated", False)
    icc = image.info.get("icc_profile")
    if animated:
        # Stripped as it was, or its frames encoded again with their timing only.
        original = stripped or encode_animation(image, kind)
        return {"original": original, "sizes": [], "animated": True}
    # A stripped file needed no turning; its pixels are used as decoded, uncopied.
    upright = image if stripped else ImageOps.exif_transpose(image)
    pixels = bare(upright, kind, copy=stripped is None)
    original = stripped or encode(pixels, kind, icc)
    still = STILL_FORMAT.get(kind, kind)
    sizes: list[Encoded] = []
    # The original's width, whatever scale its pixels were decoded at.
    full_width, full_height = original.width, original.height
    widths = [w for w in sorted(conf.PICTURE_WIDTHS, reverse=True) if w < full_width]
    source = pixels
    if full_width <= max(conf.PICTURE_WIDTHS):
        # The widest size wanted is the original's own: its WebP twin at full width.
        sizes.append(encode(pixels, "WEBP", icc))
    for width in widths:
        height = max(1, round(full_height * width / full_width))
        # Each size from the one before: far quicker than from 24 megapixels each time.
        source = source.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        sizes.append(encode(source, still, icc))
        sizes.append(encode(source, "WEBP", icc))
    sizes.sort(key=lambda item: (item.width, item.format))
    return {"original": original, "sizes": sizes}


def bare(image: Image.Image, kind: str, copy: bool = True) -> Image.Image:
    """The pixels alone, in a mode the format can write."""
    if image.mode in {"I;16", "I", "F"}:
        image = image.convert("L")
    if kind == "JPEG" and image.mode not in {"L", "RGB", "CMYK"}:
        image = image.convert("RGB")
    pixels = image.copy() if copy else image
    keep = {key: image.info[key] for key in ("transparency",) if key in image.info}
    pixels.info = keep
    return pixels


def encode(image: Image.Image, kind: str, icc: bytes | None) -> Encoded:
    if kind in {"WEBP", "AVIF"} and image.mode not in {"RGB", "RGBA"}:
        has_alpha = image.mode in {"LA", "PA", "RGBa"} or (
            image.mode in {"P", "L"} and "transparency" in image.info
        )
        image = image.convert("RGBA" if has_alpha or image.mode == "RGBA" else "RGB")
    if kind == "JPEG" and image.mode not in {"L", "RGB", "CMYK"}:
        image = image.convert("RGB")
    options = dict(ENCODER_OPTIONS[kind])
    if icc and kind != "GIF":
        options["icc_profile"] = icc
    if "transparency" in image.info and kind in {"PNG", "GIF"}:
        options["transparency"] = image.info["transparency"]
    out = io.BytesIO()
    image.save(out, kind, **options)
    return Encoded(image.width, image.height, kind, out.getvalue())


def encode_animation(image: Image.Image, kind: str) -> Encoded:
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        frames.append(frame.convert("RGBA"))
        durations.append(frame.info.get("duration", 100))
    out = io.BytesIO()
    frames[0].save(
        out,
        kind,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=image.info.get("loop", 0),
        disposal=2 if kind == "GIF" else 0,
        **({} if kind == "GIF" else ENCODER_OPTIONS.get(kind, {})),
    )
    return Encoded(image.width, image.height, kind, out.getvalue())
