"""Elder-friendly mode (适老化): larger text, stronger contrast, bigger targets, switched on
and off from every page and remembered in a cookie, so it also holds for visitors who never
sign in (and for a shared family phone, whoever signs in on it)."""

from django.conf import settings
from django.views.decorators.http import require_POST

from lixiong.redirects import back_to

COOKIE = "elder_mode"
# A year: the switch is a lasting need, not a passing preference.
COOKIE_AGE = 365 * 24 * 60 * 60


def is_on(request) -> bool:
    return request.COOKIES.get(COOKIE) == "1"


def elder_mode(request) -> dict:
    """Context processor: `elder_mode` for the <html> class and the switch's label."""
    return {"elder_mode": is_on(request)}


@require_POST
def switch(request):
    """Turn the mode on (mode=on) or off (anything else) and go back where the person was."""
    response = back_to(request, request.POST, "/")
    if request.POST.get("mode") == "on":
        response.set_cookie(
            COOKIE,
            "1",
            max_age=COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    else:
        response.delete_cookie(COOKIE, samesite="Lax")
    return response
