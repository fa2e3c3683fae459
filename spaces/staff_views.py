"""The staff's day board: every room of the community for one day, rooms down and hours across,
with pending requests approved or rejected in place. Reads come from spaces.selectors, every
decision from spaces.services."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lixiong.timeutil import LOCAL_TZ, local_today
from lixiong.validators import validate_single_line

from . import selectors, services
from .errors import BookingError
from .models import Booking, Compound, Space

# The board's columns: a quarter of an hour each, so 90-minute activities and half-hour slots
# fall on a column's edge. A table with colspans, not positioned boxes: the Content Security
# Policy forbids inline styles, and a table prints and reads in order without them.
COLUMN = timedelta(minutes=15)
COLUMNS_AN_HOUR = 4
DEFAULT_HOURS = (8, 22)  # the axis when no room shown opens that day
FURTHEST = 366 * 5  # days from today a board may show; beyond, date arithmetic overflows


@dataclass
class Cell:
    span: int
    kind: str  # shut, open, window, closure, booking, pending, activity
    start: datetime | None = None
    end: datetime | None = None
    text: str = ""
    booking: Booking | None = None


def _axis(rooms) -> tuple[datetime, datetime] | None:
    """From the earliest opening to the latest closing of the rooms shown, on whole hours."""
    ranges = [r for room in rooms for r in room.opening]
    if not ranges:
        return None
    first = min(start for start, _end in ranges).astimezone(LOCAL_TZ)
    last = max(end for _start, end in ranges).astimezone(LOCAL_TZ)
    first = first.replace(minute=0, second=0, microsecond=0)
    if last.minute or last.second:
        last = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return first, last


def _row(room, axis_start: datetime, columns: int) -> list[Cell]:
    """One room's cells: each column painted with what holds it (a booking over a closure over
    a partner window over the opening hours), then runs of the same thing merged."""

    def index(moment: datetime, up: bool) -> int:
        steps = (moment - axis_start) / COLUMN
        whole = int(steps) if steps >= 0 else -int(-steps)
        if up and whole < steps:
            whole += 1
        return max(0, min(columns, whole))

    painted: list[tuple] = [("shut",)] * columns
    details: dict[tuple, Cell] = {("shut",): Cell(0, "shut"), ("open",): Cell(0, "open")}

    def paint(key, start, end, cell):
        first, last = index(start, up=False), index(end, up=True)
        if last == first and 0 < last < columns:
            last = first + 1  # shorter than a column: still seen
        painted[first:last] = [key] * (last - first)
        details[key] = cell

    for start, end in room.opening:
        paint(("open",), start, end, details[("open",)])
    for start, end, holder in room.windows:
        text = _("机构课程：%(partner)s") % {"partner": holder} if holder else _("机构课程时段")
        paint(("window", start), start, end, Cell(0, "window", start, end, text))
    for closure in room.closures:
        text = _("暂停开放：%(reason)s") % {"reason": closure.reason}
        paint(
            ("closure", closure.pk),
            closure.start,
            closure.end,
            Cell(0, "closure", closure.start, closure.end, text),
        )
    for booking in room.bookings:
        if booking.for_activity:
            kind, text = "activity", _("活动：%(title)s") % {"title": booking.purpose}
        else:
            kind = "pending" if booking.status == Booking.Status.PENDING else "booking"
            text = _("%(person)s · %(n)s人") % {"person": booking.person, "n": booking.attendees}
        paint(
            ("booking", booking.pk),
            booking.start,
            booking.end,
            Cell(0, kind, booking.start, booking.end, text, booking),
        )

    cells: list[Cell] = []
    previous = None
    for key in painted:
        if key == previous:
            cells[-1].span += 1
            continue
        template = details[key]
        cells.append(
            Cell(1, template.kind, template.start, template.end, template.text, template.booking)
        )
        previous = key
    return cells


def _board_context(request, data) -> dict:
    """Everything the board shows for ?date= and ?compound= (from a GET or a decision's POST).
    A bad date shows today, an unknown compound every compound, each with a word why."""
    today = local_today()
    notices = []
    raw_date = (data.get("date") or "").strip()
    try:
        day = date.fromisoformat(raw_date) if raw_date else today
    except ValueError:
        day = today
        notices.append(_("日期无效，已显示今天。"))
    if abs((day - today).days) > FURTHEST:
        day = today
        notices.append(_("日期超出范围，已显示今天。"))
    compounds = list(Compound.objects.all())
    compound = None
    raw_compound = (data.get("compound") or "").strip()
    if raw_compound:
        compound = next((c for c in compounds if str(c.pk) == raw_compound), None)
        if compound is None:
            notices.append(_("没有这个小区，已显示全部小区。"))

    spaces = Space.objects.filter(is_active=True).select_related("compound")
    if compound is not None:
        spaces = spaces.filter(compound=compound)
    rooms = selectors.day_board(spaces=spaces, day=day)
    axis = _axis(rooms)
    if axis is None:
        axis = tuple(datetime.combine(day, time(h), tzinfo=LOCAL_TZ) for h in DEFAULT_HOURS)
    axis_start, axis_end = axis
    columns = int((axis_end - axis_start) / COLUMN)
    hours = [axis_start + timedelta(hours=n) for n in range(columns // COLUMNS_AN_HOUR)]

    now = timezone.now()
    groups: list[dict] = []
    pending = []
    for room in rooms:
        if not groups or groups[-1]["compound"].pk != room.space.compound_id:
            groups.append({"compound": room.space.compound, "rows": []})
        groups[-1]["rows"].append({"room": room, "cells": _row(room, axis_start, columns)})
        for booking in room.bookings:
            if booking.status == Booking.Status.PENDING and not booking.for_activity:
                booking.room = room.space
                booking.decidable = booking.start > now
                pending.append(booking)
    pending.sort(key=lambda b: (b.start, b.room.compound.position, b.pk))
    query = {"date": day.isoformat()}
    if compound is not None:
        query["compound"] = compound.pk
    return {
        "day": day,
        "today": today,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "compounds": compounds,
        "compound": compound,
        "groups": groups,
        "hours": hours,
        "columns": columns,
        "columns_an_hour": COLUMNS_AN_HOUR,
        "pending": pending,
        "room_count": len(rooms),
        "notices": notices,
        "board_query": urlencode(query),
        "reject_form": RejectForm(),
    }


def _decider(request) -> None:
    # The same test as the services' (and the admin actions' permission): a staff account
    # without it gets the portal's 403 page.
    if not services.can_decide(request.user):
        raise PermissionDenied


@login_required
def day_board(request):
    _decider(request)
    context = _board_context(request, request.GET)
    for notice in context["notices"]:
        messages.info(request, notice)
    context["notices"] = []
    return render(request, "spaces/day_board.html", context)


class RejectForm(forms.Form):
    # Optional here: that a reason is required is the service's rule (reason_required).
    reason = forms.CharField(
        label=gettext_lazy("驳回原因"),
        required=False,
        max_length=Booking._meta.get_field("reason").max_length,
        validators=[validate_single_line],
    )


def _decide(request, pk: int, act, done: str):
    """Run one decision on a booking from the board, then show the board again: in place for
    htmx, else by redirecting back to the same board."""
    _decider(request)
    error = None
    try:
        booking = act(pk)
    except Booking.DoesNotExist:
        raise Http404 from None
    except BookingError as exc:
        error = exc.message
    except forms.ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        done = done(booking)
    if request.htmx:
        context = _board_context(request, request.POST)
        context["notices"] = [(error, "error")] if error else [(done, "success")]
        return render(request, "spaces/_day_board.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(_board_url(request.POST))


def _board_url(data) -> str:
    query = {key: data[key] for key in ("date", "compound") if data.get(key)}
    url = reverse("staff_day")
    return f"{url}?{urlencode(query)}" if query else url


@login_required
@require_POST
def board_approve(request, pk):
    return _decide(
        request,
        pk,
        lambda pk: services.booking_approve(booking=pk, by=request.user),
        lambda booking: _("已通过：%(booking)s。已通知居民。") % {"booking": _what(booking)},
    )


@login_required
@require_POST
def board_reject(request, pk):
    def reject(pk):
        form = RejectForm(request.POST)
        if not form.is_valid():
            raise forms.ValidationError([e for errors in form.errors.values() for e in errors])
        return services.booking_reject(
            booking=pk, by=request.user, reason=form.cleaned_data["reason"]
        )

    return _decide(
        request,
        pk,
        reject,
        lambda booking: _("已驳回：%(booking)s。已通知居民。") % {"booking": _what(booking)},
    )


def _what(booking: Booking) -> str:
    start, end = booking.start.astimezone(LOCAL_TZ), booking.end.astimezone(LOCAL_TZ)
    return f"{booking.space.name} {start:%m-%d %H:%M}–{end:%H:%M}"
