"""
`make bench`: load the production server on this machine and print what it sustains.

It starts gunicorn with the project's config (gunicorn.conf.py, debug off) on a
free loopback port with a temporary SQLite database, publishes articles with 0,
50 and 500 approved comments, and loads each with wrk (Debian's package; installed
here with apt-get when missing and running as root) for BENCH_SECONDS seconds
(default 10), side by side with a static file served by the same server (the
in-run baseline) and with comment submissions. Then a one-worker server takes
1,000 and then 20,000 requests, to compare its memory after each (leaks).

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
import tempfile
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

from bs4 import BeautifulSoup

from tests.perf.server import manage, production_env, production_server

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
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

POST_SCRIPT = """
-- `id` is a global that setup() gives each thread (a local would hide it).
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function request()
  counter = counter + 1
  local text = "Bench+comment+" .. id .. "-" .. counter .. "-" .. math.random(1, 1000000000)
  local body = "{form}&author_name=Bench+Reader&author_email=bench" .. id .. "%40example.org"
    .. "&body=" .. text
  return wrk.format("POST", "{path}", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "{cookie}",
    -- What a browser says of a form posted from the site's own page (comments/origin.py).
    ["Sec-Fetch-Site"] = "same-origin",
  }}, body)
end
"""


def ensure_wrk() -> str:
    """Find wrk, or install it from Debian's packages; else say how, and stop."""
    if path := shutil.which("wrk"):
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing it with apt-get (Debian's package 'wrk').")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        if path := shutil.which("wrk"):
            return path
    sys.exit("make bench needs wrk: install it first, e.g. `sudo apt-get install wrk`.")


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


def wrk(url: str, script: Path | None = None) -> dict:
    """Run wrk against one URL; return requests/s, p50/p99 in ms and the failed answers."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    command += ["--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
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


def fetch(url: str) -> tuple[str, list[str]]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode(), response.headers.get_all("Set-Cookie") or []


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
    with tempfile.TemporaryDirectory(prefix="relief-bench-") as folder:
        return run(Path(folder))


def served(folder: Path, database: Path, static_root: Path, **extra: str):
    """The production server (tests/perf/server.py), sized from the CPU count unless told."""
    return production_server(
        folder,
        f"sqlite:///{database}",
        static_root,
        migrate=False,
        workers=None,
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="-",  # The POST answers are counted from it.
        **extra,
    )


def run(folder: Path) -> int:
    database, static_root = folder / "bench.sqlite3", folder / "static"
    env = production_env(f"sqlite:///{database}", static_root)
    print("Preparing a temporary database with articles of 0, 50 and 500 comments...")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "shell", "--no-imports", "-c", SEED.format(counts=COUNTS))

    rows = []
    with served(folder, database, static_root) as server:
        base, master = f"http://127.0.0.1:{server.port}", server.process.pid
        page, cookies = fetch(f"{base}/articles/bench-posts/")
        css = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)"', page).group(1)
        cases = [(f"article, {n} comments", f"{base}/articles/bench-{n}/") for n in COUNTS]
        cases += [("static file (site.css)", base + css), ("home page", f"{base}/")]
        for _, url in cases:  # Warm the cache and every worker.
            for _ in range(20):
                fetch(url)
        weights = [(n, page_weight(fetch(f"{base}/articles/bench-{n}/")[0])) for n in COUNTS]
        for name, url in cases:
            print(f"Loading {name} for {SECONDS}s...")
            rows.append((name, wrk(url)))

        fields = BeautifulSoup(page, "html.parser").select("#commentform input[type=hidden]")
        form = urlencode({tag["name"]: tag.get("value", "") for tag in fields})
        cookie = "; ".join(header.split(";", 1)[0] for header in cookies)
        script = folder / "post.lua"
        script.write_text(
            POST_SCRIPT.format(form=form, cookie=cookie, path="/articles/bench-posts/comments/")
        )
        before = comment_rows(database)
        print(f"Posting comments for {SECONDS}s...")
        posts = wrk(f"{base}/articles/bench-posts/comments/", script)
        rows.append(("comment submissions (POST)", posts))
        peaks = [memory_kib(pid, "VmHWM") for pid in workers(master)]
    # Counted once the server has stopped: wrk leaves posts in flight when its time
    # runs out, and gunicorn finishes them before it exits.
    stored = comment_rows(database) - before
    answers = Counter(
        re.findall(r'"POST /articles/bench-posts/comments/ HTTP/1.1" (\d+)', server.log_text())
    )

    print(f"One worker, {LEAK_FIRST:,} then {LEAK_TOTAL:,} requests, for memory...")
    with served(folder, database, static_root, WEB_CONCURRENCY="1") as server:
        base, master = f"http://127.0.0.1:{server.port}", server.process.pid
        paths = [f"/articles/bench-{n}/" for n in COUNTS] + ["/"]
        memory = []
        for count in (LEAK_FIRST, LEAK_TOTAL - LEAK_FIRST):
            send(base, paths, count)
            memory.append(memory_kib(workers(master)[0], "VmRSS"))

    report(rows, posts, stored, answers, peaks, memory, weights)
    return 0


def page_weight(html: str) -> dict[str, int]:
    """The bytes of an article's first page, of its JSON-LD, and the comments it shows."""
    soup = BeautifulSoup(html, "html.parser")
    data = soup.select_one("script[type='application/ld+json']")
    return {
        "bytes": len(html.encode()),
        "json_ld": len(str(data).encode()) if data else 0,
        "shown": len(soup.select("li.comment")),
    }


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


def report(rows, posts, stored, answers, peaks, memory, weights) -> None:
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
        f"Server: gunicorn, {config[0]} workers x {config[1]} threads (gthread), debug off, "
        "SQLite (WAL) in a temporary folder, in-process cache"
    )
    print(f"Load: wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s on loopback, one case at a time")
    print()
    print(f"{'case':<30} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}")
    for name, row in rows:
        print(
            f"{name:<30} {row['rps']:>9.1f} {row['p50']:>8.2f} {row['p99']:>8.2f} "
            f"{row['failed']:>7}"
            + (f"  socket errors: {row['socket_errors']}" if row["socket_errors"] else "")
        )
    zero, five_hundred = by_name["article, 0 comments"], by_name["article, 500 comments"]
    static = by_name["static file (site.css)"]
    growth = memory[1] / memory[0] - 1
    checks = [
        (
            "article with 500 comments / with 0 (req/s)",
            five_hundred["rps"] / zero["rps"],
            ">= 0.50",
            five_hundred["rps"] / zero["rps"] >= 0.5,
        ),
        (
            "article (0 comments) / static file (req/s)",
            zero["rps"] / static["rps"],
            ">= 0.30",
            zero["rps"] / static["rps"] >= 0.3,
        ),
        (
            "article (500 comments) / static file (req/s)",
            five_hundred["rps"] / static["rps"],
            "none",  # Shown for scale: see the page weights below.
            None,
        ),
    ]
    print()
    print("Key figures")
    for name, value, target, ok in checks:
        verdict = "" if ok is None else ("met" if ok else "MISSED")
        print(f"  {name:<48} {value:>6.2f}   target {target:<8} {verdict}")
    label = f"peak memory per worker (max of {len(peaks)})"
    print(f"  {label:<48} {max(peaks) / 1024:>6.1f} MiB")
    print(
        f"  {'worker memory after 20,000 vs 1,000 requests':<48} {growth:>+6.1%}   "
        f"target within 10% {'met' if abs(growth) <= 0.10 else 'MISSED'}"
        f"  ({memory[0] / 1024:.1f} -> {memory[1] / 1024:.1f} MiB)"
    )
    print()
    print("Page weight: each article's first page, as the server sends it (uncompressed)")
    for count, weight in weights:
        print(
            f"  {count:>3} comments: {weight['bytes']:>9,} bytes, JSON-LD {weight['json_ld']:>7,}"
            f" bytes, {weight['shown']} comments shown"
        )
    statuses = dict(sorted(answers.items()))
    answered = sum(count for status, count in answers.items() if status.startswith(("2", "3")))
    print(
        f"  {'comments stored / POSTs the server answered 2xx-3xx':<48} {stored} / {answered}"
        f"  (server's answers by status: {statuses}; wrk counted {posts['requests']} answers,"
        f" {posts['failed']} failed, cutting off those in flight when its time ran out)"
    )


if __name__ == "__main__":
    sys.exit(main())
