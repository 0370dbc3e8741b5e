"""
Reading the settings' environment variables: each parsed, checked, and refused in one sentence.

environs parses them (https://github.com/sloria/environs); a value it refuses
stops the process with one sentence naming the variable, instead of a
traceback or a silent default. Variables may also come from a file named by
``DJANGO_ENV_FILE``: manage.py names the ``.env`` that ``make run`` writes
(debug on, for development); the production server reads no file unless told
to, and the environment always wins over the file.
"""

import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from environs import Env, EnvError, validate

env = Env(eager=True)
if env_file := os.environ.get("DJANGO_ENV_FILE", "").strip():
    # Never searched for up the tree: only the file named is read, and the environment wins.
    env.read_env(env_file, recurse=False)


def refuse_to_start(sentence: str) -> SystemExit:
    """
    Stop the process with one readable sentence instead of a traceback.

    SystemExit prints its message to stderr and exits with status 1 from
    manage.py, gunicorn and the test runner alike.
    """
    return SystemExit(f"Configuration error: {sentence}")


def stop_if(problem: str) -> None:
    """Stop the process with ``problem``, a sentence from an app's own check, if there is one."""
    if problem:
        raise refuse_to_start(problem)


def parsed(read, name: str, default, sentence: str, **kwargs):
    """``read(name, default)``, an environs parser; a value it refuses stops with ``sentence``."""
    try:
        return read(name, default, **kwargs)
    except EnvError:
        raise refuse_to_start(sentence) from None


def yes_or_no(name: str, default: bool = False) -> bool:
    """A true/false variable: true, yes, on or 1; false, no, off or 0; nothing else."""
    return parsed(env.bool, name, default, f"{name} must be true or false.")


def number(name: str, default: int, unit: str, *, minimum: int = 0, whole: bool = True):
    """A number of ``unit``, at least ``minimum``."""
    kind = "a whole number" if whole else "a number"
    return parsed(
        env.int if whole else env.float,
        name,
        default,
        f"{name} must be {kind} of {unit}, such as {default}.",
        validate=validate.Range(min=minimum),
    )


def time_zone(name: str, default: str) -> str:
    """An IANA time zone name (Europe/London, UTC): every time the site shows is in it."""
    value = env.str(name, default).strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise refuse_to_start(
            f"{name} must be a time zone name such as Europe/London or UTC."
        ) from None
    return value


def secret_key(name: str, *, debug: bool) -> str:
    """The secret key: required with debug off, a development one with it on."""
    if key := env.str(name, "").strip():
        return key
    if not debug:
        raise refuse_to_start(
            f"{name} must be set when DJANGO_DEBUG is off "
            "(or set DJANGO_DEBUG=true for local development)."
        )
    return "django-insecure-development-only-key-never-use-in-production"


def items(name: str, default: str = "") -> list[str]:
    """A comma-separated variable as a list, each item stripped, empty ones left out."""
    return [item.strip() for item in env.list(name, default.split(",")) if item.strip()]


def database(name: str, default: str, **options) -> dict:
    """
    A database URL (dj-database-url, through environs) as Django's DATABASES entry.

    The URL may hold a password: the sentence that refuses it never repeats it.
    https://github.com/jazzband/dj-database-url
    """
    sentence = (
        f"{name} is not a valid database URL; expected a form such as "
        "postgres://user:password@host:5432/name or sqlite:////absolute/path/db.sqlite3."
    )
    config = parsed(env.dj_db_url, name, default, sentence, conn_health_checks=True, **options)
    if not config.get("NAME"):
        raise refuse_to_start(sentence)
    return config


def mailer(*, debug: bool) -> dict:
    """
    The email backend the DJANGO_EMAIL_* variables describe, as a MAILERS entry.

    With debug on and no host, emails are printed to standard output; otherwise
    they go by SMTP to the host (``localhost`` if none), on the port its TLS or
    SSL setting implies unless one is given.
    """
    host = env.str("DJANGO_EMAIL_HOST", "").strip()
    if debug and not host:
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    use_ssl = yes_or_no("DJANGO_EMAIL_USE_SSL")
    use_tls = not use_ssl and yes_or_no("DJANGO_EMAIL_USE_TLS")
    port = "465" if use_ssl else "587" if use_tls else "25"
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": host or "localhost",
            "port": number("DJANGO_EMAIL_PORT", port, "a port", minimum=1),
            "username": env.str("DJANGO_EMAIL_HOST_USER", ""),
            "password": env.str("DJANGO_EMAIL_HOST_PASSWORD", ""),
            "use_ssl": use_ssl,
            "use_tls": use_tls,
            "timeout": 20,
        },
    }
