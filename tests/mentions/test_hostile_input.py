"""The Webmention endpoint never answers a 500, whatever the strangers post."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentions.models import Mention, Received

pytestmark = pytest.mark.django_db

ENDPOINT = reverse("mentions:webmention")
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
unicode_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80)
tricky = st.sampled_from(
    [
        "http://[",
        "http://[::1",
        "https://blog.example.com:99999/articles/x/",
        "https://blog.example.com:port/",
        "http://user:pass@blog.example.com/articles/x/",
        "https://blog.example.com/articles/%00/",
        "https://blog.example.com/articles/x/../../admin/",
        "http://256.256.256.256/",
        "http://\u2100.example/",
        "https://xn--/",
        "http:///path",
        "//blog.example.com/articles/x/",
        "",
    ]
)
urls = st.one_of(unicode_text, tricky, st.builds(lambda s: f"https://{s}/", unicode_text))


@FUZZ
@given(source=urls, target=urls)
def test_any_source_and_target_get_an_answer_below_500(client, site_url, source, target):
    """Anything posted as source and target: 202 or 400, never an error; nothing is fetched."""
    response = client.post(ENDPOINT, {"source": source, "target": target})
    assert response.status_code in {202, 400}
    assert not Mention.objects.exists()
    Received.objects.all().delete()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"source": "https://a.example/", "target": "https://b.example/"}', "application/json"),
        (b"source=%ZZ&target=%", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00", "application/x-www-form-urlencoded; charset=utf-8"),
        (b"--x\r\n", "multipart/form-data; boundary=x"),
    ],
)
def test_bodies_that_are_not_a_form_get_a_400(client, site_url, body, content_type):
    """A JSON body, broken escapes, bytes that are no text, a broken multipart: 400, a sentence."""
    response = client.post(ENDPOINT, body, content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
