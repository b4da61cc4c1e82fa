"""The one settings module. Everything that differs between installations comes from the
environment, read through the strict helpers in `consilium.lib.env`."""

import base64
import os
import secrets
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from consilium.lib.database_url import parse_database_url, sqlite_database
from consilium.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("CONSILIUM_DATA_DIR", "data")).resolve()
# `make test` runs the suite in parallel processes (pytest-xdist); each keeps its files in a
# folder of its own, since tests list, sweep and delete the files of the data directory.
if os.environ.get("PYTEST_XDIST_WORKER"):
    DATA_DIR = DATA_DIR / os.environ["PYTEST_XDIST_WORKER"]
    # A test's own subprocesses (demo, backup, a second server) get the data directory the
    # test gives them, as they would outside the suite.
    del os.environ["PYTEST_XDIST_WORKER"]
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """From the environment, or generated once into the data directory (never into git)."""
    if key := os.environ.get("SECRET_KEY"):
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _field_key() -> str:
    """The key that encrypts patients' direct identifiers at rest (32 bytes in URL-safe base64,
    as a Fernet key); like SECRET_KEY, from the environment or generated once into the data
    directory. Losing it loses the identifiers."""
    if key := os.environ.get("CONSILIUM_FIELD_KEY"):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except ValueError:
            valid = False
        if not valid:
            raise ImproperlyConfigured(
                "CONSILIUM_FIELD_KEY must be a Fernet key: 32 bytes in URL-safe base64."
            )
        return key
    path = DATA_DIR / "field_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return path.read_text().strip()


FIELD_ENCRYPTION_KEY = _field_key()
DEBUG = env_bool("CONSILIUM_DEBUG", False)
ALLOWED_HOSTS = env_list("CONSILIUM_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CONSILIUM_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("CONSILIUM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "template_partials",
    "django_htmx",
    "ninja",  # serves the API docs' script from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "consilium.core",
    "consilium.accounts",
    "consilium.audit",
    "consilium.network",
    "consilium.consultations",
    "consilium.registry",
    "consilium.library",
    "consilium.meetings",
    "consilium.outcomes",
    "consilium.search",
    "consilium.navigation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "consilium.core.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, which answers static files (pre-compressed) before this runs; see the
    # class for why pages are gzipped only for requests this site itself made (BREACH).
    "consilium.core.middleware.SameOriginGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "consilium.core.middleware.NulInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "consilium.accounts.middleware.SessionTimeoutMiddleware",
    "consilium.accounts.middleware.UserPreferencesMiddleware",
    "consilium.accounts.middleware.NoStoreWhenSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "consilium.accounts.middleware.UserSessionActivityMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "consilium.urls"
WSGI_APPLICATION = "consilium.wsgi.application"

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
                "django.template.context_processors.tz",
                "consilium.core.context.navigation",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

_database_url = os.environ.get("DATABASE_URL", "").strip()
DATABASES = {
    "default": parse_database_url(_database_url)
    if _database_url
    else sqlite_database(DATA_DIR / "consilium.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # The database cache is shared by every app server, so sign-in rate limits hold
    # across a whole deployment rather than per process.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "consilium_cache",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: sign in by email, no open sign-up (people are invited), MFA by TOTP.
ACCOUNT_ADAPTER = "consilium.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False  # shared computers: a session never outlives its timeouts
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Consilium"
USERSESSIONS_TRACK_ACTIVITY = True

# Sessions: idle and absolute timeouts, enforced by SessionTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = env_int("CONSILIUM_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_ABSOLUTE_TIMEOUT = env_int("CONSILIUM_SESSION_MAX_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Behind HTTPS (the default): secure cookies and HSTS. The demo on 127.0.0.1 turns it off.
HTTPS = env_bool("CONSILIUM_HTTPS", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_SSL_REDIRECT = env_bool("CONSILIUM_SSL_REDIRECT", False)
if env_bool("CONSILIUM_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "consilium.core.views.csrf_failure"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # allauth draws the TOTP QR code as a data: SVG image.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("vi", "Tiếng Việt"),
    ("uz", "Oʻzbekcha"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(env_str("CONSILIUM_MEDIA_DIR", str(DATA_DIR / "media"))))},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = STORAGES["default"]["OPTIONS"]["location"]
WHITENOISE_MAX_AGE = 31_536_000

# Hosts a meeting's video link may point to (Jitsi, BigBlueButton, Zoom, Teams...): exact
# names, or "*.example.org" for its subdomains. Empty allows any https host.
CONSILIUM_VIDEO_HOSTS = env_list("CONSILIUM_VIDEO_HOSTS", [])
# The Join button of an online meeting appears this many minutes before the start.
CONSILIUM_JOIN_OPENS_MINUTES = env_int("CONSILIUM_JOIN_OPENS_MINUTES", 30, minimum=0)

# Uploaded documents (signed MoUs, evidence) larger than this are refused.
# Navigation: a planned visit not marked by the end of its day plus this many hours is missed.
CONSILIUM_NAVIGATION_GRACE_HOURS = env_int("CONSILIUM_NAVIGATION_GRACE_HOURS", 6, minimum=0)
CONSILIUM_MAX_DOCUMENT_MB = env_int("CONSILIUM_MAX_DOCUMENT_MB", 20, minimum=1)

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "email"],
    }
}
# A task RUNNING this long whose worker has not renewed its lease has lost its worker and
# is queued again (consilium.core.leases). Workers renew every quarter of it.
CONSILIUM_WORKER_LEASE_SECONDS = env_int("CONSILIUM_WORKER_LEASE_SECONDS", 60, minimum=1)

# How often a worker's audit sealer links new audit entries into the hash chain
# (consilium.audit.sealer); audit-verify reports entries left unsealed much longer.
CONSILIUM_AUDIT_SEAL_SECONDS = env_int("CONSILIUM_AUDIT_SEAL_SECONDS", 1, minimum=1)
# None: entries are sealed as they are written on SQLite (writers are serialised there
# anyway) and by the sealer on PostgreSQL. Tests set it to exercise either path.
CONSILIUM_AUDIT_SEAL_INLINE = None
# Whether the audit entry of a read (a page, list or search shown) waits for PostgreSQL's
# flush to disk before the page is sent, as a change's entry always does (consilium.audit.
# actions.READS says what a crash of the database server can cost when it does not).
CONSILIUM_AUDIT_READS_WAIT_FOR_DISK = env_bool("CONSILIUM_AUDIT_READS_WAIT_FOR_DISK", False)

# Outgoing mail: SMTP when a host is set; otherwise every message is written to the data
# directory's outbox, so nothing is lost on an installation that has no mail server yet.
EMAIL_HOST = env_str("CONSILIUM_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("CONSILIUM_EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("CONSILIUM_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_str("CONSILIUM_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("CONSILIUM_EMAIL_TLS", False)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox"
# Replies to notifications come back to reply+TOKEN@ this domain (the SMTP receiver's).
CONSILIUM_REPLY_DOMAIN = env_str("CONSILIUM_REPLY_DOMAIN", "consilium.localhost")
CONSILIUM_REPLY_MAX_AGE_DAYS = env_int("CONSILIUM_REPLY_MAX_AGE_DAYS", 90, minimum=1)
# Mail sender authentication (docs/deploy.md, "Mail authentication"). Authentication-Results
# headers are believed only from these authserv-ids (your own MX, which strips forged ones).
CONSILIUM_MAIL_TRUSTED_AUTHSERV_IDS = env_list("CONSILIUM_MAIL_TRUSTED_AUTHSERV_IDS", [])
# Verify DKIM signatures here, with DNS look-ups (dkimpy).
CONSILIUM_MAIL_VERIFY_DKIM = env_bool("CONSILIUM_MAIL_VERIFY_DKIM", False)
# What accept, decline and #recommend from an unauthenticated sender do: "hold" them until
# the owner confirms (link or second reply), or "allow" them (only where every sender is
# authenticated upstream in a way Consilium cannot see).
CONSILIUM_MAIL_UNVERIFIED_ACTIONS = env_str("CONSILIUM_MAIL_UNVERIFIED_ACTIONS", "hold")
if CONSILIUM_MAIL_UNVERIFIED_ACTIONS not in ("hold", "allow"):
    raise ImproperlyConfigured("CONSILIUM_MAIL_UNVERIFIED_ACTIONS must be hold or allow")
# How long a held action can be confirmed.
CONSILIUM_MAIL_HOLD_HOURS = env_int("CONSILIUM_MAIL_HOLD_HOURS", 72, minimum=1)
CONSILIUM_MAX_ATTACHMENT_MB = env_int("CONSILIUM_MAX_ATTACHMENT_MB", 50, minimum=1)
# Request size: no request body larger than this is read at all (413); uploaded files are
# streamed to temporary files on disk, never held whole in memory; form and JSON bodies
# (everything but files) are capped by DATA_UPLOAD_MAX_MEMORY_SIZE.
CONSILIUM_MAX_REQUEST_BYTES = (
    env_int("CONSILIUM_MAX_REQUEST_MB", 2 * CONSILIUM_MAX_ATTACHMENT_MB + 10, minimum=1)
    * 1024
    * 1024
)
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CONSILIUM_MAX_FORM_MB", 5, minimum=1) * 1024 * 1024
# Named in mails to people without an account (a password reset for an unknown address).
CONSILIUM_CONTACT_EMAIL = env_str("CONSILIUM_CONTACT_EMAIL", "")
DEFAULT_FROM_EMAIL = env_str("CONSILIUM_FROM_EMAIL", "Consilium <consilium@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CONSILIUM_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# models.W040: SQLite has no INCLUDE columns. The registry list's covering index
# (registry_patient_inst_year_v) carries one for PostgreSQL's index-only scan and means it to
# be ignored on SQLite; the warning printed on every command of a SQLite install (the demo's
# first screen) and said nothing an administrator could act on.
SILENCED_SYSTEM_CHECKS: list[str] = ["models.W040"]
APP_NAME = _("Consilium")
