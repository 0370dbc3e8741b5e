"""
Pictures through `make serve`'s stack: nginx serves /media/ itself, cached for a year.

A picture made beside the stack (as an upload or an import makes it) is placed
in an article; the page through nginx names its files, and every one of them,
fetched through nginx, is the stripped picture with a long-lived Cache-Control.
"""

import io
import re
import subprocess
import sys

from PIL import Image

from tests.perf.server import ROOT, production_stack, server_database, world_readable_folder
from tests.pictures import images

MAKE = """
import io
from django.utils import timezone
from blog.models import Article
from pictures.store import create_picture
data = open({path!r}, "rb").read()
picture, _ = create_picture(io.BytesIO(data), "shoes.jpg", size=len(data), alt="Shoes by a door")
Article.objects.create(title="With a picture", slug="with-a-picture", status="published",
    body=f"Look:\\n\\n![Muddy shoes](picture:{{picture.pk}})", featured_image=picture,
    published_at=timezone.now() - timezone.timedelta(days=1))
"""


def test_pictures_are_served_by_nginx_stripped_and_cached_for_good(tmp_path, static_root):
    """Every file the page names comes from nginx: an image, no metadata, immutable."""
    media = world_readable_folder("relief-media-") / "media"
    media.mkdir(mode=0o755)
    source = tmp_path / "photo.jpg"
    source.write_bytes(images.photo(2000, 1000))
    with (
        server_database(tmp_path) as database_url,
        production_stack(
            tmp_path, database_url, static_root, DJANGO_MEDIA_ROOT=str(media)
        ) as server,
    ):
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", MAKE.format(path=str(source))],
            cwd=ROOT,
            env=server.stack.app_env,
            check=True,
            capture_output=True,
        )
        response, body = server.get("/articles/with-a-picture/")
        assert response.status == 200
        urls = set(re.findall(r"(/media/pictures/[^\s\"',]+)", body))
        assert len(urls) == 7  # three widths, JPEG and WebP, and the original
        for url in urls:
            response, data = server.request("GET", url)
            assert response.status == 200, url
            assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
            assert response.getheader("Content-Type").startswith("image/")
            assert response.getheader("X-Cache") is None  # not the app's, not its cache
            image = Image.open(io.BytesIO(data))
            assert not image.getexif()
            for secret in images.SECRETS:
                assert secret.encode() not in data
        response, _ = server.request("GET", "/media/pictures/no-such-file.jpg")
        assert response.status == 404


def test_an_upload_the_size_of_a_camera_photo_reaches_the_admin(tmp_path, static_root):
    """nginx lets a 20 MB upload through to the admin (elsewhere it caps requests at 10 MB)."""
    with (
        server_database(tmp_path) as database_url,
        production_stack(tmp_path, database_url, static_root) as server,
    ):
        body = b"x" * (20 * 1024 * 1024)
        headers = {"Content-Type": "application/octet-stream"}
        response, _ = server.request("POST", "/admin/pictures/picture/add/", headers, body)
        assert response.status != 413
        response, _ = server.request("POST", "/comments/post/x/", headers, body)
        assert response.status == 413
