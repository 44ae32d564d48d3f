"""Settings, read from the environment (django-environ).

DATABASE_URL  default SQLite in the project folder; postgres://… for PostgreSQL.
DATABASE_REPLICA_URL  optional: a read replica for the dashboards (config/routers.py).
REDIS_URL     default none: Celery tasks run in-process. With it: Redis is the Celery broker.
SECRET_KEY    required when DEBUG is off.
IDENTITY_HASH_KEY  key of the keyed hashes of ID numbers and household codes. Set it in
              production: it must never change once data exists (default: derived from SECRET_KEY).
API_TOKEN_RATE  attempts per client address at /api/v1/auth/token/ (default 10/min; N/s|min|hour|day).
TRUSTED_PROXIES  the reverse proxies (addresses or CIDR networks, comma-separated) whose
              X-Forwarded-For is believed; empty by default: the client is REMOTE_ADDR.
DEBUG, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, MEDIA_ROOT.
HTTPS, SECURE_PROXY_SSL_HEADER, SECURE_HSTS_*  the site behind HTTPS: redirect and HSTS.
REQUEST_BODY_MAX_*  request body caps (config/middleware.py). DATES_EARLIEST, DATES_LATEST.
"""
import datetime
import hashlib
import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .layers import APPS

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

IDENTITY_HASH_KEY = env(
    "IDENTITY_HASH_KEY",
    default=hashlib.sha256(("identity:" + SECRET_KEY).encode()).hexdigest(),
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The client's address for every per-client limit: governance.clients.client_ip.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    *APPS,  # the project's apps, in layer order (config/layers.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CsrfViewMiddleware, which reads a form POST's body in its process_view.
    "config.middleware.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # each service owns its transaction
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once with "database is locked".
    # IMMEDIATE: a write transaction takes the write lock when it begins, so a reader that would
    # write later waits its turn instead of failing when it tries to upgrade its lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiler, off by default: it compiles any statement whose estimated cost passes
# jit_above_cost, which the dashboards' aggregates over a city's rows do, and the compiling then
# costs more than the statement (the city's consultation page: 470 ms of 2.3 s). Turned off with the
# connection's startup options, so each connection starts with it off and no statement is added.
DATABASE_JIT = env.bool("DATABASE_JIT", default=False)


def _postgresql_options(database):
    """`database` (a DATABASES entry) with the JIT turned off in its startup options unless
    DATABASE_JIT, keeping any options its URL gave."""
    if database["ENGINE"] != "django.db.backends.sqlite3" and not DATABASE_JIT:
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


_postgresql_options(DATABASES["default"])
# The hottest statements (the resident demand submit's) run as server-side prepared statements,
# planned once per connection (governance/prepared.py). Off behind a pooler in transaction mode.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)

# A read replica for the dashboards (config/routers.py): with DATABASE_REPLICA_URL set, the
# dashboards' pages, exports and API read the project's tables from it; everything else uses
# `default`. Tests point it at the test database (MIRROR).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = _postgresql_options(env.db("DATABASE_REPLICA_URL"))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.sqlite3":
        DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
        DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    MIDDLEWARE.append("config.routers.ReplicaReadsMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

LOGIN_URL = "admin:login"

# Every date typed into the platform lies in this window (governance.bounds).
DATES_EARLIEST = datetime.date.fromisoformat(env("DATES_EARLIEST", default="1900-01-01"))
DATES_LATEST = datetime.date.fromisoformat(env("DATES_LATEST", default="2100-12-31"))

# Request bodies are refused (413) above these sizes before anything reads them
# (config/middleware.py says which requests get which); the front proxy's cap is set to the largest.
KIB, MIB = 1024, 1024 * 1024
REQUEST_BODY_LIMITS = {
    # public pages and forms; the admin's login
    "public": env.int("REQUEST_BODY_MAX_PUBLIC", default=64 * KIB),
    # a household's demand form: three photos of at most 10 MiB each and the text
    "resident_photos": env.int("REQUEST_BODY_MAX_RESIDENT_PHOTOS", default=31 * MIB),
    # the API (JSON)
    "api": env.int("REQUEST_BODY_MAX_API", default=1 * MIB),
    # the admin for signed-in staff: photos (10 MiB), plan documents (30 MiB)
    "admin": env.int("REQUEST_BODY_MAX_ADMIN", default=32 * MIB),
    # the admin's census import: a file of at most 50 MiB
    "census": env.int("REQUEST_BODY_MAX_CENSUS", default=51 * MIB),
}

# Uploads: the census import reads files of up to 50 MiB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "governance.api.authentication.TokenAuthentication",  # DRF's, one statement
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with JSON bodies nested deeper than 32 levels refused (400).
    "DEFAULT_PARSER_CLASSES": [
        "governance.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A service's refusal answered in one way: governance/api/errors.py.
    "EXCEPTION_HANDLER": "governance.api.errors.exception_handler",
    # DRF's own reading of X-Forwarded-For is off: throttles key on governance.clients.client_network
    # (X-Forwarded-For believed only as written by TRUSTED_PROXIES).
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {"api-token": env("API_TOKEN_RATE", default="10/min")},
}
REDOC_FONTS = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
SPECTACULAR_SETTINGS = {
    "TITLE": "Old-neighbourhood renovation API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The doc pages ask no other host for anything: scripts and styles from the sidecar, and ReDoc
    # in the machine's fonts (templates/drf_spectacular/redoc.html drops its Google Fonts links).
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": REDOC_FONTS,
                "headings": {"fontFamily": REDOC_FONTS},
                "code": {"fontFamily": "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace"},
            }
        }
    },
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a field named "status" with different choices: one named enum each.
    "ENUM_NAME_OVERRIDES": {
        "SubsidyPlanStatusEnum": "funding.choices.PlanStatus",
        "InstallmentStatusEnum": "funding.choices.InstallmentStatus",
        "VoteStatusEnum": "surveys.choices.VoteStatus",
        "ConsultationStepStatusEnum": "surveys.choices.StepStatus",
        "QuestionnaireStatusEnum": "surveys.choices.QuestionnaireStatus",
    },
}

# Celery: Redis as broker when REDIS_URL is set; otherwise tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = False  # set per task, only on idempotent ones
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
# The one beat schedule of the project; apps add their periodic tasks here.
from celery.schedules import crontab  # noqa: E402  (the beat schedule's one import)

CELERY_BEAT_SCHEDULE = {
    # Daily at 01:30 Asia/Shanghai (CELERY_TIMEZONE): due subsidy installments, assessments, payments, exits.
    "funding-subsidies-daily": {"task": "funding.tasks.subsidies_run", "schedule": crontab(hour=1, minute=30)},
    # Hourly at :15: pay installments released > 30 min ago whose payment message was lost.
    "funding-subsidies-sweep": {"task": "funding.tasks.installments_sweep", "schedule": crontab(minute=15)},
}
# Without a broker, `manage.py run_schedule` runs this schedule in-process (scripts/serve.sh starts
# it); this file keeps each entry's last run across restarts.
RUN_SCHEDULE_STATE = env("RUN_SCHEDULE_STATE", default=str(BASE_DIR / "run-schedule.json"))

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

# HTTPS=true: the deployment is served over HTTPS only. Plain HTTP is redirected and browsers are
# told to use HTTPS for a year (HSTS, subdomains included, eligible for the browsers' preload list).
# Behind a proxy that ends TLS, SECURE_PROXY_SSL_HEADER names the header it sets (nginx:
# `proxy_set_header X-Forwarded-Proto $scheme;` -> HTTP_X_FORWARDED_PROTO); without it every
# request looks like plain HTTP and is redirected forever. Nothing is trusted by default.
HTTPS = env.bool("HTTPS", default=False)
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
if env("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = (env("SECURE_PROXY_SSL_HEADER"), "https")
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy of every page that sets none of its own (config.middleware; the API's doc
# pages set theirs, config/api_docs.py): scripts, styles, fonts and images from the site itself
# only; no inline script or style (our templates keep theirs in static files, and the admin of
# Django 5.2 needs none); no plugins, no framing, forms post to the site only. Images may be data:
# URLs (the admin's widgets draw a few icons so).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
