"""Words for times on residents' pages."""

from datetime import timedelta

from django import template
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lixiong.timeutil import LOCAL_TZ, local_today

register = template.Library()


@register.simple_tag
def day_and_time(moment) -> str:
    """ "今天 08:00", "明天 08:00", else "12月5日 星期六 08:00": how a resident says when a
    room opens next."""
    local = moment.astimezone(LOCAL_TZ)
    today = local_today()
    if local.date() == today:
        day = _("今天")
    elif local.date() == today + timedelta(days=1):
        day = _("明天")
    else:
        day = date_format(local, pgettext("month, day and weekday, for a date format", "n月j日 l"))
    return f"{day} {local:%H:%M}"
