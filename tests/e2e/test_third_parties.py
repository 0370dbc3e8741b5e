"""Every request the browser makes while showing a page goes to the site itself."""

import pytest

from tests.e2e.browsing import PAGES, show
from tests.e2e.conftest import third_party

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("name", PAGES)
def test_pages_ask_only_the_site(name, open_context, seed_article, requests_made, live_server):
    """The page, its stylesheet, script and icon all come from the site; nothing else is asked."""
    page = open_context().new_page()
    show(page, name, seed_article)
    page.wait_for_load_state("networkidle")
    assert any(url.endswith("/static/css/site.css") for url in requests_made)
    assert third_party(requests_made, live_server.url) == []


def test_a_request_elsewhere_would_be_seen(open_context, seed_article, requests_made, live_server):
    """The check can fail: an image from another host is recorded as third-party."""
    page = open_context().new_page()
    show(page, "article", seed_article)
    page.evaluate(
        "() => { const image = new Image(); image.src = 'http://127.0.0.2:9/pixel.png'; }"
    )
    page.wait_for_load_state("networkidle")
    assert third_party(requests_made, live_server.url) == ["http://127.0.0.2:9/pixel.png"]
    requests_made.clear()  # Seen; the autouse guard need not fail the test again.
