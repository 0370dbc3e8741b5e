"""
The site's settings: configuration only, read from the environment.

One module for every environment, as in simonwillisonblog's config/settings.py: safe production
defaults, relaxed only by ``DJANGO_DEBUG=true``. The variables an operator sets are listed in
README.md, "Configuration"; each is parsed by config/environment.py, which stops the process
with one sentence naming a variable it cannot read. Constants no operator sets live in the app
that reads them, with their defaults (``getattr(settings, NAME, default)``).
"""

from pathlib import Path

from comments.checks import DEVELOPMENT_EMAIL_KEY, email_keys_problem
from config.environment import (
    database,
    env,
    items,
    mailer,
    number,
    secret_key,
    stop_if,
    time_zone,
    yes_or_no,
)
from config.headers import reader_csp
from config.storage import media

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = yes_or_no("DJANGO_DEBUG")
SECRET_KEY = secret_key("DJANGO_SECRET_KEY", debug=DEBUG)
ALLOWED_HOSTS = items("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

SITE_NAME = env.str("DJANGO_SITE_NAME", "Relief Notes")
# Absolute URL of the site, for links that leave a request (emails, feeds).
SITE_URL = env.str("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.apps.AdminConfig",
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
    "django_tasks_db",  # django.tasks kept in the database, with an admin
    "blog.apps.BlogConfig",
    "pictures.apps.PicturesConfig",
    "comments.apps.CommentsConfig",
    "wordpress.apps.WordPressConfig",
    "mentions.apps.MentionsConfig",
    "spam.apps.SpamConfig",
    "serving.apps.ServingConfig",
    "search.apps.SearchConfig",
    "federation.apps.FederationConfig",
]

MIDDLEWARE = [
    # First, so that it sees every cookie and Vary the others add.
    "blog.shared_pages.PrivateByDefaultMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body (CSRF does): refuse oversized comment posts.
    "comments.posting.middleware.CommentSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A 404 for an old WordPress link becomes a 301 to the article (wordpress/redirects.py).
    "wordpress.redirects.WordPressRedirectMiddleware",
    # Once the URL is resolved: one address per page, whatever the query string.
    "serving.query.QueryStringMiddleware",
    "federation.negotiation.ArticleNegotiationMiddleware",  # Accept: activity+json → the object
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "config.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: SQLite in the project folder unless DATABASE_URL names another, each
# engine with its options below. Connections persist, checked before each reuse.
DATABASES = {
    "default": database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=600)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails the request in seconds instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Readers beside writers without "database is locked": WAL, a write lock taken at BEGIN
    # (IMMEDIATE), a writer waiting its turn; PRAGMAs once per persistent connection.
    # https://docs.djangoproject.com/en/6.1/ref/databases/#sqlite-transaction-behavior
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": number("DJANGO_DB_TIMEOUT", 20, "seconds", whole=False),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# Cache: Redis when REDIS_URL is set, so that several app processes or servers share
# pages and rate limits; else pages in-process and rate limits, which every process
# must share, in a table (`manage.py createcachetable`, which `make` runs).
REDIS_URL = env.str("REDIS_URL", "").strip()
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
# Rendered fragments of pages (comments/section/fragments.py, {% cache %}) are keyed on
# the version of what they show, so none is ever stale: each process keeps its own in
# memory, even beside Redis. A page of 50 comments keeps 7 entries, some 65 KB.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 500},
}
# The comments app's rate limits (flood, stamps, confirmation emails) use this one.
COMMENTS_RATE_LIMIT_CACHE = "ratelimit"

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
AXES_CLIENT_IP_CALLABLE = "lib.client.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = time_zone("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files: hashed and compressed by WhiteNoise, served by the app itself.
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_FILES_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
if DEBUG:
    STATIC_FILES_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"
# Pictures: files under MEDIA_ROOT, or an S3-compatible bucket (config/storage.py).
MEDIA_URL, MEDIA_ROOT, MEDIA_STORAGE, MEDIA_ORIGINS = media(BASE_DIR / "media")
STORAGES = {"default": MEDIA_STORAGE, "staticfiles": {"BACKEND": STATIC_FILES_STORAGE}}

# Comments. Long discussions are paged (comments/section/paging.py): this many
# top-level comments per page, each with its replies (WordPress's comments_per_page);
# 0 shows all on one page. Oldest first, as WordPress shows them, or newest first.
COMMENTS_PER_PAGE = number("DJANGO_COMMENTS_PER_PAGE", 50, "comments")
COMMENTS_NEWEST_FIRST = yes_or_no("DJANGO_COMMENTS_NEWEST_FIRST")
# For this long after posting, the browser that posted a comment may edit or
# withdraw it (comments/posting/editing.py); 0 turns editing off.
COMMENTS_EDIT_MINUTES = number("DJANGO_COMMENTS_EDIT_MINUTES", 10, "minutes")
# Anti-spam (comments/posting/stamps.py, comments/posting/intake.py): a form sent
# back sooner than this after its stamp was issued was not typed by a person.
COMMENTS_MIN_SUBMIT_SECONDS = number(
    "DJANGO_COMMENTS_MIN_SUBMIT_SECONDS", 3, "seconds", whole=False
)
# One comment per IP address, and per browser, every this many seconds.
COMMENTS_FLOOD_INTERVAL = number("DJANGO_COMMENTS_FLOOD_INTERVAL", 15, "seconds")
# The spam filter that learns from the moderators (spam/filter.py), once taught this many
# decisions of each kind, sends a comment scoring this percentage to spam, holds the next.
SPAM_THRESHOLD = number("DJANGO_SPAM_THRESHOLD", 60, "percent", minimum=1)
SPAM_HOLD_THRESHOLD = number("DJANGO_SPAM_HOLD_THRESHOLD", 50, "percent", minimum=1)
SPAM_MIN_DECISIONS = number("DJANGO_SPAM_MIN_DECISIONS", 20, "decisions", minimum=1)
# Proxies in front of the app that append to X-Forwarded-For (0: none).
TRUSTED_PROXY_COUNT = number("DJANGO_TRUSTED_PROXY_COUNT", 0, "proxies")
# Requests the site makes because a stranger asked (lib/outbound.py) refuse private, loopback
# and link-local addresses; this lifts that rule for tests and local trials only.
OUTBOUND_ALLOW_PRIVATE = yes_or_no("DJANGO_OUTBOUND_ALLOW_PRIVATE")

# Privacy (README.md): commenters' emails are encrypted at rest with these Fernet keys,
# newest first (older ones read rows not yet rotated); comments/checks.py checks them.
COMMENT_EMAIL_KEYS = items("DJANGO_COMMENT_EMAIL_KEYS")
if DEBUG and not COMMENT_EMAIL_KEYS:
    COMMENT_EMAIL_KEYS = [DEVELOPMENT_EMAIL_KEY]
stop_if(email_keys_problem(COMMENT_EMAIL_KEYS, debug=DEBUG))

# Retention (`manage.py apply_retention`, daily): IP addresses and user agents are
# cleared after this many days, spam and removed comments deleted after this many.
COMMENTS_KEEP_IP_DAYS = number("DJANGO_COMMENTS_KEEP_IP_DAYS", 30, "days", minimum=1)
COMMENTS_KEEP_DISCARDED_DAYS = number("DJANGO_COMMENTS_KEEP_DISCARDED_DAYS", 30, "days", minimum=1)

CRISPY_ALLOWED_TEMPLATE_PACKS = CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: printed in development, else by SMTP (DJANGO_EMAIL_*, config/environment.py);
# each a django.tasks task in the database, sent by `manage.py email_worker`.
MAILERS = {"default": mailer(debug=DEBUG)}
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Told of every held comment, beside the members of the Moderators group.
MANAGERS = items("DJANGO_MANAGERS")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Readers' confirmation emails (comments/mail/subscriptions.py): one per address in
# this many hours, and this many an hour asked from one IP address.
EMAIL_CONFIRM_INTERVAL_HOURS = number("DJANGO_EMAIL_CONFIRM_INTERVAL_HOURS", 24, "hours")
EMAIL_CONFIRMATIONS_PER_IP = number("DJANGO_EMAIL_CONFIRMATIONS_PER_IP", 5, "emails")
# A failed email is tried again after 1, 2, 4… times EMAIL_RETRY_SECONDS, EMAIL_ATTEMPTS
# times in all; one a killed worker left for EMAIL_LEASE_SECONDS is taken up again.
EMAIL_ATTEMPTS = number("DJANGO_EMAIL_ATTEMPTS", 6, "attempts", minimum=1)
EMAIL_RETRY_SECONDS = number("DJANGO_EMAIL_RETRY_SECONDS", 60, "seconds", whole=False)
EMAIL_LEASE_SECONDS = number("DJANGO_EMAIL_LEASE_SECONDS", 120, "seconds", whole=False, minimum=1)

# Security: strict unless DJANGO_DEBUG is on. docs.djangoproject.com/en/6.1/howto/deployment/
# Django's defaults stand: nosniff, same-origin Referrer-Policy and Cross-Origin-Opener-Policy,
# X-Frame-Options DENY, HttpOnly and SameSite=Lax cookies (the CSRF one HttpOnly too).
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = yes_or_no("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = yes_or_no("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Opt-in, as hstspreload.org asks (a preloaded site is stuck on HTTPS): hence no W021.
SECURE_HSTS_PRELOAD = yes_or_no("DJANGO_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if yes_or_no("DJANGO_BEHIND_TLS_PROXY"):
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer's health check may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CSRF_TRUSTED_ORIGINS = items("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

# Nothing loads unless named, and only from here (config/headers.py: CSP, CORP, Permissions).
SECURE_CSP = reader_csp(image_origins=MEDIA_ORIGINS)

# Serving under load (README "Production"): pages the same for every reader
# (blog/shared_pages.py) are kept by a shared cache for SHARED_CACHE_SECONDS, served that
# much longer while it asks again, and by the app for PAGE_CACHE_SECONDS; PERSONAL_COOKIES
# send a request past the shared cache (deploy/nginx.conf) to a page of its own.
SHARED_CACHE_SECONDS = number("DJANGO_SHARED_CACHE_SECONDS", 1, "seconds", minimum=1)
SHARED_CACHE_STALE_SECONDS = number("DJANGO_SHARED_CACHE_STALE_SECONDS", 0, "seconds")
PAGE_CACHE_SECONDS = number("DJANGO_PAGE_CACHE_SECONDS", 600, "seconds")
SESSION_COOKIE_NAME = "sessionid"
COMMENTS_PENDING_COOKIE = "comments_pending"
PERSONAL_COOKIES = [SESSION_COOKIE_NAME, "messages", COMMENTS_PENDING_COOKIE]
# `make serve`'s run folder: what the site withdraws leaves its nginx cache at once
# (serving/purge.py); a command run beside a stack with another one needs it too.
SERVE_RUN_DIR = env.path("SERVE_RUN_DIR", BASE_DIR / "run")
# Names this deploy (e.g. a git commit): no page an older one rendered is revalidated.
RELEASE = env.str("DJANGO_RELEASE", "")

# Logs go to standard output, one line each (gunicorn.conf.py sends its own there too).
stdout = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {name} {message}", "style": "{"}},
    "handlers": {"stdout": stdout},
    "root": {"handlers": ["stdout"], "level": env.str("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes announces itself at INFO on every start; lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}
