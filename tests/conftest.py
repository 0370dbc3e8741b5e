import os
import re
from html.parser import HTMLParser

import pytest
from asgiref.local import Local
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.tasks import task_backends
from django.test import Client
from django.urls import reverse

from blog.models import Article
from comments.models import Comment
from lib import outbound
from tests.factories import CommentFactory, UserFactory

SEED_SLUG = "unlocking-relief-can-massage-therapy-stop-foot-cramps-for-good"
# The site's public address in tests that need one: unlike the test client's host
# (testserver), so a link that leaves a request (feeds, sitemaps, emails) must come from it.
SITE_URL = "https://blog.example.com"
# The private addresses of ``discussion``'s commenters: Maya, Sam, and the held one.
# Stands for a public server on the internet in tests of outbound requests (public_loopback).
PUBLIC = "127.0.0.2"
DISCUSSION_EMAILS = ["Maya.Okafor@Example.net", "reply.writer@example.org", "held.one@example.com"]


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """
    Fast password hashing, no anti-spam timing, and no nginx cache.

    Tests of the timing and flood rules set them back where they need them.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_INTERVAL = 0
    # No nginx cache to delete withdrawn pages from, even beside a local `make serve`.
    settings.NGINX_CACHE_DIR = settings.BASE_DIR / "run" / "no-cache-in-tests"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Every picture a test stores goes to a folder of its own, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


def pytest_configure() -> None:
    """
    Serve static files from the source folders, as in development, without collectstatic.

    Set once for the whole run rather than per test, because the browser tests'
    live server builds its WhiteNoise middleware before any test's settings apply.
    """
    from django.conf import settings

    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    """Background tasks run in the test's own thread, so what they do can be asserted."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    reset_task_backends()
    yield
    reset_task_backends()


def reset_task_backends() -> None:
    """Forget the task backends built from earlier settings (Django keeps them per thread)."""
    task_backends._settings = None
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture(autouse=True)
def _empty_caches(request, django_db_blocker):
    """
    Each test starts with empty caches, as a fresh server would.

    In-process and Redis caches outlive a test (a database cache is rolled back
    with it). With Redis this empties the whole database number of REDIS_URL:
    point the suite at one of its own (`make test-postgres` uses /15). A test
    against a live server commits, and the flush after it empties the models'
    tables, not the cache's: that one is emptied here, so no count (a per-IP
    quota) passes from one browser test to the next.
    """
    for cache in caches.all():
        if not isinstance(cache, DatabaseCache):
            cache.clear()
    yield
    if {"live_server", "transactional_db"} & set(request.fixturenames):
        with django_db_blocker.unblock():
            for cache in caches.all():
                if isinstance(cache, DatabaseCache):
                    cache.clear()


def bare_environment(**extra: str) -> dict[str, str]:
    """
    This process's environment for a child process, without any setting of the project.

    No DJANGO_* or DATABASE_* variable, and no .env read either (DJANGO_ENV_FILE
    empty): the child sees only what the test gives it in ``extra``.
    """
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return {**kept, "DJANGO_ENV_FILE": "", **extra}


# What every browser says of a request made from one of the site's own pages (Fetch Metadata).
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def reader() -> Client:
    """A reader's browser: its requests say they come from the site itself, as browsers do."""
    return Client(headers=SAME_ORIGIN)


@pytest.fixture
def client() -> Client:
    """The default test client, as a reader's browser (see ``reader``)."""
    return reader()


def fresh_stamp(client: Client) -> str:
    """The form stamp comments.js fetches when its reader starts writing, for this browser."""
    return client.get(reverse("comments:stamp")).json()["issued"]


def post_as(client: Client, article: Article, data: dict, **kwargs):
    """
    Send the comment form as this browser does with its script on: with a stamp it fetched.

    Give ``issued`` in ``data`` to send another stamp (or "" for none).
    """
    data = {"issued": fresh_stamp(client), **data}
    return client.post(reverse("comments:post", args=[article.slug]), data, **kwargs)


@pytest.fixture
def seed_article(db) -> Article:
    """The article the data migration publishes."""
    return Article.objects.get(slug=SEED_SLUG)


@pytest.fixture
def site_url(settings) -> str:
    """The site at its public address, SITE_URL (DJANGO_SITE_URL)."""
    settings.SITE_URL = SITE_URL
    return SITE_URL


@pytest.fixture
def discussion(seed_article) -> Article:
    """
    The seed article with a public thread, and what no reader may see of it.

    Maya's approved comment carries her address, website, IP address and browser;
    Sam's approved reply answers it; one comment is held, one is spam. The
    addresses are DISCUSSION_EMAILS.
    """
    first = CommentFactory(
        article=seed_article,
        author_name="Maya",
        author_email=DISCUSSION_EMAILS[0],
        author_url="https://maya.example/",
        body="Magnesium helped.",
        ip_address="203.0.113.7",
        user_agent="SecretBrowser/1.0",
    )
    CommentFactory(
        article=seed_article,
        parent=first,
        author_name="Sam",
        author_email=DISCUSSION_EMAILS[1],
        body="Me too.",
    )
    CommentFactory(
        article=seed_article,
        author_name="Held",
        author_email=DISCUSSION_EMAILS[2],
        status=Comment.Status.PENDING,
    )
    CommentFactory(article=seed_article, author_name="Spammer", status=Comment.Status.SPAM)
    return seed_article


@pytest.fixture
def moderator(db):
    """
    A staff member in the Moderators group the data migration creates.

    The group grants exactly what moderating needs (view, change and moderate
    comments), and its members with an address are told of held comments.
    """
    user = UserFactory(is_staff=True, username="maria", email="mod@example.com")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def moderator_client(moderator) -> Client:
    return logged_in(moderator)


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def logged_in(user) -> Client:
    """A browser signed in as ``user``."""
    client = reader()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(staff_user) -> Client:
    return logged_in(staff_user)


@pytest.fixture
def superuser_client(superuser) -> Client:
    return logged_in(superuser)


def migrated_back_to(app_label: str, migration: str):
    """
    Migrate ``app_label`` back to ``migration``; return the models as they stood then.

    Rows for a data migration's test are written with these historical models,
    as the old code wrote them; ``call_command("migrate")`` then runs it forward.
    """
    call_command("migrate", app_label, migration, verbosity=0)
    state = MigrationExecutor(connection).loader.project_state((app_label, migration))
    return state.apps


def sql_shapes(queries) -> list[str]:
    """
    The SQL statements run (CaptureQueriesContext), without their values: what a
    request's time follows, for comparing two requests that must not differ.
    """
    shapes = []
    for query in queries:
        shape = re.sub(r"'(?:[^']|'')*'", "?", query["sql"])
        shape = re.sub(r'"s\d+_x\d+"', "SAVEPOINT", shape)
        shapes.append(re.sub(r"\b\d+(?:\.\d+)?\b", "?", shape))
    return shapes


def text_of(html: str) -> str:
    """
    Every character of text in the HTML, as a browser's DOM holds it.

    Not BeautifulSoup's strings: it turns a run of only spaces, tabs or form
    feeds between two tags (a tab between "</a>" and "</p>") into one space.
    """
    parser = TextOf()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


class TextOf(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@pytest.fixture
def public_loopback(monkeypatch, settings):
    """127.0.0.2 stands for a public server on the internet; every other address stays private."""
    settings.OUTBOUND_ALLOW_PRIVATE = False
    real = outbound.public_address
    monkeypatch.setattr(
        outbound, "public_address", lambda address: address == PUBLIC or real(address)
    )


@pytest.fixture
def run_worker(monkeypatch):
    """
    Run `manage.py email_worker --batch` in this process: every queued task, then stop.

    The worker closes database connections between tasks, as a long-running
    process should; inside a test's transaction that would close the test's
    own connection (on PostgreSQL), so here it keeps it.
    """
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def run() -> None:
        call_command("email_worker", "--batch", "--no-startup-delay", verbosity=0)

    return run
