"""One settings module, configured from environment variables (see README: 环境变量)."""

import os
from pathlib import Path

import dj_database_url
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

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "生产环境必须设置 SECRET_KEY (SECRET_KEY is required when DEBUG=0)"
        )
    SECRET_KEY = "yiwang-development-only-secret-key-do-not-use-in-production"

# Field-level encryption of personal data (身份证号、手机号) at rest. A Fernet key, or several
# separated by commas (the first encrypts, all decrypt: key rotation).
YIWANG_FIELD_KEY = os.environ.get("YIWANG_FIELD_KEY", "")
if not YIWANG_FIELD_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "生产环境必须设置 YIWANG_FIELD_KEY (个人信息加密密钥)；生成方法见 README。"
            " YIWANG_FIELD_KEY is required when DEBUG=0."
        )
    # Development and tests only: a fixed, public key. Data encrypted with it is not protected.
    YIWANG_FIELD_KEY = "eWl3YW5nLWRldi1vbmx5LWZpZWxkLWtleS0wMDAwMDA="

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
    "yiwang.core",
    "yiwang.accounts",
    "yiwang.grids",
    "yiwang.basedata",
    "yiwang.workorders",
    "yiwang.triage",
    "yiwang.approvals",
    "yiwang.integrations",
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
    "django_htmx.middleware.HtmxMiddleware",
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
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path.cwd() / "yiwang.sqlite3",
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock
                # at BEGIN so two writers queue instead of failing with "database is locked".
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=10000;PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
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
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yiwang.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "yiwang 一网 API",
    "DESCRIPTION": "镇街审批服务综合执法一体化平台 REST API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"yiwang": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}

if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
