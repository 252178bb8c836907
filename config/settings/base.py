"""Settings shared by every environment; the environment-specific modules import this."""

from __future__ import annotations

import os
from importlib.metadata import distribution
from pathlib import Path

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LIANJIAN_HOME = env.home()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "js_lib_htmx",
    "ninja",
    "lianjian.common",
    "lianjian.audit",
    "lianjian.org",
    "lianjian.accounts",
    "lianjian.cases",
    "lianjian.notify",
    "lianjian.risk",
    "lianjian.interference",
    "lianjian.ingest",
    "lianjian.jobs",
    "lianjian.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lianjian.audit.middleware.RequestContextMiddleware",
    "lianjian.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lianjian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lianjian.dashboard.context_processors.shell",
            ],
        },
    }
]

DATABASES = {"default": env.database(LIANJIAN_HOME / "lianjian.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Password policy profiles (ARCHITECTURE.md): 等保 level 3 asks for composition rules and a
# periodic change; OWASP ASVS 5 forbids both and asks for length instead. Default: 等保.
LIANJIAN_PASSWORD_POLICY = env.text("LIANJIAN_PASSWORD_PROFILE", "dengbao")
if LIANJIAN_PASSWORD_POLICY not in {"dengbao", "asvs"}:
    raise env.ConfigurationError("LIANJIAN_PASSWORD_PROFILE 只能是 dengbao 或 asvs")
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "lianjian.accounts.passwords.LengthValidator",
        "OPTIONS": {"min_length": 8 if LIANJIAN_PASSWORD_POLICY == "dengbao" else 12},
    },
    *(
        [{"NAME": "lianjian.accounts.passwords.CompositionValidator", "OPTIONS": {"min_classes": 3}}]
        if LIANJIAN_PASSWORD_POLICY == "dengbao"
        else []
    ),
    {"NAME": "lianjian.accounts.passwords.ReuseValidator", "OPTIONS": {"history": 5}},
    {"NAME": "lianjian.accounts.passwords.NotUsernameValidator"},
]
# Days until a password must be changed; 0 disables expiry (the ASVS profile).
LIANJIAN_PASSWORD_MAX_AGE_DAYS = env.integer(
    "LIANJIAN_PASSWORD_MAX_AGE_DAYS", 90 if LIANJIAN_PASSWORD_POLICY == "dengbao" else 0
)
LIANJIAN_LOCKOUT_FAILURES = env.integer("LIANJIAN_LOCKOUT_FAILURES", 5)
LIANJIAN_LOCKOUT_WINDOW_MINUTES = env.integer("LIANJIAN_LOCKOUT_WINDOW_MINUTES", 15)
LIANJIAN_IDLE_TIMEOUT_MINUTES = env.integer("LIANJIAN_IDLE_TIMEOUT_MINUTES", 30)
LIANJIAN_MAX_SESSIONS_PER_USER = env.integer("LIANJIAN_MAX_SESSIONS_PER_USER", 2)

# The audit chain is HMAC-SM3 keyed outside the database, so that someone who can write the
# database cannot recompute the chain; checkpoints of the head are written outside it too.
LIANJIAN_AUDIT_KEY = env.text("LIANJIAN_AUDIT_KEY", "") or None
LIANJIAN_AUDIT_CHECKPOINT_DIR = Path(
    env.text("LIANJIAN_AUDIT_CHECKPOINT_DIR", str(LIANJIAN_HOME / "audit-checkpoints"))
)
# Retention of audit and login logs in days; the floor is 184 (six calendar months may be 184 days).
LIANJIAN_AUDIT_RETENTION_DAYS = max(184, env.integer("LIANJIAN_AUDIT_RETENTION_DAYS", 365))

# Sealing keys of the interference register (SM4-GCM) — outside the database: inline
# (LIANJIAN_SEAL_KEYS) or a key file; the embedded default creates the file in the home once
# (lianjian/common/sealing.py, docs/interference.md "Keys").
LIANJIAN_SEAL_KEYS = env.text("LIANJIAN_SEAL_KEYS", "")
LIANJIAN_SEAL_KEY_FILE = Path(env.text("LIANJIAN_SEAL_KEY_FILE", str(LIANJIAN_HOME / "seal.keys")))
LIANJIAN_SEAL_KEY_CREATE = not os.environ.get("LIANJIAN_SEAL_KEY_FILE")

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = LIANJIAN_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Bootstrap 5 comes from the PyPI package bootstrap-wrapper, htmx from django-js-lib-htmx; both are
# served from this machine (the intranet has no internet: no CDN, ever).
STATICFILES_DIRS = [("bootstrap", Path(str(distribution("bootstrap-wrapper").locate_file("bootstrap"))))]
# The embedded default serves static files through WhiteNoise straight from the finders, so no
# collectstatic step is needed; production collects them for nginx (deploy/).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# Files attached to alert verifications (核查材料): stored under the data directory, named by their
# SM3 digest, served only through the alert's scoped page (lianjian/risk/disposal.py has the limits).
LIANJIAN_ATTACHMENT_DIR = Path(env.text("LIANJIAN_ATTACHMENT_DIR", str(LIANJIAN_HOME / "attachments")))

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# The ingestion API (docs/api.md): requests per minute per token, and the largest request body
# accepted (checked before the body is read). The rate counter lives in Django's cache: the
# per-process default is enough for one server process; production with several processes or
# machines configures a shared cache (Redis) so that the limit holds across them.
LIANJIAN_API_RATE_PER_MINUTE = env.integer("LIANJIAN_API_RATE_PER_MINUTE", 60)
LIANJIAN_API_MAX_BODY_BYTES = env.integer("LIANJIAN_API_MAX_BODY_BYTES", 10 * 1024 * 1024)
_CACHE_URL = env.text("LIANJIAN_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lianjian"}
    )
}

# Notifications (docs/notify.md): email through the unit's SMTP relay, disabled while the host is
# empty; webhooks are configured on the 系统管理员's page. Failed deliveries are retried after 1, 2,
# 4 … minutes (capped), and given up after LIANJIAN_NOTIFY_MAX_ATTEMPTS attempts.
LIANJIAN_SMTP_HOST = env.text("LIANJIAN_SMTP_HOST", "")
EMAIL_HOST = LIANJIAN_SMTP_HOST or "localhost"
EMAIL_PORT = env.integer("LIANJIAN_SMTP_PORT", 25)
EMAIL_HOST_USER = env.text("LIANJIAN_SMTP_USER", "")
EMAIL_HOST_PASSWORD = env.text("LIANJIAN_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env.boolean("LIANJIAN_SMTP_TLS", False)
EMAIL_TIMEOUT = 5
DEFAULT_FROM_EMAIL = env.text("LIANJIAN_SMTP_FROM", "lianjian@localhost")
LIANJIAN_SITE_URL = env.text("LIANJIAN_SITE_URL", "").rstrip("/")
LIANJIAN_NOTIFY_MAX_ATTEMPTS = env.integer("LIANJIAN_NOTIFY_MAX_ATTEMPTS", 8)
LIANJIAN_NOTIFY_BACKOFF_CAP_MINUTES = env.integer("LIANJIAN_NOTIFY_BACKOFF_CAP_MINUTES", 60)
# The queue of background jobs (docs/jobs.md): huey on SQLite in the home by default, whose worker
# runs inside `lianjian serve`; redis://… in production, with separate `lianjian worker` processes.
LIANJIAN_QUEUE_URL = env.queue(LIANJIAN_HOME / "queue.sqlite3")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"lianjian": {"level": "INFO"}},
}
