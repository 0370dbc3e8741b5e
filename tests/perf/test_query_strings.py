"""
Query strings and cookies of every shape through `make serve`'s stack, as
social networks, old links and attackers send them.

A tracking link is the page, from the page's own cache entry; any other
parameter no page reads is a permanent redirect from nginx itself; the
parameters pages read keep working; and no shape of query string or cookie
gets a 500, a new cache entry per request, or past the cache for free.
"""

import gzip
import re
import uuid

import pytest

from tests.conftest import SEED_SLUG
from tests.perf.server import (
    StackServer,
    seeded_stack,
)

ARTICLE = f"/articles/{SEED_SLUG}/"
TRACKING = [
    "utm_source=facebook&utm_medium=social&utm_campaign=spring",
    "fbclid=IwAR3{n}",
    "gclid={n}&dclid={n}&msclkid={n}",
    "mc_cid={n}&mc_eid={n}",
    "igshid={n}&_hsenc={n}&_hsmi={n}&ref=newsletter{n}",
    "yclid={n}&twclid={n}&li_fat_id={n}",
    "UTM_SOURCE={n}&&utm_content=",
    "utm_term={n}&utm_term={n}",
]
SEED = """
from django.utils import timezone
from blog.models import Article
for number in range(25):
    Article.objects.create(title=f"Calf stretch {number}", slug=f"calf-stretch-{number}",
        body="Hold it.", status="published",
        published_at=timezone.now() - timezone.timedelta(days=2, minutes=number))
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, static_root):
    """`make serve`'s stack, its app's access log on, to count what reaches the app."""
    with seeded_stack(tmp_path_factory.mktemp("queries"), static_root, SEED) as server:
        yield server


def stored(server: StackServer, path: str, headers: dict | None = None) -> bytes:
    """GET until nginx answers from its cache; the page it holds."""
    for _ in range(100):
        response, page = server.request("GET", path, headers)
        if response.getheader("X-Cache") == "HIT":
            return page
    raise AssertionError(f"{path} was never stored")


def app_requests(server: StackServer, text: str) -> int:
    """How many requests the app server logged whose line holds ``text``."""
    return sum(text in line for line in server.log_text().splitlines() if '"GET ' in line)


def entries(server: StackServer) -> int:
    return len(server.cached_files())


def test_a_tracking_link_is_the_stored_page(stack):
    """Every tracking parameter, any number of them: the stored page, byte for byte, no app."""
    client = stack.as_client("127.0.0.11")
    page = stored(client, ARTICLE)
    zipped = stored(client, ARTICLE, {"Accept-Encoding": "gzip"})
    before = entries(stack)
    marker = uuid.uuid4().hex
    for number, query in enumerate(TRACKING):
        tracked = f"{ARTICLE}?{query.format(n=f'{marker}{number}')}"
        response, body = client.request("GET", tracked)
        assert (response.status, response.getheader("X-Cache")) == (200, "HIT"), tracked
        assert body == page
        response, body = client.request("GET", tracked, {"Accept-Encoding": "gzip"})
        assert response.getheader("X-Cache") == "HIT" and body == zipped
    assert entries(stack) == before
    assert app_requests(stack, marker) == 0
    canonical = re.search(rb'<link rel="canonical" href="([^"]+)"', page).group(1).decode()
    assert canonical.endswith(ARTICLE)
    assert gzip.decompress(zipped) == page


def test_a_parameter_no_page_reads_is_a_redirect_from_nginx(stack):
    """?x=… on any page: 301 to the page without it, answered by nginx, stored nowhere."""
    client = stack.as_client("127.0.0.12")
    before = entries(stack)
    marker = uuid.uuid4().hex
    for path in (ARTICLE, "/", "/feed/", "/comments/1/edit/", "/no-such-page/"):
        for query in (f"x={marker}", f"utm_source=1&x={marker}", f"%75tm_source={marker}"):
            response, body = client.request("GET", f"{path}?{query}")
            assert response.status == 301, (path, query, body[:300])
            assert response.getheader("Location") == path
            assert response.getheader("X-Cache") is None
    assert entries(stack) == before
    assert app_requests(stack, marker) == 0


def test_an_address_that_would_read_as_another_host_is_not_one(stack):
    """//evil.example/?x and /\\evil.example/?x redirect to a path here, never to that host."""
    for path in ("//evil.example/", "/\\evil.example/", "///evil.example/a"):
        response, _ = stack.request("GET", f"{path}?x=1")
        assert response.status == 301
        location = response.getheader("Location")
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_the_parameters_pages_read_keep_working(stack):
    """Reply links, the home page's pages, WordPress's ?feed=, a permalink's ?article=."""
    client = stack.as_client("127.0.0.13")
    response, page = client.request("GET", "/?page=2")
    assert response.status == 200 and b"Calf stretch" in page
    assert stored(client, "/?page=2") == page
    response, _ = client.request("GET", "/?page=02")
    assert (response.status, response.getheader("Location")) == (301, "/?page=2")
    response, _ = client.request("GET", f"{ARTICLE}?page=2")
    assert (response.status, response.getheader("Location")) == (301, ARTICLE)
    response, _ = client.request("GET", "/?feed=rss2")
    assert response.status == 301 and response.getheader("Location").endswith("/feed/")
    response, page = client.request("GET", f"{ARTICLE}?replytocom=1&utm_source=x")
    assert (response.status, response.getheader("Location")) == (301, f"{ARTICLE}?replytocom=1")
    response, page = client.request("GET", f"{ARTICLE}?replytocom=1")
    assert response.status == 200 and b'id="commentform"' in page
    response, _ = client.request("GET", f"/comments/99999/?article={SEED_SLUG}")
    assert response.status == 302 and response.getheader("Location").endswith(f"{ARTICLE}#comments")


QUERIES = [
    "replytocom={n}",
    "replytocom={n}&replytocom={n}",
    "page={n}",
    "=&&={n}",
    "&=x{n}",
    "%72eplytocom={n}",
    "replytocom=%00{n}",
    "replytocom=%ff%fe{n}",
    "p={n}&page_id={n}&feed={n}",
    "utm_source=%0d%0aSet-Cookie:%20x={n}",
    "x{n}=" + "y" * 8000,
    "utm_source=" + "z" * 8000 + "{n}",
    "replytocom=" + "9" * 8000 + "{n}",
    "a[]={n}&a[]=2",
    "q=%C3%A9{n}&%C3%A9=",
]
COOKIES = [
    "messages={n}",
    "sessionid={n}; sessionid=",
    "comments_pending=; messages=",
    "%6Dessages={n}",
    "csrftoken={n}" + "; x=" + "a" * 6000,
    "messages=" + "m" * 8200 + "{n}",
    ";;;=;{n}",
    'comments_trust="{n}"; comments_pending=\\x00',
]


SHAPES = QUERIES + [f"cookie:{cookie}" for cookie in COOKIES]


@pytest.mark.parametrize("shape", SHAPES)
def test_no_shape_of_query_or_cookie_gets_a_500_or_a_cache_entry_of_its_own(stack, shape):
    """Each shape, 10 times with a new value: no 500, no cache entry of its own."""
    # A client of its own for each shape, so that each reaches the app within its limit.
    client = stack.as_client(f"127.0.1.{SHAPES.index(shape) + 1}")
    before = entries(stack)
    for number in range(10):
        value = f"{uuid.uuid4().hex[:8]}{number}"
        if shape.startswith("cookie:"):
            headers = {"Cookie": shape.removeprefix("cookie:").replace("{n}", value)}
            response, body = client.request("GET", ARTICLE, headers)
        else:
            response, body = client.request("GET", f"{ARTICLE}?{shape.replace('{n}', value)}")
        assert response.status < 500, (shape, response.status, body[:500])
        assert response.status in {200, 301, 302, 404}, (shape, response.status)
        assert "x=" not in (response.getheader("Set-Cookie") or "")
    assert entries(stack) <= before + 2  # the plain page, stored once in each encoding
    assert "Internal Server Error" not in stack.log_text()
    assert "Traceback" not in stack.log_text()
