"""The Redis cache, with a per-process memory cache to fall back on while Redis is away.

The cache holds rate-limit counters (the API throttles, allauth's login and sign-up limits,
the per-account login failures) and short-lived copies of things the database also has.
None of that is worth refusing a request for: with Redis unreachable, a login must not be a
500. So a Redis error is logged, this process stops asking Redis for a while (a dead host
would otherwise cost a socket timeout on every cache call), and the same call goes to a
memory cache of its own. Limits keep working, counted per worker process instead of across
all of them, until Redis answers again. See README "When Redis is down".
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# After a failure, how long a process uses its memory cache before trying Redis again: one
# slow or refused connection per interval, and one log line.
RETRY_AFTER_SECONDS = 30.0

# Enough counters for a busy hour of distinct clients: culling (which LocMemCache does when
# full) forgets counters, which would reset limits.
FALLBACK_MAX_ENTRIES = 20_000

# Per process, shared by the per-thread cache instances Django creates: when Redis (named by
# its location) may be tried again.
_retry_at: dict[str, float] = {}
_lock = threading.Lock()


class FallbackRedisCache(RedisCache):
    """Django's RedisCache; on a Redis error the call is answered by a local memory cache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        # LocMemCache instances with one name share their storage, so every thread of the
        # process sees the same fallback counters.
        self._fallback = LocMemCache(
            f"lixiong-fallback:{self._location}",
            {
                **{key: value for key, value in params.items() if key != "OPTIONS"},
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() < _retry_at.get(self._location, 0.0):
            return getattr(self._fallback, method)(*args, **kwargs)
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except RedisError as exc:
            with _lock:
                first = _retry_at.get(self._location) is None
                _retry_at[self._location] = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "Redis cache unreachable (%s: %s); %s this process's memory cache, "
                "retrying in %d s",
                type(exc).__name__,
                exc,
                "using" if first else "still using",
                RETRY_AFTER_SECONDS,
            )
            return getattr(self._fallback, method)(*args, **kwargs)
        if self._location in _retry_at:
            with _lock:
                was_down = _retry_at.pop(self._location, None) is not None
            if was_down:
                logger.warning("Redis cache is back; this process uses it again")
        return result

    # Every BaseCache operation (get_or_set, decr, the async variants...) goes through these.
    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        # Both: counters written to memory during an outage must not survive a clear.
        self._fallback.clear()
        return self._call("clear")
