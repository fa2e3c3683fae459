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
    """A walk-in room right now: open or not (hours and closures), and today's visitors."""
    now = now or timezone.now()
    closure = space.closures.filter(start__lte=now, end__gt=now).first()
    local = now.astimezone(LOCAL_TZ)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    visits = Visit.objects.filter(space=space, visited_at__gte=midnight)
    return {
        "open_now": space.is_open_at(now) and closure is None,
        "closure_now": closure,
        "visits_today": visits.aggregate(total=Sum("head_count"))["total"] or 0,
        "visit_count_today": visits.count(),
    }


def bookings_of(user, *, upcoming: bool):
    now = timezone.now()
    qs = Booking.objects.filter(booked_by=user).select_related("space__compound")
    if upcoming:
        return qs.filter(end__gt=now).order_by("start")
    return qs.filter(Q(end__lte=now)).order_by("-start")


# --- the staff's day board ------------------------------------------------------------------


@dataclass(slots=True)
class BoardBooking:
    """An active booking as the board shows it: read as plain values, not model instances
    (a day of 300 rooms holds some 500 bookings, and building a booking, its booker and the
    profile for each cost more than the rest of the board)."""

    pk: int
    space_id: int
    start: datetime
    end: datetime
    status: str
    for_activity: bool
    purpose: str  # an activity's hold carries the activity's title
    attendees: int
    person: str  # the booker's display name

    @property
    def is_pending(self) -> bool:
        return self.status == Booking.Status.PENDING


@dataclass
class BoardRoom:
    """One room's day as the staff's day board draws it: what is there, not what a resident
    could book (that is `rooms_slots`)."""

    space: Space
    opening: list  # the day's opening ranges, aware
    bookings: list  # BoardBooking, by start
    closures: list
    windows: list  # (start, end, partner) on the day
    visits: int | None = None  # a walk-in room's head count that day


def _person_name(username: str, first: str, last: str, display_name: str | None) -> str:
    # residents.models.display_name_of, on values: `spaces` may not import `residents` (apps
    # depend downward), and the profile's name comes in the bookings' own query.
    return display_name or f"{first} {last}".strip() or username


def day_board(*, spaces, day: date) -> list[BoardRoom]:
    """Every room's day for the staff: opening hours, partner windows, closures, active
    bookings (with the person's name) and, for walk-in rooms, the day's visits. Five queries
    at most, however many rooms."""
    spaces = list(spaces)
    if not spaces:
        return []
    space_ids = [space.pk for space in spaces]
    day_start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ)
    day_end = day_start + timedelta(days=1)
    rooms = {space.pk: BoardRoom(space, [], [], [], []) for space in spaces}
    hours: dict[int, list] = {pk: [] for pk in space_ids}
    for opening in OpeningHours.objects.filter(space_id__in=space_ids, weekday=day.weekday()):
        hours[opening.space_id].append(opening)
    for space in spaces:
        rooms[space.pk].opening = space.opening_ranges_on(day, hours[space.pk])
    windows = PartnerWindow.objects.filter(space_id__in=space_ids, weekday=day.weekday())
    for window in windows.order_by("opens"):
        rooms[window.space_id].windows.append((*window.bounds_on(day), window.holder))
    closures = Closure.objects.filter(space_id__in=space_ids, start__lt=day_end, end__gt=day_start)
    for closure in closures:
        rooms[closure.space_id].closures.append(closure)
    bookings = (
        active_bookings_between(space_ids, day_start, day_end)
        .order_by("start")
        .values_list(
            "id",
            "space_id",
            "start",
            "end",
            "status",
            "for_activity",
            "purpose",
            "attendees",
            "booked_by__username",
            "booked_by__first_name",
            "booked_by__last_name",
            "booked_by__profile__display_name",
        )
    )
    for row in bookings:
        booking = BoardBooking(*row[:8], _person_name(*row[8:]))
        rooms[booking.space_id].bookings.append(booking)
    walk_in_ids = [space.pk for space in spaces if space.is_walk_in]
    if walk_in_ids:
        for room in walk_in_ids:
            rooms[room].visits = 0
        visits = (
            Visit.objects.filter(
                space_id__in=walk_in_ids, visited_at__gte=day_start, visited_at__lt=day_end
            )
            .values("space_id")
            .annotate(total=Sum("head_count"))
            .order_by()
        )
        for row in visits:
            rooms[row["space_id"]].visits = row["total"]
    return [rooms[pk] for pk in space_ids]


def pending_requests_count(now: datetime | None = None) -> int:
    """How many requests wait for staff: pending bookings that have not started (a request
    whose time has passed can no longer be approved). One COUNT on the (status, start) index."""
    return Booking.objects.filter(
        status=Booking.Status.PENDING, start__gt=now or timezone.now()
    ).count()
