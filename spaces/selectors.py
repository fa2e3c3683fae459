"""Reads that span several models: what a room's week looks like, what is open now."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from lixiong.timeutil import LOCAL_TZ

from .models import Booking, Closure, Compound, Space, Visit

FREE, TAKEN, PARTNER_WINDOW, CLOSED = "free", "taken", "partner_window", "closed"
MAX_DAYS = 31


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    state: str

    @property
    def is_free(self) -> bool:
        return self.state == FREE


def space_slots(
    *, space: Space, first_day: date, days: int, now: datetime | None = None
) -> list[Slot]:
    """One slot of the space's slot length per step inside its opening hours, for `days`
    local dates from `first_day`. Four queries whatever the range.

    A slot is "closed" during a closure and also when it cannot be booked any more or yet
    (past, inside the minimum notice, beyond the booking window): closed to booking.
    """
    if space.is_walk_in:
        return []  # walk-in rooms have opening hours, not slots: nobody books them
    now = now or timezone.now()
    days = max(1, min(days, MAX_DAYS))
    range_start = datetime.combine(first_day, datetime.min.time(), tzinfo=LOCAL_TZ)
    range_end = range_start + timedelta(days=days)
    hours = list(space.opening_hours.all())
    windows = list(space.partner_windows.all())
    closures = list(space.closures.filter(start__lt=range_end, end__gt=range_start))
    taken = list(
        Booking.objects.active()
        .overlapping(range_start, range_end, space=space)
        .values_list("start", "end")
    )
    earliest = now + timedelta(minutes=space.min_notice_minutes)
    latest = now + timedelta(days=space.bookable_days_ahead)
    step = timedelta(minutes=space.slot_minutes)

    slots = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        day_windows = [w.bounds_on(day) for w in windows if w.weekday == day.weekday()]
        for cursor, closes in space.opening_ranges_on(day, hours):
            while cursor + step <= closes:
                end = cursor + step
                slots.append(
                    Slot(
                        cursor,
                        end,
                        _state(cursor, end, closures, taken, day_windows, earliest, latest),
                    )
                )
                cursor = end
    return slots


def _overlaps(start, end, ranges) -> bool:
    return any(s < end and start < e for s, e in ranges)


def _state(start, end, closures, taken, windows, earliest, latest) -> str:
    if _overlaps(start, end, ((c.start, c.end) for c in closures)):
        return CLOSED
    if _overlaps(start, end, taken):
        return TAKEN
    if _overlaps(start, end, windows):
        return PARTNER_WINDOW
    if start < earliest or start >= latest:
        return CLOSED
    return FREE


def week_grid(*, space: Space, first_day: date, now: datetime | None = None) -> list[dict]:
    """The space page's week: one entry per day with its slots."""
    slots = space_slots(space=space, first_day=first_day, days=7, now=now)
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


# --- staff: who booked, and a room's week ----------------------------------------------------


@dataclass(frozen=True)
class Person:
    """What staff see of a resident: the profile page promises them this much."""

    name: str
    phone: str
    compound: str
    building: str

    @property
    def address(self) -> str:
        return " ".join(part for part in (self.compound, self.building) if part)


# The profile is reached through its relation by name: spaces imports no app above it.
PERSON_RELATED = ("booked_by__profile__compound",)


def person_of(user) -> Person:
    """The booker's display name (the account's name when the profile has none), phone,
    compound and building. Fetch bookings with select_related(*PERSON_RELATED) so a list
    of them costs no query a row."""
    profile = getattr(user, "profile", None)
    name = getattr(profile, "display_name", "") or user.get_full_name() or user.get_username()
    compound = getattr(profile, "compound", None)
    return Person(
        name=name,
        phone=getattr(profile, "phone", ""),
        compound=compound.name if compound is not None else "",
        building=getattr(profile, "building_unit", ""),
    )


@dataclass
class ClosureHits:
    """What one closure falls on: residents' bookings staff may cancel with its reason, and
    activity holds, which only the activity's own cancellation may free."""

    closure: Closure
    bookings: list
    holds: list


def closure_hits(*, space: Space, closure_ids, now: datetime | None = None) -> list[ClosureHits]:
    """The room's closures among `closure_ids` (others' ids are ignored) with the active
    bookings they overlap that have not started: those can still be cancelled. A booking hit
    by two closures is listed under the first. Cancelled bookings drop out, so a closure
    whose bookings were handled has nothing left to show. Two queries."""
    now = now or timezone.now()
    closures = list(
        space.closures.filter(pk__in=list(closure_ids), end__gt=now).order_by("start", "pk")
    )
    if not closures:
        return []
    overlap = Q()
    for closure in closures:
        overlap |= Q(start__lt=closure.end, end__gt=closure.start)
    bookings = list(
        Booking.objects.active()
        .filter(space=space, start__gt=now)
        .filter(overlap)
        .select_related(*PERSON_RELATED, "activity")
        .order_by("start")
    )
    hits, seen = [], set()
    for closure in closures:
        hit = ClosureHits(closure=closure, bookings=[], holds=[])
        for booking in bookings:
            if booking.pk in seen or not (
                booking.start < closure.end and closure.start < booking.end
            ):
                continue
            seen.add(booking.pk)
            booking.person = person_of(booking.booked_by)
            (hit.holds if booking.for_activity else hit.bookings).append(booking)
        if hit.bookings or hit.holds:
            hits.append(hit)
    return hits


@dataclass(frozen=True)
class CalendarEntry:
    kind: str  # "booking", "hold", "closure", "partner_window"
    start: datetime
    end: datetime
    label: str
    booking: Booking | None = None
    person: Person | None = None
    # For a booking: the closure it falls in, which staff have yet to deal with.
    closed_by: Closure | None = None

    @property
    def hours(self) -> str:
        start, end = self.start.astimezone(LOCAL_TZ), self.end.astimezone(LOCAL_TZ)
        # A stretch that runs to midnight ends at 24:00 of its day, not at 00:00.
        until = "24:00" if end.time() == datetime.min.time() else f"{end:%H:%M}"
        return f"{start:%H:%M}–{until}"


def room_week(*, space: Space, first_day: date) -> list[dict]:
    """Staff's view of a room's seven days from `first_day`: for each day its opening hours
    and, in time order, the active bookings (with the person, and the closure they fall in if
    any), activity holds (with the activity's title), closures (with the reason) and partner
    windows. Four queries."""
    range_start = datetime.combine(first_day, datetime.min.time(), tzinfo=LOCAL_TZ)
    range_end = range_start + timedelta(days=7)
    hours = list(space.opening_hours.all())
    windows = list(space.partner_windows.all())
    closures = list(space.closures.filter(start__lt=range_end, end__gt=range_start))
    bookings = list(
        Booking.objects.active()
        .overlapping(range_start, range_end, space=space)
        .select_related(*PERSON_RELATED, "activity")
        .order_by("start")
    )
    entries = [CalendarEntry("closure", c.start, c.end, c.reason) for c in closures]
    for booking in bookings:
        if booking.for_activity:
            activity = getattr(booking, "activity", None)
            title = activity.title if activity is not None else booking.purpose
            entries.append(CalendarEntry("hold", booking.start, booking.end, title, booking))
        else:
            person = person_of(booking.booked_by)
            closed_by = next(
                (c for c in closures if c.start < booking.end and booking.start < c.end), None
            )
            entries.append(
                CalendarEntry(
                    "booking",
                    booking.start,
                    booking.end,
                    booking.purpose,
                    booking,
                    person,
                    closed_by,
                )
            )
    days = []
    for offset in range(7):
        day = first_day + timedelta(days=offset)
        day_start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ)
        day_end = day_start + timedelta(days=1)
        day_entries = [
            CalendarEntry("partner_window", *w.bounds_on(day), w.holder)
            for w in windows
            if w.weekday == day.weekday()
        ]
        for entry in entries:
            if entry.start < day_end and day_start < entry.end:
                # A closure over several days shows on each, within the day.
                day_entries.append(
                    CalendarEntry(
                        entry.kind,
                        max(entry.start, day_start).astimezone(LOCAL_TZ),
                        min(entry.end, day_end).astimezone(LOCAL_TZ),
                        entry.label,
                        entry.booking,
                        entry.person,
                        entry.closed_by,
                    )
                )
        day_entries.sort(key=lambda e: (e.start, e.end))
        days.append(
            {
                "date": day,
                "opening": space.opening_ranges_on(day, hours),
                "entries": day_entries,
            }
        )
    return days
