"""What a booking's messages say, written into the outbox by the booking services in the same
transaction as the change they report."""

import time

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from lixiong.timeutil import LOCAL_TZ
from notifications.services import Draft, messages_queue, staff_with_permission

from .models import Booking


def _when(booking: Booking) -> str:
    start = booking.start.astimezone(LOCAL_TZ)
    end = booking.end.astimezone(LOCAL_TZ)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _resident_mail(booking: Booking, event: str) -> tuple[str, str]:
    subjects = {
        "received": _("已收到您的预约申请：%(space)s"),
        "approved": _("您的预约已通过：%(space)s"),
        "rejected": _("您的预约未通过：%(space)s"),
        "cancelled": _("您的预约已取消：%(space)s"),
    }
    lines = {
        "received": _("我们已收到您的预约申请，工作人员审批后会再通知您。"),
        "approved": _("您的预约已通过，请按时到场。"),
        "rejected": _("很抱歉，您的预约未通过。"),
        "cancelled": _("您的预约已取消。"),
    }
    subject = subjects[event] % {"space": booking.space}
    body = [
        lines[event],
        "",
        _("场地：%(space)s") % {"space": booking.space},
        _("时间：%(when)s") % {"when": _when(booking)},
        _("用途：%(purpose)s") % {"purpose": booking.purpose},
    ]
    if booking.reason:
        body.append(_("原因：%(reason)s") % {"reason": booking.reason})
    body += ["", _("查看我的预约：%(url)s") % {"url": settings.SITE_URL + reverse("my_bookings")}]
    return subject, "\n".join(body)


def _staff_mail(booking: Booking) -> tuple[str, str]:
    subject = _("新的预约申请待审批：%(space)s") % {"space": booking.space}
    admin_url = reverse("admin:spaces_pendingbooking_changelist")
    body = "\n".join(
        [
            _("场地：%(space)s") % {"space": booking.space},
            _("时间：%(when)s") % {"when": _when(booking)},
            _("预约人：%(who)s") % {"who": booking.booked_by.get_username()},
            _("用途：%(purpose)s") % {"purpose": booking.purpose},
            _("人数：%(n)s") % {"n": booking.attendees},
            "",
            _("去审批：%(url)s") % {"url": settings.SITE_URL + admin_url},
        ]
    )
    return subject, body


# Who hears of a new request: computed once a minute per process, not on every booking (the
# query looks at every staff account and their groups' permissions).
DECIDERS_TTL_SECONDS = 60.0
_deciders: tuple[float, list[tuple[int | None, str]]] = (0.0, [])


def staff_deciders() -> list[tuple[int | None, str]]:
    """(user id, email) of the staff who may decide on requests: STAFF_NOTIFY_EMAILS if set,
    else every active staff account with the permission to change bookings and an email."""
    global _deciders
    if settings.STAFF_NOTIFY_EMAILS:
        return [(None, email) for email in settings.STAFF_NOTIFY_EMAILS]
    fetched_at, deciders = _deciders
    if time.monotonic() - fetched_at < DECIDERS_TTL_SECONDS:
        return deciders
    deciders = staff_with_permission("spaces.change_booking")
    _deciders = (time.monotonic(), deciders)
    return deciders


def forget_staff_deciders() -> None:
    """Staff accounts changed (tests, or an admin editing permissions): ask again."""
    global _deciders
    _deciders = (0.0, [])


def booking_messages_queue(booking: Booking, event: str, *, tell_staff: bool = False) -> None:
    """Queue the booker's message about `event` (and the staff's, for a new request)."""
    drafts = []
    if booking.booked_by.email:
        with translation.override(booking.language):
            subject, body = _resident_mail(booking, event)
        drafts.append(
            Draft(
                key=f"booking:{booking.pk}:{event}",
                address=booking.booked_by.email,
                subject=subject,
                body=body,
                recipient_id=booking.booked_by_id,
            )
        )
    if tell_staff:
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _staff_mail(booking)
        drafts += [
            Draft(
                key=f"booking:{booking.pk}:staff_request:{user_id or email}",
                address=email,
                subject=subject,
                body=body,
                recipient_id=user_id,
            )
            for user_id, email in staff_deciders()
        ]
    messages_queue(drafts)
