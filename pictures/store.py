"""
Making a picture: one function the admin and the WordPress import both call.

``create_picture`` runs the file through ``processing.process`` and writes the
cleaned original and every size through Django's default storage, under
``pictures/<hash>/<name>-<width>.<ext>``: a file's name changes whenever its
content does, so servers may cache it for a year. The same image uploaded twice
is stored once (the hash is of the cleaned pixels' file).
"""

import hashlib
from typing import BinaryIO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify

from pictures import conf
from pictures.models import Picture
from pictures.processing import Encoded, NotAPicture, process

__all__ = ["NotAPicture", "create_picture", "stem_of"]

NAME_LENGTH = 60


def stem_of(filename: str) -> str:
    """A short, safe stem for file names from whatever name the upload carried."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = base.rsplit(".", 1)[0] if "." in base else base
    return slugify(base)[:NAME_LENGTH].strip("-") or "picture"


def create_picture(
    file: BinaryIO,
    filename: str,
    *,
    size: int | None = None,
    alt: str = "",
    decorative: bool = False,
    title: str = "",
    caption: str = "",
) -> tuple[Picture, bool]:
    """
    The picture for this file, and whether it is new; ``NotAPicture`` if refused.

    An identical picture already here is returned as it is (its alt text kept).
    """
    processed = process(file, size)
    digest = hashlib.sha256(processed.original.data).hexdigest()
    if existing := Picture.objects.filter(digest=digest).first():
        return existing, False
    stem = stem_of(filename)
    folder = f"{conf.PICTURE_FOLDER}/{digest[:16]}"
    original = save(f"{folder}/{stem}.{processed.original.extension}", processed.original)
    sizes = [
        {
            "name": save(f"{folder}/{stem}-{item.width}.{item.extension}", item),
            "width": item.width,
            "height": item.height,
            "format": item.format,
        }
        for item in processed.sizes
    ]
    with transaction.atomic():
        picture, created = Picture.objects.get_or_create(
            digest=digest,
            defaults={
                "title": title[:200] or stem.replace("-", " "),
                "alt": alt[:500],
                "decorative": decorative,
                "caption": caption[:500],
                "width": processed.original.width,
                "height": processed.original.height,
                "format": processed.original.format,
                "original": original,
                "sizes": sizes,
            },
        )
    return picture, created


def save(name: str, item: Encoded) -> str:
    """Write one file, unless the storage has it already (same hash, same bytes)."""
    if default_storage.exists(name):
        return name
    return default_storage.save(name, ContentFile(item.data))
