from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        return "down"


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "eager"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        return "ok"
    except Exception:
        return "down"


def healthz(request):
    """For load balancers and docker-compose health checks: 503 when the database is down;
    a broker that is down degrades mail, not booking, so it is reported but not fatal."""
    state = {"database": _database_state(), "broker": _broker_state()}
    status = 200 if state["database"] == "ok" else 503
    state["status"] = "ok" if status == 200 and state["broker"] != "down" else "degraded"
    return JsonResponse(state, status=status)
