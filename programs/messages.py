"""What a registration's messages say, written into the outbox by the activity services in
the same transaction as the change they report."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from lixiong.timeutil import LOCAL_TZ
from notifications.services import Draft, messages_queue

from . import selectors
from .models import Registration


def _subject_and_lead(event: str) -> tuple[str, str]:
    return {
        "confirmed": (_("报名成功：%(title)s"), _("您已报名成功，请按时参加。")),
        "waitlisted": (
            _("已加入候补：%(title)s"),
            _("名额已满，您在候补名单第 %(place)s 位，有空位时会通知您。"),
        ),
        "promoted": (_("候补成功：%(title)s"), _("有人退出，您已从候补转为正式报名。")),
        "offered": (
            _("有空位了，请确认：%(title)s"),
            _("有空位了！名额为您保留到 %(expires)s，请在此之前确认或放弃。"),
        ),
        "confirmed_from_offer": (_("报名成功：%(title)s"), _("您已确认保留的名额。")),
        "offer_expired": (
            _("保留名额已过期：%(title)s"),
            _("您没有在时限内确认，名额已让给下一位。"),
        ),
        "activity_cancelled": (
            _("活动取消：%(title)s"),
            _("很抱歉，这个活动已取消。"),
        ),
        "moved": (
            _("活动时间或地点有变：%(title)s"),
            _("这个活动的时间或地点改了，请看下面的新安排。"),
        ),
    }[event.split(":")[0]]


def _mail(registration: Registration, event: str) -> tuple[str, str]:
    activity = registration.activity
    subject, lead = _subject_and_lead(event)
    place = 0
    if event == "waitlisted":
        place = getattr(registration, "waitlist_place", None) or selectors.waitlist_place(
            registration
        )
    expires = registration.offer_expires_at
    params = {
        "title": activity.title,
        "place": place,
        "expires": f"{expires.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}" if expires else "",
    }
    start = activity.start.astimezone(LOCAL_TZ)
    end = activity.end.astimezone(LOCAL_TZ)
    body = [
        lead % params,
        "",
        _("活动：%(title)s") % params,
        _("时间：%(when)s") % {"when": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"},
        _("地点：%(space)s") % {"space": activity.space},
        _("人数：%(n)s") % {"n": registration.party_size},
    ]
    if event == "activity_cancelled" and activity.cancel_reason:
        body.append(_("原因：%(reason)s") % {"reason": activity.cancel_reason})
    url = settings.SITE_URL + reverse("activity_short", args=[activity.share_code])
    body += ["", _("查看活动：%(url)s") % {"url": url}]
    return subject % params, "\n".join(body)


def registration_messages_queue(registrations: list[Registration], event: str) -> None:
    """Queue one message per registration about `event`, each in its resident's language.
    `event` may carry a suffix ("moved:<start>") so a second move is a new message."""
    drafts = []
    for registration in registrations:
        email = registration.resident.email
        if not email:
            continue
        with translation.override(registration.language):
            subject, body = _mail(registration, event)
        drafts.append(
            Draft(
                key=f"registration:{registration.pk}:{event}",
                address=email,
                subject=subject,
                body=body,
                recipient_id=registration.resident_id,
            )
        )
    messages_queue(drafts)
