"""Configuration by environment: safe defaults, clear refusals, production checks."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client

from tests.conftest import bare_environment

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-for-tests-only-5f0b1c9e7d2a4b6c8e0f1a3b5c7d9e1f3a5b7c9d",
    "DJANGO_ALLOWED_HOSTS": "blog.example.com",
    "DJANGO_SITE_URL": "https://blog.example.com",
    "DJANGO_COMMENT_EMAIL_KEYS": "BZuk68bPe17G0gjzTv01D0h3hzNo_SMOLkveNrMxqc0=",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh process with only the given Django variables set."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=bare_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_seen(expression: str, **env: str) -> str:
    """What ``print(expression)`` shows in a fresh process; ``s`` is django.conf.settings."""
    script = f"from django.conf import settings as s; print({expression})"
    result = manage("shell", "--no-imports", "-c", script, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_check_deploy_is_clean_with_production_settings():
    """`check --deploy` finds nothing to warn about once the operator sets the four variables."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_errors_behind_a_tls_proxy_with_no_proxy_counted():
    """Behind a proxy every reader would be one IP: the check says so and what to set."""
    behind = {**PRODUCTION, "DJANGO_BEHIND_TLS_PROXY": "true"}
    result = manage("check", "--deploy", **behind)
    assert result.returncode == 1
    assert "blog.E001" in result.stderr
    assert "Set DJANGO_TRUSTED_PROXY_COUNT to the number of proxies" in result.stderr
    counted = manage("check", "--deploy", "--fail-level", "WARNING",
                     **behind, DJANGO_TRUSTED_PROXY_COUNT="1")  # fmt: skip
    assert counted.returncode == 0, counted.stderr


def test_check_deploy_warns_of_email_links_that_are_not_https():
    """One-click unsubscribe needs an https link (RFC 8058): the check names the variable."""
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    **{**PRODUCTION, "DJANGO_SITE_URL": "http://blog.example.com"})  # fmt: skip
    assert result.returncode == 1
    assert "comments.W001" in result.stderr and "DJANGO_SITE_URL" in result.stderr


@pytest.mark.parametrize("value", ["maybe", "2", "ture"])
def test_a_yes_or_no_that_is_neither_stops_with_one_sentence(value):
    """A mistyped DJANGO_DEBUG is not silently "off": the process says what it must be."""
    result = manage("check", **{**PRODUCTION, "DJANGO_DEBUG": value})
    assert result.returncode == 1
    assert result.stderr.strip() == "Configuration error: DJANGO_DEBUG must be true or false."


@pytest.mark.parametrize("zone", ["Mars/Olympus", "GMT+25", "../../etc/passwd"])
def test_an_unknown_time_zone_stops_with_one_sentence(zone):
    """DJANGO_TIME_ZONE must name a zone: no traceback, no silent UTC."""
    result = manage("check", **{**PRODUCTION, "DJANGO_TIME_ZONE": zone})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Configuration error: DJANGO_TIME_ZONE must be a time zone name such as "
        "Europe/London or UTC."
    )


def test_an_env_file_fills_in_but_the_environment_wins(tmp_path):
    """A file named by DJANGO_ENV_FILE sets what the environment leaves unset, nothing more."""
    env_file = tmp_path / "blog.env"
    env_file.write_text("DJANGO_SITE_NAME=From the file\nDJANGO_TIME_ZONE=Europe/Paris\n")
    both = {**PRODUCTION, "DJANGO_ENV_FILE": str(env_file), "DJANGO_TIME_ZONE": "UTC"}
    assert settings_seen("(s.SITE_NAME, s.TIME_ZONE)", **both) == "('From the file', 'UTC')"


def test_missing_secret_key_stops_with_one_sentence():
    """Debug off without a secret key: one line naming the variable, no traceback."""
    result = manage("check", DJANGO_DEBUG="false")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Configuration error: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
        "(or set DJANGO_DEBUG=true for local development)."
    ]


@pytest.mark.parametrize(
    "url", ["nonsense", "mongodb://db.example.com/blog", "postgres://u:secret@h:port/x", "pg://"]
)
def test_malformed_database_url_stops_with_one_sentence(url):
    """A bad DATABASE_URL is named in one line that never echoes it (it may hold a password)."""
    result = manage("check", DATABASE_URL=url, **PRODUCTION)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Configuration error: DATABASE_URL is not a valid database URL")
    assert "secret" not in lines[0]


def test_debug_is_off_unless_asked_for():
    """With no DJANGO_DEBUG at all the site runs in production mode (and so needs a key)."""
    result = manage("check")
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_are_strict():
    """Secure cookies, HSTS and HTTPS redirect come on by themselves with debug off."""
    seen = settings_seen(
        "s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 15_768_000, s.ALLOWED_HOSTS",
        **PRODUCTION,
    )
    assert seen == "False True True True True ['blog.example.com']"


@pytest.mark.django_db
def test_production_serves_static_files_hashed_and_compressed(settings, tmp_path, seed_article):
    """With debug off, WhiteNoise serves collected files under hashed names, gzip-compressed."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_USE_FINDERS = False
    call_command("collectstatic", interactive=False, verbosity=0)

    client = Client()
    page = client.get(seed_article.get_absolute_url()).content.decode()
    css_url = staticfiles_storage.url("css/site.css")
    assert css_url != "/static/css/site.css" and css_url in page

    response = client.get(css_url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("name", "value", "sentence"),
    [
        ("DJANGO_COMMENTS_FLOOD_INTERVAL", "fifteen", "a whole number of seconds, such as 15."),
        ("DJANGO_COMMENTS_FLOOD_INTERVAL", "-5", "a whole number of seconds, such as 15."),
        ("DJANGO_COMMENTS_MIN_SUBMIT_SECONDS", "soon", "a number of seconds, such as 3."),
        ("DJANGO_DB_TIMEOUT", "1e", "a number of seconds, such as 20."),
        ("DJANGO_TRUSTED_PROXY_COUNT", "1.5", "a whole number of proxies, such as 0."),
        ("DJANGO_PAGE_CACHE_SECONDS", "ten minutes", "a whole number of seconds, such as 600."),
        ("DJANGO_SHARED_CACHE_SECONDS", "0", "a whole number of seconds, such as 1."),
        ("DJANGO_COMMENTS_PER_PAGE", "fifty", "a whole number of comments, such as 50."),
        ("DJANGO_COMMENTS_PER_PAGE", "-50", "a whole number of comments, such as 50."),
        ("DJANGO_COMMENTS_EDIT_MINUTES", "10m", "a whole number of minutes, such as 10."),
    ],
)
def test_a_malformed_number_stops_with_one_sentence(name, value, sentence):
    """Every numeric variable is checked at start, and named, instead of failing deep inside."""
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Configuration error: {name} must be {sentence}"]


def test_fractional_seconds_are_accepted():
    """A number of seconds may have a fraction where the setting allows it."""
    env = {**PRODUCTION, "DJANGO_COMMENTS_MIN_SUBMIT_SECONDS": "2.5"}
    assert settings_seen("s.COMMENTS_MIN_SUBMIT_SECONDS", **env) == "2.5"


def test_comment_paging_and_editing_are_set_from_the_environment():
    """50 threads a page, oldest first, 10 minutes to edit; each one variable away."""
    expression = "s.COMMENTS_PER_PAGE, s.COMMENTS_NEWEST_FIRST, s.COMMENTS_EDIT_MINUTES"
    assert settings_seen(expression, **PRODUCTION) == "50 False 10"
    changed = {
        "DJANGO_COMMENTS_PER_PAGE": "20",
        "DJANGO_COMMENTS_NEWEST_FIRST": "yes",
        "DJANGO_COMMENTS_EDIT_MINUTES": "0",
    }
    assert settings_seen(expression, **PRODUCTION, **changed) == "20 True 0"
    result = manage("check", **{**PRODUCTION, "DJANGO_COMMENTS_NEWEST_FIRST": "newest"})
    assert result.stderr.strip() == (
        "Configuration error: DJANGO_COMMENTS_NEWEST_FIRST must be true or false."
    )
