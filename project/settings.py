"""One settings module, read from the environment.

Embedded default (nothing set): SQLite file under var/, in-memory channel layer, DEBUG on.
Production: DATABASE_URL (PostgreSQL, psycopg 3 pool), REDIS_URL (channels_redis pub/sub
layer, msgpack), SECRET_KEY, ALLOWED_HOSTS, DEBUG=0. `manage.py check --deploy` refuses
production settings that would fall back to SQLite or the in-memory layer (project/checks.py).
"""

import os
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
if DEBUG:
    # The embedded default is for a laptop only.
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-embedded-default-key-change-me-in-production-0123456789")
else:
    # Production takes its key from the environment or does not start (ImproperlyConfigured);
    # `check --deploy` then rejects a short or "django-insecure-" key.
    SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    # Before django.contrib.admin: our registration/ templates must win over the admin's.
    "frontend",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    # django-allauth: external sign-in (OpenID Connect, Kakao, Naver). Its apps are always
    # installed, so the schema is the same everywhere; the providers below only when configured.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "deliberation.accounts",
    "deliberation.agencies",
    "deliberation.proposals",
    "deliberation.debates",
    "deliberation.comments",
    "deliberation.audit",
    "deliberation.webhooks",
    "deliberation.executions",
    "deliberation.content",
    "deliberation.statistics",
    "deliberation.integrations",
    "realtime",
    "project",
    # The open API's docs page serves Swagger UI from ninja's own static files, not a CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "project.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.middleware.ServiceBusyMiddleware",
]

ROOT_URLCONF = "project.urls"
ASGI_APPLICATION = "project.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "city:home"
LOGOUT_REDIRECT_URL = "city:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "deliberation.agencies.context_processors.current_site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'deliberation.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3's own pool; Django requires CONN_MAX_AGE=0 with it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # With the pool, CONN_HEALTH_CHECKS makes Django give the pool psycopg's `check`: each
    # connection is tested (an empty query) when handed out, so after a PostgreSQL restart
    # the stale ones are replaced instead of failing a request each (tests/faults).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=20),
        "timeout": env.float("DB_POOL_TIMEOUT", default=10),
    }
    # The realtime publisher's reads: the same database through a pool of its own, so that
    # request threads holding every `default` connection never delay a frame (realtime/db.py).
    DATABASES["realtime"] = {
        **DATABASES["default"],
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], "pool": {
            "min_size": 1, "max_size": env.int("DB_REALTIME_POOL_MAX", default=4),
            "timeout": env.float("DB_POOL_TIMEOUT", default=10)}},
        "TEST": {"MIRROR": "default"},
    }
else:
    # SQLite serializes writers; wait for the lock instead of failing a vote under a burst.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"].setdefault("TEST", {})
    # A file, not :memory:, so that threads in transactional tests share it; one per test
    # run (TEST_DB_TAG, else the process id) so that two runs in one checkout never collide.
    DATABASES["default"]["TEST"].setdefault(
        "NAME", str(VAR_DIR / f"test-deliberation-{env.str('TEST_DB_TAG', default=str(os.getpid()))}.sqlite3")
    )
DATABASE_ROUTERS = ["realtime.db.RealtimeReadsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The pub/sub layer: it resumes after a Redis restart, the list-based layer loses groups.
    # channels_redis serializes with msgpack.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache: per-visitor daily view marks and other short-lived keys. Redis in production so
# every process shares them; process memory in the embedded default.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Realtime publisher: at most one tally frame per debate per tick, fanned out by a per-process
# registry (one Redis pub/sub subscription per group per process in production).
# "naive" (stock group_send on every change) exists only to measure against; see
# docs/performance.md.
REALTIME_MODE = env.str("REALTIME_MODE", default="coalesced")
REALTIME_TICK_SECONDS = env.float("REALTIME_TICK_SECONDS", default=0.25)
# With Redis, each process writes its per-group socket counts this often (they expire after
# three periods) and reads the others' every half period (realtime/presence.py).
REALTIME_PRESENCE_SECONDS = env.float("REALTIME_PRESENCE_SECONDS", default=2.0)
# The live dashboard (알림판) is rebuilt this often while someone has it open, never per ballot.
REALTIME_DASHBOARD_SECONDS = env.float("REALTIME_DASHBOARD_SECONDS", default=3.0)
# Ballots cast over the websocket are committed in micro-batches: one transaction per window.
BALLOT_COMMIT_WINDOW_SECONDS = env.float("BALLOT_COMMIT_WINDOW_SECONDS", default=0.003)
BALLOT_COMMIT_MAX_BATCH = env.int("BALLOT_COMMIT_MAX_BATCH", default=500)
# Where the domain's after-commit announcements go (deliberation never imports realtime).
DELIBERATION_ANNOUNCER = "realtime.publisher.announce"
# Where "this user's session ended" goes (logout, suspension, site ban): the realtime side
# closes the user's open sockets in every process (realtime/sessions.py).
DELIBERATION_SESSIONS_ENDED = "realtime.sessions.end_sessions"
# Where domain events go, in the transaction of the change (deliberation/events.py): the
# webhooks outbox. docs/webhooks.md.
DELIBERATION_EVENT_HANDLER = "deliberation.webhooks.recorder.record_event"
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=5.0)
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_CONCURRENCY = env.int("WEBHOOKS_CONCURRENCY", default=8)
# Deliveries that ran out of tries in a row before an endpoint is disabled (0: never).
WEBHOOKS_AUTO_DISABLE_AFTER = env.int("WEBHOOKS_AUTO_DISABLE_AFTER", default=5)
# For tests with a local receiver only; `check --deploy` fails when either is on.
WEBHOOKS_ALLOW_HTTP = False
WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

# --- Open API (deliberation/integrations, docs/api.md) -----------------------------------------
# Fixed-window limits through `limits`: memory in the embedded mode, Redis when REDIS_URL is set.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="120/minute")  # per API key
API_ANON_RATE_LIMIT = env.str("API_ANON_RATE_LIMIT", default="60/minute")  # per client address, reads without a key
API_RATE_LIMIT_NAMESPACE = env.str("API_RATE_LIMIT_NAMESPACE", default="api")

# --- Rate limits (deliberation/ratelimits.py, docs/security.md "rate limits") -----------------
# "N/period" per account and per client address, several windows joined with ";", "off" for
# none; each overridable as RATE_LIMIT_<POLICY>_ACCOUNT / RATE_LIMIT_<POLICY>_ADDRESS. A
# town-hall event puts hundreds of phones behind one venue address (NAT), so per-address limits
# are sized for a hall of ~500 people and the per-account limits do the real work.
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMIT_NAMESPACE = env.str("RATE_LIMIT_NAMESPACE", default="rl")


def _rate_policy(name: str, *, account: str = "off", address: str = "off") -> dict:
    prefix = f"RATE_LIMIT_{name.upper()}_"
    return {"account": env.str(prefix + "ACCOUNT", default=account),
            "address": env.str(prefix + "ADDRESS", default=address)}


RATE_LIMITS = {
    # Anonymous: per address only; a hall signing up at the door stays well under it.
    "signup": _rate_policy("signup", address="300/hour"),
    # Failed log-ins only: per typed username ("account") and per address; while either is used
    # up the form refuses without checking the password. A success clears the username's count.
    "login": _rate_policy("login", account="5/15 minutes", address="100/15 minutes"),
    "proposal": _rate_policy("proposal", account="5/10 minutes;20/day", address="200/hour"),
    "comment": _rate_policy("comment", account="6/minute;60/hour", address="600/minute"),  # and opinions
    "support": _rate_policy("support", account="30/minute", address="1500/minute"),
    "ballot": _rate_policy("ballot", account="20/minute", address="3000/minute"),
    # Websocket frames, counted in each server process's memory (a Redis round trip per frame
    # costs more than the vote): every frame per socket, and votes per account and per address.
    "ws_frame": _rate_policy("ws_frame", account="30/10 seconds"),  # "account" is the socket here; one window, one count
    "ws_vote": _rate_policy("ws_vote", account="20/minute", address="3000/minute"),
    # Socket openings: a page opens two or three and reconnects after a network blip; a hall
    # of ~500 phones shares one address.
    "ws_connect": _rate_policy("ws_connect", account="120/minute", address="3000/minute"),
}
# A socket refused this many times is closed with code 4429 (0: never).
REALTIME_RATE_LIMIT_CLOSE_AFTER = env.int("REALTIME_RATE_LIMIT_CLOSE_AFTER", default=50)
NINJA_PAGINATION_MAX_LIMIT = 100

# --- Auth -----------------------------------------------------------------------------------
# --- External sign-in (django-allauth) ---------------------------------------------------------
# The site's own log-in form stays Django's (/accounts/login/); allauth's pages live under
# /accounts/sso/. A provider is on only when its client id is set in the environment.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
SOCIALACCOUNT_PROVIDERS = {}
if env.str("OIDC_CLIENT_ID", default=""):
    INSTALLED_APPS.append("allauth.socialaccount.providers.openid_connect")
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {"OAUTH_PKCE_ENABLED": True, "APPS": [{
        "provider_id": env.str("OIDC_PROVIDER_ID", default="oidc"),
        "name": env.str("OIDC_NAME", default="OpenID Connect"),
        "client_id": env.str("OIDC_CLIENT_ID"),
        "secret": env.str("OIDC_CLIENT_SECRET", default=""),
        "settings": {"server_url": env.str("OIDC_SERVER_URL")},
    }]}
if env.str("KAKAO_CLIENT_ID", default=""):
    INSTALLED_APPS.append("allauth.socialaccount.providers.kakao")
    SOCIALACCOUNT_PROVIDERS["kakao"] = {"APPS": [{
        "client_id": env.str("KAKAO_CLIENT_ID"), "secret": env.str("KAKAO_CLIENT_SECRET", default=""),
    }]}
if env.str("NAVER_CLIENT_ID", default=""):
    INSTALLED_APPS.append("allauth.socialaccount.providers.naver")
    SOCIALACCOUNT_PROVIDERS["naver"] = {"APPS": [{
        "client_id": env.str("NAVER_CLIENT_ID"), "secret": env.str("NAVER_CLIENT_SECRET", default=""),
    }]}

# Password policy (platform admin's 전체관리자 screen shows it): minimum length and how long a
# reset link works are read from the environment.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=8)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=24) * 3600

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="민주주의 서울 <noreply@localhost>")

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Seoul"
USE_TZ = True

# --- Static ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on a missing root before collectstatic
# Uploaded debate materials (files, card-news images). Production serves MEDIA_ROOT from
# durable storage behind the proxy; the embedded default keeps them under var/.
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Production hardening (DEBUG=0) ---------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}
