"""Staff upload pictures in the admin: checked, stripped of metadata, resized, or refused."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from pictures import conf
from pictures.models import Picture
from tests.pictures import images

pytestmark = pytest.mark.django_db

ADD = reverse("admin:pictures_picture_add")


def upload(client, data: bytes, name: str = "photo.jpg", **fields):
    form = {"upload": SimpleUploadedFile(name, data), "alt": "Shoes by a door", **fields}
    return client.post(ADD, form)


def errors(response) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(item.get_text(" ", strip=True) for item in soup.select(".errorlist"))


def served(name: str) -> bytes:
    with default_storage.open(name) as file:
        return file.read()


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP", "GIF", "AVIF"])
def test_upload_strips_every_served_file(superuser_client, kind):
    """Camera, GPS, XMP and comments are in no stored file, the original included."""
    data = images.photo(format=kind)
    if kind in {"JPEG", "WEBP", "AVIF", "PNG"}:
        assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the attacker's GPS
    assert any(secret.encode() in data for secret in images.SECRETS)  # the attacker's input
    response = upload(superuser_client, data, name=f"photo.{kind.lower()}")
    assert response.status_code == 302, errors(response)
    picture = Picture.objects.get()
    assert picture.format == kind
    assert len(picture.files()) > 1
    for name in picture.files():
        content = served(name)
        for secret in images.SECRETS:
            assert secret.encode() not in content, (name, secret)
        metadata = images.metadata_of(content)
        for secret in images.SECRETS:
            assert secret not in metadata, (name, secret)
        image = Image.open(io.BytesIO(content))
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)  # GPS
        assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info


def test_upload_makes_sizes_in_webp_beside_the_original_format(superuser_client):
    """A 2000 px photo gets 480, 960 and 1600 px sizes, each as JPEG and WebP."""
    upload(superuser_client, images.photo(2000, 1000))
    picture = Picture.objects.get()
    made = sorted((size["width"], size["format"]) for size in picture.sizes)
    assert made == [
        (480, "JPEG"), (480, "WEBP"), (960, "JPEG"), (960, "WEBP"), (1600, "JPEG"), (1600, "WEBP"),
    ]  # fmt: skip
    for size in picture.sizes:
        image = Image.open(io.BytesIO(served(size["name"])))
        assert image.size == (size["width"], size["height"])
        assert image.format == size["format"]
    assert (picture.width, picture.height) == (2000, 1000)


def test_stored_names_carry_the_content_hash_and_no_path_from_the_upload(superuser_client):
    """A name with a path in it lands under pictures/<hash>/, with a safe stem."""
    response = upload(superuser_client, images.photo(), name="../../etc/Évil name.jpg")
    assert response.status_code == 302, errors(response)
    picture = Picture.objects.get()
    assert picture.original.startswith(f"pictures/{picture.digest[:16]}/")
    assert ".." not in picture.original and " " not in picture.original
    assert picture.original.endswith(".jpg")


def test_alt_text_is_required_unless_decorative(superuser_client):
    """No alt and no 'decorative': a sentence by the alt field, nothing stored."""
    response = upload(superuser_client, images.photo(), alt="")
    assert response.status_code == 200
    assert "Describe the picture" in errors(response)
    assert not Picture.objects.exists()
    assert not default_storage.exists("pictures")
    response = upload(superuser_client, images.photo(), alt="", decorative="on")
    assert response.status_code == 302
    assert Picture.objects.get().decorative


def test_the_same_picture_twice_is_stored_once(superuser_client):
    """A second upload of the same file says where the first one is."""
    upload(superuser_client, images.photo())
    response = upload(superuser_client, images.photo())
    assert response.status_code == 200
    assert "is here already" in errors(response)
    assert Picture.objects.count() == 1


REFUSALS = {
    "html named jpg": (b"<!doctype html><html><script>alert(1)</script></html>", "x.jpg",
                       "not a picture"),
    "svg": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
            "logo.svg", "SVG drawings are not accepted"),
    "svg named png": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                      "logo.png", "SVG drawings are not accepted"),
    "empty": (b"", "nothing.jpg", "empty"),
    "text": (b"just some words", "notes.png", "not a picture"),
    "bmp": (None, "old.bmp", "not a picture"),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSALS)
def test_what_is_not_a_picture_is_refused_with_a_sentence(superuser_client, case):
    """Whatever its name says, a file that is not a JPEG/PNG/WebP/GIF/AVIF is refused."""
    data, name, sentence = REFUSALS[case]
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, "BMP")
        data = out.getvalue()
    response = upload(superuser_client, data, name=name, alt="What it shows")
    assert response.status_code == 200
    assert sentence in errors(response)
    assert not Picture.objects.exists()
    # What the person typed is still there.
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("#id_alt")["value"] == "What it shows"


@pytest.mark.parametrize("bomb", [images.png_bomb, images.declared_bomb])
def test_a_decompression_bomb_is_refused(superuser_client, bomb):
    """A small file that decodes to more pixels than allowed is refused before decoding."""
    data = bomb()
    assert len(data) < 2_000_000
    response = upload(superuser_client, data, name="tiny.png")
    assert response.status_code == 200
    assert "too large to process" in errors(response)
    assert not Picture.objects.exists()


def test_a_truncated_picture_is_refused(superuser_client):
    """A JPEG cut in half is damaged, and said so."""
    data = images.photo()
    response = upload(superuser_client, data[: len(data) // 2])
    assert response.status_code == 200
    assert "damaged or cut short" in errors(response)


def test_a_polyglot_keeps_only_its_picture(superuser_client):
    """A JPEG with HTML after it is accepted, and what is served holds no HTML."""
    data = images.photo() + b"<html><script>alert(document.cookie)</script></html>"
    response = upload(superuser_client, data, name="poly.jpg")
    assert response.status_code == 302
    for name in Picture.objects.get().files():
        assert b"<script" not in served(name)


def test_an_absurdly_large_upload_is_refused_by_its_size(superuser_client, monkeypatch):
    """Past the size limit the file is refused before Pillow reads it."""
    monkeypatch.setattr(conf, "PICTURE_MAX_BYTES", 1000)
    response = upload(superuser_client, images.photo())
    assert response.status_code == 200
    assert "pictures up to 1000 bytes are accepted" in errors(response)


def test_exif_orientation_is_applied_before_it_is_dropped(superuser_client):
    """A portrait photo stored sideways with an orientation tag comes out upright."""
    image = Image.new("RGB", (300, 200))
    tags = Image.Exif()
    tags[0x0112] = 6  # rotate 90° clockwise to view
    out = io.BytesIO()
    image.save(out, "JPEG", exif=tags)
    upload(superuser_client, out.getvalue())
    picture = Picture.objects.get()
    assert (picture.width, picture.height) == (200, 300)


def test_changelist_gives_the_markdown_reference(superuser_client):
    """Each picture's line offers the Markdown that places it in an article."""
    upload(superuser_client, images.photo(), alt="Shoes by a door")
    picture = Picture.objects.get()
    response = superuser_client.get(reverse("admin:pictures_picture_changelist"))
    assert f"![Shoes by a door](picture:{picture.pk})" in response.content.decode()
    change = superuser_client.get(picture.get_admin_url())
    assert change.status_code == 200
    assert f"picture:{picture.pk}" in change.content.decode()


def test_editing_alt_text_keeps_the_files(superuser_client):
    """Changing a picture's alt text in the admin leaves its files as they were."""
    upload(superuser_client, images.photo())
    picture = Picture.objects.get()
    response = superuser_client.post(
        picture.get_admin_url(), {"alt": "New words", "caption": "", "title": "t"}
    )
    assert response.status_code == 302
    picture.refresh_from_db()
    assert picture.alt == "New words"
    assert default_storage.exists(picture.original)


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_stripped_original_is_not_encoded_again(kind):
    """Stripping keeps the picture's own coded data: a second pass gives the same bytes."""
    from pictures.processing import process

    data = images.photo(640, 480, format=kind)
    first = process(io.BytesIO(data), len(data)).original.data
    assert len(first) < len(data)
    again = process(io.BytesIO(first), len(first)).original.data
    assert again == first
    before = Image.open(io.BytesIO(data)).convert("RGB").tobytes()
    assert Image.open(io.BytesIO(first)).convert("RGB").tobytes() == before  # nothing lost
