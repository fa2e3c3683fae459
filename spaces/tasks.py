"""Mails about bookings. Tasks take ids, re-fetch, and claim a BookingMail row first so a
retried or duplicated task never mails the same thing twice."""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from lixiong.timeutil import LOCAL_TZ

from .models import Booking, BookingMail

log = logging.getLogger(__name__)


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


def _claim(booking_id: int, event: str) -> bool:
    try:
        with transaction.atomic():
            BookingMail.objects.create(booking_id=booking_id, event=event)
    except IntegrityError:
        return False
    return True


@shared_task
def send_booking_mail(booking_id: int, event: str) -> None:
    booking = Booking.objects.select_related("space__compound", "booked_by").filter(pk=booking_id)
    booking = booking.first()
    if booking is None or not booking.booked_by.email:
        return
    with transaction.atomic():
        if not _claim(booking_id, event):
            return
        with translation.override(booking.language):
            subject, body = _resident_mail(booking, event)
        # Inside the transaction: if sending fails the claim rolls back and a retry mails.
        send_mail(subject, body, None, [booking.booked_by.email])


@shared_task
def send_staff_request_mail(booking_id: int) -> None:
    booking = Booking.objects.select_related("space__compound", "booked_by").filter(pk=booking_id)
    booking = booking.first()
    if booking is None or booking.status != Booking.Status.PENDING:
        return
    recipients = settings.STAFF_NOTIFY_EMAILS or list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    with transaction.atomic():
        if not _claim(booking_id, "staff_request"):
            return
        with translation.override(settings.LANGUAGE_CODE):
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
        send_mail(subject, body, None, recipients)
