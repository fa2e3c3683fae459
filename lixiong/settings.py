"""One env-driven settings file for every environment (see README "Configuration").

Defaults are the embedded mode of `make run`: SQLite in the project folder and Celery
running tasks eagerly, so nothing has to be started. Production sets DATABASE_URL and
REDIS_URL.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no setting. Anything but the known spellings stops the start: a typo such as
    SECURE_COOKIES=Ture must not quietly mean "off" (an empty value is refused too, since
    it is as likely a mistake as a choice)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value: use one of 1, true, yes, on or 0, false, no, off."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key only ever signs sessions of `make run`; a production start without a
# key of its own (or with .env.example's placeholder) would sign cookies anyone can forge,
# so it refuses to start.
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not DEBUG and (not SECRET_KEY or SECRET_KEY.startswith("change-me")):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set (or is still .env.example's placeholder) and DEBUG is false: "
        "set SECRET_KEY to a long random string, e.g. "
        'python -c "import secrets; print(secrets.token_urlsafe(50))".'
    )
SECRET_KEY = SECRET_KEY or "insecure-dev-key-change-me-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "lixiong",
    "notifications",
    "spaces",
    "programs",
    "partners",
    "residents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Outside the NUL check, so its 400s under /api/ are private too.
    "lixiong.middleware.ApiPrivateCacheMiddleware",
    # Before anything reads input with the database (messages, allauth, every view), and
    # after authentication so its 404 page still knows who is signed in.
    "lixiong.middleware.RejectNulBytesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "lixiong.urls"
WSGI_APPLICATION = "lixiong.wsgi.application"

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
                "lixiong.elder.elder_mode",
                "programs.context_processors.offered_seats",
            ],
        },
    },
]

# Persistent connections: opening a PostgreSQL connection per request (with password
# auth) cut booking throughput about 3x on a 2-core machine. Health checks drop a
# connection the server closed instead of failing the next request.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; IMMEDIATE takes the write lock at BEGIN so two booking
    # transactions cannot both read "free" and then both insert.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded documents (partners' business licences): never under STATIC_ROOT or a served URL;
# views hand them out one by one to those allowed (lixiong/storage.py).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media"))
# The largest business licence (or other document) an applicant may upload.
PARTNER_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "partners.uploads.SizeLimitedUploadHandler",  # drops what is past the limit
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# A new resident goes on to tell us their compound and building.
ACCOUNT_SIGNUP_REDIRECT_URL = "profile"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username", "password1*", "password2*"]
# Mandatory: a sign-up with an email that already has an account then gets the very same
# answer as a new one ("we sent you a mail"), and the owner of that account gets a mail
# saying someone tried; with "optional" or "none", allauth keeps emails unique by saying
# "already registered", which tells anyone which emails have accounts.
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory").strip()
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured(
        f"ACCOUNT_EMAIL_VERIFICATION={ACCOUNT_EMAIL_VERIFICATION!r}: use mandatory (the default; "
        "the only one that does not reveal registered emails), optional or none."
    )
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
# Following the link from the sign-up mail signs the newcomer in (same browser only).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_ADAPTER = "lixiong.throttling.AccountAdapter"
# How allauth names a person ("欢迎，阿华！" after sign-in): the name they gave in their
# profile, as staff and the rest of the portal call them, not their login name.
ACCOUNT_USER_DISPLAY = "residents.models.display_name_of"
# Labels in plain words (lixiong.account_forms); the sign-up form keeps its even timing.
ACCOUNT_FORMS = {
    "login": "lixiong.account_forms.LoginForm",
    "signup": "lixiong.account_forms.SignupForm",
    "reset_password": "lixiong.account_forms.ResetPasswordForm",
    "reset_password_from_key": "lixiong.account_forms.ResetPasswordKeyForm",
    "change_password": "lixiong.account_forms.ChangePasswordForm",
    "add_email": "lixiong.account_forms.AddEmailForm",
}

# How many reverse proxies in front of gunicorn append to X-Forwarded-For. Throttles and
# login limits key on the address the outermost of them saw; the rest of the header is
# written by the client and ignored. 0 (no proxy): the header is ignored entirely.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# What newer allauth reads natively; 65.13 asks our adapter (lixiong.throttling.client_ip).
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Failed logins per username or email (any case), over every address, HTML and API alike;
# then even the right password waits for the window to pass (lixiong.throttling).
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
# allauth's own limits, per client address. The per-login failure limit is ours (above), so
# allauth's "login_failed" keeps only its per-address part.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}

# Sessions in the database, never in the cache: a Redis outage must not sign everyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Email: console by default so `make run` prints mails instead of sending them.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# Seconds before a silent mail server counts as down: the message is then retried later
# (notifications.services), instead of a worker or a request waiting forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "沥雄社区 <noreply@lixiong.example>")
# Where "new request waiting" mails go; empty means every active staff user with an email.
STAFF_NOTIFY_EMAILS = env_list("STAFF_NOTIFY_EMAILS", "")

# Celery: without a broker tasks run eagerly inside the request, after commit.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that commits a booking must not wait on a dead broker: one quick try, then the
# message waits in the outbox for the resend job (notifications.services.enqueue).
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# max_retries 0: a publish that cannot connect fails at once (kombu would otherwise sleep and
# retry inside the request); the worker reconnects by its own broker_connection_* settings.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
# A message not sent this many minutes after it was written is sent by the resend job.
OUTBOX_RESEND_AFTER_MINUTES = env_int("OUTBOX_RESEND_AFTER_MINUTES", 5)

# The cache holds API throttle counters; with Redis they are shared by every web worker.
# Redis is reached with short timeouts, and while it is unreachable each process falls back
# to a memory cache of its own (lixiong.cache, README "When Redis is down").
CACHES = {
    "default": {
        "BACKEND": "lixiong.cache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# How many active future bookings one resident may hold at once.
LIXIONG_MAX_ACTIVE_BOOKINGS = env_int("LIXIONG_MAX_ACTIVE_BOOKINGS", 3)

REST_FRAMEWORK = {
    # Token first: DRF answers "who are you?" with the first class's challenge, and only
    # token auth has one, which makes an anonymous call the 401 it is rather than a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lixiong.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth_token": os.environ.get("API_TOKEN_RATE", "10/minute")},
    # For DRF's own throttles; ours key on lixiong.throttling.client_ip, which reads the same.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "lixiong.api.Pagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lixiong Community Spaces API",
    "DESCRIPTION": "Rooms, availability and bookings of 沥雄社区's public service spaces. "
    "Times are ISO 8601; a time without an offset means Asia/Shanghai.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (drf-spectacular-sidecar, pinned), not a CDN's
    # @latest: the docs page passes the Content Security Policy and never changes under us.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Pinned names: adding a model with a `status` must never rename another's enum in the
    # schema (generated clients would break).
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "spaces.models.Booking.Status",
        "SpaceKindEnum": "spaces.models.Space.Kind",
        "AccessModeEnum": "spaces.models.Space.AccessMode",
        "ActivityStatusEnum": "programs.models.Activity.Status",
        "RegistrationStatusEnum": "programs.models.Registration.Status",
        "OrganiserKindEnum": "programs.models.Organiser.Kind",
        "WaitlistPolicyEnum": "programs.models.Activity.WaitlistPolicy",
        "SlotStateEnum": "spaces.selectors.STATES",
        "SlotReasonEnum": "spaces.selectors.REASONS",
        "PartnerActivityStatusEnum": "partners.api.PARTNER_ACTIVITY_STATUSES",
    },
}

# Behind a reverse proxy that terminates HTTPS (docker-compose deployments). There browsers
# only ever speak HTTPS to the portal: plain HTTP is redirected, and HSTS tells the browser
# not to try HTTP again. Each can be turned off on its own (a proxy that redirects by itself,
# a trial domain) without turning off the others.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", BEHIND_HTTPS_PROXY)
# The container health check asks http://127.0.0.1:8000/healthz directly, not via the proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if BEHIND_HTTPS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Joining the browsers' preload list is a decision for whoever owns the whole domain (leaving
# it takes months), so it is off unless set, and check --deploy's reminder (W021) is silenced.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content Security Policy (django-csp): scripts, styles, fonts and fetches come from the
# portal's own origin only. No template has an inline script, style attribute or on*= handler,
# htmx and Swagger UI are static files. Images may also be data: URIs (the empty favicon,
# Swagger UI's icons). CSP_REPORT_ONLY=true sends the policy as report-only, to try a change
# without breaking pages; CSP_REPORT_URI is where browsers post violations.
_CSP_DIRECTIVES = {
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
    "report-uri": env_list("CSP_REPORT_URI", "") or None,
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per eager task is noise in `make run`; failures still log at ERROR.
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
}
