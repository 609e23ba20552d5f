"""Ruanzhu settings: one module, every value read from the environment.

RUANZHU_ENVIRONMENT chooses the defaults: ``development`` (the default) runs out of the box with embedded
SQLite, in-process tasks and development keys; ``production`` requires every secret and turns on the
transport-security settings. Any single value can still be set through its own variable, and any secret can
be read from a file named by ``<NAME>_FILE``.
"""

import ipaddress
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry as RedisRetry

from config.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

ENVIRONMENT = env.choice("RUANZHU_ENVIRONMENT", ("development", "production"), "development")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env.bool("DJANGO_DEBUG", not PRODUCTION)
SECRET_KEY = env.secret(
    "DJANGO_SECRET_KEY", dev_default="dev-only-secret-key-not-for-production-use-0123456789"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env.str("RUANZHU_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DATA_DIR = Path(env.str("RUANZHU_DATA_DIR", str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ruanzhu.core",
    "ruanzhu.accounts",
    "ruanzhu.otp",
    "ruanzhu.filings",
    "ruanzhu.staff",
    "ruanzhu.notifications",
    "ruanzhu.identity",
    "ruanzhu.examination",
    "ruanzhu.registry",
    "ruanzhu.agents",
    "ruanzhu.portal",
    # The REST API at /api/v1/ (django-ninja; "ninja" for the documentation page's templates and static files).
    "ninja",
    "ruanzhu.api",
    "ruanzhu.webhooks",
]

MIDDLEWARE = [
    # First: probes are answered before the HTTPS redirect and the host check (ruanzhu.core.health).
    "ruanzhu.core.health.HealthCheckMiddleware",
    # Next: /metrics for the scraper's address only, and every other request counted (ruanzhu.core.metrics).
    "ruanzhu.core.metrics.MetricsMiddleware",
    # Every later log line and every task queued by the request carries its id (ruanzhu.core.requestid).
    "ruanzhu.core.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that its headers reach every response, static files and refusals included.
    "ruanzhu.core.middleware.BrowserPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django_otp's OTPMiddleware, its device query compiled once.
    "ruanzhu.accounts.middleware.SecondFactorDeviceMiddleware",
    "ruanzhu.accounts.middleware.StaffSecondFactorMiddleware",
    "ruanzhu.accounts.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ruanzhu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ruanzhu.core.context_processors.site",
                "ruanzhu.portal.context_processors.header",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", "")
# A streaming replica of the PostgreSQL primary: the public registry's search and record pages read from it
# while it answers and keeps up (ruanzhu.core.dbrouter); everything else, and every write, goes to the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", 30)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", 5)
# libpq counts whole seconds and takes 2 as its least: a replica that does not answer costs a request that long,
# once per check interval.
DATABASE_REPLICA_CONNECT_TIMEOUT = env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)
DATABASE_ROUTERS = ["ruanzhu.core.dbrouter.PrimaryReplicaRouter"]
if DATABASE_URL:
    import dj_database_url

    def _database(url: str) -> dict:
        database = dj_database_url.parse(url, conn_max_age=env.int("DB_CONN_MAX_AGE", 60))
        if database["ENGINE"] == "django.db.backends.postgresql":
            database.setdefault("OPTIONS", {})
            database["CONN_HEALTH_CHECKS"] = True
            # Prepared statements: a query a connection has run twice is prepared, and PostgreSQL then parses and
            # plans it once per connection instead of on every request. Planning the access checks of a filing
            # or a list cost PostgreSQL four times more than running them. Turn them off behind a pooler in
            # transaction mode that does not keep them (PgBouncer before 1.21, or without max_prepared_statements).
            if env.bool("DB_PREPARED_STATEMENTS", True):
                database["OPTIONS"].update(server_side_binding=True, prepare_threshold=2)
        return database

    DATABASES = {"default": _database(DATABASE_URL)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", str(DATA_DIR / "ruanzhu.sqlite3")),
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at BEGIN so
                # that two writers queue instead of failing with "database is locked" half-way.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not memory, so that tests of concurrent requests use separate connections as in production.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to name a PostgreSQL primary.")
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name a PostgreSQL replica (postgres://...).")
    DATABASES["replica"]["OPTIONS"].setdefault("connect_timeout", DATABASE_REPLICA_CONNECT_TIMEOUT)
    # The test runner creates no database for it: in tests it is the default database under another name.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", "")
# Redis restarts (an upgrade, a failover) take a second or two: each command is tried again for about two seconds
# before it fails, so that sessions and the cache ride a restart out instead of answering 500.
REDIS_CLIENT_OPTIONS = {
    "retry": RedisRetry(ExponentialBackoff(cap=0.5, base=0.05), retries=6),
    "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
if REDIS_URL:
    CACHES = {
        "default": {
            # One Redis client per connection pool, not one per call (ruanzhu.core.cache).
            "BACKEND": "ruanzhu.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CLIENT_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ruanzhu"}}

# The in-memory broker names a host only so that kombu does not warn about the missing one.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", not (REDIS_URL or env.str("CELERY_BROKER_URL", ""))
)
CELERY_TASK_EAGER_PROPAGATES = True
# At least once: a message is acknowledged after its task ran, and given back when the worker dies under it;
# the outbox (ruanzhu.core.outbox) makes each task's work happen once however often it is delivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged message to another worker after this many seconds: longer than the longest
# task (an SMS provider call, a photo check: seconds) and the longest retry delay an SMS waits for, so that a
# slow task is not run twice. A dead worker's messages come back sooner through the outbox relay.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 15 * 60)
}
# The outbox relay publishes again an entry that is not done this long after its last publish, at most
# OUTBOX_MAX_ATTEMPTS publishes in all, then marks it failed; done entries are deleted after OUTBOX_KEEP_DAYS.
OUTBOX_RELAY_AFTER_SECONDS = env.int("OUTBOX_RELAY_AFTER_SECONDS", 5 * 60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", 10)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", 7)
for _name, _value in {
    "CELERY_VISIBILITY_TIMEOUT_SECONDS": CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"],
    "OUTBOX_RELAY_AFTER_SECONDS": OUTBOX_RELAY_AFTER_SECONDS,
    "OUTBOX_MAX_ATTEMPTS": OUTBOX_MAX_ATTEMPTS,
    "OUTBOX_KEEP_DAYS": OUTBOX_KEEP_DAYS,
}.items():
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"

# --- Authentication -------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# The one backend also throttles every password login, the admin's included (ruanzhu.accounts.throttle).
AUTHENTICATION_BACKENDS = ["ruanzhu.accounts.backends.IdentifierBackend"]
PASSWORD_HASHERS = [
    "ruanzhu.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "filings:catalog"
LOGOUT_REDIRECT_URL = "home"

# Sessions: 30 minutes idle and 12 hours from login at the most, both enforced on the server
# (accounts.middleware.SessionLifetimeMiddleware); the cookie itself lives for the absolute limit. Django's
# database engines, with a login that writes the session once (ruanzhu.accounts.sessions).
SESSION_ENGINE = "ruanzhu.accounts.sessions.cached_db" if REDIS_URL else "ruanzhu.accounts.sessions.db"
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling (ruanzhu.accounts.throttle). Attempts are counted per account, whichever spelling of its
# username, email or phone is typed (per normalised identifier when no account has it), and per client address,
# which offices and carrier NAT share, hence its higher threshold (per hour). Past a threshold each further
# attempt first waits 1, 2, 4 ... minutes, never more than LOGIN_THROTTLE_MAX_DELAY_SECONDS: no account is ever
# locked. A browser that logged in to the account before is counted on its own, so the owner's is not held up.
LOGIN_THROTTLE_AFTER = env.int("LOGIN_THROTTLE_AFTER", 5)
LOGIN_THROTTLE_ADDRESS_AFTER = env.int("LOGIN_THROTTLE_ADDRESS_AFTER", 50)
LOGIN_THROTTLE_MAX_DELAY_SECONDS = env.int("LOGIN_THROTTLE_MAX_DELAY_SECONDS", 15 * 60)
# The budget of password hashes per client address (ruanzhu.accounts.throttle): logins, sign-up, password reset
# and password re-checks each spend one before any hash; past the burst one every 60/rate seconds, else 429.
PASSWORD_HASH_IP_RATE_PER_MINUTE = env.int("PASSWORD_HASH_IP_RATE_PER_MINUTE", 30)
PASSWORD_HASH_IP_BURST = env.int("PASSWORD_HASH_IP_BURST", 30)
for _name, _value in {
    "LOGIN_THROTTLE_AFTER": LOGIN_THROTTLE_AFTER,
    "LOGIN_THROTTLE_ADDRESS_AFTER": LOGIN_THROTTLE_ADDRESS_AFTER,
    "LOGIN_THROTTLE_MAX_DELAY_SECONDS": LOGIN_THROTTLE_MAX_DELAY_SECONDS,
    "PASSWORD_HASH_IP_RATE_PER_MINUTE": PASSWORD_HASH_IP_RATE_PER_MINUTE,
    "PASSWORD_HASH_IP_BURST": PASSWORD_HASH_IP_BURST,
}.items():
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more; got {_value}.")
# Reverse proxies in front of the portal, each appending to X-Forwarded-For: login throttling, code sending
# limits and the audit log all take the client's address from ruanzhu.core.http.client_ip.
PROXY_COUNT = env.int("PROXY_COUNT", 0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"PROXY_COUNT must be 0 or more; got {PROXY_COUNT}.")
# Production states the number, 0 included: a wrong default would make every per-address limit site-wide.
if PRODUCTION and not env.is_set("PROXY_COUNT"):
    raise ImproperlyConfigured(
        "PROXY_COUNT must be set in production: the number of reverse proxies in front (0 for none)."
    )

OTP_TOTP_ISSUER = "Ruanzhu 软著"

# --- One-time codes and SMS -----------------------------------------------------------------------------------
OTP_CODE_TTL_SECONDS = env.int("OTP_CODE_TTL_SECONDS", 5 * 60)
OTP_CODE_MAX_ATTEMPTS = env.int("OTP_CODE_MAX_ATTEMPTS", 5)
OTP_SEND_LIMITS_PER_PHONE = env.str("OTP_SEND_LIMITS_PER_PHONE", "1/60,5/3600,10/86400")
OTP_SEND_LIMITS_PER_IP = env.str("OTP_SEND_LIMITS_PER_IP", "20/3600,50/86400")
OTP_SEND_LIMITS_PER_ACCOUNT = env.str("OTP_SEND_LIMITS_PER_ACCOUNT", "10/3600,20/86400")
# An agent (代理机构) issuing its clients' forms sends many codes from one account and one address: its sends count
# against these instead of the two limits above; every phone's own limits still hold.
OTP_SEND_LIMITS_PER_OFFICE = env.str("OTP_SEND_LIMITS_PER_OFFICE", "300/3600,1000/86400")
OTP_DAILY_BUDGET = env.int("OTP_DAILY_BUDGET", 100_000)
SMS_OUTBOX_BACKEND = "ruanzhu.otp.backends.OutboxBackend"
SMS_HTTP_BACKEND = "ruanzhu.otp.backends.HttpProviderBackend"
SMS_BACKEND = env.str("SMS_BACKEND", SMS_OUTBOX_BACKEND)
SMS_HTTP_URL = env.str("SMS_HTTP_URL", "")
SMS_HTTP_KEY_ID = env.str("SMS_HTTP_KEY_ID", "")
SMS_HTTP_SECRET = env.secret("SMS_HTTP_SECRET", dev_default="", required=False)
SMS_HTTP_SIGN_NAME = env.str("SMS_HTTP_SIGN_NAME", "软著登记")
SMS_HTTP_TIMEOUT = env.float("SMS_HTTP_TIMEOUT", 5.0)
# Production sends real text messages: the outbox would swallow every code without a word.
if PRODUCTION and SMS_BACKEND in ("", SMS_OUTBOX_BACKEND):
    raise ImproperlyConfigured(
        f"SMS_BACKEND must name a real SMS gateway in production (such as {SMS_HTTP_BACKEND}), not the outbox."
    )
if (
    PRODUCTION
    and SMS_BACKEND == SMS_HTTP_BACKEND
    and not (SMS_HTTP_URL and SMS_HTTP_KEY_ID and SMS_HTTP_SECRET)
):
    raise ImproperlyConfigured("SMS_HTTP_URL, SMS_HTTP_KEY_ID and SMS_HTTP_SECRET must be set in production.")
# Transient delivery failures (timeouts, 5xx) are retried this many times, after 10 s, 20 s, 40 s ...
SMS_DELIVERY_MAX_RETRIES = env.int("SMS_DELIVERY_MAX_RETRIES", 3)
SMS_DELIVERY_RETRY_DELAY_SECONDS = env.int("SMS_DELIVERY_RETRY_DELAY_SECONDS", 10)

# --- Personal data ------------------------------------------------------------------------------------------
# Keys for field encryption (a comma-separated list of Fernet keys, newest first, for rotation) and for the
# blind index. They live in the environment or a mounted secret, never in the database.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    [] if PRODUCTION else ["ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZHU="],
    secret=True,
)
BLIND_INDEX_KEY = env.secret("BLIND_INDEX_KEY", dev_default="dev-only-blind-index-key")
OTP_HMAC_KEY = env.secret("OTP_HMAC_KEY", dev_default="dev-only-otp-hmac-key")
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production.")

# --- Internationalisation ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "ruanzhu" / "locale"]
LANGUAGE_COOKIE_NAME = "ruanzhu_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and private files -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(DATA_DIR / "static")))
WHITENOISE_USE_FINDERS = not PRODUCTION  # serve straight from the apps' static folders until collectstatic
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", str(DATA_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# With AWS_STORAGE_BUCKET_NAME set, private files go to that bucket of an S3-compatible store (MinIO, Ceph RGW,
# AWS S3, Aliyun OSS ...) instead of PRIVATE_MEDIA_ROOT. They are encrypted before upload (ruanzhu.core.files):
# the store holds ciphertext only and never sees a key. Objects are private, never overwritten and never served
# by a URL of the store (views stream them after checking access). Without access keys, boto3 looks for
# credentials itself (AWS_ACCESS_KEY_ID..., an instance or pod role). Short connect timeouts and few retries make
# a store that is down fail a request, and /readyz, in seconds rather than hold a worker.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config as BotocoreConfig

    AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", "auto")
    if AWS_S3_ADDRESSING_STYLE not in ("auto", "path", "virtual"):
        raise ImproperlyConfigured("AWS_S3_ADDRESSING_STYLE must be auto, path or virtual.")
    # Files above 8 MB go up in 8 MB parts, two at a time and at most two waiting in memory: boto3 reads a
    # stream that cannot seek (the encrypting one) part by part, so an upload holds about 40 MB at most.
    _transfer_config = TransferConfig(
        multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=2
    )
    _transfer_config.max_in_memory_upload_chunks = 2
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", "") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", "") or None,
            "access_key": env.str("AWS_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env.secret("AWS_S3_SECRET_ACCESS_KEY", dev_default="", required=False) or None,
            "verify": env.str("AWS_S3_VERIFY", "") or None,  # a CA bundle for a store with a private CA
            # Empty for a bucket with ACLs disabled (AWS "bucket owner enforced"), which refuses ACL headers.
            "default_acl": env.str("AWS_DEFAULT_ACL", "private") or None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "custom_domain": None,
            "file_overwrite": False,
            "object_parameters": {"ContentType": "application/octet-stream"},
            "client_config": BotocoreConfig(
                signature_version="s3v4",
                s3={"addressing_style": AWS_S3_ADDRESSING_STYLE},
                connect_timeout=env.int("AWS_S3_CONNECT_TIMEOUT", 2),
                read_timeout=env.int("AWS_S3_READ_TIMEOUT", 20),
                retries={"max_attempts": env.int("AWS_S3_MAX_ATTEMPTS", 2), "mode": "standard"},
            ),
            "transfer_config": _transfer_config,
        },
    }
# Uploads: a view states its limit (ruanzhu.core.uploads.upload_limit) and the first handler stops reading a
# request at the first byte past it; a file that passes is kept in memory up to 5 MB, on disk beyond.
FILE_UPLOAD_HANDLERS = [
    "ruanzhu.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- Email ------------------------------------------------------------------------------------------------------
# In development e-mails are written to files in RUANZHU_DATA_DIR/mail, one per message, to read at leisure.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.secret("EMAIL_HOST_PASSWORD", dev_default="", required=False)
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "noreply@ruanzhu.localhost")

# --- Security ---------------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", PRODUCTION)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env.bool("BEHIND_TLS_PROXY", PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# One line a record on stderr: JSON objects (LOG_FORMAT=json, the production default) or plain text. Every record
# carries the request id and, in a task, the task's name and id; personal data is redacted (ruanzhu.core.logs).
LOG_FORMAT = env.choice("LOG_FORMAT", ("json", "plain"), "json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "ruanzhu.core.logs.JsonLogFormatter"},
        "plain": {"()": "ruanzhu.core.logs.PlainLogFormatter"},
    },
    "filters": {"request_context": {"()": "ruanzhu.core.logs.RequestContextFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_context"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    # Django's own loggers go to the root handler only: not also to Django's default console (plain text, with
    # DEBUG) or to the admins' mailbox (a request's details in clear).
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

# --- Observability ----------------------------------------------------------------------------------------------
# /metrics (Prometheus) is answered only to these addresses or networks, as seen on the connection itself
# (REMOTE_ADDR: X-Forwarded-For is never read for it); anyone else gets 404 (ruanzhu.core.metrics).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS must list IP addresses or networks; got {_network!r}."
        ) from None
# A Celery worker serves its own metrics on this port (0: off); it listens on CELERY_METRICS_ADDR.
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", 0)
CELERY_METRICS_ADDR = env.str("CELERY_METRICS_ADDR", "127.0.0.1")

# --- Filings ---------------------------------------------------------------------------------------------------
SOFTWARE_CATEGORIES = env.list(
    "SOFTWARE_CATEGORIES", ["应用软件", "系统软件", "中间件", "嵌入式软件", "其他"]
)
MAIN_FUNCTIONS_MIN_CHARS = env.int("MAIN_FUNCTIONS_MIN_CHARS", 500)
MAIN_FUNCTIONS_MAX_CHARS = env.int("MAIN_FUNCTIONS_MAX_CHARS", 1300)
FILING_UPLOAD_MAX_BYTES = env.int("FILING_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)

# --- API -------------------------------------------------------------------------------------------------------
# Requests per personal access token and minute (429 beyond); the longest validity of a token and how many tokens
# in force an account may hold.
API_TOKEN_RATE_PER_MINUTE = env.int("API_TOKEN_RATE_PER_MINUTE", 120)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", 365)
API_TOKENS_PER_ACCOUNT = env.int("API_TOKENS_PER_ACCOUNT", 20)

# --- Examination and certificates -------------------------------------------------------------------------------
CORRECTION_DAYS = env.int("CORRECTION_DAYS", 30)
CORRECTION_REMINDER_DAYS = env.int("CORRECTION_REMINDER_DAYS", 5)
# PEM files of the key and certificate that sign certificates; in development a self-signed pair is created in
# RUANZHU_DATA_DIR/signing/ on first use. Production requires both.
CERTIFICATE_SIGNING_KEY_FILE = env.str("CERTIFICATE_SIGNING_KEY_FILE", "")
CERTIFICATE_SIGNING_CERT_FILE = env.str("CERTIFICATE_SIGNING_CERT_FILE", "")
CELERY_BEAT_SCHEDULE = {
    "corrections-expire": {"task": "ruanzhu.examination.tasks.corrections_expire_task", "schedule": 3600.0},
    "login-throttles-purge": {
        "task": "ruanzhu.accounts.tasks.login_throttles_purge_task",
        "schedule": 86400.0,
    },
    "outbox-relay": {"task": "ruanzhu.core.tasks.outbox_relay_task", "schedule": 60.0},
    "outbox-purge": {"task": "ruanzhu.core.tasks.outbox_purge_task", "schedule": 86400.0},
    # The API's idempotency keys are kept a day (ruanzhu.api.idempotency).
    "api-idempotency-keys-purge": {
        "task": "ruanzhu.api.tasks.idempotency_keys_purge_task",
        "schedule": 86400.0,
    },
}

# --- Webhooks --------------------------------------------------------------------------------------------------
# Events of filings POSTed to the HTTPS addresses an account registers (ruanzhu.webhooks). A failed delivery is
# tried again after each of WEBHOOK_RETRY_DELAYS (seconds), then marked failed; beat looks for due retries every
# minute. The two WEBHOOK_ALLOW_* switches are for tests and local development only: they let deliveries go to
# http:// addresses and to loopback or private addresses, which production refuses.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", 10)
try:
    WEBHOOK_RETRY_DELAYS = [
        int(value) for value in env.list("WEBHOOK_RETRY_DELAYS", ["60", "300", "1800", "7200", "43200"])
    ]
except ValueError:
    raise ImproperlyConfigured("WEBHOOK_RETRY_DELAYS must be a comma-separated list of seconds.") from None
WEBHOOK_ENDPOINTS_PER_ACCOUNT = env.int("WEBHOOK_ENDPOINTS_PER_ACCOUNT", 5)
# Delivered and failed deliveries older than this are deleted by a daily purge.
WEBHOOK_KEEP_DAYS = env.int("WEBHOOK_KEEP_DAYS", 30)
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", False)
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", False)
if WEBHOOK_TIMEOUT_SECONDS < 1 or any(delay < 1 for delay in WEBHOOK_RETRY_DELAYS):
    raise ImproperlyConfigured("WEBHOOK_TIMEOUT_SECONDS and WEBHOOK_RETRY_DELAYS must be at least 1 second.")
if WEBHOOK_ENDPOINTS_PER_ACCOUNT < 1 or WEBHOOK_KEEP_DAYS < 1:
    raise ImproperlyConfigured("WEBHOOK_ENDPOINTS_PER_ACCOUNT and WEBHOOK_KEEP_DAYS must be at least 1.")
if PRODUCTION and (WEBHOOK_ALLOW_HTTP or WEBHOOK_ALLOW_PRIVATE_HOSTS):
    raise ImproperlyConfigured(
        "WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE_HOSTS must be off in production."
    )
CELERY_BEAT_SCHEDULE["webhook-deliveries-due"] = {
    "task": "ruanzhu.webhooks.tasks.webhook_deliveries_due_task",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["webhook-deliveries-purge"] = {
    "task": "ruanzhu.webhooks.tasks.webhook_deliveries_purge_task",
    "schedule": 86400.0,
}

# --- Working days -----------------------------------------------------------------------------------------------
IDENTITY_REVIEW_WORKING_DAYS = env.int("IDENTITY_REVIEW_WORKING_DAYS", 3)
IDENTITY_UPLOAD_MAX_BYTES = env.int("IDENTITY_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# Thresholds of the automatic photo checks (ruanzhu.identity.images.quality.QualityThresholds).
IDENTITY_PHOTO_MIN_SHORT_SIDE = env.int("IDENTITY_PHOTO_MIN_SHORT_SIDE", 600)
IDENTITY_PHOTO_MIN_SHARPNESS = env.float("IDENTITY_PHOTO_MIN_SHARPNESS", 150.0)
IDENTITY_PHOTO_MAX_GLARE_SHARE = env.float("IDENTITY_PHOTO_MAX_GLARE_SHARE", 0.01)
# Unmasking personal data needs a login no older than this (seconds); otherwise staff log in again first.
UNMASK_FRESH_LOGIN_SECONDS = env.int("UNMASK_FRESH_LOGIN_SECONDS", 10 * 60)
