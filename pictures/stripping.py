"""
Metadata taken out of a JPEG, PNG or WebP file without decoding its pixels again.

Each function walks the file's own structure (JPEG segments, PNG chunks, RIFF
chunks) and keeps only what draws the picture and its colour profile: EXIF
(camera, GPS, time), XMP, IPTC, comments and text chunks are dropped, and so is
anything after the picture's end (a polyglot's second life). Nothing is
re-encoded, so the picture loses no quality, and a file stripped once comes out
of a second pass byte for byte the same (an export, then an import, keeps it).

A file these cannot walk raises ``Unreadable``; processing.py then encodes the
picture again from its pixels instead.
"""

import struct


class Unreadable(Exception):
    """The file's structure is not what its format says."""


# JPEG markers that stand alone, without a length.
STANDALONE = {0x01, *range(0xD0, 0xD8)}
APP0, APP2, APP14, COM, SOS, EOI = 0xE0, 0xE2, 0xEE, 0xFE, 0xDA, 0xD9


def jpeg(data: bytes) -> bytes:
    """The JPEG with only JFIF, ICC profile and Adobe colour segments besides the picture."""
    if not data.startswith(b"\xff\xd8"):
        raise Unreadable("no JPEG start")
    out = [b"\xff\xd8"]
    position = 2
    size = len(data)
    while position < size:
        if data[position] != 0xFF:
            raise Unreadable("a segment does not start with a marker")
        marker = data[position + 1] if position + 1 < size else EOI
        if marker == 0xFF:  # fill bytes
            position += 1
            continue
        if marker == EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)  # whatever follows is not the picture
        if marker in STANDALONE:
            out.append(data[position : position + 2])
            position += 2
            continue
        if position + 4 > size:
            raise Unreadable("cut short")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > size:
            raise Unreadable("a segment runs past the end")
        segment = data[position:end]
        body = data[position + 4 : end]
        if marker == SOS:
            # The scan's coded data runs to the next marker that is not a restart
            # or a stuffed 0xFF00.
            scan = end
            while True:
                scan = data.find(b"\xff", scan)
                if scan < 0 or scan + 1 >= size:
                    raise Unreadable("a scan runs past the end")
                following = data[scan + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    scan += 1 if following == 0xFF else 2
                    continue
                break
            out.append(data[position:scan])
            position = scan
            continue
        keep = not (0xE0 <= marker <= 0xEF or marker == COM) or (
            (marker == APP0 and body.startswith(b"JFIF\x00"))
            or (marker == APP2 and body.startswith(b"ICC_PROFILE\x00"))
            or (marker == APP14 and body.startswith(b"Adobe"))
        )
        if keep:
            out.append(segment)
        position = end
    raise Unreadable("no JPEG end")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What draws a PNG (and an animated one), its colour and its pixel density.
PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",
    b"sBIT", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT", b"cICP",
}  # fmt: skip


def png(data: bytes) -> bytes:
    """The PNG without text, EXIF, time or any chunk that does not draw it."""
    if not data.startswith(PNG_SIGNATURE):
        raise Unreadable("no PNG signature")
    out = [PNG_SIGNATURE]
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            raise Unreadable("a chunk runs past the end")
        if kind in PNG_KEPT:
            out.append(data[position:end])
        position = end
        if kind == b"IEND":
            return b"".join(out)
    raise Unreadable("no PNG end")


# What draws a WebP, animated or not, and its colour profile.
WEBP_KEPT = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
VP8X_EXIF, VP8X_XMP = 0x08, 0x04


def webp(data: bytes) -> bytes:
    """The WebP without its EXIF and XMP chunks, its header's flags saying so."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Unreadable("no WebP header")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end_of_file = min(len(data), 8 + riff_size)
    chunks = []
    position = 12
    while position + 8 <= end_of_file:
        kind = data[position : position + 4]
        (length,) = struct.unpack("<I", data[position + 4 : position + 8])
        end = position + 8 + length + (length & 1)
        if position + 8 + length > end_of_file:
            raise Unreadable("a chunk runs past the end")
        chunk = data[position:end]
        if kind == b"VP8X":
            flags = chunk[8] & ~(VP8X_EXIF | VP8X_XMP)
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if kind in WEBP_KEPT:
            chunks.append(chunk)
        position = end
    if not any(chunk[:4] in {b"VP8 ", b"VP8L", b"ANMF"} for chunk in chunks):
        raise Unreadable("no picture in the WebP")
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


STRIPPERS = {"JPEG": jpeg, "PNG": png, "WEBP": webp}
