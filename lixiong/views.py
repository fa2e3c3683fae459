from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


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


def not_found(request, exception=None):
    """API clients get the API's error shape; people get a page in their language."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "detail": str(_("未找到。")), "fields": {}}, status=404
        )
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "server_error", "detail": str(_("服务器出错了，请稍后再试。")), "fields": {}},
            status=500,
        )
    return render(request, "500.html", status=500)
