"""Install-wide configuration, read from environment variables and checked at start-up.

Per-partition behaviour (closure settings) is data in the database, never configuration here.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import cast

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from closeloop.site.secret_key import install_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLOSELOOP_VAR_DIR", Path.cwd() / "var"))


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: set it to 1/true/yes or 0/false/no")


def _env_positive_int(name: str, default: int, example: str) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a positive whole number: e.g. {name}={example}")
    return int(raw)


def _env_url(name: str, default: str) -> str:
    raw = os.environ.get(name, "").strip() or default
    if not raw.startswith(("http://", "https://")) or " " in raw:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a web address: e.g. {name}=https://desk.example.com")
    return raw.rstrip("/")


# Links in e-mails (the call, the contact's accept/refuse links) start with this address.
BASE_URL = _env_url("CLOSELOOP_BASE_URL", "http://127.0.0.1:8000")
# How long the accept/refuse links of a resolved e-mail work.
ACCEPTANCE_LINK_DAYS = _env_positive_int("CLOSELOOP_ACCEPTANCE_LINK_DAYS", 14, "14")

# E-mail (the notifications outbox, delivered by `closeloop worker` or `closeloop tick`). With no SMTP server
# configured, messages are written to files in VAR_DIR/mail/ instead, so a trial desk still delivers its
# outbox and an operator can read exactly what would have been sent.
DEFAULT_FROM_EMAIL = os.environ.get("CLOSELOOP_MAIL_FROM", "").strip() or "Closeloop <closeloop@localhost>"
if "\n" in DEFAULT_FROM_EMAIL or "@" not in DEFAULT_FROM_EMAIL:
    raise ImproperlyConfigured(f"CLOSELOOP_MAIL_FROM={DEFAULT_FROM_EMAIL!r} is not an e-mail address: e.g. "
                               "CLOSELOOP_MAIL_FROM='Service Desk <servicedesk@example.com>'")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("CLOSELOOP_SMTP_HOST", "").strip()
EMAIL_USE_TLS = _env_bool("CLOSELOOP_SMTP_STARTTLS", False)
EMAIL_USE_SSL = _env_bool("CLOSELOOP_SMTP_SSL", False)
EMAIL_HOST_USER = os.environ.get("CLOSELOOP_SMTP_USER", "").strip()
EMAIL_HOST_PASSWORD = os.environ.get("CLOSELOOP_SMTP_PASSWORD", "")
EMAIL_TIMEOUT = _env_positive_int("CLOSELOOP_SMTP_TIMEOUT", 20, "20")
EMAIL_PORT = _env_positive_int("CLOSELOOP_SMTP_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25, "587")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("CLOSELOOP_SMTP_STARTTLS and CLOSELOOP_SMTP_SSL are both on: set one, "
                               "CLOSELOOP_SMTP_STARTTLS=1 for port 587 or CLOSELOOP_SMTP_SSL=1 for port 465")
if EMAIL_PORT > 65535:
    raise ImproperlyConfigured(f"CLOSELOOP_SMTP_PORT={EMAIL_PORT} is not a port: e.g. CLOSELOOP_SMTP_PORT=587")
if bool(EMAIL_HOST_USER) != bool(EMAIL_HOST_PASSWORD):
    raise ImproperlyConfigured("CLOSELOOP_SMTP_USER and CLOSELOOP_SMTP_PASSWORD go together: set both to sign in "
                               "to the SMTP server, or neither")
if EMAIL_HOST_USER and not (EMAIL_USE_TLS or EMAIL_USE_SSL) and EMAIL_HOST not in {"localhost", "127.0.0.1", "::1"}:
    raise ImproperlyConfigured("CLOSELOOP_SMTP_USER is set but the connection is not encrypted, so the password "
                               "would cross the network in clear: set CLOSELOOP_SMTP_STARTTLS=1 (port 587) or "
                               "CLOSELOOP_SMTP_SSL=1 (port 465)")
if (EMAIL_HOST_USER or EMAIL_USE_TLS or EMAIL_USE_SSL or os.environ.get("CLOSELOOP_SMTP_PORT")) and not EMAIL_HOST:
    raise ImproperlyConfigured("SMTP settings are given but CLOSELOOP_SMTP_HOST is not: set it to the mail "
                               "server's name, e.g. CLOSELOOP_SMTP_HOST=smtp.example.com")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
# A message that cannot be delivered is tried again after 1, 2, 4 ... minutes (at most OUTBOX_RETRY_MAX_SECONDS
# apart); after OUTBOX_MAX_ATTEMPTS tries it is marked failed with its last error, for an operator to retry.
OUTBOX_MAX_ATTEMPTS = _env_positive_int("CLOSELOOP_OUTBOX_MAX_ATTEMPTS", 10, "10")
OUTBOX_RETRY_FIRST_SECONDS = 60
OUTBOX_RETRY_MAX_SECONDS = 3600
# How many messages one worker claims at a time (one SMTP connection each batch).
OUTBOX_BATCH_SIZE = 50
# How often `closeloop worker` looks at the outbox, and runs the other passes (auto-close...).
WORKER_OUTBOX_SECONDS = _env_positive_int("CLOSELOOP_WORKER_OUTBOX_SECONDS", 5, "5")
WORKER_PASS_SECONDS = 60

# Django's debug pages show settings and source to anyone: only when asked for explicitly.
DEBUG = _env_bool("CLOSELOOP_DEBUG", False)

# Without SECRET_KEY, the install generates its own once and keeps it in the var directory: a single
# node works with no configuration; several nodes must share one key, so they set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "") or install_secret_key(VAR_DIR)

LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
_hosts = os.environ.get("ALLOWED_HOSTS", "")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()] or LOCAL_HOSTS
# Served only on this machine's local names (a trial or `make run`): plain HTTP is expected there.
SERVED_LOCALLY = set(ALLOWED_HOSTS) <= set(LOCAL_HOSTS)
CSRF_FAILURE_VIEW = "closeloop.web.views.desk.csrf_failure"
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    # No django.contrib.admin: System Administration (/system/) changes the desk only through the services.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "axes",  # sign-in throttling: failed attempts and lockouts, kept in the database every node shares
    "ninja",  # serves /api/docs from its packaged Swagger UI files (no CDN)
    "closeloop.accounts",
    "closeloop.partitions",
    "closeloop.contacts",
    "closeloop.calls",
    "closeloop.notifications",
    "closeloop.autoclose",
    "closeloop.reports",
    "closeloop.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "closeloop.web.sessions.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "closeloop.ops.router.ReportsReplicaMiddleware",
    "closeloop.api.errors.ApiErrorShapeMiddleware",
    "closeloop.partitions.snapshot.DeskSnapshotMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the sign-in page
]

ROOT_URLCONF = "closeloop.site.urls"
WSGI_APPLICATION = "closeloop.site.wsgi.application"

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
                "closeloop.web.desk_context.header",
            ],
        },
    },
]


PG_RANDOM_PAGE_COST = 1.1


def _database(url: str, variable: str = "DATABASE_URL") -> dict[str, object]:
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except Exception as exc:  # dj-database-url raises several types for a malformed URL
        raise ImproperlyConfigured(
            f"{variable}={url!r} is not a database URL ({exc}); use e.g. "
            "postgresql://user:password@127.0.0.1:5432/closeloop or sqlite:////path/to/closeloop.sqlite3"
        ) from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's backend, its writers taking turns through a lock file instead of sleeping in SQLite's busy
        # handler (closeloop/site/sqlite/base.py)
        config["ENGINE"] = "closeloop.site.sqlite"
        # tests in memory, as Django's own SQLite backend has them by default (pytest-django knows that
        # backend by its name only: under ours it would name a test database file after this one)
        config["TEST"] = {"NAME": ":memory:"}
        # IMMEDIATE makes every transaction take the write lock first, so concurrent actions on
        # the same call queue up instead of failing with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # Each worker keeps its connection (kept 60 s idle, as on PostgreSQL). Closing after every request cost
        # a SQLite worker about 3 ms a request: the last connection to close checkpoints the write-ahead log
        # into the database file, and the next request opens the file and reads the schema again
        # (docs/benchmarks.md, "Workflow throughput").
    else:
        # PostgreSQL: each worker keeps its connection for a minute between requests (no connect and
        # authentication per request), checked before reuse so a restarted server costs no failed request. Not
        # psycopg's pool: a sync gunicorn worker serves one request at a time, so a pool per worker would hold
        # one connection anyway (docs/deploy.md).
        config["CONN_HEALTH_CHECKS"] = True
        # The planner's cost of a random page read: 1.1 for SSDs and a desk that fits in memory, as PostgreSQL's
        # documentation suggests for them, instead of 4 for spinning disks. At 4 the planner prefers combining a
        # whole group's calls (hundreds of thousands of index entries) over reading the few rows one index gives
        # (docs/benchmarks.md, 2026-12-01). `options` in DATABASE_URL, or PGOPTIONS, set it otherwise.
        options = cast(dict[str, object], config.setdefault("OPTIONS", {}))
        if "options" not in options and "PGOPTIONS" not in os.environ:
            options["options"] = f"-c random_page_cost={PG_RANDOM_PAGE_COST}"
    test_name = os.environ.get("CLOSELOOP_TEST_DB_NAME")
    if test_name:
        config["TEST"] = {"NAME": test_name}
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'closeloop.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
# Optional read replica for reports (a PostgreSQL streaming replica of DATABASE_URL); see docs/deploy.md.
REPORTS_DATABASE_URL = os.environ.get("REPORTS_DATABASE_URL", "")
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = _database(REPORTS_DATABASE_URL, "REPORTS_DATABASE_URL")
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["closeloop.ops.router.ReportsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Analyst"
# Argon2id at OWASP's recommended parameters first (19 MiB per check, see accounts/hashers.py and
# docs/deploy.md); Django's Argon2 and PBKDF2 after it so older hashes still verify and are upgraded.
PASSWORD_HASHERS = [
    "closeloop.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Applied wherever a password is set (accounts.services.check_password), by the web, API and CLI alike.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every authenticate() call first: after too many failures, signing in is refused
# for a while, even with the right password (locked_out in closeloop.web.views.desk says so).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "closeloop.web.sessions.AnalystSessionBackend"]
AXES_FAILURE_LIMIT = _env_positive_int("CLOSELOOP_LOGIN_FAILURE_LIMIT", 5, "5")
AXES_COOLOFF_TIME = timedelta(minutes=_env_positive_int("CLOSELOOP_LOGIN_LOCKOUT_MINUTES", 15, "15"))
_LOCKOUT_PER = {
    # one user name from one address: a guesser is stopped, and cannot lock the user out everywhere
    "username_and_ip": [["username", "ip_address"]],
    # one user name from anywhere: stops guessing spread over many addresses, but anyone can lock a user out
    "username": ["username"],
}
_per = os.environ.get("CLOSELOOP_LOGIN_LOCKOUT_PER", "").strip() or "username_and_ip"
if _per not in _LOCKOUT_PER:
    raise ImproperlyConfigured(f"CLOSELOOP_LOGIN_LOCKOUT_PER={_per!r} is not one of: {', '.join(_LOCKOUT_PER)}")
AXES_LOCKOUT_PARAMETERS = _LOCKOUT_PER[_per]
# axes.W006 warns of lockouts a guesser dodges by changing browser; per user name there is nothing to dodge.
SILENCED_SYSTEM_CHECKS = ["axes.W006"] if _per == "username" else []
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "closeloop.web.views.desk.locked_out"
AXES_ENABLE_ADMIN = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Files attached to calls (docs/notes-and-attachments.md): kept through Django's storage API, by default on
# the file system under VAR_DIR/attachments (CLOSELOOP_ATTACHMENTS_DIR to move them, e.g. to a shared volume
# when several app nodes run). They are never served as static media: only the attachment download view and
# endpoint hand them out, to analysts who can see the call. `closeloop backup` copies them into the backup.
MEDIA_ROOT = Path(os.environ.get("CLOSELOOP_ATTACHMENTS_DIR", "").strip() or VAR_DIR / "attachments")
MEDIA_URL = None  # no public address: the files are not published
_storage_backend = os.environ.get("CLOSELOOP_ATTACHMENT_STORAGE", "").strip() or \
    "django.core.files.storage.FileSystemStorage"
# The largest file an analyst may attach, in bytes (default 10 MB), and the file name endings accepted.
CLOSELOOP_ATTACHMENT_MAX_BYTES = _env_positive_int("CLOSELOOP_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, "10485760")
# How many files one note may carry (a request with files may be this many times the size limit).
CLOSELOOP_ATTACHMENT_MAX_FILES = _env_positive_int("CLOSELOOP_ATTACHMENT_MAX_FILES", 10, "10")
CLOSELOOP_ATTACHMENT_EXTENSIONS = tuple(sorted({
    e.strip().lower().lstrip(".") for e in (os.environ.get("CLOSELOOP_ATTACHMENT_EXTENSIONS", "").strip() or (
        "png,jpg,jpeg,gif,webp,bmp,txt,log,csv,json,xml,yaml,yml,md,pdf,doc,docx,xls,xlsx,ppt,pptx,odt,ods,odp,"
        "rtf,eml,msg,zip")).split(",") if e.strip()}))
if any(not e.isalnum() for e in CLOSELOOP_ATTACHMENT_EXTENSIONS):
    raise ImproperlyConfigured(f"CLOSELOOP_ATTACHMENT_EXTENSIONS={os.environ.get('CLOSELOOP_ATTACHMENT_EXTENSIONS')!r} "
                               "is not a list of file name endings: e.g. CLOSELOOP_ATTACHMENT_EXTENSIONS=png,txt,pdf")
STORAGES = {
    "default": {"BACKEND": _storage_backend},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
                    if not DEBUG else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Sessions live in a cookie signed with SECRET_KEY: no session row read (or written) on each request, and
# nothing a second app node must share but the key. Signing out ends every session of the analyst
# (closeloop.web.sessions); the cookie holds only who is signed in and the chosen partition.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_HTTPONLY = True
# A session ends when the browser closes, and after this long without the analyst doing anything
# (closeloop.web.sessions pushes the expiry back on activity).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_MINUTES = _env_positive_int("CLOSELOOP_SESSION_IDLE_MINUTES", 60, "30")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Cookies travel over HTTPS only, unless the site is served on local names alone (no TLS there).
SESSION_COOKIE_SECURE = _env_bool("CLOSELOOP_SECURE_COOKIES", not (DEBUG or SERVED_LOCALLY))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# TLS usually ends at the load balancer in front of the app nodes (docs/deploy.md): trust its header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _env_bool("CLOSELOOP_BEHIND_TLS_PROXY", False) \
    else None
SECURE_SSL_REDIRECT = _env_bool("CLOSELOOP_SSL_REDIRECT", False)
_hsts = os.environ.get("CLOSELOOP_HSTS_SECONDS", "0").strip() or "0"
if not _hsts.isdigit():
    raise ImproperlyConfigured(f"CLOSELOOP_HSTS_SECONDS={_hsts!r} is not a number of seconds: e.g. 31536000 "
                               "(one year), or 0 to send no HSTS header")
SECURE_HSTS_SECONDS = int(_hsts)

# Content-Security-Policy (django-csp): pages run only the scripts and styles they ship, never inline
# code; an inline <style> (a report chart's) applies only with the request's nonce. The API docs'
# Swagger UI is served from django-ninja's own files and works under the same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"worker": {"format": "%(asctime)s closeloop worker: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler"},
                 "worker": {"class": "logging.StreamHandler", "formatter": "worker"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # the worker says what each pass did (messages sent, retries...), whatever the root level
    "loggers": {"closeloop.worker": {"handlers": ["worker"], "level": "INFO", "propagate": False}},
}
