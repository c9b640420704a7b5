"""Settings both processes share (the portal and the embedded helpdesk), read from the environment.

A fresh machine needs no configuration: SQLite, a cache in the database, a development secret
key generated once into a git-ignored file and the embedded helpdesk as the API server.
Production sets the variables listed in the README. What only one process needs is in
portal.py (the portal, manage.py's default) or helpdesk.py (the embedded helpdesk).
"""

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _development_secret_key() -> str:
    """A key made once per checkout and kept out of git, so no secret lives in the source."""
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
# Redis, when set, holds the cache and the task queue (RQ); unset, both live in the database.
REDIS_URL = env.str("REDIS_URL", default="")
SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
# The demo (scripts/run, the tests) runs on published credentials; with DEBUG off the embedded
# helpdesk refuses to start on them unless this says that a demo is meant.
DEMO_MODE = env.bool("DEMO_MODE", default=False)
DEMO_API_USERNAME, DEMO_API_PASSWORD = "demo-api", "demo-api-password"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Both processes know every app: they share one database, so `migrate` under either settings
# module migrates everything.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "allauth",
    "allauth.account",
    "axes",
    "portal",
    "common",
    "kayako",
    "accounts",
    "kb",
    "tickets",
    "helpdesk",
    # Background tasks (the portal's worker): django-tasks with its database backend, or RQ on Redis.
    "django_tasks",
    "django_tasks_db",
    *(["django_rq"] if REDIS_URL else []),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",  # allauth refuses to start without it
    # Last, so that its 413 page has the user, the CSP nonce and the headers; the WSGI
    # application (common.bodycap.RequestBodyCap) has already taken the body away.
    "common.bodycap.RefusedBodyMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out staff sign-in into its 429 answer
]

# Every request body of either process, checked before anything reads it (common.bodycap).
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=30 * 1024 * 1024)
# A file whose name the multipart parser would drop is kept for the form to refuse (common.uploads).
FILE_UPLOAD_HANDLERS = [
    "common.uploads.KeepUnusableNamesHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# The apps' own templates (the admin's for the staff desk); the portal adds the site's.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
            ],
        },
    },
]

SQLITE_ENGINE = "portal.sqlite"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's, with writers taking turns without SQLite's sleeping busy handler (portal/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = SQLITE_ENGINE
    # WAL lets the portal and the helpdesk processes read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"



def _code_digest() -> str:
    """A digest of the project's apps, templates, translations and pinned dependencies: what a
    cached fragment of a page depends on besides its data. Processes of one release agree on it."""
    digest = hashlib.blake2b(digest_size=8)
    roots = [BASE_DIR / name for name in (*INSTALLED_APPS, "templates", "locale") if (BASE_DIR / name).is_dir()]
    files = [p for root in roots for p in root.rglob("*") if p.suffix in {".py", ".html", ".mo"}]
    for path in sorted([*files, BASE_DIR / "requirements.txt"]):
        digest.update(f"{path.relative_to(BASE_DIR)}\0".encode() + path.read_bytes())
    return digest.hexdigest()


# The release this code is; a deploy may name it (a version, a commit), else the digest tells.
RELEASE = env.str("RELEASE", default="") or _code_digest()

# One cache for every process of both kinds, so that rate limits, lockouts, the circuit breaker's
# state and the copies served while the helpdesk is down are the same whichever process answers:
# Redis when REDIS_URL is set, else the database (its table comes with `migrate`: portal.models).
_cache = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL} if REDIS_URL
    else {
        "BACKEND": "portal.cache.DatabaseCache",  # Django's, with an incr that is one step across processes
        "LOCATION": "portal_cache",
        # Past this many entries a write first drops the expired ones, then a third of the rest.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
)
CACHES = {
    "default": _cache,
    # The {% cache %} tag's own alias: rendered pieces of pages, keyed by what they show and by the
    # release, so there is nothing for processes to share. A process's own memory is several times
    # faster to read than a shared cache, and a page reads several.
    "template_fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments",
                           "KEY_PREFIX": f"fragments-{RELEASE}", "OPTIONS": {"MAX_ENTRIES": 5000}},
    # Whole pages (common.pagecache) in each process's memory; the generations that say whether a
    # copy is still good are in the shared cache. Kept in the database, every page rendered was one
    # more write for SQLite's one writer, and every page served a large row read and decoded.
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages",
              "OPTIONS": {"MAX_ENTRIES": 1000}},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out staff sign-in
    # Django's and allauth's, the user read by every request compiled once per process (common/auth.py).
    "common.auth.ModelBackend",
    "common.auth.AuthenticationBackend",
]

# Staff sign-ins (the portal's /admin/ and the staff desk, any AdminSite) are throttled by
# django-axes: its attempts live in the database both processes share, it locks out by address
# and by account and logs each lockout. Customers' sign-ins keep allauth's own limits.
AXES_WHITELIST_CALLABLE = "common.signins.is_not_staff_sign_in"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("STAFF_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # no record of every successful sign-in (customers' included)

# The language of a page comes from the switcher's cookie, else the browser (LocaleMiddleware);
# no prefix in URLs. LANGUAGE_CODE is the fallback and the language of mails sent without a
# request to say otherwise (the embedded helpdesk's: the API carries no language for a customer).
# Each name is in its own language, as language menus show them. A new language: README, "Languages".
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the switcher's choice outlives the browser session
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS turns on everything `check --deploy` asks for behind a TLS-terminating proxy.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, their read compiled once per process (common/sessions.py).
SESSION_ENGINE = "common.sessions"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# (four slashes: django-environ drops the first of the path, and VAR_DIR is absolute)
EMAIL_CONFIG = env.email_url("EMAIL_URL", default=f"filemail:///{VAR_DIR / 'mail'}")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may take: a mail server that hangs must not hold a worker (nor outlast
# the lease the helpdesk's mail run takes on a mail).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# WARNING by default: a quiet console (INFO logs every SOAP call, task and delivery); INFO when diagnosing.
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The handler has the level too: the task worker (django-tasks-db's db_worker) sets its loggers to INFO
    # whatever the settings say.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "zeep": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # failures and lockouts of staff sign-ins, not every request's note
    },
}

# Where each process is reached: the portal gives the helpdesk URLs of staged uploads under
# PORTAL_PUBLIC_URL, and the helpdesk fetches attachments only from that host by default.
PORTAL_PUBLIC_URL = env.str("PORTAL_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
# Where the helpdesk fetches staged uploads instead (empty: PORTAL_PUBLIC_URL). scripts/run starts a
# server of the portal's for them alone (supervisord's `files`): behind customers' pages in the
# portal's own queue, each fetch held up the delivery waiting for it (in the load bench, deliveries
# with attachments ran at a third of the rate of those without).
STAGED_FILES_URL = env.str("STAGED_FILES_URL", default="").rstrip("/")
HELPDESK_PORT = env.int("HELPDESK_PORT", default=8001)

# Background tasks (django-tasks): the database backend, or RQ with REDIS_URL. Each process has a
# queue of its own (TASKS_QUEUE: "default" for the portal, "helpdesk" for the embedded helpdesk);
# its worker (`manage.py worker` under its settings) runs that queue and its PERIODIC_TASKS.
TASKS = {"default": {
    "BACKEND": "django_tasks_rq.RQBackend" if REDIS_URL else "django_tasks_db.DatabaseBackend",
    "QUEUES": ["default", "helpdesk"],
}}
RQ_QUEUES = {queue: {"URL": REDIS_URL} for queue in TASKS["default"]["QUEUES"]} if REDIS_URL else {}
TASKS_POLL_SECONDS = env.float("TASKS_POLL_SECONDS", default=0.2)  # the database worker's idle poll
PERIODIC_RETRY_SECONDS = 60  # a periodic task that failed runs again after this (or its period, if shorter)
