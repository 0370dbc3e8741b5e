"""
Settings for the blog, read from the environment.

One module for every environment, as in simonwillisonblog's config/settings.py:
safe production defaults, relaxed only by ``DJANGO_DEBUG=true``. The variables
an operator sets are listed in README.md. environs parses them; a value it
refuses stops the process with one sentence naming the variable.

Variables may also come from a file named by ``DJANGO_ENV_FILE``: manage.py
names the ``.env`` that ``make run`` writes (debug on, for development), so
``manage.py createsuperuser`` works as Django's tutorial types it; the
production server reads no file unless told to.
"""

import os
from pathlib import Path

from cryptography.fernet import Fernet
from django.utils.csp import CSP
from environs import Env, EnvError, validate

BASE_DIR = Path(__file__).resolve().parent.parent

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


def items(name: str, default: str = "") -> list[str]:
    """A comma-separated variable as a list, each item stripped, empty ones left out."""
    return [item.strip() for item in env.list(name, default.split(",")) if item.strip()]


DEBUG = yes_or_no("DJANGO_DEBUG")

SECRET_KEY = env.str("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise refuse_to_start(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(or set DJANGO_DEBUG=true for local development)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = items("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

SITE_NAME = env.str("DJANGO_SITE_NAME", "Relief Notes")
# Absolute URL of the site, for links that leave a request (emails, feeds).
SITE_URL = env.str("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "blog.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # django.tasks kept in the database (its admin lists every task's result).
    "django_tasks_db",
    "blog.apps.BlogConfig",
    "comments.apps.CommentsConfig",
    "blog.wordpress.apps.WordPressConfig",
    "serving.apps.ServingConfig",
]

MIDDLEWARE = [
    # First, so that it sees every cookie and Vary the others add.
    "blog.shared_pages.PrivateByDefaultMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body (CSRF does): refuse oversized comment posts.
    "comments.middleware.CommentSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A 404 for an old WordPress link becomes a 301 to the article (blog/redirects.py).
    "blog.redirects.WordPressRedirectMiddleware",
    # Once the URL is resolved: one address per page, whatever the query string.
    "serving.query.QueryStringMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "blog.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "blog.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "blog.wsgi.application"


# Database: SQLite in the project folder unless DATABASE_URL names another,
# parsed by dj-database-url through environs. The URL may hold a password:
# the message never repeats it.
# https://github.com/jazzband/dj-database-url
BAD_DATABASE_URL = (
    "DATABASE_URL is not a valid database URL; expected a form such as "
    "postgres://user:password@host:5432/name or sqlite:////absolute/path/db.sqlite3."
)
DATABASES = {
    "default": parsed(
        env.dj_db_url,
        "DATABASE_URL",
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        BAD_DATABASE_URL,
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if not DATABASES["default"].get("NAME"):
    raise refuse_to_start(BAD_DATABASE_URL)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many readers and several writers at once without "database is locked":
    # WAL lets reads run beside a write, IMMEDIATE takes the write lock at
    # BEGIN so a transaction never fails half-way when upgrading its lock, and
    # the timeout makes a writer wait its turn instead of failing.
    # https://docs.djangoproject.com/en/6.1/ref/databases/#sqlite-transaction-behavior
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": number("DJANGO_DB_TIMEOUT", 20, "seconds", whole=False),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Connections persist (CONN_MAX_AGE above): each thread of the production
    # server keeps its own, so the PRAGMAs above run once, not on every request.


# Cache: in-process by default; Redis when REDIS_URL is set, so that several app
# processes or servers share cached pages and rate limits.
REDIS_URL = env.str("REDIS_URL", "").strip()
# Rate limits need a cache every process shares: Redis, or else a table in the
# database (created by `manage.py createcachetable`, which `make` runs).
if REDIS_URL:
    redis_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("DJANGO_CACHE_PREFIX", "blog"),
        # An unreachable Redis fails in seconds (a styled 503), never hangs a worker.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    CACHES = {"default": redis_cache, "ratelimit": redis_cache}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_ratelimit",
        },
    }

# Admin login: django-axes locks an IP address + username out after repeated
# failures. Unlock: `manage.py axes_reset_username NAME` (see README).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_CLIENT_IP_CALLABLE = "comments.client.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files: hashed and compressed by WhiteNoise, served by the app itself.
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Comments
# Replies nest this many levels deep at most (WordPress's default is 5).
COMMENTS_THREAD_DEPTH = 5
# Long discussions are paged (comments/paging.py): this many top-level comments
# per page, each with its replies (WordPress's comments_per_page); 0 shows all on
# one page. Oldest first, as WordPress shows them; newest first on request.
COMMENTS_PER_PAGE = number("DJANGO_COMMENTS_PER_PAGE", 50, "comments")
COMMENTS_NEWEST_FIRST = yes_or_no("DJANGO_COMMENTS_NEWEST_FIRST")
# For this long after posting, the browser that posted a comment may edit or
# withdraw it (comments/editing.py); 0 turns editing off.
COMMENTS_EDIT_MINUTES = number("DJANGO_COMMENTS_EDIT_MINUTES", 10, "minutes")
# Anti-spam (comments/stamps.py, comments/intake.py). A form sent back sooner
# than this was not typed by a person; one older than COMMENTS_FORM_MAX_AGE
# seconds has expired.
COMMENTS_MIN_SUBMIT_SECONDS = number(
    "DJANGO_COMMENTS_MIN_SUBMIT_SECONDS", 3, "seconds", whole=False
)
COMMENTS_FORM_MAX_AGE = 6 * 60 * 60
# One comment per IP address, and per email address, every this many seconds.
COMMENTS_FLOOD_INTERVAL = number("DJANGO_COMMENTS_FLOOD_INTERVAL", 15, "seconds")
COMMENTS_RATE_LIMIT_CACHE = "ratelimit"
# A comment POST larger than this is refused before it is read: the form at its
# limits, every character four bytes and percent-encoded, fits well within.
COMMENTS_MAX_REQUEST_BYTES = 100 * 1024
# Proxies in front of the app that append to X-Forwarded-For (0: none).
TRUSTED_PROXY_COUNT = number("DJANGO_TRUSTED_PROXY_COUNT", 0, "proxies")

# Privacy (README.md, "Privacy"). Commenters' emails are encrypted at rest with
# these Fernet keys, newest first; older keys only read rows not yet rotated.
# https://cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet
DEVELOPMENT_EMAIL_KEY = "cmVsaWVmLW5vdGVzLWRldi1vbmx5LW5ldmVyLXByb2Q="
COMMENT_EMAIL_KEYS = items("DJANGO_COMMENT_EMAIL_KEYS")
if not COMMENT_EMAIL_KEYS:
    if not DEBUG:
        raise refuse_to_start(
            "DJANGO_COMMENT_EMAIL_KEYS must be set when DJANGO_DEBUG is off; make a key with "
            'python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())".'
        )
    COMMENT_EMAIL_KEYS = [DEVELOPMENT_EMAIL_KEY]
for _key in COMMENT_EMAIL_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        # The message never repeats the key.
        raise refuse_to_start(
            "DJANGO_COMMENT_EMAIL_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes, 44 characters)."
        ) from None
if not DEBUG and DEVELOPMENT_EMAIL_KEY in COMMENT_EMAIL_KEYS:
    raise refuse_to_start(
        "DJANGO_COMMENT_EMAIL_KEYS holds the public development key; make a key of your own."
    )


# Retention: IP addresses and user agents (kept to fight spam) are cleared after
# this many days, spam and removed comments deleted after this many days.
# `manage.py apply_retention` does both; run it daily.
COMMENTS_KEEP_IP_DAYS = number("DJANGO_COMMENTS_KEEP_IP_DAYS", 30, "days", minimum=1)
COMMENTS_KEEP_DISCARDED_DAYS = number("DJANGO_COMMENTS_KEEP_DISCARDED_DAYS", 30, "days", minimum=1)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


# Email: printed to standard output in development, sent by SMTP otherwise.
# Every email is a django.tasks task kept in the database (django-tasks-db) and
# sent by `manage.py email_worker`, beside the web server: a slow or failing
# mail server never holds up a request, and a crash loses nothing.
# https://docs.djangoproject.com/en/6.1/topics/email/ and /topics/tasks/
email_host = env.str("DJANGO_EMAIL_HOST", "").strip()
if DEBUG and not email_host:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    email_use_ssl = yes_or_no("DJANGO_EMAIL_USE_SSL")
    email_use_tls = not email_use_ssl and yes_or_no("DJANGO_EMAIL_USE_TLS")
    email_port = "465" if email_use_ssl else "587" if email_use_tls else "25"
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": email_host or "localhost",
                "port": number("DJANGO_EMAIL_PORT", email_port, "a port", minimum=1),
                "username": env.str("DJANGO_EMAIL_HOST_USER", ""),
                "password": env.str("DJANGO_EMAIL_HOST_PASSWORD", ""),
                "use_ssl": email_use_ssl,
                "use_tls": email_use_tls,
                "timeout": 20,
            },
        }
    }
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Told of every held comment, beside the members of the Moderators group.
MANAGERS = items("DJANGO_MANAGERS")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Notifications to readers (comments/subscriptions.py, comments/delivery.py).
# One confirmation email per address per COMMENTS_CONFIRM_INTERVAL, and at most
# COMMENTS_CONFIRMATIONS_PER_IP per hour asked from one IP address.
COMMENTS_CONFIRM_INTERVAL = number("DJANGO_EMAIL_CONFIRM_INTERVAL_HOURS", 24, "hours") * 3600
COMMENTS_CONFIRMATIONS_PER_IP = number("DJANGO_EMAIL_CONFIRMATIONS_PER_IP", 5, "emails")
COMMENTS_CONFIRM_LINK_DAYS = 7
COMMENTS_UNSUBSCRIBE_LINK_DAYS = 365
# A failed delivery is tried again after 1, 2, 4… times EMAIL_RETRY_SECONDS, at
# most EMAIL_ATTEMPTS times in all; one a worker took but did not finish within
# EMAIL_LEASE_SECONDS (the worker was killed) is taken up again.
EMAIL_ATTEMPTS = number("DJANGO_EMAIL_ATTEMPTS", 6, "attempts", minimum=1)
EMAIL_RETRY_SECONDS = number("DJANGO_EMAIL_RETRY_SECONDS", 60, "seconds", whole=False)
EMAIL_LEASE_SECONDS = number("DJANGO_EMAIL_LEASE_SECONDS", 120, "seconds", whole=False, minimum=1)


# Security. Everything is strict unless DJANGO_DEBUG is on.
# https://docs.djangoproject.com/en/6.1/howto/deployment/checklist/
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = yes_or_no("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = yes_or_no("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = yes_or_no("DJANGO_HSTS_PRELOAD", default=True)
if yes_or_no("DJANGO_BEHIND_TLS_PROXY"):
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = items("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "blog.views.csrf_failure"

# Django's own Content Security Policy: nothing loads from anywhere but here.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
}

# Serving under load (README "Production"). Pages that are the same for every
# reader (blog/shared_pages.py) may be kept by a shared cache (nginx in front,
# a CDN) for SHARED_CACHE_SECONDS, served that much longer while it asks again,
# and for a day when the app fails; the app keeps a copy of each version for
# PAGE_CACHE_SECONDS. A request with one of PERSONAL_COOKIES gets a page of its
# own: deploy/nginx.conf sends it past the shared cache. blog/outage.py turns a
# database or Redis outage into a styled 503.
SHARED_CACHE_SECONDS = number("DJANGO_SHARED_CACHE_SECONDS", 1, "seconds", minimum=1)
SHARED_CACHE_STALE_SECONDS = number("DJANGO_SHARED_CACHE_STALE_SECONDS", 0, "seconds")
SHARED_CACHE_STALE_IF_ERROR_SECONDS = 24 * 60 * 60
PAGE_CACHE_SECONDS = number("DJANGO_PAGE_CACHE_SECONDS", 600, "seconds")
SESSION_COOKIE_NAME = "sessionid"
COMMENTS_PENDING_COOKIE = "comments_pending"
PERSONAL_COOKIES = [SESSION_COOKIE_NAME, "messages", COMMENTS_PENDING_COOKIE]
# Parameters a link carries for someone else's analytics; no page reads one, so
# a link with only these is the page itself (serving/query.py; nginx serves it
# from the page's own cache entry). ``utm_*`` is any name starting ``utm_``.
TRACKING_PARAMETERS = [
    *("utm_*", "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid"),
    *("igshid", "_hsenc", "_hsmi", "ref", "yclid", "twclid", "li_fat_id", "ttclid", "s_cid"),
]
# Where `make serve`'s nginx keeps its cache (deploy/stack.py): what the site
# withdraws is deleted from it at once (serving/purge.py). A command run beside
# a stack started with another SERVE_RUN_DIR needs that one too.
NGINX_CACHE_DIR = env.path("SERVE_RUN_DIR", BASE_DIR / "run") / "cache"
# Names this deploy, so that no page rendered by an older one is revalidated as
# current (e.g. a git commit); the templates' and static files' state count too.
RELEASE = env.str("DJANGO_RELEASE", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails the request in seconds instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# A load balancer's health check may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {name} {message}", "style": "{"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["stdout"], "level": env.str("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes announces itself at INFO on every start; lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}
