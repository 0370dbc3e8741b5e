"""
`make bench-search` (and the end of `make bench`): search on a blog of 1,000 articles.

It starts what `make serve` starts (deploy/stack.py) on a free loopback port
with a temporary SQLite database holding 1,000 published articles of some 400
words each (a vocabulary of 2,000 words with a few common ones, as real text
has), then:

- sends 1,000 searches one after another through nginx, each different
  (one word, two words, or a quoted phrase, common and rare words alike), and
  prints their p50, p95 and p99: the figure the issue asks under 50 ms at p95;
- loads with wrk, side by side: nginx's static copy of an article (a plain
  nginx serving the same bytes as a file), the article from the stack's cache,
  the home page, one search asked again and again (it is never stored: the app
  answers each), and a new search each time.

The limit on what reaches the app is raised (one wrk is one client); the
flood test (tests/perf/test_search_stack.py) keeps the real one. Read the
ratios, not the absolute numbers: they are this machine's, in this run.
"""

import random
import shutil
import statistics
import sys
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote_plus

from bench.bench import (
    SECONDS,
    bench_stack,
    ensure_wrk,
    machine,
    nginx_version,
    plain_nginx,
    save_copy,
    warm,
    wrk,
)
from tests.perf.server import manage, production_env, world_readable_folder

ARTICLES = 1_000
SEARCHES = 1_000
VOCABULARY = 2_000
COMMON = ["cramp", "muscle", "stretch", "massage", "calf", "night", "foot", "water", "sleep"]

SEED = """
import random
from django.utils import timezone
from blog.models import Article
random.seed(23)
words = {words!r}
common = {common!r}
now = timezone.now()
for n in range({articles}):
    def sentence():
        chosen = random.choices(words, k=random.randint(8, 16))
        chosen += random.sample(common, k=2)
        random.shuffle(chosen)
        return " ".join(chosen).capitalize() + "."
    body = "\\n\\n".join(" ".join(sentence() for _ in range(6)) for _ in range(4))
    title = " ".join(random.choices(words, k=3) + random.sample(common, k=1)).capitalize()
    Article.objects.create(
        title=title, slug=f"bench-{{n}}", standfirst=sentence(), body=body,
        status="published", published_at=now - timezone.timedelta(hours=n + 1))
"""

# A new search each time, from the same vocabulary.
SEARCH_SCRIPT = """
local words = {{{words}}}
function request()
  local a = words[math.random(#words)]
  local b = words[math.random(#words)]
  return wrk.format(nil, "/search/?q=" .. a .. "+" .. b)
end
"""


def vocabulary() -> list[str]:
    """2,000 made-up words, pronounceable, as stems and inflected forms of each other."""
    rng = random.Random(7)
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < VOCABULARY:
        stem = "".join(
            rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 3))
        )
        words.add(stem + rng.choice(["", "", "s", "ing", "ed"]))
    return sorted(words)


def searches(words: list[str]) -> list[str]:
    """1,000 different searches: a third one word, a third two words, a third a phrase."""
    rng = random.Random(11)
    pool = words + COMMON * 50
    made = []
    for n in range(SEARCHES):
        a, b = rng.choice(pool), rng.choice(pool)
        made.append([a, f"{a} {b}", f'"{a} {b}"'][n % 3])
    return made


def timed_searches(port: int, queries: list[str]) -> tuple[list[float], int]:
    """Each search once, one after another over one connection: times in ms, and how many found."""
    connection, times, hits = HTTPConnection("127.0.0.1", port, timeout=30), [], 0
    for query in queries:
        started = time.perf_counter()
        connection.request("GET", f"/search/?q={quote_plus(query)}")
        response = connection.getresponse()
        page = response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (response.status, query)
        hits += b'class="search-result"' in page
    return times, hits


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> int:
    ensure_wrk()
    folder = world_readable_folder("relief-bench-search-")
    try:
        return run(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path) -> int:
    database, static_root = folder / "bench.sqlite3", folder / "static"
    database_url = f"sqlite:///{database}"
    env = production_env(database_url, static_root)
    words = vocabulary()
    print(f"Preparing a temporary database with {ARTICLES:,} articles...")
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v0")
    seed = SEED.format(words=words, common=COMMON, articles=ARTICLES)
    manage(env, "shell", "--no-imports", "-c", seed)
    print(f"  written and indexed in {time.perf_counter() - started:.0f} s")
    copies = folder / "copies"
    copies.mkdir()
    copies.chmod(0o755)
    script = folder / "search.lua"
    script.write_text(SEARCH_SCRIPT.format(words=", ".join(f'"{w}"' for w in words[:500])))
    with (
        bench_stack(folder, database_url, static_root) as server,
        plain_nginx(folder, copies) as plain,
    ):
        base = f"http://127.0.0.1:{server.port}"
        article = f"{base}/articles/bench-500/"
        save_copy(article, copies / "article.html")
        queries = searches(words)
        timed_searches(server.port, queries[:50])  # Every worker's first query.
        print(f"{SEARCHES:,} different searches, one after another, through nginx...")
        times, found = timed_searches(server.port, queries)
        rows = []
        cases = [
            ("plain nginx, the article's bytes", f"{plain}/article.html", None),
            ("article, from nginx's cache", article, None),
            ("home page, from nginx's cache", f"{base}/", None),
            ("search page, one search again", f"{base}/search/?q=cramp+night", None),
            ("search page, a new search each time", f"{base}/search/", script),
        ]
        for name, url, lua in cases:
            warm(url, {})
            print(f"Loading {name} for {SECONDS}s...")
            rows.append((name, wrk(url, lua)))

    p95 = percentile(times, 0.95)
    print()
    print(f"Machine: {machine()}")
    print(f"Stack: nginx {nginx_version()} in front of gunicorn (make serve), SQLite FTS5")
    print()
    print(f"{SEARCHES:,} searches on {ARTICLES:,} articles ({found} found something):")
    print(
        f"  p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
        f"p99 {percentile(times, 0.99):.1f} ms, max {max(times):.1f} ms "
        f"({'OK' if p95 < 50 else 'OVER'}: under 50 ms at p95 wanted)"
    )
    print()
    plain_rps = rows[0][1]["rps"]
    print(f"{'case':<38} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} {'/ plain':>8}")
    for name, row in rows:
        print(
            f"{name:<38} {row['rps']:>10,.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} "
            f"{row['failed']:>7} {row['rps'] / plain_rps:>8.3f}"
        )
    return 0 if p95 < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
