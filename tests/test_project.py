"""The project's two commands and its layout, as a newcomer meets them."""

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.conftest import bare_environment
from tests.perf.server import free_port

ROOT = Path(__file__).resolve().parents[1]


def test_layout_is_as_the_design_card_says():
    """The top-level files a Django developer looks for are all there."""
    for name in (
        "manage.py",
        "config/settings.py",
        "config/urls.py",
        "config/wsgi.py",
        "config/asgi.py",
        "blog/models.py",
        "comments/models.py",
        "templates/base.html",
        "requirements.txt",
        "README.md",
        "Makefile",
        "pyproject.toml",
        ".ci/run",
    ):
        assert (ROOT / name).is_file(), name
    assert (ROOT / ".python-version").read_text().strip() == "3.13"


def requirement_lines(name: str) -> list[str]:
    return [
        line.strip()
        for line in (ROOT / name).read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_every_requirement_is_pinned():
    """Each line of requirements.txt and requirements-dev.txt names one exact version."""
    runtime = requirement_lines("requirements.txt")
    tools = requirement_lines("requirements-dev.txt")
    assert runtime and tools
    assert tools[0] == "-r requirements.txt"  # the tools come on top of the runtime
    pinned = r"[A-Za-z0-9_.\[\]-]+==[\w.]+"
    unpinned = [line for line in runtime + tools[1:] if not re.fullmatch(pinned, line)]
    assert unpinned == []
    assert any(line.startswith("Django==6.1.") for line in runtime)


def test_the_runtime_installs_no_test_tool():
    """What `make run` installs holds no test runner, linter or browser driver."""
    names = {line.split("==")[0].lower() for line in requirement_lines("requirements.txt")}
    for tool in ("pytest", "ruff", "playwright", "coverage", "hypothesis", "import-linter"):
        assert tool not in names, tool


def dry_run(target: str, venv: Path) -> str:
    """What ``make TARGET`` would run on a clone with no virtualenv yet."""
    return subprocess.run(
        ["make", "--dry-run", f"VENV={venv}", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_make_run_installs_the_runtime_alone_and_make_test_adds_the_tools(tmp_path):
    """A first `make run` installs requirements.txt alone; `make test` and `make lint` add tools."""
    run = dry_run("run", tmp_path / "venv")
    assert "pip install --quiet -r requirements.txt" in run
    assert "requirements-dev.txt" not in run
    serve = dry_run("serve", tmp_path / "venv")
    assert "requirements-dev.txt" not in serve
    for target in ("test", "lint", "test-postgres"):
        plan = dry_run(target, tmp_path / "venv")
        assert "-r requirements.txt" in plan and "-r requirements-dev.txt" in plan, target


def test_readme_leads_with_the_two_commands():
    """The first thing README shows is how to run and how to test."""
    opening = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert "make run" in opening and "make test" in opening


def test_ci_runs_make_test():
    """CI runs exactly what a developer runs."""
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_make_run_skips_installed_dependencies():
    """Once set up, `make run` reinstalls nothing: it migrates and serves."""
    plan = subprocess.run(
        ["make", "--dry-run", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "pip install" not in plan
    assert "manage.py migrate --noinput" in plan
    assert "manage.py runserver 127.0.0.1:8000" in plan


def test_make_run_serves_the_article(tmp_path):
    """`make run` migrates a fresh database and serves the seed article over HTTP."""
    port = free_port()
    env = bare_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    del env["DJANGO_ENV_FILE"]  # As a newcomer runs it: the .env make run writes is read.
    server = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    home = response.read().decode()
                break
            except OSError:
                assert server.poll() is None, "make run exited"
                assert time.monotonic() < deadline, "make run did not serve in time"
                time.sleep(0.5)
        assert "Unlocking Relief: Can Massage Therapy Stop Foot Cramps for Good?" in home
        # Links the site writes (canonical, feeds, emails) name the port it serves on.
        assert f'<link rel="canonical" href="http://127.0.0.1:{port}/">' in home
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_after_make_run_manage_py_works_with_nothing_to_prefix(tmp_path):
    """
    `make run` writes a .env with debug on; manage.py reads it, the production server never.

    A newcomer following Django's tutorial types `manage.py createsuperuser`
    without setting DJANGO_DEBUG first.
    """
    subprocess.run(["make", ".env"], cwd=ROOT, check=True, capture_output=True)
    assert "DJANGO_DEBUG=true" in (ROOT / ".env").read_text()
    newcomer = bare_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    del newcomer["DJANGO_ENV_FILE"]
    script = "from django.conf import settings; print(settings.DEBUG)"
    shell = subprocess.run(
        [".venv/bin/python", "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT, env=newcomer, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (shell.returncode, shell.stdout.strip()) == (0, "True"), shell.stderr

    production = subprocess.run(
        [".venv/bin/python", "-c", "import config.wsgi"],
        cwd=ROOT, env=newcomer, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert production.returncode == 1
    assert "DJANGO_SECRET_KEY must be set" in production.stderr

    told = subprocess.run(
        [".venv/bin/python", "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT, env={**newcomer, "DJANGO_ENV_FILE": ""}, capture_output=True, text=True,
    )  # fmt: skip
    assert "DJANGO_SECRET_KEY must be set" in told.stderr  # Told to read no file: none read.
