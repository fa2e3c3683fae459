"""Middleware the whole portal shares (see MIDDLEWARE in settings.py for where each sits)."""

import re

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from lixiong.views import not_found

NUL = "\x00"
# JSON spells NUL as \u0000. After an even run of backslashes the sequence is an escape; after
# an odd one it is the literal text "\u0000", which is harmless.
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _querydict_has_nul(data: QueryDict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


def _body_has_nul(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in FORM_TYPES:
        # Uploaded file names need no look: Django's parser already drops NUL from them.
        return _querydict_has_nul(request.POST)
    if content_type == "application/x-www-form-urlencoded":
        # PUT and PATCH forms: Django only parses POST bodies.
        return _querydict_has_nul(QueryDict(request.body, encoding=request.encoding))
    if content_type == "application/json" or content_type.endswith("+json"):
        return bool(JSON_NUL.search(request.body))
    return False


def _bad_request(request: HttpRequest) -> HttpResponse:
    detail = _("请求中含有不允许的空字符（NUL），请删去后重试。")
    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": "invalid", "detail": detail, "fields": {}}, status=400)
    # The page reads neither the session nor the user: a NUL can be in the session cookie.
    return HttpResponse(render_to_string("400.html", {"detail": detail}), status=400)


class RejectNulBytesMiddleware:
    """A NUL character can't be stored in PostgreSQL text, and psycopg raises on it in any
    query, so a NUL anywhere in a request (path, query string, form or JSON body, cookies)
    would be a 500 on whichever page or admin filter first used it in a lookup. Refused here,
    once: 404 for a path (no such page), 400 for the rest. Other control characters are the
    forms' business."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(NUL in value for value in request.COOKIES.values()):
            return _bad_request(request)
        if NUL in request.path_info:
            return not_found(request)
        # A malformed multipart body raises here as it would in the view: Django answers 400.
        if _querydict_has_nul(request.GET) or _body_has_nul(request):
            return _bad_request(request)
        return self.get_response(request)


class ApiPrivateCacheMiddleware:
    """An API answer depends on who asks (token or session), so no shared cache on the way
    may keep it and hand it to someone else: every response under /api/ is private."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            patch_cache_control(response, private=True)
        return response
