"""The product's settings as production runs them, plus one trivial view for the bench.

Only `make bench` loads this module (bench/bench.py puts this folder on the path), so the
product itself has no bench URL. Everything else comes from lixiong.settings and the
environment bench.py sets (DEBUG=false, DATABASE_URL, REDIS_URL).
"""

import os

from lixiong.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
# collectstatic writes here first: DEBUG=false serves the manifest's hashed names.
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
# Plain HTTP on loopback: no HTTPS redirect or secure-only cookies, whatever the deploy
# defaults become.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The worker builds every mail as in production and hands it to a backend that drops it.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
