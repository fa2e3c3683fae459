"""Reads that span several models: what a room's week looks like, what is open now."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lixiong.timeutil import LOCAL_TZ

from .models import Booking, Closure, Compound, OpeningHours, PartnerWindow, Space, Visit

FREE, TAKEN, PARTNER_WINDOW, CLOSED = "free", "taken", "partner_window", "closed"
STATES = (FREE, TAKEN, PARTNER_WINDOW, CLOSED)
MAX_DAYS = 31

# Why a slot is in its state: the finer word a resident is told. The coarse `state` is what
# the API has always said (and a program may branch on); `reason` says why.
MINE = "mine"  # taken by the viewer's own booking
ACTIVITY = "activity"  # taken by an organiser's activity (its title is public)
CLOSURE = "closure"  # closed by a closure (its reason is public)
PAST = "past"
TOO_SOON = "too_soon"  # inside the room's minimum notice
BEYOND_WINDOW = "beyond_window"  # further ahead than the room's booking window
REASONS = (FREE, MINE, TAKEN, ACTIVITY, PARTNER_WINDOW, CLOSURE, PAST, TOO_SOON, BEYOND_WINDOW)

# A booking lies inside one day's opening hours, so one that touches a range starts at most a
# day before it: the bound lets the (space, start) index skip each room's whole history.
LONGEST_BOOKING = timedelta(days=1)


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    state: str
    reason: str = FREE
    note: str = ""  # the closure's reason, the partner's name or the activity's title
    booking_id: int | None = None  # the viewer's own booking, for "mine"

    @property
    def is_free(self) -> bool:
        return self.state == FREE

    @property
    def is_mine(self) -> bool:
        return self.reason == MINE

    @property
    def why(self) -> str:
        """What the slot says to a resident, in the active language."""
        if self.reason == CLOSURE:
            return _("暂停开放：%(reason)s") % {"reason": self.note}
        if self.reason == PARTNER_WINDOW:
            if self.note:
                return _("机构课程时段：%(partner)s") % {"partner": self.note}
            return _("机构课程时段")
        if self.reason == ACTIVITY:
            return _("活动：%(title)s") % {"title": self.note}
        return str(REASON_TEXTS[self.reason])


REASON_TEXTS = {
    FREE: gettext_lazy("可预约"),
    MINE: gettext_lazy("您的预约"),
    TAKEN: gettext_lazy("已被预约"),
    PAST: gettext_lazy("已过"),
    TOO_SOON: gettext_lazy("离开始太近，已不能预约"),
    BEYOND_WINDOW: gettext_lazy("超出可预约的日期"),
}


@dataclass
class _RoomRecords:
    hours: list = field(default_factory=list)
    windows: list = field(default_factory=list)
    closures: list = field(default_factory=list)
    bookings: list = field(default_factory=list)


def active_bookings_between(space_ids, range_start: datetime, range_end: datetime):
    """Active bookings of these rooms that share time with [range_start, range_end)."""
    return Booking.objects.active().filter(
        space_id__in=space_ids,
        start__gte=range_start - LONGEST_BOOKING,
        start__lt=range_end,
        end__gt=range_start,
    )


def _records(space_ids: list[int], range_start: datetime, range_end: datetime):
    """Each room's hours, partner windows, closures and active bookings around the range: four
    queries however many rooms."""
    records = {pk: _RoomRecords() for pk in space_ids}
    for hours in OpeningHours.objects.filter(space_id__in=space_ids):
        records[hours.space_id].hours.append(hours)
    for window in PartnerWindow.objects.filter(space_id__in=space_ids):
        records[window.space_id].windows.append(window)
    closures = Closure.objects.filter(
        space_id__in=space_ids, start__lt=range_end, end__gt=range_start
    )
    for closure in closures:
        records[closure.space_id].closures.append(closure)
    bookings = active_bookings_between(space_ids, range_start, range_end).values_list(
        "id", "space_id", "start", "end", "booked_by_id", "for_activity", "purpose"
    )
    for booking in bookings:
        records[booking[1]].bookings.append(booking)
    return records


def rooms_slots(
    *,
    spaces,
    first_day: date,
    days: int = 1,
    viewer=None,
    now: datetime | None = None,
) -> dict[int, list[Slot]]:
    """Every bookable room's slots for `days` local dates from `first_day`, by room id: one
    slot of the room's slot length per step inside its opening hours. Five queries at most
    (the rooms, if a queryset, and `_records`), however many rooms.

    A slot says why it cannot be booked: a closure (and its reason), a booking (the viewer's
    own, an activity's, someone else's), a partner's window (and the partner), or the time:
    past, inside the minimum notice, beyond the booking window. `viewer`'s own bookings are
    told apart; nobody else's purpose is shown.
    """
    now = now or timezone.now()
    days = max(1, min(days, MAX_DAYS))
    rooms = [space for space in spaces if not space.is_walk_in]  # walk-in rooms have no slots
    range_start = datetime.combine(first_day, datetime.min.time(), tzinfo=LOCAL_TZ)
    range_end = range_start + timedelta(days=days)
    records = _records([room.pk for room in rooms], range_start, range_end) if rooms else {}
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    result = {space.pk: [] for space in spaces}
    for room in rooms:
        result[room.pk] = _room_slots(room, records[room.pk], first_day, days, viewer_id, now)
    return result


def _room_slots(room, records, first_day, days, viewer_id, now) -> list[Slot]:
    earliest = now + timedelta(minutes=room.min_notice_minutes)
    latest = now + timedelta(days=room.bookable_days_ahead)
    step = timedelta(minutes=room.slot_minutes)
    slots = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        windows = [w for w in records.windows if w.weekday == day.weekday()]
        for cursor, closes in room.opening_ranges_on(day, records.hours):
            while cursor + step <= closes:
                end = cursor + step
                slots.append(
                    _slot(cursor, end, records, windows, day, viewer_id, now, earliest, latest)
                )
                cursor = end
    return slots


def _slot(start, end, records, windows, day, viewer_id, now, earliest, latest) -> Slot:
    for closure in records.closures:
        if closure.start < end and start < closure.end:
            return Slot(start, end, CLOSED, CLOSURE, closure.reason)
    for pk, _space, b_start, b_end, booked_by_id, for_activity, purpose in records.bookings:
        if b_start < end and start < b_end:
            if for_activity:
                return Slot(start, end, TAKEN, ACTIVITY, purpose)
            if booked_by_id == viewer_id:
                return Slot(start, end, TAKEN, MINE, booking_id=pk)
            return Slot(start, end, TAKEN, TAKEN)
    for window in windows:
        w_start, w_end = window.bounds_on(day)
        if w_start < end and start < w_end:
            return Slot(start, end, PARTNER_WINDOW, PARTNER_WINDOW, window.holder)
    if start < now:
        return Slot(start, end, CLOSED, PAST)
    if start < earliest:
        return Slot(start, end, CLOSED, TOO_SOON)
    if start >= latest:
        return Slot(start, end, CLOSED, BEYOND_WINDOW)
    return Slot(start, end, FREE)


def space_slots(
    *, space: Space, first_day: date, days: int, viewer=None, now: datetime | None = None
) -> list[Slot]:
    """One room's slots (`rooms_slots` for a single room)."""
    return rooms_slots(spaces=[space], first_day=first_day, days=days, viewer=viewer, now=now)[
        space.pk
    ]


def week_grid(
    *, space: Space, first_day: date, viewer=None, now: datetime | None = None
) -> list[dict]:
    """The space page's week: one entry per day with its slots."""
    slots = space_slots(space=space, first_day=first_day, days=7, viewer=viewer, now=now)
    days = []
    for offset in range(7):
        day = first_day + timedelta(days=offset)
        days.append(
            {"date": day, "slots": [s for s in slots if s.start.astimezone(LOCAL_TZ).date() == day]}
        )
    return days


@dataclass(frozen=True)
class SlotRow:
    """One line of a room's day as a resident reads it: a free slot (a button of its own),
    neighbouring slots that are unavailable for the same reason, run together ("14:00–16:00
    closed: floor repairs"), or a gap in the opening hours (kind "gap", no slot)."""

    start: datetime
    end: datetime
    slot: Slot | None = None

    @property
    def is_gap(self) -> bool:
        return self.slot is None


def slot_rows(slots: list[Slot]) -> list[SlotRow]:
    """A day's slots as rows: free slots one by one, unavailable ones merged while they are
    back to back with the same reason (the viewer's own bookings one by one), and the
    closed hours between opening ranges as gaps."""
    rows: list[SlotRow] = []
    for slot in slots:
        last = rows[-1] if rows else None
        if last is not None and last.end < slot.start:
            rows.append(SlotRow(last.end, slot.start))
            last = None
        same = (
            last is not None
            and not slot.is_free
            and (last.slot.reason, last.slot.note, last.slot.booking_id)
            == (slot.reason, slot.note, slot.booking_id)
        )
        if same:
            rows[-1] = SlotRow(last.start, slot.end, last.slot)
        else:
            rows.append(SlotRow(slot.start, slot.end, slot))
    return rows


def room_calendar(
    *, space: Space, day: date | None = None, viewer=None, now: datetime | None = None
) -> dict:
    """A bookable room's page: the bookable days (each with how many slots are still free),
    the chosen day's rows, and the week around it; one `space_slots` read (four queries).

    Without a `day`, the first bookable day with a free slot (today, unless today is over or
    full: a resident opening the page at nine in the evening sees tomorrow)."""
    now = now or timezone.now()
    window = bookable_days(space, now)
    # Every week the window touches, in one read of at most MAX_DAYS days; days past that (a
    # window of more than about three weeks) show no count on their chip.
    first = window[0] - timedelta(days=window[0].weekday())
    last = min(
        window[-1] + timedelta(days=6 - window[-1].weekday()),
        first + timedelta(days=MAX_DAYS - 1),
    )
    by_day: dict[date, list[Slot]] = {}

    def read(from_day: date, to_day: date) -> None:
        days = (to_day - from_day).days + 1
        for slot in space_slots(space=space, first_day=from_day, days=days, viewer=viewer, now=now):
            by_day.setdefault(slot.start.astimezone(LOCAL_TZ).date(), []).append(slot)

    read(first, last)
    chips = [
        {"date": d, "free": sum(s.is_free for s in by_day.get(d, [])) if d <= last else None}
        for d in window
    ]
    if day is None:
        day = next((chip["date"] for chip in chips if chip["free"]), window[0])
    monday = day - timedelta(days=day.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    if week[-1] > last:  # a chosen week beyond the first read: a second read for it
        read(max(monday, last + timedelta(days=1)), week[-1])
    return {
        "day": day,
        "day_rows": slot_rows(by_day.get(day, [])),
        "day_has_free": any(s.is_free for s in by_day.get(day, [])),
        "bookable_days": chips,
        "first_bookable_day": window[0],
        "last_bookable_day": window[-1],
        "monday": monday,
        "days": [{"date": d, "slots": by_day.get(d, [])} for d in week],
        # Week navigation stays inside the booking window: no week before this one, none
        # after the one holding its last day.
        "previous_week": max(monday - timedelta(days=7), window[0]) if monday > window[0] else None,
        "next_week": monday + timedelta(days=7)
        if monday + timedelta(days=7) <= window[-1]
        else None,
    }


def bookable_days(space: Space, now: datetime | None = None) -> list[date]:
    """The local dates a resident may book this room on: today up to the day the booking
    window ends (the window `_room_slots` applies: `bookable_days_ahead` days from now to the
    minute, so its last day is the one holding the last moment before it ends)."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL_TZ).date()
    last = (now + timedelta(days=space.bookable_days_ahead, microseconds=-1)).astimezone(LOCAL_TZ)
    return [today + timedelta(days=n) for n in range(max(0, (last.date() - today).days) + 1)]


def compounds_with_spaces(now: datetime | None = None) -> list[Compound]:
    """The home page: every compound with its active spaces, each walk-in room marked open
    or closed now. Three queries."""
    now = now or timezone.now()
    spaces = Space.objects.filter(is_active=True).prefetch_related(
        "opening_hours",
        Prefetch(
            "closures", queryset=Closure.objects.filter(start__lte=now, end__gt=now), to_attr="now"
        ),
    )
    compounds = list(Compound.objects.prefetch_related(Prefetch("spaces", queryset=spaces)))
    for compound in compounds:
        for space in compound.spaces.all():
            space.open_now = space.is_open_at(now) and not space.now
    return compounds


def walk_in_state(space: Space, now: datetime | None = None) -> dict:
    """A walk-in room right now: open or not (hours and closures), when it opens next if not,
    and today's visitors."""
    now = now or timezone.now()
    closures = list(space.closures.filter(end__gt=now).order_by("start"))
    closure = next((c for c in closures if c.start <= now), None)
    local = now.astimezone(LOCAL_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    visits = Visit.objects.filter(space=space, visited_at__gte=midnight)
    hours = space.opening_hours.all()
    open_now = space.is_open_at(now, hours) and closure is None
    return {
        "open_now": open_now,
        "closure_now": closure,
        "has_hours": bool(hours),
        "opens_next": None if open_now else opens_next(space, now, hours=hours, closures=closures),
        "visits_today": visits.aggregate(total=Sum("head_count"))["total"] or 0,
        "visit_count_today": visits.count(),
    }


def opens_next(space: Space, now: datetime, *, hours=None, closures=None) -> datetime | None:
    """The first moment from `now` on that lies in the room's opening hours and in none of its
    closures: "opens next: tomorrow 08:00". A closure that ends inside opening hours opens the
    room when it ends; one that ends after closing time, at the next opening time. None when
    the room has no opening hours or reopens at the end of the calendar.

    `closures` are the room's closures that end after `now`, in order of start (read from the
    database when not given)."""
    hours = list(space.opening_hours.all() if hours is None else hours)
    if not hours:
        return None
    if closures is None:
        closures = list(space.closures.filter(end__gt=now).order_by("start"))
    moment = now
    # Each turn either answers or moves past one closure, so this ends.
    for _turn in range(len(closures) + 1):
        opening = _opening_from(space, moment, hours)
        if opening is None:
            return None
        closure = next((c for c in closures if c.start <= opening < c.end), None)
        if closure is None:
            return opening
        moment = closure.end
    return None


def _opening_from(space: Space, moment: datetime, hours) -> datetime | None:
    """`moment` if the opening hours cover it, else the next opening time (within a week,
    since the hours repeat weekly)."""
    local = moment.astimezone(LOCAL_TZ)
    try:
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            for opens, closes in space.opening_ranges_on(day, hours):
                if closes > moment:
                    return max(opens, moment)
    except OverflowError:  # a closure that ends at the end of the calendar
        return None
    return None


def bookings_of(user, *, upcoming: bool):
    now = timezone.now()
    qs = Booking.objects.filter(booked_by=user).select_related("space__compound")
    if upcoming:
        return qs.filter(end__gt=now).order_by("start")
    return qs.filter(Q(end__lte=now)).order_by("-start")
