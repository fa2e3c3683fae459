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
