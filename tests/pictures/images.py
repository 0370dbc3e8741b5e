"""Pictures made for the tests, carrying what a camera and an editor put in files."""

import io
import zlib

from PIL import Image, PngImagePlugin

# What a camera writes, and what must never reach a reader.
CAMERA_MAKE = "SnoopCam"
CAMERA_MODEL = "Tracker 9000"
GPS_LATITUDE = (59.0, 19.0, 0.0)
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description><dc:creator>Photographer Secret</dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)
SECRETS = [CAMERA_MAKE, CAMERA_MODEL, "Photographer Secret", "Secret comment"]


def exif() -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = CAMERA_MAKE  # Make
    data[0x0110] = CAMERA_MODEL  # Model
    data[0x9003] = "2026:09:14 07:30:00"  # DateTimeOriginal
    gps = data.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LATITUDE
    gps[3] = "E"
    gps[4] = (18.0, 4.0, 0.0)
    return data


def photo(width: int = 1200, height: int = 800, *, format: str = "JPEG", **extra) -> bytes:
    """A picture with a gradient, camera EXIF, GPS, XMP and a comment where the format has them."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    if format == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "Photographer Secret")
        info.add_text("Comment", "Secret comment")
        image.save(out, "PNG", pnginfo=info, exif=exif(), **extra)
    elif format == "GIF":
        image.convert("P").save(out, "GIF", comment=b"Secret comment", **extra)
    elif format == "JPEG":
        image.save(out, "JPEG", exif=exif(), xmp=XMP, comment=b"Secret comment", **extra)
    else:
        image.save(out, format, exif=exif(), xmp=XMP, **extra)
    return out.getvalue()


def png_bomb(side: int = 11_000) -> bytes:
    """A small PNG that decodes to ``side``² pixels: a decompression bomb."""
    image = Image.new("1", (side, side))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def declared_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims a vast size, with almost no data behind it."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def metadata_of(data: bytes) -> str:
    """Everything Pillow reads about a file besides its pixels, as text to search."""
    image = Image.open(io.BytesIO(data))
    parts = [repr(dict(image.getexif()))]
    for ifd in (0x8825, 0x8769):
        parts.append(repr(dict(image.getexif().get_ifd(ifd))))
    parts.append(repr({k: v for k, v in image.info.items() if k != "icc_profile"}))
    return "\n".join(parts)
