"""
Pictures in an S3-compatible bucket, by configuration: tested against moto's server.

moto runs as a real HTTP server on loopback (its server mode), so django-storages
and boto3 speak S3 over the wire to it, as they would to any S3-compatible store.
"""

import io
import json
import subprocess
import sys
import urllib.request

import boto3
import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer
from PIL import Image

from config.storage import media
from pictures.models import Picture
from tests.conftest import bare_environment
from tests.factories import ArticleFactory
from tests.pictures import images

pytestmark = pytest.mark.django_db

BUCKET = "relief-pictures"
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture
def s3_server(monkeypatch):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    # As an operator makes a bucket of public pictures (README, "Pictures"): anyone may read.
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{BUCKET}/*"}],
    }  # fmt: skip
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    yield endpoint, client
    server.stop()


@pytest.fixture
def s3_settings(settings, s3_server, monkeypatch):
    """The site configured as an operator would: DJANGO_S3_BUCKET and DJANGO_S3_ENDPOINT_URL."""
    endpoint, client = s3_server
    monkeypatch.setenv("DJANGO_S3_BUCKET", BUCKET)
    monkeypatch.setenv("DJANGO_S3_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("DJANGO_S3_REGION", "us-east-1")
    url, _, storage, origins = media(settings.BASE_DIR / "media")
    settings.MEDIA_URL = url
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    return endpoint, client, origins


def test_uploaded_pictures_go_to_the_bucket_stripped_and_the_page_links_them(
    superuser_client, client, s3_settings
):
    """An admin upload lands in the bucket; every file the page names is served from it."""
    endpoint, s3, _ = s3_settings
    response = superuser_client.post(
        reverse("admin:pictures_picture_add"),
        {"upload": SimpleUploadedFile("shoes.jpg", images.photo(2000, 1000)), "alt": "Shoes"},
    )
    assert response.status_code == 302
    picture = Picture.objects.get()
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == set(picture.files())
    head = s3.head_object(Bucket=BUCKET, Key=picture.original)
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"] == "image/jpeg"

    article = ArticleFactory(body=f"![Shoes](picture:{picture.pk})", featured_image=picture)
    soup = BeautifulSoup(client.get(article.get_absolute_url()).content, "html.parser")
    urls = {soup.select_one(".entry-content img")["src"]}
    for element in soup.select(".entry-content source, .entry-content img"):
        urls |= {part.split()[0] for part in element["srcset"].split(", ")}
    assert len(urls) == 7
    assert soup.select_one('meta[property="og:image"]')["content"].startswith(
        f"{endpoint}/{BUCKET}/pictures/"
    )
    for url in urls:
        assert url.startswith(f"{endpoint}/{BUCKET}/pictures/"), url
        with urllib.request.urlopen(url, timeout=10) as answer:  # unsigned: a public address
            data = answer.read()
        image = Image.open(io.BytesIO(data))
        assert not image.getexif()
        for secret in images.SECRETS:
            assert secret.encode() not in data


def test_the_bucket_configuration_adds_its_origin_to_the_csp(s3_server):
    """With DJANGO_S3_BUCKET set, settings name S3 storage and allow images from its origin."""
    endpoint, _ = s3_server
    code = (
        "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "django.setup(); from django.conf import settings;"
        "print(json.dumps([settings.SECURE_CSP['img-src'], settings.STORAGES['default'],"
        " settings.MEDIA_URL], default=str))"
    )
    env = bare_environment(
        DJANGO_DEBUG="true",
        DJANGO_S3_BUCKET=BUCKET,
        DJANGO_S3_ENDPOINT_URL=endpoint,
        **KEYS,
    )
    said = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    img_src, storage, media_url = json.loads(said.stdout.strip().splitlines()[-1])
    assert img_src[-1] == endpoint
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["querystring_auth"] is False
    assert media_url == f"{endpoint}/"
