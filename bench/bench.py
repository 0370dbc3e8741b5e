"""
`make bench`: load `make serve`'s stack on this machine and print what it sustains.

It starts what `make serve` starts (deploy/stack.py: nginx's cache in front of
gunicorn, debug off) on a free loopback port with a temporary SQLite database,
publishes articles with 0, 50 and 500 approved comments, and loads each with wrk
(Debian's package; installed here with apt-get when missing and running as root)
for BENCH_SECONDS seconds (default 10), side by side with the baseline a
blogger's page cache gives: nginx serving a static copy of the same page, saved
from the app's answer. Then the paths that reach the app: a reader whose comment
is held (past the cache), a miss (a new query string each time), the app server
alone, and 400 comments posted by 8 posters at once through nginx. Then the
outage: the app server stopped, the article must answer 200 from the cache for
BENCH_OUTAGE_SECONDS (default 600) and a comment get nginx's styled 503. Last, a
one-worker app server takes 1,000 and then 20,000 requests, to compare its
memory after each (leaks).

Every figure is from this one run on this one machine: read the ratios, not the
absolute numbers. Only loopback is loaded, for a bounded time.
"""

import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from http.client import HTTPConnection
from pathlib import Path
from threading import Barrier

from bs4 import BeautifulSoup

from deploy.stack import ensure_debian_package
from tests.perf.server import (
    Browser,
    manage,
    post_comment,
    production_env,
    production_server,
    production_stack,
    world_readable_folder,
)

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
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
"""

MISS_SCRIPT = """
-- A new query string each time: nginx has never stored it, the app renders it.
local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", "{path}?miss=" .. counter .. "-" .. math.random(1, 1000000000))
end
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


def wrk(url: str, script: Path | None = None, headers: dict | None = None) -> dict:
    """Run wrk against one URL; return requests/s, p50/p99 in ms and the failed answers."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
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

    rows = []
    stack_context = production_stack(
        folder, database_url, static_root, migrate=False, workers=None, DJANGO_LOG_LEVEL="WARNING"
    )
    with stack_context as stack:
        base = f"http://127.0.0.1:{stack.port}"
        cases = []
        for count in COUNTS:
            article = f"{base}/articles/bench-{count}/"
            copy = save_static_copy(article, static_root / "bench" / f"article-{count}.html")
            cases += [
                (f"static copy, {count} comments", base + copy, {}),
                (f"article, {count} comments", article, {}),
            ]
        _, _, page = fetch(f"{base}/articles/bench-0/")
        css = re.search(rb'href="(/static/css/site\.[0-9a-f]+\.css)"', page).group(1).decode()
        cases += [
            (
                "article, 500 comments, gzip",
                f"{base}/articles/bench-500/",
                GZIP,
            ),
            # The last of the 8 pages of 400 threads: cached like the first.
            ("article, 500 comments, page 8", f"{base}/articles/bench-500/comment-page-8/", {}),
            ("home page", f"{base}/", {}),
            ("static file (site.css)", base + css, {}),
        ]
        for name, url, headers in cases:
            # Warm: a cold page's first readers wait on proxy_cache_lock, which nginx
            # checks every 500 ms; that is the miss path, measured below.
            for _ in range(20):
                fetch(url, headers)
            print(f"Loading {name} for {SECONDS}s...")
            rows.append((name, wrk(url, headers=headers)))

        weights = [(n, page_weight(fetch(f"{base}/articles/bench-{n}/")[2])) for n in COUNTS]
        author = Browser()
        response, _ = post_comment(stack, author, "bench-50", "Held: does this help?", "Author")
        assert "comments_pending" in author.cookies, response.status
        print(f"Loading the article as its pending author (past the cache) for {SECONDS}s...")
        rows.append(
            (
                "pending author, 50 comments",
                wrk(f"{base}/articles/bench-50/", headers=author.header()),
            )
        )
        script = folder / "miss.lua"
        script.write_text(MISS_SCRIPT.format(path="/articles/bench-50/"))
        print(f"Loading the article with a new query string each time (misses) for {SECONDS}s...")
        rows.append(("cache miss, 50 comments", wrk(f"{base}/articles/bench-50/", script)))

        print(f"{POSTERS} posters send {POSTERS * POSTS_EACH} comments through nginx...")
        posts = post_at_once(stack, database)
        master = stack.app.process.pid
        peaks = [memory_kib(pid, "VmHWM") for pid in workers(master)]
        print(f"Stopping the app server: the article must answer for {OUTAGE_SECONDS}s...")
        outage = during_outage(stack, f"{base}/articles/bench-50/")

    with served(folder, database, static_root) as server:
        print(f"Loading the article from the app server alone (no nginx) for {SECONDS}s...")
        url = f"http://127.0.0.1:{server.port}/articles/bench-50/"
        for _ in range(20):
            fetch(url)
        rows.append(("app server alone, 50 comments", wrk(url)))

    print(f"One worker, {LEAK_FIRST:,} then {LEAK_TOTAL:,} requests, for memory...")
    with served(folder, database, static_root, WEB_CONCURRENCY="1") as server:
        base, master = f"http://127.0.0.1:{server.port}", server.process.pid
        paths = [f"/articles/bench-{n}/" for n in COUNTS] + ["/"]
        memory = []
        for count in (LEAK_FIRST, LEAK_TOTAL - LEAK_FIRST):
            send(base, paths, count)
            memory.append(memory_kib(workers(master)[0], "VmRSS"))

    report(rows, posts, outage, peaks, memory, weights)
    return 0


def page_weight(html: bytes) -> dict[str, int]:
    """The bytes of an article's first page, of its JSON-LD, and the comments it shows."""
    soup = BeautifulSoup(html, "html.parser")
    data = soup.select_one("script[type='application/ld+json']")
    return {
        "bytes": len(html),
        "json_ld": len(str(data).encode()) if data else 0,
        "shown": len(soup.select("li.comment")),
    }


def save_static_copy(url: str, path: Path) -> str:
    """Save the page as readers get it into the static folder; its URL under /static/."""
    for _ in range(20):  # Warm the cache and every worker.
        status, headers, page = fetch(url)
    assert status == 200 and headers.get("X-Cache") == "HIT", (status, headers)
    path.parent.mkdir(exist_ok=True)
    path.parent.chmod(0o755)
    path.write_bytes(page)
    path.chmod(0o644)
    return f"/static/bench/{path.name}"


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


def report(rows, posts, outage, peaks, memory, weights) -> None:
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
        f"Stack: nginx {nginx_version()} (deploy/nginx.conf, cache on disk) in front of gunicorn, "
        f"{config[0]} workers x {config[1]} threads (gthread) on a unix socket, debug off, "
        "SQLite (WAL) in a temporary folder, in-process cache"
    )
    print(f"Load: wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s on loopback, one case at a time")
    print()
    print(f"{'case':<32} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}")
    for name, row in rows:
        print(
            f"{name:<32} {row['rps']:>10.1f} {row['p50']:>8.2f} {row['p99']:>8.2f} "
            f"{row['failed']:>7}"
            + (f"  socket errors: {row['socket_errors']}" if row["socket_errors"] else "")
        )

    print()
    print("Key figures")
    for count in COUNTS:
        article, copy = (
            by_name[f"article, {count} comments"],
            by_name[f"static copy, {count} comments"],
        )
        ratio = article["rps"] / copy["rps"]
        print(
            f"  {f'article ({count} comments) / static copy (req/s)':<52} {ratio:>6.2f}"
            f"   target >= 0.50  {verdict(ratio >= 0.5)}"
        )
        print(
            f"  {f'article ({count} comments), p99':<52} {article['p99']:>6.2f} ms"
            f"  target < 10 ms  {verdict(article['p99'] < 10)}"
        )
    alone = by_name["app server alone, 50 comments"]
    for name in ("pending author, 50 comments", "cache miss, 50 comments"):
        row = by_name[name]
        print(
            f"  {name + ' / app server alone (req/s)':<52} {row['rps'] / alone['rps']:>6.2f}"
            f"   ({row['rps']:.0f} req/s, p99 {row['p99']:.0f} ms; before nginx, the cached "
            "article was 1,080 req/s, p99 206 ms)"
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


def nginx_version() -> str:
    output = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    return output.strip().rsplit("/", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
