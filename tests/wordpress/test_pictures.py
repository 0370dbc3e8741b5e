"""A WordPress blog's pictures come with it: from its uploads folder or its old address."""

import io
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from blog.models import Article
from pictures.models import Picture
from tests.pictures import images
from tests.wordpress.builder import SITE, attachment, post, write_export
from tests.wordpress.conftest import run_command

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).resolve().parent / "data" / "wordpress-blog-export"
EXPORT = REFERENCE / "export.xml"
UPLOADS = REFERENCE / "uploads"
OLD_SITE = "http://127.0.0.1:8081"


def stored(name: str) -> bytes:
    with default_storage.open(name) as file:
        return file.read()


def test_the_reference_blog_comes_with_its_pictures(import_file):
    """Every image the posts use is a picture here; no body points at the old uploads."""
    run = import_file(EXPORT, "--uploads", str(UPLOADS))
    assert "Pictures: 3 brought in, 0 already here." in run.summary
    assert Picture.objects.count() == 3
    for article in Article.objects.all():
        assert "/wp-content/uploads/" not in article.body, article.slug
        assert "/wp-content/uploads/" not in article.body_html, article.slug
    shoes = Article.objects.get(slug="breaking-in-new-trail-shoes")
    # The featured image (_thumbnail_id 22) and the gallery of two.
    assert shoes.featured_image.alt == (
        "Two orange trail shoes on a green doormat in front of a wooden door"
    )
    placed = [int(found) for found in re.findall(r"\(picture:(\d+)\)", shoes.body)]
    assert len(placed) == 2
    assert Picture.objects.get(pk=placed[1]).caption == "Three pairs in rotation."
    assert "The new shoes after week two" in shoes.body  # the gallery's caption
    classic = Article.objects.get(slug="reading-the-wear-on-an-old-insole")
    # The classic editor's image with srcset, and the [caption] linked to its file.
    assert classic.body.count("](picture:") == 2
    assert "[caption" not in classic.body
    assert "<picture>" in classic.body_html


def test_imported_pictures_lose_the_camera_and_gps_the_originals_kept(import_file):
    """The JPEG's EXIF camera and GPS and the PNG's text chunks are in no stored file."""
    original = (UPLOADS / "2026/09/trail-shoes-by-the-door.jpg").read_bytes()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # GPS, on purpose
    png = Image.open(UPLOADS / "2026/10/insole-layers.png")
    assert png.text  # Title, Author, Description, on purpose
    import_file(EXPORT, "--uploads", str(UPLOADS))
    for picture in Picture.objects.all():
        for name in picture.files():
            image = Image.open(io.BytesIO(stored(name)))
            assert not image.getexif(), name
            assert not getattr(image, "text", {}), name
            assert b"Kestrel" not in stored(name)


def test_importing_again_changes_nothing(import_file):
    """The same file and folder twice: no new picture, no new file, the same articles."""
    import_file(EXPORT, "--uploads", str(UPLOADS))
    before = {picture.pk: picture.files() for picture in Picture.objects.all()}
    bodies = dict(Article.objects.values_list("slug", "body"))
    run = import_file(EXPORT, "--uploads", str(UPLOADS))
    assert "Already here: 5 articles" in run.summary or "Already here: 4 articles" in run.summary
    assert {picture.pk: picture.files() for picture in Picture.objects.all()} == before
    assert dict(Article.objects.values_list("slug", "body")) == bodies


def test_a_missing_file_is_listed_with_its_post_and_line_and_the_post_still_comes(
    import_file, tmp_path
):
    """The PNG deleted from the folder: reported by line and post, left linked, article in."""
    uploads = tmp_path / "uploads"
    shutil.copytree(UPLOADS, uploads)
    for path in (uploads / "2026/10").glob("insole-layers*"):
        path.unlink()
    run = import_file(EXPORT, "--uploads", str(uploads))
    assert re.search(
        r"line 405: post 26: its image 2026/10/insole-layers.png \(attachment 27\) is not in "
        r"the uploads folder: left linked.",
        run.out,
    ), run.out
    classic = Article.objects.get(slug="reading-the-wear-on-an-old-insole")
    assert f"{OLD_SITE}/wp-content/uploads/2026/10/insole-layers" in classic.body
    assert classic.body.count("](picture:") == 1  # the other image came
    assert "1 not found or refused" in run.summary


class Uploads(SimpleHTTPRequestHandler):
    """The old site, on loopback: its uploads folder, and a redirect loop."""

    def translate_path(self, path):
        return str(UPLOADS / path.removeprefix("/wp-content/uploads/").split("?")[0])

    def do_GET(self):
        if self.path.endswith("/loop-a.jpg"):
            self.send_response(302)
            self.send_header("Location", "/wp-content/uploads/loop-b.jpg")
            self.end_headers()
        elif self.path.endswith("/loop-b.jpg"):
            self.send_response(301)
            self.send_header("Location", "/wp-content/uploads/loop-a.jpg")
            self.end_headers()
        else:
            super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def old_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Uploads)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_without_uploads_pictures_are_fetched_from_the_old_site(import_file, old_site):
    """--old-url alone: each picture is fetched from there, stripped, placed."""
    run = import_file(EXPORT, "--old-url", old_site)
    assert "Pictures: 3 brought in" in run.summary, run.out
    assert Article.objects.get(slug="breaking-in-new-trail-shoes").featured_image is not None


def image_post(wp_id: int, attachment_id: int, src: str, **options) -> str:
    content = (
        f'<!-- wp:image {{"id":{attachment_id}}} -->\n<figure class="wp-block-image">'
        f'<img src="{src}" alt="Shoes" class="wp-image-{attachment_id}"/></figure>\n'
        "<!-- /wp:image -->"
    )
    return post(wp_id, name=f"post-{wp_id}", content=content, **options)


def test_bad_attachments_are_reported_and_their_posts_still_come(import_file, tmp_path, old_site):
    """Another host, a path out of the folder, HTML named .jpg, a loop: each a sentence."""
    folder = tmp_path / "uploads"
    (folder / "2025/01").mkdir(parents=True)
    (folder / "2025/01/fake.jpg").write_text("<html><script>alert(1)</script></html>")
    (folder / "2025/01/real.jpg").write_bytes(images.photo(800, 600))
    items = [
        attachment(101, "https://elsewhere.example/x.jpg", None),
        image_post(1, 101, "https://elsewhere.example/x.jpg"),
        attachment(102, f"{SITE}/wp-content/uploads/../../secret.jpg", "../../secret.jpg"),
        image_post(2, 102, f"{SITE}/wp-content/uploads/../../secret.jpg"),
        attachment(103, f"{SITE}/wp-content/uploads/2025/01/fake.jpg", "2025/01/fake.jpg"),
        image_post(3, 103, f"{SITE}/wp-content/uploads/2025/01/fake.jpg"),
        attachment(104, f"{SITE}/wp-content/uploads/2025/01/real.jpg", "2025/01/real.jpg"),
        image_post(4, 104, f"{SITE}/wp-content/uploads/2025/01/real.jpg",
                   meta={"_thumbnail_id": "4"}),
        image_post(5, 999, f"{SITE}/wp-content/uploads/2025/01/gone.jpg",
                   meta={"_thumbnail_id": "998"}),
    ]  # fmt: skip
    path = write_export(tmp_path / "bad.xml", *items)
    run = import_file(path, "--uploads", str(folder))
    out = run.out
    assert (
        "post 1: its image https://elsewhere.example/x.jpg (attachment 101) is not in the "
        "old site's uploads" in out
    )
    assert "post 2: its image ../../secret.jpg (attachment 102) leads out of the uploads" in out
    assert (
        "post 3: its image 2025/01/fake.jpg (attachment 103) was refused: This file is not "
        "a picture" in out
    )
    assert "post 4: its featured image is the post itself: none kept." in out
    assert "post 5: attachment 998 is not in the export" in out
    assert "post 5: its image 2025/01/gone.jpg is not in the uploads folder" in out
    assert "post 4: its image 2025/01/real.jpg has no alt text: describe it in Pictures" not in out
    assert Article.objects.filter(slug__startswith="post-").count() == 5
    assert Picture.objects.count() == 1  # the real one
    # Fetching: another host is never asked, and a redirect loop ends.
    items = [
        attachment(201, "https://elsewhere.example/y.jpg", None),
        image_post(11, 201, "https://elsewhere.example/y.jpg"),
        attachment(202, f"{SITE}/wp-content/uploads/loop-a.jpg", "loop-a.jpg"),
        image_post(12, 202, f"{SITE}/wp-content/uploads/loop-a.jpg"),
    ]
    path = write_export(tmp_path / "fetch.xml", *items)
    run = import_file(path, "--old-url", old_site)
    assert "points at another host (elsewhere.example), not fetched" in run.out
    assert "post 12: its image loop-a.jpg (attachment 202) redirects in a loop" in run.out
    assert Article.objects.filter(slug__startswith="post-").count() == 7


def test_a_picture_without_alt_text_is_named_in_the_report(import_file, tmp_path):
    """WordPress allowed an empty alt: the report says which picture needs one."""
    folder = tmp_path / "uploads"
    (folder / "2025/01").mkdir(parents=True)
    (folder / "2025/01/bare.jpg").write_bytes(images.photo(700, 500))
    url = f"{SITE}/wp-content/uploads/2025/01/bare.jpg"
    items = [attachment(401, url, "2025/01/bare.jpg", alt=""), image_post(31, 401, url)]
    run = import_file(write_export(tmp_path / "alt.xml", *items), "--uploads", str(folder))
    assert "post 31: its image 2025/01/bare.jpg has no alt text: describe it in Pictures" in run.out


def test_a_gallery_shortcode_becomes_its_pictures(import_file, tmp_path):
    """[gallery ids="…"] of the classic editor: each picture placed."""
    folder = tmp_path / "uploads"
    (folder / "2025/01").mkdir(parents=True)
    for number in (1, 2):
        (folder / f"2025/01/p{number}.jpg").write_bytes(images.photo(600 + number, 400))
    items = [
        attachment(301, f"{SITE}/wp-content/uploads/2025/01/p1.jpg", "2025/01/p1.jpg", "One"),
        attachment(302, f"{SITE}/wp-content/uploads/2025/01/p2.jpg", "2025/01/p2.jpg", "Two"),
        post(21, name="gallery", content='Before.\n\n[gallery ids="301,302"]\n\nAfter.'),
    ]
    import_file(write_export(tmp_path / "g.xml", *items), "--uploads", str(folder))
    body = Article.objects.get(slug="gallery").body
    assert body.count("](picture:") == 2 and "[gallery" not in body


def test_the_round_trip_keeps_the_pictures(import_file, tmp_path, settings):
    """Export with pictures as attachments, import on an empty site: the same pictures placed."""
    settings.SITE_URL = "https://relief.example"
    import_file(EXPORT, "--uploads", str(UPLOADS))
    before = {
        article.slug: (
            article.featured_image.digest if article.featured_image else None,
            [Picture.objects.get(pk=int(pk)).digest
             for pk in re.findall(r"\(picture:(\d+)\)", article.body)],
        )
        for article in Article.objects.all()
    }  # fmt: skip
    exported = tmp_path / "out.xml"
    run_command("export_wordpress", str(exported))
    text = exported.read_text()
    assert text.count("<wp:post_type><![CDATA[attachment]]></wp:post_type>") == 3
    assert "https://relief.example/media/pictures/" in text
    media = Path(settings.MEDIA_ROOT)
    # A new site: no articles, no pictures; the old site's media folder as its uploads.
    copy = tmp_path / "old-media"
    shutil.copytree(media, copy)
    Article.objects.all().delete()
    Picture.objects.all().delete()
    shutil.rmtree(media)
    settings.SITE_URL = "https://new.example"
    run = import_file(exported, "--uploads", str(copy))
    assert "Pictures: 3 brought in" in run.summary, run.out
    after = {
        article.slug: (
            article.featured_image.digest if article.featured_image else None,
            [Picture.objects.get(pk=int(pk)).digest
             for pk in re.findall(r"\(picture:(\d+)\)", article.body)],
        )
        for article in Article.objects.all()
    }  # fmt: skip
    assert after == {slug: state for slug, state in before.items() if slug in after}
    assert any(featured for featured, _ in after.values())
