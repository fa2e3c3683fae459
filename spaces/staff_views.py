"""The staff's day board: every room of the community for one day, rooms down and hours across,
with pending requests approved or rejected in place. Reads come from spaces.selectors, every
decision from spaces.services."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
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


def _axis(rooms, day: date) -> tuple[datetime, datetime]:
    """From the earliest opening to the latest closing of the rooms shown, on whole hours."""
    ranges = [r for room in rooms for r in room.opening]
    if not ranges:
        return tuple(datetime.combine(day, time(h), tzinfo=LOCAL_TZ) for h in DEFAULT_HOURS)
    first = min(start for start, _end in ranges).astimezone(LOCAL_TZ)
    last = max(end for _start, end in ranges).astimezone(LOCAL_TZ)
    first = first.replace(minute=0, second=0, microsecond=0)
    if last.minute or last.second:
        last = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return first, last


def _hm(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


class _Words:
    """The board's words, translated once a request (a board of 300 rooms repeats them)."""

    def __init__(self):
        self.pending = escape(_("待审批"))
        self.approved = escape(_("已通过"))
        self.walk_in = escape(_("随时到访"))
        self.shut_all_day = escape(_("当天不开放"))


def _row_cells(room, axis_start: datetime, columns: int, words: _Words) -> str:
    """One room's cells: each column painted with what holds it (a booking over a closure over
    a partner window over the opening hours), then runs of the same thing merged into one
    cell. HTML built here, not in the template: at 300 rooms the template engine alone took
    longer than the board's whole budget."""

    def index(moment: datetime, up: bool) -> int:
        steps = (moment - axis_start) / COLUMN
        whole = int(steps) if steps >= 0 else -int(-steps)
        if up and whole < steps:
            whole += 1
        return max(0, min(columns, whole))

    # What follows `<td colspan="n"` for each thing painted: the span is joined on, never
    # formatted in (a purpose may hold braces).
    painted: list = ["shut"] * columns
    cells: dict = {"shut": ' class="c shut"></td>', "open": ' class="c open"></td>'}

    def paint(key, start, end, rest=None):
        first, last = index(start, up=False), index(end, up=True)
        if last == first and 0 < last < columns:
            last = first + 1  # shorter than a column: still seen
        painted[first:last] = [key] * (last - first)
        if rest is not None:
            cells[key] = rest

    def block(kind, start, end, body):
        return f' class="c {kind}"><span class="when">{_hm(start)}–{_hm(end)}</span> {body}</td>'

    for start, end in room.opening:
        paint("open", start, end)
    for start, end, holder in room.windows:
        text = _("机构课程：%(partner)s") % {"partner": holder} if holder else _("机构课程时段")
        paint(("window", start), start, end, block("window", start, end, escape(text)))
    for closure in room.closures:
        text = escape(_("暂停开放：%(reason)s") % {"reason": closure.reason})
        rest = block("closure", closure.start, closure.end, text)
        paint(("closure", closure.pk), closure.start, closure.end, rest)
    for booking in room.bookings:
        if booking.for_activity:
            kind, body = "activity", escape(_("活动：%(title)s") % {"title": booking.purpose})
        else:
            who = escape(
                _("%(person)s · %(n)s人") % {"person": booking.person, "n": booking.attendees}
            )
            if booking.is_pending:
                kind = "pending"
                body = (
                    f'<a href="#request-{booking.pk}">{who}</a> '
                    f'<strong class="state">{words.pending}</strong>'
                )
            else:
                kind, body = "booking", f'{who} <span class="state">{words.approved}</span>'
        rest = block(kind, booking.start, booking.end, body)
        paint(("booking", booking.pk), booking.start, booking.end, rest)

    out = []
    start = 0
    for i in range(1, columns + 1):
        if i == columns or painted[i] != painted[start]:
            out.append(f'<td colspan="{i - start}"{cells[painted[start]]}')
            start = i
    return "".join(out)


def _room_heading(room, words: _Words) -> str:
    note = ""
    if room.space.is_walk_in:
        visits = ngettext("到访 %(n)s 人次", "到访 %(n)s 人次", room.visits) % {"n": room.visits}
        note = f'<span class="room-note">{words.walk_in} · {escape(visits)}</span>'
    elif not room.opening:
        note = f'<span class="room-note">{words.shut_all_day}</span>'
    return f'<th scope="row" class="room">{escape(room.space.name)}{note}</th>'


def _board_body(rooms, axis_start: datetime, columns: int) -> str:
    """The table's bodies: one per compound, its name first, then a row per room."""
    words = _Words()
    out = []
    compound_id = None
    for room in rooms:
        if room.space.compound_id != compound_id:
            if compound_id is not None:
                out.append("</tbody>")
            compound_id = room.space.compound_id
            out.append(
                f'<tbody><tr class="compound-row"><th scope="rowgroup" colspan="{columns + 1}">'
                f'<span class="compound-name">{escape(room.space.compound.name)}</span></th></tr>'
            )
        out.append(
            f"<tr>{_room_heading(room, words)}{_row_cells(room, axis_start, columns, words)}</tr>"
        )
    if compound_id is not None:
        out.append("</tbody>")
    return mark_safe("".join(out))  # noqa: S308 (every value above went through escape())


def _requests_list(request, pending, day: date, compound) -> str:
    """The day's pending requests, each one form: approve (no reason asked) or reject with a
    reason. Built here for the same reason as the rows (a busy day has hundreds)."""
    csrf = escape(get_token(request))
    hidden = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        f'<input type="hidden" name="date" value="{day.isoformat()}">'
    )
    if compound is not None:
        hidden += f'<input type="hidden" name="compound" value="{compound.pk}">'
    pending_word = escape(_("待审批"))
    approve_word = escape(_("通过"))
    reject_word = escape(_("驳回"))
    reason_label = escape(_("驳回原因（居民会收到）"))
    too_late = escape(_("已过开始时间，不能再审批。"))
    # One reverse() for all (each costs about as much as drawing a request).
    action_for = reverse("staff_day_decide", args=[0]).replace("/0/", "/{}/")
    out = []
    for b, room, decidable in pending:
        people = ngettext("%(n)s 人", "%(n)s 人", b.attendees) % {"n": b.attendees}
        head = (
            f'<li class="request" id="request-{b.pk}"><p class="request-what">'
            f'<span class="badge pending">{pending_word}</span> '
            f"<strong>{_hm(b.start)}–{_hm(b.end)}</strong> "
            f"{escape(room.compound.name)} · {escape(room.name)}</p>"
            f"<p>{escape(b.person)} · {escape(people)} · "
            f"{escape(_('用途：%(purpose)s') % {'purpose': b.purpose})}</p>"
        )
        if not decidable:
            out.append(f'{head}<p class="muted">{too_late}</p></li>')
            continue
        action = action_for.format(b.pk)
        out.append(
            f'{head}<form method="post" action="{action}" hx-post="{action}" '
            f'hx-target="#day-board" hx-swap="outerHTML" class="request-actions">{hidden}'
            f'<button type="submit" name="decision" value="approve" class="btn" formnovalidate>'
            f"{approve_word}</button>"
            f'<span class="reject"><label for="reason-{b.pk}">{reason_label}</label>'
            f'<span class="reject-row"><input id="reason-{b.pk}" name="reason" maxlength="300" '
            f'required autocomplete="off"><button type="submit" name="decision" value="reject" '
            f'class="btn secondary">{reject_word}</button></span></span></form></li>'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above went through escape())


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
    axis_start, axis_end = _axis(rooms, day)
    columns = int((axis_end - axis_start) / COLUMN)

    now = timezone.now()
    pending = []
    for room in rooms:
        for booking in room.bookings:
            if booking.is_pending and not booking.for_activity:
                pending.append((booking, room.space, booking.start > now))
    pending.sort(key=lambda p: (p[0].start, p[1].compound.position, p[1].compound.name, p[0].pk))
    return {
        "day": day,
        "today": today,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "compounds": compounds,
        "compound": compound,
        "rooms": rooms,
        "hours": [axis_start + timedelta(hours=n) for n in range(columns // COLUMNS_AN_HOUR)],
        "columns_an_hour": COLUMNS_AN_HOUR,
        "board_body": _board_body(rooms, axis_start, columns),
        "pending_count": len(pending),
        "requests": _requests_list(request, pending, day, compound),
        "notices": notices,
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


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    # Optional here: that a rejection needs a reason is the service's rule (reason_required).
    reason = forms.CharField(
        label=gettext_lazy("驳回原因"),
        required=False,
        max_length=Booking._meta.get_field("reason").max_length,
        validators=[validate_single_line],
    )


@login_required
@require_POST
def board_decide(request, pk):
    """Approve or reject one request from the board, then show the board again: in place for
    htmx, else by redirecting back to the same board (date and compound kept)."""
    _decider(request)
    form = DecisionForm(request.POST)
    error = done = None
    if not form.is_valid():
        error = " ".join(e for errors in form.errors.values() for e in errors)
    else:
        try:
            if form.cleaned_data["decision"] == "approve":
                booking = services.booking_approve(booking=pk, by=request.user)
                done = _("已通过：%(booking)s。已通知居民。")
            else:
                booking = services.booking_reject(
                    booking=pk, by=request.user, reason=form.cleaned_data["reason"]
                )
                done = _("已驳回：%(booking)s。已通知居民。")
        except Booking.DoesNotExist:
            raise Http404 from None
        except BookingError as exc:
            error = exc.message
        else:
            done = done % {"booking": _what(booking)}
    if request.htmx:
        context = _board_context(request, request.POST)
        context["notices"] = [(error, "error")] if error else [(done, "success")]
        context["oob"] = True  # and the nav's count, which a decision changes
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


def _what(booking: Booking) -> str:
    start, end = booking.start.astimezone(LOCAL_TZ), booking.end.astimezone(LOCAL_TZ)
    return f"{booking.space.name} {start:%m-%d %H:%M}–{end:%H:%M}"
