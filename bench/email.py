"""
`make bench-email`: what one approval costs in emails, tasks, connections and time.

One email worker (`manage.py email_worker`, production settings, its default
one-second poll) runs against a local SMTP server (aiosmtpd, tests/perf/mail_sink.py)
on a new database (SQLite, or PostgreSQL when DATABASE_URL names one). For 1,
10 and 100 confirmed readers following an article, a comment on it is
approved in a process of its own; the bench counts the emails the server
accepts, the tasks queued, the SMTP connections opened, and the time from the
approval's commit to the last email's acceptance.

Read the ratios: emails and tasks grow with the followers, one each;
connections stay at one; the time per email shrinks as the batch grows.
"""

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from tests.perf.mail_sink import MailSink
from tests.perf.server import count_rows, manage, production_env, server_database
from tests.perf.worker import shell, start_worker, wait_for

APPROVE = """
import json, os, time
from django.utils import timezone
from blog.models import Article
from comments.models import Comment, Mailbox, Subscription
from comments.moderation import change_status

n = int(os.environ["BENCH_FOLLOWERS"])
article = Article.objects.create(
    title=f"Followed by {n}", slug=f"followed-by-{n}", body="Text.", status="published",
    published_at=timezone.now(),
)
for i in range(n):
    mailbox = Mailbox.objects.create(email=f"r{i}.{n}@example.org", confirmed_at=timezone.now())
    Subscription.objects.create(
        mailbox=mailbox, kind="article", article=article, confirmed_at=timezone.now()
    )
comment = Comment.objects.create(
    article=article, author_name="Writer", author_email="writer@example.org",
    body="News.", status="pending",
)
change_status(comment, "approved")
print(json.dumps({"approved_at": time.time()}))
"""

FOLLOWERS = [1, 10, 100]
TASKS = "django_tasks_database_dbtaskresult"  # django-tasks-db's table


def measure(database: str, folder: Path, server: MailSink, sink) -> list[tuple]:
    """One row per number of followers: emails, tasks, connections opened, seconds."""
    env = production_env(database, folder / "static", **server.env())
    manage(env, "migrate", "--noinput")
    worker = start_worker(env, folder / "worker.log", poll="1")
    rows = []
    try:
        time.sleep(3)  # let the worker start before the clock does
        for followers in FOLLOWERS:
            before, connections = len(sink.delivered), sink.connections
            tasks_before = count_rows(database, TASKS)
            output = shell({**env, "BENCH_FOLLOWERS": str(followers)}, APPROVE)
            approved_at = json.loads(output.strip().splitlines()[-1])["approved_at"]
            wanted = before + followers
            wait_for(lambda wanted=wanted: len(sink.delivered) >= wanted, 300, "the emails")
            last = max(moment for _, moment in sink.delivered[before:])
            rows.append(
                (
                    followers,
                    len(sink.delivered) - before,
                    count_rows(database, TASKS) - tasks_before,
                    sink.connections - connections,
                    last - approved_at,
                )
            )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return rows


def main() -> None:
    print(f"Python {platform.python_version()}, {platform.machine()}")
    server = MailSink()
    with (
        tempfile.TemporaryDirectory() as folder,
        server_database(Path(folder)) as database,
        server as sink,
    ):
        rows = measure(database, Path(folder), server, sink)
    print(f"{'followers':>9} {'emails':>7} {'tasks':>6} {'connections opened':>18} "
          f"{'to last email':>14} {'per email':>10}")  # fmt: skip
    for followers, emails, tasks, connections, seconds in rows:
        print(
            f"{followers:>9} {emails:>7} {tasks:>6} {connections:>18} "
            f"{seconds:>12.2f} s {seconds / emails * 1000:>7.1f} ms"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
