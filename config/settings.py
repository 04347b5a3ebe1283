"""Settings, all from the environment (see the table in README.md).

With no DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis under var/ are
started (config/embedded.py) and their URLs put in the environment, so that what
follows is the same code path as in production.
"""

import sys
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config import embedded, sso
from config.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

embedded.configure_environment()
EMBEDDED_SERVERS = env.bool("EMBEDDED_DATABASE", default=False) or env.bool("EMBEDDED_REDIS", default=False)

# ---------------------------------------------------------------- secrets and hosts

DEVELOPMENT_SECRET_KEY = "django-insecure-development-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = DEVELOPMENT_SECRET_KEY
    elif env.bool("EMBEDDED_DATABASE", default=False):
        SECRET_KEY = embedded.development_secret_key()
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set: every web and worker process must share one key.")
if not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "Refusing to start: with DEBUG off, SECRET_KEY must be a secret of 40+ characters, not the development key."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
if not DEBUG and "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS may not contain '*' with DEBUG off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = env.str("SITE_NAME", default="Enterprise Social")

# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto, and count its hops for
# client IPs (0 = use the socket peer address; a forged X-Forwarded-For is ignored).
USE_X_FORWARDED_PROTO = env.bool("USE_X_FORWARDED_PROTO", default=False)
if USE_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

HTTPS = env.bool("HTTPS", default=not DEBUG and not EMBEDDED_SERVERS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 24 * 14)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# ---------------------------------------------------------------- applications

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "channels",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "apps.core",
    "apps.files",
    "apps.facts",
    "apps.accounts",
    "apps.profiles",
    "apps.communities",
    "apps.feeds",
    "apps.messaging",
    "apps.notifications",
    "apps.moderation",
    "apps.realtime",
    "apps.directory",
    "apps.pages",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.middleware.SyncMiddlewareChain",  # last: see config/middleware.py
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "apps.core.context_processors.site",
                "apps.accounts.context_processors.signup",
            ],
        },
    },
    {
        # The feed cards and their partials (config/jinja2.py), in their own folder: Django's
        # engine is never asked for them by name, Jinja2 never sees Django's templates.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]

# ---------------------------------------------------------------- data stores

DATABASES = {"default": database_settings(env)}
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
# Everyone shares one Redis: keys are prefixed so that tests and several
# installations can live on one server.
REDIS_PREFIX = env.str("REDIS_PREFIX", default="esn")
# How long a request waits for Redis (connect, or each reply) before doing without: the
# broker's publishes, the live events and the cache. The first call that waits this long
# opens the Redis circuit breaker (apps/core/circuit.py): later calls are skipped at once,
# until a probe's PING, every REDIS_PROBE_INTERVAL seconds, is answered again.
REDIS_REQUEST_TIMEOUT = env.float("REDIS_REQUEST_TIMEOUT", default=0.3)
REDIS_PROBE_INTERVAL = env.float("REDIS_PROBE_INTERVAL", default=1.0)
if not 0 < REDIS_REQUEST_TIMEOUT <= 5 or not 0 < REDIS_PROBE_INTERVAL <= 60:
    raise ImproperlyConfigured("REDIS_REQUEST_TIMEOUT must be in ]0, 5] and REDIS_PROBE_INTERVAL in ]0, 60].")

CACHES = {
    "default": {
        # Falls back to per-process memory while Redis is unreachable (see apps/core/cache.py).
        "BACKEND": "apps.core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_PREFIX,
        "OPTIONS": {"socket_connect_timeout": REDIS_REQUEST_TIMEOUT, "socket_timeout": REDIS_REQUEST_TIMEOUT},
    },
    # Rendered feed cards, per process: a key names one version of a card (apps/feeds/cards.py).
    "cards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "feed-cards",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": env.int("FEED_CARD_CACHE_ENTRIES", default=5000)},
    },
}
SESSION_ENGINE = "apps.accounts.sessions"  # the database, read by a compiled statement

# Where the pages open their WebSocket. Empty: /ws/ on the page's own origin, which the
# reverse proxy sends to the live process (config.asgi_live; the web process serves /ws/
# too). Otherwise the live process's own address: `make run` sets ws://127.0.0.1:8001/ws/.
LIVE_URL = env.str("LIVE_URL", default="")
_live = urlsplit(LIVE_URL)
if LIVE_URL and (_live.scheme not in ("ws", "wss") or not _live.hostname or _live.path != "/ws/" or _live.query):
    raise ImproperlyConfigured(f"LIVE_URL must be a ws:// or wss:// address whose path is /ws/, not {LIVE_URL!r}")
# How often each live process checks that its sockets' sessions still exist (seconds): a
# socket whose session expired or was deleted closes within this long (apps/realtime/session_check.py).
LIVE_SESSION_CHECK_SECONDS = env.float("LIVE_SESSION_CHECK_SECONDS", default=30.0)
if not 0 < LIVE_SESSION_CHECK_SECONDS <= 60:
    raise ImproperlyConfigured("LIVE_SESSION_CHECK_SECONDS must be more than 0 and at most 60.")

# "redis" (lists, one per socket) or "pubsub" (Redis PUB/SUB): make bench compares them.
CHANNEL_LAYER_BACKENDS = {
    "redis": "apps.realtime.layers.BlockingPoolChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
# PUB/SUB is what make bench favours: a post to 1,000 sockets p95 87 ms against 114, an
# announcement's 1,000 notifications all shown within 0.5 s against 1.4 s.
CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
if CHANNEL_LAYER not in CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured(f"CHANNEL_LAYER must be one of {', '.join(CHANNEL_LAYER_BACKENDS)}")
BROADCAST_LAYER = "broadcast"


def _channel_layer(**connection) -> dict:
    return {
        "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER],
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, **connection}],
            "prefix": f"{REDIS_PREFIX}:asgi",
            # Per channel: with RedisChannelLayer, all of a process's sockets share one
            # queue, which a notification to a thousand people fills at once.
            "capacity": 20000,
            "expiry": 60,
        },
    }


CHANNEL_LAYERS = {
    # The sockets' own: their subscriptions and the events they receive.
    "default": _channel_layer(
        # After a Redis restart the pooled connections are dead: each command
        # retries on a fresh one instead of failing once per stale connection.
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_connect_timeout=1,
        # Longer than the layer's 5-second blocking read, which would otherwise
        # time out, crash the consumer and close its socket.
        socket_timeout=10,
    ),
    # The same layer, as the events sent while answering a request reach it (apps/core/
    # broadcast.py): a hung Redis is given up on after REDIS_REQUEST_TIMEOUT, not retried
    # (a dead pooled connection, after a restart, is retried once on a fresh one).
    BROADCAST_LAYER: _channel_layer(
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        retry_on_error=[RedisConnectionError],
        socket_connect_timeout=REDIS_REQUEST_TIMEOUT,
        socket_timeout=REDIS_REQUEST_TIMEOUT,
    ),
}

# ---------------------------------------------------------------- Celery

CELERY_BROKER_URL = REDIS_URL
# Celery's own processes (worker, beat) answer no request: they wait for a hung Redis and
# carry on when it answers, as they always did. Given the requests' short socket timeout,
# a worker lost its waiting BRPOP when Redis hung (its health check PING timed out) and
# took no task for 20 s and more after Redis came back (kombu drops such a connection only
# after brpop_timeout + 2 x health_check_interval, 51 s).
CELERY_PROCESS = Path(sys.argv[0]).name == "celery" or Path(sys.argv[0]).parent.name == "celery"
# The longest a task may run: a directory run or a contact import, the longest ones, hold
# a lease that lets a sweep resume them long before this (apps/directory/).
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=1800)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT - 60)
# A long task's lease (apps/core/lease.py): renewed every sixth of it while its worker lives;
# once it has expired, beat's sweep resumes or restarts the work (imports, directory runs).
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=60)
if not 1 <= TASK_LEASE_SECONDS < CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("TASK_LEASE_SECONDS must be at least 1 and less than CELERY_TASK_SOFT_TIME_LIMIT.")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "global_keyprefix": f"{REDIS_PREFIX}:celery:",
    # A task taken but not yet acknowledged (acks_late) is given to a worker again after
    # this long: longer than the hard time limit, so that a task still running (the
    # longest: a directory run or a contact import) is never delivered twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 300),
    "socket_connect_timeout": 1,
    **(
        {}
        if CELERY_PROCESS
        else {
            # A request's publish gives up on a hung Redis after this long (apps/core/queue.py).
            "socket_connect_timeout": REDIS_REQUEST_TIMEOUT,
            "socket_timeout": REDIS_REQUEST_TIMEOUT,
            # A connection that a timeout closed is opened again at the next publish, once:
            # not retried for broker_connection_timeout (measured: 6.9 s a publish).
            "max_retries": 0,
        }
    ),
}
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]:
    raise ImproperlyConfigured(
        "Needed: CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Results are kept only for the tasks that ask (the health check's ping), briefly.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{REDIS_PREFIX}:celery-results:"}
CELERY_RESULT_EXPIRES = 300
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = False
# When the daily (and, on Mondays, weekly) notification digests go out. The schedules
# themselves are in config/celery.py: only Celery's processes load Celery.
DIGEST_HOUR_UTC = env.int("DIGEST_HOUR_UTC", default=6)

# ---------------------------------------------------------------- direct messaging

# The most people in a group conversation, its creator included.
MESSAGING_GROUP_MAX_PARTICIPANTS = env.int("MESSAGING_GROUP_MAX_PARTICIPANTS", default=50)
# How long a message stays unread before the recipient hears of it by e-mail.
MESSAGING_EMAIL_DELAY_MINUTES = env.int("MESSAGING_EMAIL_DELAY_MINUTES", default=10)

# ---------------------------------------------------------------- directory sync

# A run that would deactivate more than max(MIN, PERCENT % of a source's people) aborts,
# unless forced (a source may set its own limit).
DIRECTORY_DEACTIVATION_MIN = env.int("DIRECTORY_DEACTIVATION_MIN", default=5)
DIRECTORY_DEACTIVATION_PERCENT = env.float("DIRECTORY_DEACTIVATION_PERCENT", default=2.0)
# An employee's contact file (Outlook CSV, vCard): the largest accepted, and its number of contacts.
CONTACTS_UPLOAD_MAX_BYTES = env.int("CONTACTS_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
CONTACTS_MAX_PER_IMPORT = env.int("CONTACTS_MAX_PER_IMPORT", default=20_000)
# Exchange Online: the application the admin registered in Microsoft Entra ID (application
# permission Contacts.Read, with admin consent). All three set: employees can import.
GRAPH_TENANT_ID = env.str("GRAPH_TENANT_ID", default="")
GRAPH_CLIENT_ID = env.str("GRAPH_CLIENT_ID", default="")
GRAPH_CLIENT_SECRET = env.str("GRAPH_CLIENT_SECRET", default="")
GRAPH_AUTHORITY_HOST = env.str("GRAPH_AUTHORITY_HOST", default="https://login.microsoftonline.com")
GRAPH_API_URL = env.str("GRAPH_API_URL", default="https://graph.microsoft.com/v1.0")
GRAPH_CA_BUNDLE = env.str("GRAPH_CA_BUNDLE", default="")  # a proxy's CA, if TLS is intercepted
GRAPH_TIMEOUT_SECONDS = env.int("GRAPH_TIMEOUT_SECONDS", default=20)
# Exchange on premises (EWS): a service account holding the ApplicationImpersonation role.
EWS_URL = env.str("EWS_URL", default="")  # https://mail.corp.example.com/EWS/Exchange.asmx
EWS_USERNAME = env.str("EWS_USERNAME", default="")
EWS_PASSWORD = env.str("EWS_PASSWORD", default="")
EWS_AUTH_TYPE = env.str("EWS_AUTH_TYPE", default="NTLM")  # or "basic"
EWS_VERSION = env.str("EWS_VERSION", default="")  # e.g. 15.1.2507.6; empty: asked of the server
EWS_CA_BUNDLE = env.str("EWS_CA_BUNDLE", default="")
CELERY_BEAT_SCHEDULE_FILENAME = str(embedded.VAR_DIR / "celerybeat-schedule")

# ---------------------------------------------------------------- accounts (allauth)

# Django's and allauth's, reading the signed-in user with a compiled statement.
AUTHENTICATION_BACKENDS = [
    "apps.accounts.backends.ModelBackend",
    "apps.accounts.backends.AuthenticationBackend",
    "apps.accounts.backends.DirectoryBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapter.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "apps.accounts.forms.SignupForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = env.str("EMAIL_SUBJECT_PREFIX", default="[Enterprise Social] ")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins: 10 a minute per client address, 5 per 5 minutes per account.
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Empty: nobody signs up on their own; an admin sends invitations.
ALLOWED_SIGNUP_DOMAINS = [d.lower().lstrip("@") for d in env.list("ALLOWED_SIGNUP_DOMAINS", default=[])]
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# People who sign in through the company's SSO get an account on first sign-in.
SSO_ALLOW_SIGNUP = env.bool("SSO_ALLOW_SIGNUP", default=True)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Enterprise Social")

SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# OpenID Connect and SAML, from OIDC_* and SAML_* (config/sso.py).
SOCIALACCOUNT_PROVIDERS = sso.providers(env)
# Accounts linked to a provider sign in only through it: no local password, no reset, so
# that someone the provider disables has no other way in (apps/accounts/sso.py).
SSO_ACCOUNTS_SSO_ONLY = env.bool("SSO_ACCOUNTS_SSO_ONLY", default=bool(SOCIALACCOUNT_PROVIDERS))

# ---------------------------------------------------------------- e-mail

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that stops answering fails the send (retried later) instead of holding a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Enterprise Social <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------- passwords

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---------------------------------------------------------------- language and time

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------- static and media

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(embedded.VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=5 * 1024 * 1024)
# Post and message attachments: per file, per post, and which kinds of file.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
ATTACHMENT_MAX_COUNT = env.int("ATTACHMENT_MAX_COUNT", default=6)
ATTACHMENT_EXTENSIONS = env.list(
    "ATTACHMENT_EXTENSIONS",
    default=[
        "jpg", "jpeg", "png", "gif", "webp",
        "pdf", "txt", "csv", "md", "rtf", "odt", "ods", "odp",
        "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip",
    ],
)  # fmt: skip
# The ASGI server refuses a request body past this, whatever its Content-Length says.
REQUEST_BODY_MAX_BYTES = env.int(
    "REQUEST_BODY_MAX_BYTES", default=ATTACHMENT_MAX_BYTES * ATTACHMENT_MAX_COUNT + 2 * 1024 * 1024
)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(embedded.VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed, cached forever once collectstatic has run (the Docker image);
    # before that (make run, tests) files are served by name from the finders.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if (STATIC_ROOT / "staticfiles.json").exists()
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (make run, tests) WhiteNoise serves straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# ---------------------------------------------------------------- content security policy

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *([f"{_live.scheme}://{_live.netloc}"] if LIVE_URL else [])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # The sign-in form redirects to the identity providers (config/sso.py).
        "form-action": [
            "'self'",
            *sso.form_action_origins(SOCIALACCOUNT_PROVIDERS),
            *env.list("CSP_FORM_ACTION", default=[]),
        ],
        "frame-ancestors": ["'none'"],
    }
}

HEALTHZ_CACHE_SECONDS = env.float("HEALTHZ_CACHE_SECONDS", default=5)

# ---------------------------------------------------------------- logging

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
    },
}
