"""Settings of the support portal and the embedded helpdesk, read from the environment.

A fresh machine needs no configuration: SQLite, a local-memory cache, a development secret
key generated once into a git-ignored file and the embedded helpdesk as the API server.
Production sets the variables listed in the README.
"""

import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
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
SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "portal",
    "common",
    "kayako",
    "accounts",
    "kb",
    "tickets",
    "helpdesk",
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
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.HelpdeskErrorsMiddleware",
]

# The helpdesk process serves helpdesk.urls (the API and the staff desk); the portal serves
# portal.urls. Tests serve both from one live server (tests.urls).
ROOT_URLCONF = env.str("ROOT_URLCONF", default="portal.urls")
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the portal and the helpdesk processes read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
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

EMAIL_CONFIG = env.email_url("EMAIL_URL", default=f"filemail://{VAR_DIR / 'mail'}")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="support@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Accounts (django-allauth): email is the identity towards the helpdesk, so it must be verified.
SITE_NAME = env.str("SITE_NAME", default="Support")
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Support] "
# allauth's rate limits are on by default (login failures, sign-ups, password resets, ...).
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"zeep": {"level": "WARNING"}, "django.db.backends": {"level": "INFO"}},
}

# scripts/bench mounts a trivial view as the framework ceiling; never on in production.
BENCH_MODE = env.bool("BENCH_MODE", default=False)

# --- The helpdesk API this portal talks to (admins may override these in the admin) ---
PORTAL_PUBLIC_URL = env.str("PORTAL_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
HELPDESK_PORT = env.int("HELPDESK_PORT", default=8001)
KAYAKO_API_URL = env.str(
    "KAYAKO_API_URL", default=f"http://127.0.0.1:{HELPDESK_PORT}/integrationapi/index.php"
)
KAYAKO_API_USERNAME = env.str("KAYAKO_API_USERNAME", default="demo-api")
KAYAKO_API_PASSWORD = env.str("KAYAKO_API_PASSWORD", default="demo-api-password")
KAYAKO_OPERATION_TIMEOUT = env.float("KAYAKO_OPERATION_TIMEOUT", default=5.0)
KAYAKO_CONNECT_TIMEOUT = env.float("KAYAKO_CONNECT_TIMEOUT", default=2.0)
KAYAKO_POOL_SIZE = env.int("KAYAKO_POOL_SIZE", default=env.int("GUNICORN_THREADS", default=4))
KAYAKO_CACHE_TTL = env.int("KAYAKO_CACHE_TTL", default=300)
# Key for the API password that admins store in the database (Fernet); derived from
# SECRET_KEY unless given, so that rotating it is a deliberate step.
KAYAKO_CREDENTIALS_KEY = env.str("KAYAKO_CREDENTIALS_KEY", default="")

# --- The embedded helpdesk (the server side of the API) ---
# The address written into the WSDL and into attachment URLs: configuration, never a Host header.
HELPDESK_PUBLIC_URL = env.str(
    "HELPDESK_PUBLIC_URL", default=f"http://127.0.0.1:{HELPDESK_PORT}"
).rstrip("/")
HELPDESK_ATTACHMENT_HOSTS = env.list(
    "HELPDESK_ATTACHMENT_HOSTS", default=[urlsplit(PORTAL_PUBLIC_URL).hostname or "127.0.0.1"]
)
HELPDESK_ATTACHMENT_MAX_BYTES = env.int("HELPDESK_ATTACHMENT_MAX_BYTES", default=50 * 1024 * 1024)
HELPDESK_ATTACHMENT_FETCH_TIMEOUT = env.float("HELPDESK_ATTACHMENT_FETCH_TIMEOUT", default=10.0)
HELPDESK_ATTACHMENT_URL_TTL = env.int("HELPDESK_ATTACHMENT_URL_TTL", default=300)
HELPDESK_SOAP_MAX_BODY = env.int("HELPDESK_SOAP_MAX_BODY", default=2 * 1024 * 1024)
# "random" gives masks like ABC-123456; "sequential" makes the mask the ticket id.
HELPDESK_TICKET_NUMBERING = env.str("HELPDESK_TICKET_NUMBERING", default="random")

# --- Knowledge base ---
# The local search index is refreshed in the background when older than this (seconds).
KB_INDEX_MAX_AGE = env.int("KB_INDEX_MAX_AGE", default=3600)
KB_INDEX_REFRESH_LOCK_SECONDS = 600
KB_COMMENT_MAX_LENGTH = 2000
KB_COMMENT_RATE_LIMIT = (5, 600)  # comments per client IP, per seconds
KB_RATE_RATE_LIMIT = (30, 600)  # votes per client IP, per seconds

# --- Tickets ---
TICKET_UPLOAD_MAX_FILE_BYTES = env.int("TICKET_UPLOAD_MAX_FILE_BYTES", default=10 * 1024 * 1024)
TICKET_UPLOAD_MAX_TOTAL_BYTES = env.int("TICKET_UPLOAD_MAX_TOTAL_BYTES", default=25 * 1024 * 1024)
TICKET_UPLOAD_MAX_FILES = 10
# Staged uploads are served to the helpdesk only while a call is running, for at most this long.
STAGED_UPLOAD_OFFER_SECONDS = env.int("STAGED_UPLOAD_OFFER_SECONDS", default=120)
STAGED_UPLOAD_KEEP_SECONDS = 24 * 3600  # kept for a retry after a failed submit, then removed
# Someone not signed in may submit a ticket with name and email.
TICKETS_GUEST_SUBMISSION = env.bool("TICKETS_GUEST_SUBMISSION", default=True)
TICKETS_GUEST_RATE_LIMIT = (5, 3600)  # guest tickets per client IP, per seconds
# Status titles that mean "closed", for the Close and Reopen buttons.
TICKETS_CLOSED_STATUS_TITLES = env.list("TICKETS_CLOSED_STATUS_TITLES", default=["Closed", "Resolved"])
