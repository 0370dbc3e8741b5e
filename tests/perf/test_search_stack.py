"""
Search through `make serve`'s stack: answered by the app, never stored, and
limited like any other request that reaches it, so that a flood of unique
searches from one client leaves readers of stored pages as fast as before.
"""

import multiprocessing
import statistics
import time
from urllib.parse import quote_plus

import pytest

from tests.conftest import SEED_SLUG
from tests.perf import load
from tests.perf.server import seeded_stack
from tests.perf.test_limits import statuses

ARTICLE = f"/articles/{SEED_SLUG}/"
FLOOD_SECONDS = 8


@pytest.fixture(scope="module")
def stack(tmp_path_factory, static_root):
    """The stack with make serve's own limits, the seed article (about foot cramps) indexed."""
    with seeded_stack(tmp_path_factory.mktemp("search"), static_root) as server:
        yield server


def test_a_search_is_answered_by_the_app_and_never_stored(stack):
    """Twice the same search: found both times by the app, nothing kept by nginx."""
    client = stack.as_client("127.0.0.41")
    for _ in range(2):
        response, page = client.request("GET", "/search/?q=cramp")
        assert response.status == 200
        assert b"<mark>" in page and SEED_SLUG.encode() in page
        assert response.getheader("X-Cache") in {"MISS", "BYPASS"}
        assert response.getheader("Cache-Control") == "private, no-store"


def test_wordpress_search_through_nginx_lands_on_the_results(stack):
    """``/?s=…`` reaches the app (nginx knows ``s``) and is sent to the search page."""
    response, _ = stack.as_client("127.0.0.42").request("GET", "/?s=foot+cramps")
    assert response.status == 301
    assert response.getheader("Location").endswith("/search/?q=foot+cramps")


def test_a_long_search_gets_its_sentence_and_a_longer_one_the_empty_box(stack):
    """Up to nginx's 1 KB of query string the app's sentence answers; past it, the bare box."""
    client = stack.as_client("127.0.0.43")
    response, page = client.request("GET", "/search/?q=" + quote_plus("cramps " * 100))
    assert response.status == 400
    assert b"A search can be up to 200 characters" in page
    response, _ = client.request("GET", "/search/?q=" + "x" * 10_240)
    assert response.status == 301 and response.getheader("Location") == "/search/"


def test_a_flood_of_unique_searches_slows_no_reader_of_stored_pages(stack):
    """
    One client sends unique searches as fast as it can for 8 s: past its burst
    it gets 429s, while another reader's stored article keeps a p99 under 10 ms
    and a third reader's searches are answered.
    """
    statuses(stack.as_client("127.0.0.45"), [ARTICLE] * 3)  # The article is stored.
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        counts, latencies = manager.dict(), manager.list()
        flooder = context.Process(
            target=load.search_flood, args=(stack.port, "127.0.0.44", FLOOD_SECONDS, counts)
        )
        reader = context.Process(
            target=load.read,
            args=(stack.port, "127.0.0.45", ARTICLE, FLOOD_SECONDS - 1, 100, latencies),
        )
        flooder.start()
        time.sleep(0.5)
        reader.start()
        time.sleep(FLOOD_SECONDS / 2)
        searcher, _ = stack.as_client("127.0.0.46").request("GET", "/search/?q=massage")
        reader.join(timeout=60)
        flooder.join(timeout=60)
        counts, latencies = dict(counts), list(latencies)

    assert searcher.status == 200
    assert counts.get(429, 0) > 10 * counts.get(200, 1), counts
    assert 50 <= counts.get(200, 0) <= 50 + 5 * FLOOD_SECONDS + 5, counts
    assert {status for _, status in latencies} == {200}
    times = sorted(seconds * 1000 for seconds, _ in latencies)
    p99 = times[int(len(times) * 0.99) - 1]
    assert len(times) > 300
    assert p99 < 10, (p99, statistics.median(times), counts)
