"""Time at the edges: the community lives in Asia/Shanghai, the database stores UTC."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)


def local_now() -> datetime:
    return timezone.now().astimezone(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def as_aware(value: datetime) -> datetime:
    """A naive datetime means community time (Asia/Shanghai)."""
    if timezone.is_naive(value):
        return value.replace(tzinfo=LOCAL_TZ)
    return value
