"""One settings module, configured from environment variables (see README: 环境变量)."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
PRODUCTION = not DEBUG

# Development and tests only: fixed, public keys. Production refuses them (and weak ones).
DEV_SECRET_KEY = "yiwang-development-only-secret-key-do-not-use-in-production"
DEV_FIELD_KEY = "eWl3YW5nLWRldi1vbmx5LWZpZWxkLWtleS0wMDAwMDA="


def _check_secret_key(key: str) -> None:
    """Production refuses a missing, short, low-variety or published SECRET_KEY."""
    if not key:
        raise ImproperlyConfigured(
            "生产环境必须设置 SECRET_KEY (SECRET_KEY is required when DEBUG=0)"
        )
    if key == DEV_SECRET_KEY or key.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "生产环境不能使用公开的开发密钥作为 SECRET_KEY。 SECRET_KEY is a published key."
        )
    if len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured(
            "生产环境的 SECRET_KEY 太弱（至少 50 个字符、5 种以上不同字符），生成方法见 README。"
            " SECRET_KEY is too weak when DEBUG=0."
        )


def _check_field_key(keyspec: str) -> None:
    """Production refuses a missing, malformed or published YIWANG_FIELD_KEY (any of them)."""
    if not keyspec:
        raise ImproperlyConfigured(
            "生产环境必须设置 YIWANG_FIELD_KEY (个人信息加密密钥)；生成方法见 README。"
            " YIWANG_FIELD_KEY is required when DEBUG=0."
        )
    import base64
    import binascii

    for key in (k.strip() for k in keyspec.split(",") if k.strip()):
        if key == DEV_FIELD_KEY:
            raise ImproperlyConfigured(
                "生产环境不能使用公开的开发密钥作为 YIWANG_FIELD_KEY。"
                " YIWANG_FIELD_KEY is the published development key."
            )
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32 or len(set(raw)) < 16:
            raise ImproperlyConfigured(
                "YIWANG_FIELD_KEY 不是有效或足够随机的 Fernet 密钥（32 字节，urlsafe base64）。"
                " YIWANG_FIELD_KEY is not a strong Fernet key."
            )


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if PRODUCTION:
    _check_secret_key(SECRET_KEY)
elif not SECRET_KEY:
    SECRET_KEY = DEV_SECRET_KEY

# Field-level encryption of personal data (身份证号、手机号) at rest. A Fernet key, or several
# separated by commas (the first encrypts, all decrypt: key rotation).
YIWANG_FIELD_KEY = os.environ.get("YIWANG_FIELD_KEY", "")
if PRODUCTION:
    _check_field_key(YIWANG_FIELD_KEY)
elif not YIWANG_FIELD_KEY:
    YIWANG_FIELD_KEY = DEV_FIELD_KEY

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "axes",
    "django_q",
    "yiwang.core",
    "yiwang.accounts",
    "yiwang.notifications",
    "yiwang.grids",
    "yiwang.basedata",
    "yiwang.workorders",
    "yiwang.triage",
    "yiwang.approvals",
    "yiwang.enforcement",
    "yiwang.fieldwork",
    "yiwang.party",
    "yiwang.economy",
    "yiwang.command",
    "yiwang.integrations",
]

# The background worker (yiwang worker, started beside gunicorn by yiwang serve): django-q2 with
# the database as its broker, no Redis (see yiwang/command/README.md for why django-q2).
Q_CLUSTER = {
    "name": "yiwang",
    "orm": "default",  # the database is the broker: no Redis
    "workers": int(os.environ.get("YIWANG_WORKER_PROCESSES", 2)),
    "timeout": 600,  # seconds a job may run
    "retry": 900,  # must exceed timeout
    "max_attempts": 1,  # periodic jobs run again next minute anyway
    "catch_up": False,  # after downtime run each schedule once, not once per missed slot
    "ack_failures": True,
    "save_limit": 1000,
}

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
    "django_htmx.middleware.HtmxMiddleware",
    "yiwang.core.middleware.ChineseErrorPagesMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "yiwang.accounts.auth.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

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
                "yiwang.core.context_processors.site",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
# SQLite, however it is named (the default file or DATABASE_URL=sqlite:///…): WAL lets readers
# go on while one writer writes; IMMEDIATE takes the write lock at BEGIN so two writers queue
# (busy_timeout) instead of failing with "database is locked" or turning a version race into
# a 500.
SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=10000;PRAGMA foreign_keys=ON;"
    ),
    "transaction_mode": "IMMEDIATE",
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": Path.cwd() / "yiwang.sqlite3"}
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    DATABASES["default"].setdefault("TEST", {"NAME": ""})
    # The KPI indexes' INCLUDE columns only matter on PostgreSQL; SQLite ignores them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", REPO_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
NODE_MODULES = REPO_DIR / "node_modules"
if NODE_MODULES.exists():
    STATICFILES_DIRS.append(("vendor", NODE_MODULES))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", Path.cwd() / "media"))
WHITENOISE_USE_FINDERS = True

# Uploads: photos and materials.
UPLOAD_MAX_BYTES = int(os.environ.get("YIWANG_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024

# Map tiles: empty by default so that maps work offline (grid polygons on a blank background).
YIWANG_TILE_URL = os.environ.get("YIWANG_TILE_URL", "")

# Office hours for 工作时 (working-hour) limits; local practice, configurable.
YIWANG_OFFICE_HOURS = os.environ.get("YIWANG_OFFICE_HOURS", "08:30-12:00,13:30-17:30")

# Grid load standard (综合网格 300-500 households, a regulation's norm; a warning, not a rule).
YIWANG_GRID_HOUSEHOLDS_MIN = int(os.environ.get("YIWANG_GRID_HOUSEHOLDS_MIN", 300))
YIWANG_GRID_HOUSEHOLDS_MAX = int(os.environ.get("YIWANG_GRID_HOUSEHOLDS_MAX", 500))

# Grid polygons: how far a child may stick out of its parent (share of its area, and metres),
# and how often a process checks whether another process changed the grids (seconds).
YIWANG_GRID_PARENT_TOLERANCE = float(os.environ.get("YIWANG_GRID_PARENT_TOLERANCE", 0.01))
YIWANG_GRID_PARENT_TOLERANCE_M = float(os.environ.get("YIWANG_GRID_PARENT_TOLERANCE_M", 5))
YIWANG_GRID_INDEX_CHECK_SECONDS = float(os.environ.get("YIWANG_GRID_INDEX_CHECK_SECONDS", 2))
# Work orders: how often a process checks whether another process changed the categories or
# the responsibility rules (seconds; this process's own changes are seen at once).
YIWANG_REFDATA_CHECK_SECONDS = float(os.environ.get("YIWANG_REFDATA_CHECK_SECONDS", 2))

# Base data: the most rows one API upload may import (larger files go through the command).
YIWANG_BASEDATA_API_MAX_ROWS = int(os.environ.get("YIWANG_BASEDATA_API_MAX_ROWS", 20000))
# Open311: when set, requests naming another jurisdiction_id are refused (404).
YIWANG_OPEN311_JURISDICTION = os.environ.get("YIWANG_OPEN311_JURISDICTION", "")

# Smart triage (智能分拣): the auto-dispatch threshold is the one stored with the active model
# (chosen on validation data for >= 98 % precision); set this to override it. How often a
# process checks which classifier model is active (seconds).
YIWANG_TRIAGE_AUTO_THRESHOLD = (
    float(os.environ["YIWANG_TRIAGE_AUTO_THRESHOLD"])
    if os.environ.get("YIWANG_TRIAGE_AUTO_THRESHOLD")
    else None
)
YIWANG_TRIAGE_MODEL_CHECK_SECONDS = float(os.environ.get("YIWANG_TRIAGE_MODEL_CHECK_SECONDS", 30))
# Likely duplicates (疑似重复) at intake: open orders this near (metres; 0 = off), reported
# within this many days, with at least this text similarity (triage/duplicates.py).
YIWANG_TRIAGE_DUPLICATE_RADIUS_M = float(os.environ.get("YIWANG_TRIAGE_DUPLICATE_RADIUS_M", 200))
YIWANG_TRIAGE_DUPLICATE_DAYS = float(os.environ.get("YIWANG_TRIAGE_DUPLICATE_DAYS", 7))
YIWANG_TRIAGE_DUPLICATE_SIMILARITY = float(
    os.environ.get("YIWANG_TRIAGE_DUPLICATE_SIMILARITY", 0.5)
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "yiwang.accounts.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies: an object ({...}), bounded in size and depth, no NUL or lone surrogates
    # (core/parsers.py); no endpoint takes a bare list, number or string.
    "DEFAULT_PARSER_CLASSES": [
        "yiwang.core.parsers.JSONObjectParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "yiwang.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "yiwang.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "yiwang.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per client address (the token endpoint); django-axes adds the per-account lockout.
    "DEFAULT_THROTTLE_RATES": {"login": os.environ.get("YIWANG_LOGIN_RATE", "20/min")},
}

# The cache every process shares: the database (its table, yiwang_cache, is made by migrate:
# accounts/migrations/0003). DRF's throttles count here, so a limit holds across gunicorn
# workers and machines, where a per-process memory cache would let each worker count alone.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "yiwang_cache",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 50000},
    }
}

# Sign-in (accounts): API tokens expire after this many hours; a password change, logout or
# the sessions page (/accounts/sessions/) ends them sooner.
YIWANG_TOKEN_TTL_HOURS = float(os.environ.get("YIWANG_TOKEN_TTL_HOURS", 24 * 7))
# django-axes: this many failed logins for one user name from one address lock it for
# AXES_COOLOFF_TIME; a success resets the count. Failures are also in the audit log.
AXES_FAILURE_LIMIT = int(os.environ.get("YIWANG_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = dt.timedelta(minutes=float(os.environ.get("YIWANG_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are counted in the database (AccessAttempt rows), shared by every worker.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yiwang.accounts.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Exact search of people by ID number or phone (PII roles only, audited): searches per user
# and hour, counted in the audit log so that the limit holds across processes.
YIWANG_PII_SEARCHES_PER_HOUR = int(os.environ.get("YIWANG_PII_SEARCHES_PER_HOUR", 30))

SPECTACULAR_SETTINGS = {
    "TITLE": "yiwang 一网 API",
    "DESCRIPTION": "镇街审批服务综合执法一体化平台 REST API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name with another (several models have a `kind`) get a
    # name of their own instead of a hash (drf_spectacular.W001 in `check --deploy`).
    "ENUM_NAME_OVERRIDES": {"GridKindEnum": "yiwang.grids.models.Region.Kind"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"yiwang": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}

# Content Security Policy (django-csp): scripts, styles and fonts only from our own static
# files (Leaflet, ECharts and htmx come from node_modules through /static/vendor/); an inline
# script needs `nonce="{{ request.csp_nonce }}"`. Map tiles, when configured, from their host.
_TILE_ORIGIN = "/".join(YIWANG_TILE_URL.split("/")[:3]) if "://" in YIWANG_TILE_URL else ""
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}
# Enforced in production; report-only in development (DEBUG=1), so a page that breaks the
# policy shows it in the browser console first. YIWANG_CSP_ENFORCE=1 enforces it anywhere.
if PRODUCTION or env_bool("YIWANG_CSP_ENFORCE", False):
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}

if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # HTTPS only: redirect plain HTTP, and tell browsers never to use it (HSTS).
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # Behind a TLS-terminating proxy (nginx): trust its X-Forwarded-Proto header.
    if env_bool("YIWANG_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
