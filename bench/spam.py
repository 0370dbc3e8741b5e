"""
`make bench-spam`: how well, how fast and how small the spam filter that learns is.

On a new database (SQLite, or PostgreSQL when DATABASE_URL names one), with
production settings, this process replays a labelled public corpus of real
short-text spam (bench/data/sms-spam-collection.csv, the UCI SMS Spam
Collection; README there) as moderators' decisions, in the corpus's order:
each message becomes a held comment, and a moderator marks it as spam or
approves it through ``change_status``, as the desk does. The first 70% are
decided; the last 30% are held out and go through the intake's own decision
(``comments.posting.intake.decide``) after 100, 200, 300, 500, 1,000, 2,000 and all
decisions, beside the fixed rules alone (the same decision with the filter
left out). Then:

- the judging time per comment (median and p99), and a comment POST through
  the whole stack with the filter and without it, side by side;
- the model's size as decisions grow (it follows the vocabulary);
- a rebuild from 100,000 decided comments, timed.

Read "sent to spam" as what the filter catches on its own; "held" adds the
comments it holds as doubtful. The fixed rules alone send nothing to spam
here (their block list is empty until staff fill it) and hold messages with
two links or more.
"""

import csv
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.perf.server import manage, production_env, server_database

CORPUS = Path(__file__).parent / "data" / "sms-spam-collection.csv"
CHECKPOINTS = [100, 200, 300, 500, 1000, 2000]
TRAINED_SHARE = 0.7
REBUILD_COMMENTS = 100_000
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def corpus() -> list[tuple[bool, str]]:
    with CORPUS.open(newline="") as file:
        return [(row["label"] == "spam", row["text"]) for row in csv.DictReader(file)]


def rates(outcomes: list[tuple[bool, bool]]) -> tuple[float, float, float]:
    """Precision, recall and false-positive rate of (is spam, flagged) pairs."""
    flagged_spam = sum(1 for spam, flagged in outcomes if spam and flagged)
    flagged_genuine = sum(1 for spam, flagged in outcomes if not spam and flagged)
    spam_total = sum(1 for spam, _ in outcomes if spam)
    genuine_total = len(outcomes) - spam_total
    precision = flagged_spam / (flagged_spam + flagged_genuine) if flagged_spam else 0.0
    return precision, flagged_spam / spam_total, flagged_genuine / genuine_total


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def run(folder: Path) -> None:  # noqa: PLR0915 - one bench, read top to bottom
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from blog.models import Article
    from comments.models import Comment, ModerationSettings
    from comments.moderation import change_status
    from comments.posting import intake
    from comments.spam_filter import judge_comment, rebuild, rejudge, taught
    from spam import filter as spam_filter
    from spam.models import Feature, Lesson

    data = corpus()
    split = int(len(data) * TRAINED_SHARE)
    train, held_out = data[:split], data[split:]
    article = Article.objects.create(
        title="Bench", slug="bench", body="Text.", status="published", published_at=timezone.now()
    )
    moderator = get_user_model().objects.create(username="moderator", is_staff=True)
    rules = ModerationSettings.load()
    spam_count = sum(spam for spam, _ in train)
    print(
        f"Corpus: {len(data)} messages ({sum(s for s, _ in data)} spam); {len(train)} decided "
        f"in order ({spam_count} spam), {len(held_out)} held out "
        f"({sum(s for s, _ in held_out)} spam). Spam from {spam_filter.spam_threshold():.0%}, "
        f"held from {spam_filter.hold_threshold():.0%}, acting after "
        f"{spam_filter.min_decisions()} decisions of each kind."
    )

    def held_out_comment(text: str) -> Comment:
        return Comment(article=article, author_name="Reader", body=text, user_agent=BROWSER)

    def evaluate() -> dict[str, list[tuple[bool, bool]]]:
        outcomes: dict[str, list[tuple[bool, bool]]] = {"spam": [], "held": [], "rules": []}
        for spam, text in held_out:
            status, reason = intake.decide(held_out_comment(text), rules)
            outcomes["spam"].append((spam, status == Comment.Status.SPAM))
            outcomes["held"].append((spam, status == Comment.Status.SPAM or "spam (" in reason))
        return outcomes

    def rules_alone() -> list[tuple[bool, bool]]:
        filtered, intake.judge_comment = intake.judge_comment, lambda comment: None
        try:
            return [
                (
                    spam,
                    intake.decide(held_out_comment(text), rules)[1] != intake.HELD_FOR_MODERATION,
                )
                for spam, text in held_out
            ]
        finally:
            intake.judge_comment = filtered

    print()
    print(f"{'decisions':>9} {'spam/genuine':>13}  {'sent to spam: precision':>23} {'recall':>7} "
          f"{'FPR':>6}  {'sent or held: recall':>20} {'FPR':>6}  {'model rows':>10}")  # fmt: skip
    precision, recall, fpr = rates([(spam, False) for spam, _ in held_out])
    flagged = rates(rules_alone())
    print(
        f"{'rules':>9} {'-':>13}  {precision:>23.1%} {recall:>7.1%} {fpr:>6.2%}  "
        f"{flagged[1]:>20.1%} {flagged[2]:>6.2%}  {'-':>10}"
    )
    decided = 0
    for checkpoint in [*CHECKPOINTS, len(train)]:
        for spam, text in train[decided:checkpoint]:
            comment = Comment.objects.create(
                article=article, author_name="Reader", body=text, user_agent=BROWSER
            )
            change_status(comment, Comment.Status.SPAM if spam else "approved", by=moderator)
        decided = checkpoint
        outcomes = evaluate()
        precision, recall, fpr = rates(outcomes["spam"])
        _, held_recall, held_fpr = rates(outcomes["held"])
        taught_spam = Lesson.objects.filter(label="spam").count()
        print(
            f"{checkpoint:>9} {taught_spam:>6}/{checkpoint - taught_spam:<6}  {precision:>23.1%} "
            f"{recall:>7.1%} {fpr:>6.2%}  {held_recall:>20.1%} {held_fpr:>6.2%}  "
            f"{Feature.objects.count():>10}"
        )

    # Time: the judgement alone, then a whole POST with and without it.
    # Wall time counts the moments this process waits for a core (other work on the
    # machine); CPU time counts only its own work. Both are reported.
    timings, cpu = [], []
    for _, text in held_out:
        comment = held_out_comment(text)
        started, started_cpu = time.perf_counter(), time.thread_time()
        judge_comment(comment)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    print()
    print(
        f"Judging a comment ({len(timings)}, two queries each): wall median "
        f"{statistics.median(timings):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms; CPU "
        f"median {statistics.median(cpu):.2f} ms, p99 {percentile(cpu, 0.99):.2f} ms "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)."
    )
    posts = {"with the filter": [], "without": []}
    client = Client(SERVER_NAME="127.0.0.1", headers={"Sec-Fetch-Site": "same-origin"})
    post_url = reverse("comments:post", args=[article.slug])
    filtered = intake.judge_comment
    for index, (_, text) in enumerate(held_out[:600]):
        name = "with the filter" if index % 2 else "without"
        intake.judge_comment = filtered if index % 2 else (lambda comment: None)
        stamp = client.get(reverse("comments:stamp")).json()["issued"]
        fields = {"author_name": "Reader", "author_email": f"r{index}@example.org"}
        started = time.perf_counter()
        response = client.post(post_url, {**fields, "body": f"{text} #{index}", "issued": stamp})
        posts[name].append((time.perf_counter() - started) * 1000)
        assert response.status_code in {302, 400}, response.status_code
    intake.judge_comment = filtered
    print(
        "A comment POST: "
        + "; ".join(
            f"{name} median {statistics.median(times):.1f} ms, p99 {percentile(times, 0.99):.1f} ms"
            for name, times in posts.items()
        )
        + "."
    )

    # Size.
    features = Feature.objects.count()
    lessons = Lesson.objects.count()
    lesson_bytes = sum(len(bytes(row)) for row in Lesson.objects.values_list("features", flat=True))
    print()
    print(
        f"Model after {len(train)} decisions: {features} feature rows (about "
        f"{features * 12 / 1024:.0f} KiB of counts); {lessons} lessons holding "
        f"{lesson_bytes / lessons:.0f} bytes of digests each."
    )

    # A rebuild from 100,000 decided comments, each two messages of the corpus long.
    random.seed(25)
    Comment.objects.all().delete()
    now = timezone.now()
    rows = []
    for index in range(REBUILD_COMMENTS):
        (spam, first), (_, second) = random.choice(data), random.choice(data)
        rows.append(
            Comment(
                article=article,
                author_name=f"Reader {index % 5000}",
                author_email="",
                body=f"{first} {second}",
                status=Comment.Status.SPAM if spam else Comment.Status.APPROVED,
                user_agent=BROWSER,
                created_at=now,
            )
        )
    Comment.objects.bulk_create(rows, batch_size=5000)
    started = time.perf_counter()
    first = rebuild(statuses=True)
    first_seconds = time.perf_counter() - started
    # What `manage.py rebuild_spam_filter` does, in its steps, timed apart: counting the
    # recorded decisions again (after a restore); reading every comment again (a new
    # version of the filter, --relearn); scoring the held comments (here the spam ones).
    started = time.perf_counter()
    recounted = spam_filter.recount()
    recount_seconds = time.perf_counter() - started
    started = time.perf_counter()
    learned = spam_filter.rebuild(taught(spam_filter.lessons(Comment), statuses=False))
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    rejudged = rejudge(Comment.objects.held())
    rejudge_seconds = time.perf_counter() - started
    print(
        f"Rebuild from {REBUILD_COMMENTS:,} decided comments ({learned.spam:,} spam, "
        f"{learned.genuine:,} genuine; {connection.vendor}; load average "
        f"{os.getloadavg()[0]:.1f}): {recount_seconds:.1f} s to count the recorded decisions "
        f"again, {seconds:.1f} s to learn each again from its comment, {rejudge_seconds:.1f} s "
        f"to score the {rejudged:,} held ones again ({first_seconds:.1f} s for learning and "
        f"scoring the first time, from their statuses); {learned.features:,} feature rows: "
        "the vocabulary, not the comments."
    )
    assert first.learned.spam == learned.spam == recounted.spam
    sys.stdout.flush()


def main() -> None:
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder, server_database(Path(folder)) as database:
        env = production_env(database, Path(folder) / "static")
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--noinput")
        os.environ.clear()
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        run(Path(folder))


if __name__ == "__main__":
    main()
