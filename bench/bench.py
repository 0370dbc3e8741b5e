"""
`make bench`: load `make serve`'s stack on this machine and print what it sustains.

It starts what `make serve` starts (deploy/stack.py: nginx's cache in front of
gunicorn and the email worker, debug off, nginx's access log on as make serve
has it) on a free loopback port with a temporary SQLite database, publishes
articles with 0, 50 and 500 approved comments (all under one tag, whose page is loaded
too), and loads each case with wrk
(Debian's package; installed here with apt-get when missing and running as
root) for BENCH_SECONDS seconds (default 10), side by side in one run with the
limit a page cache can reach: a plain nginx (logging off, nothing else)
serving the same bytes as a file, saved from the stack's answer.

The cases: each article from the cache; a tracking link (``?utm_…&fbclid=…``,
new each time); a parameter no page reads (``?x=…``, new each time: nginx's
redirect); a dummy ``messages`` cookie; a reader whose comment is held; a miss
(a page nginx does not hold: a reply form for a new comment id each time, which
the app renders); the app server alone. The stack's limit on what reaches the
app is raised for these (one wrk is one client); tests/perf/test_limits.py
floods the real limit. The 0-comment article against the plain nginx, and the
median latency of a held-comment reader, of a miss and of the health check (the
least an answer from the app costs) against the cached 50-comment article, are
measured in BENCH_ROUNDS alternating rounds (default 3) and their medians
compared: once as the server answers (wrk, one connection), once as a reader's
client gets each page whole (requests, one session, as the figures of before
were taken).

Then 400 comments posted by 8 posters at once through nginx; the app server
stopped (the article must answer 200 from the cache for BENCH_OUTAGE_SECONDS,
default 600, and a comment get nginx's styled 503); and a one-worker app server
takes 1,000 and then 20,000 requests, to compare its memory after each (leaks).

Every figure is from this one run on this one machine: read the ratios, not the
absolute numbers. Only loopback is loaded, for a bounded time.
"""

import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from http.client import HTTPConnection
from pathlib import Path
from threading import Barrier

import requests
from bs4 import BeautifulSoup

from deploy.stack import (
    APP_SERVER,
    connects,
    ensure_debian_package,
    find_nginx,
    wait_until,
)
from tests.perf.server import (
    Browser,
    free_port,
    manage,
    post_comment,
    production_env,
    production_server,
    production_stack,
    world_readable_folder,
)

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
OUTAGE_SECONDS = int(os.environ.get("BENCH_OUTAGE_SECONDS", "600"))
POSTERS, POSTS_EACH = 8, 50
GZIP = {"Accept-Encoding": "gzip"}
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = 2
COUNTS = (0, 50, 500)
LEAK_FIRST, LEAK_TOTAL = 1_000, 20_000

SEED = """
from django.utils import timezone
from blog.models import Article
from comments.models import Comment
for count in {counts}:
    article = Article.objects.create(
        title=f"Bench article with {{count}} comments", slug=f"bench-{{count}}",
        body="Cramps *ease* with stretching.\\n\\n" * 20, status="published",
        published_at=timezone.now() - timezone.timedelta(days=1))
    roots = []
    for n in range(count):
        parent = roots[-1] if n % 5 == 4 else None
        comment = Comment.objects.create(
            article=article, parent=parent, author_name=f"Reader {{n}}",
            author_email=f"reader{{n}}@example.org", author_url="https://example.org/",
            body="Calf stretches before bed helped me.\\nThank you! " * 3, status="approved")
        if parent is None:
            roots.append(comment)
Article.objects.create(title="Posting target", slug="bench-posts", body="Post here.",
    status="published", published_at=timezone.now() - timezone.timedelta(days=1))
# The tag page (blog/listings.py): every article above, under one tag, by one author.
from blog.models import Author, Tag
tag = Tag.objects.create(name="Stretching", slug="stretching", description="Calves and feet.")
author = Author.objects.create(name="Bench Author", slug="bench-author")
for article in Article.objects.filter(slug__startswith="bench-"):
    article.tags.add(tag)
    article.author = author
    article.save()
"""

# A new query string each time: wrk's request() is called once per request.
NEW_QUERY_SCRIPT = """
local counter = 0
function request()
  counter = counter + 1
  local value = counter .. math.random(100000, 999999)
  return wrk.format(nil, wrk.path .. "?" .. string.gsub("QUERY", "N", value))
end
"""
QUERIES = {
    # Served from the page's own cache entry.
    "tracking": "utm_source=newsletter&utm_campaign=N&fbclid=N",
    # Redirected by nginx itself.
    "unknown": "x=N",
    # A page nginx does not hold: the app renders the article (a reply form for no comment).
    "miss": "replytocom=N",
}

# The limit a page cache can reach: nginx and a file, nothing else.
PLAIN_NGINX = """
{user}
worker_processes auto;
daemon off;
pid {run}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {run}/temp;
    proxy_temp_path {run}/temp;
    fastcgi_temp_path {run}/temp;
    uwsgi_temp_path {run}/temp;
    scgi_temp_path {run}/temp;
    access_log off;
    sendfile on;
    server_tokens off;
    keepalive_timeout 30s;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def ensure_wrk() -> str:
    """Find wrk, or install it from Debian's packages; else say how, and stop."""
    return ensure_debian_package("wrk", "wrk", "make bench")


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def memory_kib(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of a process, in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1))


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(
    url: str,
    script: Path | None = None,
    headers: dict | None = None,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> dict:
    """Run wrk against one URL; return requests/s, p50/p99 in ms and the failed answers."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{SECONDS}s", "--latency"]
    command += ["--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=SECONDS + 120
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)\s*$", output, re.MULTILINE))
    if "99" not in latency:
        sys.exit(f"Could not read wrk's answer:\n{output}")
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": to_ms(latency["50"]),
        "p99": to_ms(latency["99"]),
        "failed": int(failed.group(1)) if failed else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One GET: status, headers and body, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def machine() -> str:
    cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    memory = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)
    cpu = cpu.group(1) if cpu else platform.processor()
    return (
        f"nproc {os.cpu_count()}, CPU {cpu}, {int(memory) / 1024 / 1024:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def main() -> int:
    ensure_wrk()
    # nginx's workers (nobody, under root) read the static files and the saved copies.
    folder = world_readable_folder("relief-bench-")
    try:
        return run(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def served(folder: Path, database: Path, static_root: Path, **extra: str):
    """The app server alone (tests/perf/server.py), sized from the CPU count unless told."""
    return production_server(
        folder,
        f"sqlite:///{database}",
        static_root,
        migrate=False,
        workers=None,
        DJANGO_LOG_LEVEL="WARNING",
        **extra,
    )


def run(folder: Path) -> int:
    database, static_root = folder / "bench.sqlite3", folder / "static"
    database_url = f"sqlite:///{database}"
    env = production_env(database_url, static_root)
    print("Preparing a temporary database with articles of 0, 50 and 500 comments...")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "shell", "--no-imports", "-c", SEED.format(counts=COUNTS))

    rows, copies = [], folder / "copies"
    copies.mkdir()
    copies.chmod(0o755)  # nginx's workers (nobody, under root) read the copies.
    with (
        bench_stack(folder, database_url, static_root) as stack,
        plain_nginx(folder, copies) as plain,
    ):
        base = f"http://127.0.0.1:{stack.port}"
        for count in COUNTS:
            save_copy(f"{base}/articles/bench-{count}/", copies / f"article-{count}.html")
        save_copy(f"{base}/tags/stretching/", copies / "tag.html")
        print(f"The 0-comment article against a plain nginx, {ROUNDS} rounds of {SECONDS}s...")
        limit = alternate(
            {
                "plain nginx, same bytes": (f"{plain}/article-0.html", None, {}),
                "article, 0 comments": (f"{base}/articles/bench-0/", None, {}),
                "plain nginx, tag page's bytes": (f"{plain}/tag.html", None, {}),
                "tag page": (f"{base}/tags/stretching/", None, {}),
            }
        )

        author = Browser()
        response, _ = post_comment(stack, author, "bench-50", "Held: does this help?", "Author")
        assert "comments_pending" in author.cookies, response.status
        scripts = write_scripts(folder)
        article = f"{base}/articles/bench-50/"
        _, _, page = fetch(f"{base}/articles/bench-0/")
        css = re.search(rb'href="(/static/css/site\.[0-9a-f]+\.css)"', page).group(1).decode()
        cases = []
        for count in COUNTS:
            cases += [
                (f"plain nginx, {count} comments", f"{plain}/article-{count}.html", None, {}),
                (f"article, {count} comments", f"{base}/articles/bench-{count}/", None, {}),
            ]
        cases += [
            ("article, 500 comments, gzip", f"{base}/articles/bench-500/", None, GZIP),
            # The last of the 8 pages of 400 threads: cached like the first.
            (
                "article, 500 comments, page 8",
                f"{base}/articles/bench-500/comment-page-8/",
                None,
                {},
            ),
            ("home page", f"{base}/", None, {}),
            ("plain nginx, tag page", f"{plain}/tag.html", None, {}),
            ("tag page", f"{base}/tags/stretching/", None, {}),
            ("static file (site.css)", base + css, None, {}),
            ("tracking link, 50 comments", article, scripts["tracking"], {}),
            ("unknown parameter, 50 comments", article, scripts["unknown"], {}),
            ("dummy cookie, 50 comments", article, None, {"Cookie": "messages=x"}),
            ("pending author, 50 comments", article, None, author.header()),
            ("cache miss, 50 comments", article, scripts["miss"], {}),
        ]
        for name, url, script, headers in cases:
            warm(url, headers)
            print(f"Loading {name} for {SECONDS}s...")
            rows.append((name, wrk(url, script, headers)))

        print(f"One connection: cached, pending author and miss, {ROUNDS} rounds of {SECONDS}s...")
        latency = alternate(
            {
                "cached": (article, None, {}),
                "pending author": (article, None, author.header()),
                "cache miss": (article, scripts["miss"], {}),
                # The least any answer from Python costs: one query, one cache read, no page.
                "health check": (f"{base}/healthz", None, {}),
            },
            connections=1,
        )

        print(f"The same four as a Python client reads them, {ROUNDS} rounds of {SECONDS}s...")
        read = read_alternately(
            {
                "cached": (article, {}),
                "pending author": (article, author.header()),
                "cache miss": (f"{article}?replytocom={{n}}", {}),
                "health check": (f"{base}/healthz", {}),
            }
        )

        weights = [(n, page_weight(fetch(f"{base}/articles/bench-{n}/")[2])) for n in COUNTS]
        print(f"{POSTERS} posters send {POSTERS * POSTS_EACH} comments through nginx...")
        posts = post_at_once(stack, database)
        master = stack.stack.program_pid(APP_SERVER)
        peaks = [memory_kib(pid, "VmHWM") for pid in workers(master)]
        print(f"Stopping the app server: the article must answer for {OUTAGE_SECONDS}s...")
        outage = during_outage(stack, article)

    with served(folder, database, static_root) as server:
        print(f"Loading the article from the app server alone (no nginx) for {SECONDS}s...")
        url = f"http://127.0.0.1:{server.port}/articles/bench-50/"
        warm(url, {})
        rows.append(("app server alone, 50 comments", wrk(url)))

    print(f"One worker, {LEAK_FIRST:,} then {LEAK_TOTAL:,} requests, for memory...")
    with served(folder, database, static_root, WEB_CONCURRENCY="1") as server:
        base, master = f"http://127.0.0.1:{server.port}", server.process.pid
        paths = [f"/articles/bench-{n}/" for n in COUNTS] + ["/"]
        memory = []
        for count in (LEAK_FIRST, LEAK_TOTAL - LEAK_FIRST):
            send(base, paths, count)
            memory.append(memory_kib(workers(master)[0], "VmRSS"))

    report(rows, limit, latency, read, posts, outage, peaks, memory, weights)
    return 0


def bench_stack(folder: Path, database_url: str, static_root: Path):
    """`make serve`'s stack on a migrated database, as the benches load it."""
    return production_stack(
        folder,
        database_url,
        static_root,
        migrate=False,
        workers=None,
        DJANGO_LOG_LEVEL="WARNING",
        # As make serve logs: every request, to the stack's output (a file here).
        SERVE_ACCESS_LOG="/dev/stdout",
        # One wrk is one client: the limit would answer it 429 (tests/perf/test_limits.py).
        SERVE_REQUESTS_PER_SECOND="1000000",
        SERVE_REQUEST_BURST="1000000",
    )


def warm(url: str, headers: dict) -> None:
    """A cold page's first readers wait on proxy_cache_lock (checked every 500 ms): not measured."""
    for _ in range(20):
        fetch(url, headers)


def alternate(cases: dict[str, tuple], connections: int = CONNECTIONS) -> dict[str, list[dict]]:
    """Each case for SECONDS, one after another, ROUNDS times: every case meets the same noise."""
    for _, (url, _, headers) in cases.items():
        warm(url, headers)
    rounds = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, (url, script, headers) in cases.items():
            threads = min(THREADS, connections)
            rounds[name].append(wrk(url, script, headers, connections, threads))
    return rounds


def read_alternately(cases: dict[str, tuple[str, dict]]) -> dict[str, list[float]]:
    """
    Median milliseconds per page as one reader's client gets it, body read whole:
    requests, one session, one request at a time, as the figures of before
    ("53 ms against 1.15 ms") were taken. ``{n}`` in an address is new for each request.
    """
    session = requests.Session()
    rounds = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, (url, headers) in cases.items():
            times, count, end = [], 0, time.monotonic() + SECONDS
            while time.monotonic() < end:
                count += 1
                started = time.perf_counter()
                response = session.get(url.format(n=count), headers=headers)
                response.content  # noqa: B018 - the body is part of what a reader waits for.
                times.append(time.perf_counter() - started)
                # Each case sends its own cookies, and only those.
                session.cookies.clear()
                assert response.status_code == 200, (name, response.status_code)
            rounds[name].append(statistics.median(times) * 1000)
    return rounds


def write_scripts(folder: Path) -> dict[str, Path]:
    """wrk scripts that make each request's query string new."""
    scripts = {}
    for name, query in QUERIES.items():
        scripts[name] = folder / f"{name}.lua"
        scripts[name].write_text(NEW_QUERY_SCRIPT.replace("QUERY", query))
    return scripts


@contextmanager
def plain_nginx(folder: Path, root: Path) -> Iterator[str]:
    """A plain nginx serving ``root``'s files on a free port, logging off: its address."""
    run = folder / "plain-nginx"
    (run / "temp").mkdir(parents=True, mode=0o755)
    port = free_port()
    conf = run / "nginx.conf"
    conf.write_text(PLAIN_NGINX.format(run=run, root=root, port=port, user=nginx_user()))
    process = subprocess.Popen(
        [find_nginx(), "-p", str(run), "-c", str(conf), "-e", "stderr"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until(connects(("127.0.0.1", port)), process, "plain nginx")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=30)


def nginx_user() -> str:
    return "user nobody nogroup;" if os.geteuid() == 0 else ""


def page_weight(html: bytes) -> dict[str, int]:
    """The bytes of an article's first page, of its JSON-LD, and the comments it shows."""
    soup = BeautifulSoup(html, "html.parser")
    data = soup.select_one("script[type='application/ld+json']")
    return {
        "bytes": len(html),
        "json_ld": len(str(data).encode()) if data else 0,
        "shown": len(soup.select("li.comment")),
    }


def save_copy(url: str, path: Path) -> None:
    """Save the page as readers get it from the cache, for the plain nginx to serve."""
    for _ in range(20):  # Warm the cache and every worker.
        status, headers, page = fetch(url)
    assert status == 200 and headers.get("X-Cache") == "HIT", (status, headers)
    path.write_bytes(page)
    path.chmod(0o644)


def post_at_once(stack, database: Path) -> dict:
    """POSTERS browsers post POSTS_EACH comments each, at once; what they were answered."""
    before = comment_rows(database)
    start = Barrier(POSTERS)

    def poster(index: int) -> list[int]:
        browser = Browser()
        start.wait(timeout=60)
        statuses = []
        for number in range(POSTS_EACH):
            text = f"Bench comment {number} from poster {index}: stretching helped."
            response, _ = post_comment(stack, browser, "bench-posts", text, f"Poster {index}")
            statuses.append(response.status)
        return statuses

    began = time.monotonic()
    with ThreadPoolExecutor(POSTERS) as pool:
        answers = Counter(
            status for result in pool.map(poster, range(POSTERS)) for status in result
        )
    seconds = time.monotonic() - began
    return {"answers": answers, "stored": comment_rows(database) - before, "seconds": seconds}


def during_outage(stack, url: str) -> dict:
    """Stop the app server; ask for the article every second for OUTAGE_SECONDS; post a comment."""
    fetch(url)
    stack.stop_app()
    answers, sources = Counter(), Counter()
    deadline = time.monotonic() + OUTAGE_SECONDS
    while time.monotonic() < deadline:
        status, headers, _ = fetch(url)
        answers[status] += 1
        sources[headers.get("X-Cache", "-")] += 1
        time.sleep(1)
    form = "author_name=Ola&author_email=ola%40example.org&body=Is+it+down%3F"
    request = urllib.request.Request(
        url + "comments/",
        data=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            post_status, post_page = response.status, response.read()
    except urllib.error.HTTPError as error:
        post_status, post_page = error.code, error.read()
    styled = b"Temporarily unavailable" in post_page and b"/static/css/site." in post_page
    return {"answers": answers, "sources": sources, "post": post_status, "styled": styled}


def send(base: str, paths: list[str], count: int, clients: int = 4) -> None:
    """Exactly ``count`` GETs over keep-alive connections, cycling through ``paths``."""
    port = int(base.rsplit(":", 1)[1])

    def client(share: int) -> None:
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        for number in range(share):
            connection.request("GET", paths[number % len(paths)])
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"GET answered {response.status}")
        connection.close()

    shares = [count // clients + (index < count % clients) for index in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, shares))


def comment_rows(database: Path) -> int:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute("SELECT COUNT(*) FROM comments_comment").fetchone()[0]


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(rows, limit, latency, read, posts, outage, peaks, memory, weights) -> None:
    by_name = dict(rows)
    config = subprocess.run(
        [sys.executable, "-c", "exec(open('gunicorn.conf.py').read()); print(workers, threads)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in {"WEB_CONCURRENCY"}},
    ).stdout.split()
    print()
    print(f"Machine: {machine()}")
    print(
        f"Stack: nginx {nginx_version()} (deploy/nginx.conf, cache on disk, access log on) in "
        f"front of gunicorn, {config[0]} workers x {config[1]} threads (gthread) on a unix "
        "socket, debug off, SQLite (WAL) in a temporary folder, in-process cache; the limit on "
        "what reaches the app raised (one wrk is one client)"
    )
    print(f"Load: wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s on loopback, one case at a time")
    print()
    print(f"{'case':<34} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} {'/ plain':>8}")
    for name, row in rows:
        plain = by_name.get(f"plain nginx, {comments(name) or name}")
        ratio = f"{row['rps'] / plain['rps']:>8.2f}" if plain else ""
        print(
            f"{name:<34} {row['rps']:>10.1f} {row['p50']:>8.2f} {row['p99']:>8.2f} "
            f"{row['failed']:>7} {ratio}"
            + (f"  socket errors: {row['socket_errors']}" if row["socket_errors"] else "")
        )

    print()
    print("Key figures")
    rps = {name: statistics.median(r["rps"] for r in runs) for name, runs in limit.items()}
    ratio = rps["article, 0 comments"] / rps["plain nginx, same bytes"]
    print(
        f"  {'article (0 comments) / plain nginx, same bytes':<52} {ratio:>6.2f}"
        f"   target >= 0.80  {verdict(ratio >= 0.8)}  (req/s, median of {ROUNDS} alternating "
        f"rounds: {rps['article, 0 comments']:,.0f} / {rps['plain nginx, same bytes']:,.0f})"
    )
    for count in COUNTS:
        article = by_name[f"article, {count} comments"]
        print(
            f"  {f'article ({count} comments), p99':<52} {article['p99']:>6.2f} ms"
            f"  target < 10 ms  {verdict(article['p99'] < 10)}"
        )
    tag, tag_plain = rps["tag page"], rps["plain nginx, tag page's bytes"]
    print(
        f"  {'tag page / plain nginx, same bytes':<52} {tag / tag_plain:>6.2f}"
        f"   target >= 0.80  {verdict(tag / tag_plain >= 0.8)}  (req/s, median of {ROUNDS} "
        f"alternating rounds: {tag:,.0f} / {tag_plain:,.0f}; "
        f"tag page / article, 0 comments: {tag / rps['article, 0 comments']:.2f})"
    )
    cached = by_name["article, 50 comments"]
    for name in ("tracking link", "unknown parameter", "dummy cookie"):
        row = by_name[f"{name}, 50 comments"]
        print(
            f"  {name + ' / cached article (req/s)':<52} {row['rps'] / cached['rps']:>6.2f}"
            f"   ({row['rps']:,.0f} req/s; before, 108 and 56 req/s through the app)"
        )
    p50 = {name: statistics.median(r["p50"] for r in runs) for name, runs in latency.items()}
    by_reader = {name: statistics.median(runs) for name, runs in read.items()}
    for name, target in (("pending author", 3), ("cache miss", 3), ("health check", None)):
        times = by_reader[name] / by_reader["cached"]
        goal = f"target <= {target}  {verdict(times <= target)}" if target else ""
        print(
            f"  {name + ' / cached, as a client reads it':<52} {times:>6.1f}x"
            f"  {goal}  ({by_reader[name]:.2f} ms against {by_reader['cached']:.2f} ms, "
            f"50 comments, requests, median of {ROUNDS} rounds; "
            "before: 46x, 53 ms against 1.15 ms)"
        )
    for name in ("pending author", "cache miss", "health check"):
        times = p50[name] / p50["cached"]
        print(
            f"  {name + ' / cached, server time (wrk, one client)':<52} {times:>6.1f}x"
            f"  ({p50[name]:.2f} ms against {p50['cached']:.2f} ms, median of {ROUNDS} rounds)"
        )
    print(
        f"  {'pending author / health check, server time':<52} "
        f"{p50['pending author'] / p50['health check']:>6.1f}x  (the health check renders no "
        "page: the least an answer from the app costs, through the same nginx)"
    )
    alone = by_name["app server alone, 50 comments"]
    for name in ("pending author, 50 comments", "cache miss, 50 comments"):
        row = by_name[name]
        print(
            f"  {name + ' / app server alone (req/s)':<52} {row['rps'] / alone['rps']:>6.2f}"
            f"   ({row['rps']:.0f} req/s, p99 {row['p99']:.0f} ms)"
        )
    answers = dict(sorted(posts["answers"].items()))
    redirected = posts["answers"].get(302, 0)
    print(
        f"  {'comments stored / POSTs answered 302':<52} {posts['stored']} / {redirected}"
        f"   target equal, {POSTERS * POSTS_EACH} sent  "
        f"{verdict(posts['stored'] == redirected == POSTERS * POSTS_EACH)}"
        f"  (answers {answers}, {POSTERS * POSTS_EACH / posts['seconds']:.0f} comments/s)"
    )
    asked = sum(outage["answers"].values())
    ok = outage["answers"].get(200, 0)
    print(
        f"  {f'app stopped {OUTAGE_SECONDS} s: article answered 200':<52} {ok} / {asked}"
        f"   target all  {verdict(ok == asked > 0)}  (nginx's cache status: "
        f"{dict(outage['sources'])})"
    )
    print(
        f"  {'app stopped: a comment POST gets the styled 503':<52} {outage['post']:>6}"
        f"   target 503  {verdict(outage['post'] == 503 and outage['styled'])}"
    )
    for count, weight in weights:
        print(
            f"  {f'first page, {count} comments (uncompressed)':<52} {weight['bytes']:>9,} bytes"
            f"  (JSON-LD {weight['json_ld']:,} bytes, {weight['shown']} comments shown; "
            "before paging, 500 comments were 595,141 and 117,549 bytes, all 500 shown)"
        )
    label = f"peak memory per app worker (max of {len(peaks)})"
    print(f"  {label:<52} {max(peaks) / 1024:>6.1f} MiB")
    growth = memory[1] / memory[0] - 1
    print(
        f"  {'worker memory after 20,000 vs 1,000 requests':<52} {growth:>+6.1%}   "
        f"target within 10% {verdict(abs(growth) <= 0.10)}"
        f"  ({memory[0] / 1024:.1f} -> {memory[1] / 1024:.1f} MiB)"
    )


def comments(case: str) -> str:
    """ "50 comments" in "article, 50 comments, gzip": the page a case loads."""
    found = re.search(r"\d+ comments", case)
    return found.group(0) if found else ""


def nginx_version() -> str:
    output = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    return output.strip().rsplit("/", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
