"""
When Redis does not answer: a styled 503 saying to try again, the cause logged once.

The cache here points at a port where nothing listens, a real connection failure.
Database outages are proven against the production server in tests/perf/.
"""

import logging

import pytest
from django.test import Client
from django.urls import path, reverse

from comments.models import Comment
from tests.conftest import SAME_ORIGIN, fresh_stamp

pytestmark = pytest.mark.django_db


def crash(request):
    raise RuntimeError("boom")


# This module doubles as a URLconf with the site's error handler and a failing view.
urlpatterns = [path("crash/", crash)]
handler500 = "config.errors.server_error"

UNREACHABLE = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}


@pytest.fixture
def redis_down(settings):
    """Every shared cache is a Redis server that cannot be reached (fragments stay in memory)."""
    settings.CACHES = {**settings.CACHES, "default": UNREACHABLE, "ratelimit": UNREACHABLE}


@pytest.fixture
def reader() -> Client:
    client = Client(headers=SAME_ORIGIN)
    client.raise_request_exception = False
    return client


def errors_logged(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_reader_gets_a_styled_503_and_the_cause_is_logged_once(
    redis_down, reader, seed_article, caplog
):
    """The article page answers 503 in the site's style, with Retry-After; one log line says why."""
    response = reader.get(seed_article.get_absolute_url())
    assert response.status_code == 503
    content = response.content.decode()
    assert "Temporarily unavailable" in content
    assert "Please try again in a minute." in content
    assert "site.css" in content
    assert "ConnectionError" not in content  # No detail of the failure for the public.
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]

    [record] = errors_logged(caplog)
    assert record.name == "config.errors"
    message = record.getMessage()
    assert f"GET {seed_article.get_absolute_url()}" in message
    assert "ConnectionError" in message
    assert "127.0.0.1:1" in message or "refused" in message.lower()


def test_a_comment_sent_during_the_outage_is_not_stored_and_its_author_is_told(
    redis_down, reader, seed_article, settings, caplog
):
    """The flood check cannot reach Redis: nothing stored, and the page says so, text kept."""
    settings.COMMENTS_FLOOD_INTERVAL = 15
    response = reader.post(
        reverse("comments:post", args=[seed_article.slug]),
        {
            "author_name": "Ines",
            "author_email": "ines@example.org",
            "body": "Stretching before bed <helps> me.",
            "issued": fresh_stamp(reader),
        },
    )
    assert response.status_code == 503
    content = response.content.decode()
    assert "What you sent has not been saved." in content
    assert "Stretching before bed &lt;helps&gt; me." in content
    assert "ines@example.org" not in content
    assert Comment.objects.count() == 0
    assert len(errors_logged(caplog)) == 1


def test_healthz_answers_503_naming_what_is_down(redis_down, reader):
    """A load balancer sees the cache is down; the cause goes to the log, not the public."""
    response = reader.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.content.decode() == "unavailable: cache\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_ok_when_database_and_cache_answer(client):
    """All well: 200 and a one-word body, never cached."""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content.decode() == "ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_other_errors_still_get_the_500_page(reader, settings, caplog):
    """Only outages become 503: a bug is still a 500, logged by Django with its traceback."""
    settings.ROOT_URLCONF = __name__
    response = reader.get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    [record] = errors_logged(caplog)
    assert record.name == "django.request"
    assert record.exc_info[0] is RuntimeError
