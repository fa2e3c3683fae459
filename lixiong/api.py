"""What every endpoint of the API shares: one error shape and one way to read and write time.

Every error, whatever raised it, is rendered as ``{"code": ..., "detail": ..., "fields": {...}}``:
``code`` is stable (for programs), ``detail`` is translated (for people), ``fields`` maps an
input field to its messages (empty when the error is not about one field).
"""

import contextlib
from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from lixiong.errors import DomainError
from lixiong.timeutil import LOCAL_TZ, as_aware

INVALID_DETAIL = _("提交的内容有误，请检查后重试。")


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(
        help_text="Stable machine-readable code, e.g. `invalid`, `not_found`, `slot_taken`."
    )
    detail = serializers.CharField(help_text="A message for people, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Input field name -> its messages. Empty when the error concerns no one field.",
    )


def error_response(description: str) -> OpenApiResponse:
    """An OpenAPI response documented with the shared error shape."""
    return OpenApiResponse(response=ErrorSerializer, description=description)


class InvalidCredentials(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_credentials"
    default_detail = _("用户名（或邮箱）或密码不正确。")


def _error(code: str, detail, fields: dict | None = None) -> dict:
    return {"code": str(code), "detail": str(detail), "fields": fields or {}}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as a flat ``{"field": [messages]}``; nested fields are dotted
    (``"items.0.name"``), errors about no one field go under ``non_field_errors``."""
    out: dict[str, list[str]] = {}

    def add(name, value):
        for field, messages in _flatten(value, f"{prefix}.{name}" if prefix else str(name)).items():
            out.setdefault(field, []).extend(messages)

    if isinstance(detail, dict):
        for name, value in detail.items():
            add(name, value)
    elif isinstance(detail, (list, tuple)):
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list, tuple)):
                add(index, item)
            else:
                out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).append(str(item))
    else:
        out.setdefault(prefix or api_settings.NON_FIELD_ERRORS_KEY, []).append(str(detail))
    return out


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error as ``{"code", "detail", "fields"}``."""
    if isinstance(exc, DomainError):
        set_rollback()
        fields = {exc.field: [exc.message]} if exc.field else {}
        return Response(_error(exc.code, exc.message, fields), status=exc.http_status)

    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not ours: a real bug, let it be a 500

    if isinstance(exc, exceptions.ValidationError):
        response.data = _error("invalid", INVALID_DETAIL, _flatten(exc.detail))
        return response

    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
    response.data = _error(code, detail)
    return response


class LocalDateTimeField(serializers.DateTimeField):
    """ISO 8601 in and out. A time without an offset is community time (Asia/Shanghai); times
    are written with the +08:00 offset."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", LOCAL_TZ)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        # Python reads a bare date as midnight; a booking time needs the time of day.
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                if parse_date(value.strip()) is not None:
                    self.fail("date")
        return super().to_internal_value(value)

    def enforce_timezone(self, value: datetime) -> datetime:
        try:
            return as_aware(value).astimezone(LOCAL_TZ)
        except (OverflowError, ValueError):
            # An offset that pushes the time outside the years 1..9999.
            self.fail("overflow")

    def to_representation(self, value):
        if value is None:
            return None
        return as_aware(value).astimezone(LOCAL_TZ).isoformat()


class Pagination(LimitOffsetPagination):
    """Lists page by `limit` and `offset`; a limit is capped so no request can ask the
    database for an absurd page (or an integer it cannot hold)."""

    default_limit = 50
    max_limit = 200

    def get_offset(self, request):
        return min(super().get_offset(request), 10**9)
