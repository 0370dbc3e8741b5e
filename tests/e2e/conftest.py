"""
Fixtures for the browser tests: Debian's Chromium driven by Playwright against
pytest-django's live server.

Chromium is Debian's (/usr/bin/chromium), never a browser Playwright downloads.
Without it these tests skip with the reason; under CI (CI=true) any skip in
this folder is turned into a failure, so a missing browser cannot pass unseen.
axe-core and the Nu HTML Checker come from the npm registry, installed on first
use into a git-ignored cache folder.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
# Headless, and quiet: this machine's closed network refuses Chromium's own
# background connections (updates, sync, QUIC probes), which would otherwise
# stall or litter the run. Playwright gives every launch an empty profile.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

NODE_DIR = ROOT / ".cache" / "e2e-npm"
NODE_PACKAGES = {"axe-core": "4.14.1", "vnu-jar": "26.9.27"}
SCREENSHOT_DIR = ROOT / "e2e-screenshots"

# The WCAG 2.2 A and AA rules axe-core knows.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _in_e2e(item: pytest.Item) -> bool:
    return E2E_DIR in item.path.parents


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """
    Run the browser tests last.

    Playwright's session-wide event loop would otherwise sit under every later
    test (Django refuses ORM calls beside a running loop), and these tests
    flush the database after themselves as live-server tests must.
    """
    items.sort(key=_in_e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """Under CI a skipped browser test is a failure: CI must prove the browser flows."""
    report = yield
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"A browser test may not skip under CI=true. {reason}"
    return report


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, headless; skip (locally) when it is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"Debian's Chromium is not installed at {CHROMIUM}; "
            "`apt-get install chromium` to run the browser tests."
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative URLs in page.goto() go to the live server."""
    return live_server.url


@pytest.fixture(scope="session", autouse=True)
def _migrated_rows(django_db_setup, django_db_blocker) -> dict[str, str]:
    """
    The rows migrations made (the seed article...), as serialized at setup.

    The browser tests restore them at their start (serialized_rollback): the
    live server commits, so they cannot run in a rolled-back transaction. An
    earlier transactional test may have left the content types renumbered,
    which would collide with the restore, so the database is emptied first.
    """
    from django.core.management import call_command
    from django.db import connections

    rows = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with django_db_blocker.unblock():
        for alias in rows:
            call_command(
                "flush", database=alias, interactive=False, inhibit_post_migrate=True, verbosity=0
            )
    return rows


@pytest.fixture(scope="session")
def playwright(_migrated_rows, playwright):
    """
    Playwright, with serialized_rollback still able to restore the migrated rows.

    While Playwright's loop runs, asgiref hands this thread other database
    connection objects (its thread-critical storage switches to a context
    variable), which lack the snapshot Django took at setup; give it to them.
    """
    from django.db import connections

    for alias, contents in _migrated_rows.items():
        connections[alias]._test_serialized_contents = contents
    return playwright


@pytest.fixture(scope="session")
def _allow_orm_beside_playwright() -> Iterator[None]:
    """
    Let the test thread use the ORM while Playwright's event loop is running.

    Playwright's sync API keeps an asyncio loop running in this thread; the
    calls it makes are still synchronous, so Django's guard does not apply.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _browser_test_settings(settings, _allow_orm_beside_playwright) -> None:
    """
    A person in a browser is neither a bot nor a flood.

    The live server runs in this process, so these overrides reach it. The
    anti-spam rules have their own tests; here they would only make the flows wait.
    """
    settings.COMMENTS_MIN_SUBMIT_SECONDS = 0
    settings.COMMENTS_FLOOD_INTERVAL = 0


@pytest.fixture
def requests_made() -> list[str]:
    """Every URL the browser asked for during the test, in order."""
    return []


@pytest.fixture
def open_context(new_context, requests_made) -> Callable[..., BrowserContext]:
    """A new browser profile (e.g. another reader, JavaScript off) that records its requests."""

    def open_(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.set_default_timeout(10_000)  # A live server on loopback answers in far less.
        context.on("request", lambda request: requests_made.append(request.url))
        return context

    return open_


@pytest.fixture
def context(open_context) -> BrowserContext:
    return open_context()


@pytest.fixture(autouse=True)
def _no_third_party_requests(requests_made, live_server) -> Iterator[None]:
    """Whatever else a browser test proves, the browser only ever talked to the site."""
    yield
    assert third_party(requests_made, live_server.url) == []


def third_party(urls: list[str], site_url: str) -> list[str]:
    """The URLs among these that leave the site."""
    origin = urlsplit(site_url)[:2]
    return [url for url in urls if urlsplit(url)[:2] != origin]


@pytest.fixture(scope="session")
def node_tools() -> Path:
    """
    axe-core and vnu-jar from the npm registry, at pinned versions, installed once.

    They live in a git-ignored folder; no package.json or lock file is kept.
    Their install scripts are not run (vnu-jar's would fetch a Java runtime).
    """
    modules = NODE_DIR / "node_modules"

    def installed() -> bool:
        for name, version in NODE_PACKAGES.items():
            manifest = modules / name / "package.json"
            if not manifest.exists() or json.loads(manifest.read_text())["version"] != version:
                return False
        return True

    if not installed():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed; it brings axe-core and the Nu HTML Checker.")
        specs = [f"{name}@{version}" for name, version in NODE_PACKAGES.items()]
        subprocess.run(
            [npm, "install", "--prefix", str(NODE_DIR), "--no-save", "--no-package-lock",
             "--ignore-scripts", "--no-audit", "--no-fund", *specs],
            check=True,
            capture_output=True,
            timeout=600,
        )  # fmt: skip
        assert installed(), f"npm did not install {specs} into {NODE_DIR}"
    return modules


@pytest.fixture(scope="session")
def axe_script(node_tools) -> Path:
    return node_tools / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def vnu_jar(node_tools) -> Path:
    if shutil.which("java") is None:
        pytest.skip("Java is not installed; the Nu HTML Checker runs on it.")
    return node_tools / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture
def axe_violations(axe_script) -> Callable[[Page], list[str]]:
    """
    Run axe-core in a page and describe each WCAG 2.2 A/AA violation, one line each.

    The script goes in through the DevTools protocol: the site's Content
    Security Policy forbids inline scripts, and is left on for the test.
    """
    source = axe_script.read_text()

    def run(page: Page) -> list[str]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(source)
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        return [
            f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            + ", ".join(str(node["target"]) for node in violation["nodes"])
            for violation in results["violations"]
        ]

    return run
