"""
`make bench-fediverse`: what publishing one article costs with 1, 100 and 1,000 followers.

One email worker (`manage.py email_worker`, production settings, its default
one-second poll) delivers to a loopback server that accepts every inbox POST
(202) and notes when; the database is new (SQLite, or PostgreSQL when
DATABASE_URL names one). Each follower is on a server of its own (no shared
inbox: the worst case), then 1,000 followers on one server with a shared inbox.
For each, an article is published in a process of its own; the bench counts
the SQL queries of that publication (its transaction, then queuing the tasks
once it commits), the outbox rows written, the deliveries received, and the
time from the commit to the last delivery received.

Read the ratios: rows, tasks and deliveries grow with the inboxes, one each;
the publication's own transaction stays a handful of queries.
"""

import json
import platform
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.perf.server import count_rows, manage, production_env, server_database
from tests.perf.worker import shell, start_worker, wait_for

# This bench's loopback inbox server takes the first free port of these.
PORTS = range(8652, 8660)

PUBLISH = """
import json, os, time
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from blog.models import Article
from federation.models import Follower, Outgoing, RemoteActor, site_key

n, shared = int(os.environ["BENCH_FOLLOWERS"]), os.environ["BENCH_SHARED"]
base = os.environ["BENCH_BASE"]
site_key()
tag = f"{n}-{shared}"
Follower.objects.all().delete()  # each case its own followers
actors = RemoteActor.objects.bulk_create(
    RemoteActor(
        url=f"{base}/{tag}/users/{i}", key_id=f"{base}/{tag}/users/{i}#main-key",
        public_key_pem="-", inbox=f"{base}/{tag}/users/{i}/inbox",
        shared_inbox=f"{base}/{tag}/inbox" if shared == "yes" else "",
        handle=f"@u{i}@follower.example",
    )
    for i in range(n)
)
Follower.objects.bulk_create(Follower(actor=a, follow_id=f"{a.url}#follow") for a in actors)
before = Outgoing.objects.count()
with CaptureQueriesContext(connection) as queries:
    with transaction.atomic():
        article = Article.objects.create(
            title=f"Followed by {tag}", slug=f"followed-by-{tag}", body="Text.",
            status="published", published_at=timezone.now() - timezone.timedelta(seconds=1),
        )
        in_transaction = len(queries.captured_queries)
    committed_at = time.time()
print(json.dumps({
    "committed_at": committed_at,
    "in_transaction": in_transaction,
    "queries": len(queries.captured_queries),
    "rows": Outgoing.objects.count() - before,
    "queued": time.time() - committed_at,
}))
"""

CASES = [(1, "no"), (100, "no"), (1000, "no"), (1000, "yes")]
TASKS = "django_tasks_database_dbtaskresult"  # django-tasks-db's table


class Inboxes(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append(time.time())
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()


def inbox_server() -> ThreadingHTTPServer:
    for port in PORTS:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Inboxes)
        except OSError:
            continue
        server.received = []
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
    raise SystemExit("No free port for the inbox server.")


def measure(database: str, folder: Path, inboxes: ThreadingHTTPServer) -> list[dict]:
    env = production_env(database, folder / "static", DJANGO_OUTBOUND_ALLOW_PRIVATE="true")
    manage(env, "migrate", "--noinput")
    worker = start_worker(env, folder / "worker.log", poll="1")
    base = f"http://127.0.0.1:{inboxes.server_address[1]}"
    rows = []
    try:
        time.sleep(3)  # let the worker start before the clock does
        for followers, shared in CASES:
            before = len(inboxes.received)
            tasks_before = count_rows(database, TASKS)
            case = {"BENCH_FOLLOWERS": str(followers), "BENCH_SHARED": shared, "BENCH_BASE": base}
            output = shell({**env, **case}, PUBLISH)
            result = json.loads(output.strip().splitlines()[-1])
            wanted = before + result["rows"]
            wait_for(lambda wanted=wanted: len(inboxes.received) >= wanted, 900, "deliveries")
            time.sleep(2)  # anything more (sent twice) would arrive now
            last = max(inboxes.received[before:])
            rows.append(
                {
                    "followers": followers,
                    "shared": shared,
                    **result,
                    "tasks": count_rows(database, TASKS) - tasks_before,
                    "delivered": len(inboxes.received) - before,
                    "seconds": last - result["committed_at"],
                }
            )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return rows


def main() -> None:
    print(f"Python {platform.python_version()}, {platform.machine()}")
    inboxes = inbox_server()
    with tempfile.TemporaryDirectory() as folder, server_database(Path(folder)) as database:
        rows = measure(database, Path(folder), inboxes)
    inboxes.shutdown()
    print(
        f"{'followers':>9} {'shared inbox':>12} {'queries (in transaction)':>25} "
        f"{'outbox rows':>11} {'tasks':>6} {'delivered':>9} {'to last':>9} {'per delivery':>12}"
    )
    for row in rows:
        print(
            f"{row['followers']:>9} {row['shared']:>12} "
            f"{row['queries']:>14} ({row['in_transaction']:>3})      "
            f"{row['rows']:>11} {row['tasks']:>6} {row['delivered']:>9} "
            f"{row['seconds']:>7.2f} s {row['seconds'] / row['delivered'] * 1000:>9.1f} ms"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
