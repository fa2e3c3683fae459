"""What other apps' pages show of a resident's activities (the home page, a compound's page),
as template tags: `spaces` renders them without importing `programs`."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import selectors

register = template.Library()


def time_left(deadline: datetime | None, now: datetime | None = None) -> str:
    """ "还剩 3 小时 20 分": how long until an offered seat's deadline, to the minute (rounded
    down, so it never promises a minute that is not there)."""
    if deadline is None:
        return ""
    seconds = int((deadline - (now or timezone.now())).total_seconds())
    if seconds <= 0:
        return _("已过期")
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("还剩 %(d)s 天 %(h)s 小时") % {"d": days, "h": hours}
    if hours:
        return _("还剩 %(h)s 小时 %(m)s 分") % {"h": hours, "m": minutes}
    return _("还剩 %(m)s 分钟") % {"m": max(minutes, 1)}


register.filter("time_left", time_left)


@register.inclusion_tag("programs/_countdown.html")
def countdown(deadline: datetime):
    """The deadline as text now, with what site.js needs to keep it ticking: the same msgids
    as `time_left`, with {d} {h} {m} for the script to fill, so both always say the same thing
    in the reader's language."""
    return {
        "deadline": deadline,
        "text": time_left(deadline),
        "formats": {
            "days": _("还剩 %(d)s 天 %(h)s 小时") % {"d": "{d}", "h": "{h}"},
            "hours": _("还剩 %(h)s 小时 %(m)s 分") % {"h": "{h}", "m": "{m}"},
            "minutes": _("还剩 %(m)s 分钟") % {"m": "{m}"},
            "over": _("已过期"),
        },
    }


@register.simple_tag
def registrations_overview(user) -> dict:
    return selectors.resident_registrations_overview(user)


@register.simple_tag
def compound_activities(compound) -> list:
    activities = selectors.compound_upcoming_activities(compound.pk)
    for activity in activities:
        activity.seats_left = selectors.seats_left(activity)
    return activities
