"""An article places pictures by reference, responsive and lazy; its featured image previews it."""

import io
import json

import pytest
from bs4 import BeautifulSoup
from django.core.files.storage import default_storage
from django.urls import reverse

from blog.models import Article
from pictures.store import create_picture
from tests.factories import ArticleFactory
from tests.pictures import images

pytestmark = pytest.mark.django_db


def make_picture(width=2000, height=1000, alt="Shoes by a door", **kwargs):
    data = images.photo(width, height)
    picture, _ = create_picture(io.BytesIO(data), "shoes.jpg", size=len(data), alt=alt, **kwargs)
    return picture


def page(client, article: Article) -> BeautifulSoup:
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_a_placed_picture_is_responsive(client):
    """``![alt](picture:ID)`` becomes a picture with WebP and JPEG srcsets, sizes, width, height."""
    picture = make_picture()
    article = ArticleFactory(body=f"Intro.\n\n![Muddy shoes](picture:{picture.pk})\n\nMore.")
    soup = page(client, article)
    element = soup.select_one(".entry-content picture")
    source = element.select_one('source[type="image/webp"]')
    img = element.select_one("img")
    assert [item.split()[1] for item in source["srcset"].split(", ")] == ["480w", "960w", "1600w"]
    assert [item.split()[1] for item in img["srcset"].split(", ")] == [
        "480w", "960w", "1600w", "2000w",
    ]  # fmt: skip
    assert source["sizes"] == img["sizes"] != ""
    assert (img["width"], img["height"]) == ("2000", "1000")
    assert img["alt"] == "Muddy shoes"  # the article's words for it win
    assert img["src"].startswith("/media/pictures/") and img["src"].endswith("-1600.jpg")
    for candidate in [*source["srcset"].split(", "), *img["srcset"].split(", ")]:
        url = candidate.split()[0]
        assert default_storage.exists(url.removeprefix("/media/"))


def test_only_the_first_picture_loads_at_once(client):
    """The first picture is eager; every later one is lazy."""
    first, second = make_picture(), make_picture(1000, 600)
    article = ArticleFactory(body=f"![](picture:{first.pk})\n\n![](picture:{second.pk})")
    imgs = page(client, article).select(".entry-content img")
    assert [img.get("loading") for img in imgs] == [None, "lazy"]
    assert imgs[0]["alt"] == "Shoes by a door"  # empty in Markdown: the picture's own


def test_with_a_featured_image_every_body_picture_is_lazy(client):
    """The featured image comes first, so it alone loads at once."""
    featured, placed = make_picture(), make_picture(1000, 600)
    article = ArticleFactory(body=f"![](picture:{placed.pk})", featured_image=featured)
    soup = page(client, article)
    assert soup.select_one(".featured-image img").get("loading") is None
    assert soup.select_one(".entry-content img")["loading"] == "lazy"


def test_a_decorative_picture_has_an_empty_alt(client):
    """Decorative: alt="" whatever the Markdown says."""
    picture = make_picture(alt="", decorative=True)
    article = ArticleFactory(body=f"![Some words](picture:{picture.pk})")
    assert page(client, article).select_one(".entry-content img")["alt"] == ""


def test_an_unknown_picture_leaves_nothing_and_no_error(client):
    """A reference to a picture that is not here renders nothing, never a 500 or a broken img."""
    article = ArticleFactory(body="Before.\n\n![Gone](picture:999999)\n\nAfter.")
    soup = page(client, article)
    assert soup.select(".entry-content img") == []
    assert "After." in soup.get_text()


def test_a_picture_scheme_cannot_smuggle_markup(client):
    """Alt text with quotes and tags is escaped in the placed picture."""
    picture = make_picture()
    article = ArticleFactory(body=f'![a" onerror="alert(1)<b>](picture:{picture.pk})')
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'onerror="alert(1)' not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one(".entry-content img").get("onerror") is None


def test_featured_image_is_the_link_preview_at_an_absolute_address(client, site_url):
    """og:image, twitter:image and JSON-LD image name the featured image on SITE_URL."""
    picture = make_picture()
    article = ArticleFactory(featured_image=picture)
    soup = page(client, article)
    og = soup.select_one('meta[property="og:image"]')["content"]
    assert og.startswith(f"{site_url}/media/pictures/") and og.endswith("-1600.jpg")
    assert soup.select_one('meta[name="twitter:image"]')["content"] == og
    assert soup.select_one('meta[name="twitter:card"]')["content"] == "summary_large_image"
    assert soup.select_one('meta[property="og:image:alt"]')["content"] == "Shoes by a door"
    assert soup.select_one('meta[property="og:image:width"]')["content"] == "1600"
    assert soup.select_one('meta[property="og:image:type"]')["content"] == "image/jpeg"
    assert len(soup.select('meta[property="og:image"]')) == 1
    data = json.loads(soup.select_one('script[type="application/ld+json"]').string)
    assert data["image"] == [og]


def test_without_a_featured_image_the_preview_is_the_sites_own(client, site_url):
    """No featured image: the site's default preview image (blog/previews.py), no JSON-LD image."""
    soup = page(client, ArticleFactory())
    og = soup.select_one('meta[property="og:image"]')["content"]
    assert og.startswith(f"{site_url}/static/img/social-preview")
    assert soup.select_one('meta[property="og:image:width"]')["content"] == "1200"
    data = json.loads(soup.select_one('script[type="application/ld+json"]').string)
    assert "image" not in data


def test_csp_allows_images_from_this_site_only_by_default(client):
    """Pictures come from self: the policy gains no other origin."""
    picture = make_picture()
    response = client.get(ArticleFactory(featured_image=picture).get_absolute_url())
    policy = response["Content-Security-Policy"]
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert img_src.split()[1:] == ["'self'", "data:"]


def test_staff_place_a_picture_and_choose_a_featured_image_in_the_admin(superuser_client):
    """The article form takes a featured image and a body with a picture reference."""
    picture = make_picture()
    response = superuser_client.post(
        reverse("admin:blog_article_add"),
        {
            "title": "With a picture",
            "slug": "with-a-picture",
            "standfirst": "",
            "featured_image": picture.pk,
            "body": f"![Shoes](picture:{picture.pk})",
            "status": "published",
            "published_at_0": "2026-01-01",
            "published_at_1": "10:00:00",
            "comments_open": "on",
        },
    )
    assert response.status_code == 302
    article = Article.objects.get(slug="with-a-picture")
    assert article.featured_image == picture
    assert "<picture>" in article.body_html


def test_the_app_serves_pictures_only_where_no_web_server_does(client, settings):
    """Production (debug off): /media/ is nginx's, the app says 404; development serves it."""
    picture = make_picture()
    url = default_storage.url(picture.original)
    assert client.get(url).status_code == 404
    settings.PICTURES_SERVED_BY_APP = True
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == default_storage.open(picture.original).read()
    assert client.get("/media/../config/settings.py").status_code in {400, 404}


def test_an_article_showing_a_picture_without_alt_text_cannot_be_published(superuser_client):
    """An imported picture without alt text blocks publishing until it has some."""
    picture = make_picture(alt="")  # as an import may bring one
    form = {
        "title": "With a picture",
        "slug": "with-a-picture",
        "standfirst": "",
        "body": f"![](picture:{picture.pk})",
        "status": "published",
        "published_at_0": "2026-01-01",
        "published_at_1": "10:00:00",
        "comments_open": "on",
    }
    response = superuser_client.post(reverse("admin:blog_article_add"), form)
    assert response.status_code == 200
    assert "Give these pictures alt text" in response.content.decode()
    assert not Article.objects.filter(slug="with-a-picture").exists()
    draft = superuser_client.post(reverse("admin:blog_article_add"), {**form, "status": "draft"})
    assert draft.status_code == 302
    picture.alt = "Now described"
    picture.save()
    form["slug"] = "with-a-picture-2"
    assert superuser_client.post(reverse("admin:blog_article_add"), form).status_code == 302
