"""Knoppen settings.

Everything that differs between a laptop and production comes from the
environment (see README, "Configuration"). Development defaults apply only
when DEBUG is on; with DEBUG off, SECRET_KEY and ALLOWED_HOSTS must be set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret-" + "k" * 40)
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated) when DEBUG is off.")

# Keys SECRET_KEY replaced: still accepted for sessions and signed links, and to open the
# sealed boxes of secret votes until close_due_votes has sealed them anew (panels/sealing.py).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "channels",
    "django_htmx",
    "simple_history",
    "template_partials",
    "post_office",
    "panels",
    "voting",
    "agreements",
    "minutes",
    "overview",
]

MIDDLEWARE = [
    "config.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "config.forms.FormRenderer"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Everywhere, like escaping: `|bdi` and `|isolate` set people's words apart.
            "builtins": ["panels.templatetags.knoppen"],
        },
    },
]

# Database: SQLite file by default, anything dj-database-url understands otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DB_POOL_MAX = env_int("DB_POOL_MAX", 0)
DB_POOL_TIMEOUT = env_int("DB_POOL_TIMEOUT", 10)
DB_POOLED = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX > 0
if DB_POOLED:
    # Under daphne every request and socket call may run in a thread of its own, and
    # persistent connections would pile up per thread: a bounded pool (psycopg_pool) keeps a
    # worker within its share of PostgreSQL's max_connections under any load.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": DB_POOL_MAX,
        "timeout": DB_POOL_TIMEOUT,
    }
# A transaction whose client went silent (a worker killed, the network lost between them)
# would keep its locks, and every ballot of that vote would wait behind it, until TCP
# notices, which takes hours. PostgreSQL ends such a session after this many seconds
# idle inside a transaction (no request of ours idles there); 0 leaves it to the server.
DB_IDLE_IN_TRANSACTION_TIMEOUT = env_int("DB_IDLE_IN_TRANSACTION_TIMEOUT", 30)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    DB_IDLE_IN_TRANSACTION_TIMEOUT > 0
):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c idle_in_transaction_session_timeout={DB_IDLE_IN_TRANSACTION_TIMEOUT * 1000}"
    )
# HTTP requests a worker lets into Django at once (config.http.HttpTurns); the rest
# wait their turn, at most as long as for a pooled connection. With a pool, the default
# leaves a connection for each thread the sockets' database work runs in (asyncio's
# default executor: cores + 4, at most 32).
SOCKET_DB_THREADS = min(32, (os.cpu_count() or 1) + 4)
HTTP_CONCURRENCY = env_int(
    "HTTP_CONCURRENCY", max(1, DB_POOL_MAX - SOCKET_DB_THREADS) if DB_POOLED else 0
)
HTTP_TURN_TIMEOUT = DB_POOL_TIMEOUT
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests and sockets write at once even on a laptop: take the write lock
    # when a transaction starts (waiting for it, instead of failing on an upgrade), and
    # let readers carry on while someone writes (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer and cache: in-process by default, Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis, with a pool that waits for a free connection (panels/live/layers.py).
            "BACKEND": "panels.live.layers.RedisChannelLayer",
            "CONFIG": {
                # No read timeout: a blocking receive may legitimately wait for a long
                # time (redis-py's default of 5 s would kill idle consumers).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                # The default capacity (100) silently drops messages in a burst.
                "capacity": env_int("CHANNEL_CAPACITY", 5000),
                "expiry": 30,
                "group_expiry": 24 * 3600,
                "prefix": env_str("CHANNEL_PREFIX", "knoppen"),
                "pool_size": env_int("REDIS_POOL_MAX", 100),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CHANNEL_PREFIX", "knoppen"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Abuse limits' counts (panels.limits): the same store, under an alias of their own.
CACHES["limits"] = CACHES["default"]

# The admin shows each record's history but offers no revert: a revert would save an old
# version's every field around the services and their audit log (panels.admin.HistoryAdmin).
SIMPLE_HISTORY_REVERT_DISABLED = True

AUTH_USER_MODEL = "panels.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "panels:home"
LOGOUT_REDIRECT_URL = "login"
# A login link by email, instead of the password (panels/login_links.py): django-sesame signs
# the person's id, the time and a hash of their password and last login, so a link expires,
# dies when the password changes, and works once (logging in changes the last login).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
]
SESAME_MAX_AGE = 15 * 60
SESAME_ONE_TIME = True
SESAME_INVALIDATE_ON_PASSWORD_CHANGE = True
SESAME_INVALIDATE_ON_EMAIL_CHANGE = True  # a link sent to an old address dies with it
SESAME_TOKENS = ["sesame.tokens_v2"]  # the only kind we issue; nothing else is parsed

# Internationalisation: Dutch first, English second.
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Pinned by package.json / package-lock.json, installed with `npm ci`.
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/htmx-ext-ws", BASE_DIR / "node_modules" / "htmx-ext-ws" / "dist"),
]

# Email goes into a queue in the database (django-post-office, decision 0012): a request
# only writes it; `manage.py send_queued_mail` (scheduled work) delivers it through
# EMAIL_DELIVERY_BACKEND, retrying when the mail server is down or refuses, and staff read
# what was sent and what failed, and why, in the admin. In development it is delivered at
# once, to the console.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "post_office.EmailBackend")
EMAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_DELIVERY_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
POST_OFFICE = {
    "BACKENDS": {"default": EMAIL_DELIVERY_BACKEND},
    # "now": delivered in the request (development); "medium": queued for send_queued_mail.
    "DEFAULT_PRIORITY": env_str("EMAIL_PRIORITY", "now" if DEBUG else "medium"),
    "MAX_RETRIES": env_int("EMAIL_MAX_RETRIES", 8),
    "RETRY_INTERVAL": timedelta(minutes=env_int("EMAIL_RETRY_MINUTES", 10)),
    "MESSAGE_ID_ENABLED": True,
    "LOG_LEVEL": 2,  # a log line per delivery, sent or failed
    "CELERY_ENABLED": False,
}
# Where queued emails keep their attachments (a meeting's calendar file) until sent.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Knoppen <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# How long an invitation link stays valid.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
# After how many days without an active membership (and without logging in) a person's
# personal data is erased by `manage.py apply_retention`; 0 turns retention off.
RETENTION_DAYS = env_int("RETENTION_DAYS", 730)
# The address people use to reach the site, for links in emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not DEBUG and not SITE_URL:
    raise ImproperlyConfigured("Set SITE_URL (e.g. https://knoppen.example.nl) when DEBUG is off.")

# Security: strict unless DEBUG is on. Behind a TLS-terminating proxy set
# SECURE_PROXY_SSL_HEADER=1 so that Django trusts X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_FAILURE_VIEW = "panels.views.csrf_failure"
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the workers append to X-Forwarded-For (README: nginx is one).
# 0: the connection's own address is the client's. Anything the client wrote itself in the
# header is never believed (panels.addresses): login limits count by this address.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0, minimum=0, maximum=10)

# Error reports, without personal data (config/error_reports.py): only when SENTRY_DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from config.error_reports import init as _report_errors

    _report_errors(SENTRY_DSN, env_str("SENTRY_ENVIRONMENT", "production"))

# One line per request (config/requestlog.py); LOG_FORMAT=json writes every line as JSON.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT is text or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.requestlog.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Ours has the request's line; Django's would repeat it for each 4xx and 5xx.
        "django.request": {"level": "ERROR"},
        "knoppen.requests": {"level": env_str("REQUEST_LOG_LEVEL", "INFO")},
    },
}

# Hashed file names in production (collectstatic writes the manifest; a proxy
# serves STATIC_ROOT under STATIC_URL with a long cache lifetime).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    },
}
