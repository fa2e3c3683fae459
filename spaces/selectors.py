"""Reads that span several models: what a room's week looks like, what is open now."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Sum
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


def _active_spaces_marked_open(now: datetime):
    """Active rooms with what tells whether a walk-in room is open now (hours, closures)."""
    return Space.objects.filter(is_active=True).prefetch_related(
        "opening_hours",
        Prefetch(
            "closures", queryset=Closure.objects.filter(start__lte=now, end__gt=now), to_attr="now"
        ),
    )


def _mark_open_now(spaces, now: datetime) -> None:
    for space in spaces:
        space.open_now = space.is_open_at(now) and not space.now


def compounds_with_spaces(now: datetime | None = None) -> list[Compound]:
    """Every compound with its active spaces, each walk-in room marked open or closed now.
    Three queries."""
    now = now or timezone.now()
    spaces = _active_spaces_marked_open(now)
    compounds = list(Compound.objects.prefetch_related(Prefetch("spaces", queryset=spaces)))
    for compound in compounds:
        _mark_open_now(compound.spaces.all(), now)
    return compounds


def compounds_overview(user=None) -> list[Compound]:
    """The home page's compounds: each with how many rooms it has to walk into or to book,
    the signed-in resident's own compound (their profile's) first, marked `is_mine`. One
    query; the rooms themselves are on each compound's own page."""
    active = Q(spaces__is_active=True)
    compounds = Compound.objects.annotate(
        walk_in_rooms=Count(
            "spaces", filter=active & Q(spaces__access_mode=Space.AccessMode.WALK_IN)
        ),
        bookable_rooms=Count(
            "spaces", filter=active & Q(spaces__access_mode=Space.AccessMode.BOOKABLE)
        ),
    )
    if user is not None and user.is_authenticated:
        # Through the profiles' reverse relation, so spaces need not import residents.
        lives_here = Compound.objects.filter(pk=OuterRef("pk"), residents__user=user)
        compounds = compounds.annotate(is_mine=Exists(lives_here)).order_by(
            "-is_mine", *Compound._meta.ordering
        )
    return list(compounds)


def compound_with_spaces(pk, now: datetime | None = None) -> Compound | None:
    """One compound's page: the compound and its active rooms, walk-in rooms marked open or
    closed now. Three queries whatever the number of rooms; None when there is no such
    compound."""
    now = now or timezone.now()
    spaces = _active_spaces_marked_open(now)
    compound = (
        Compound.objects.filter(pk=pk).prefetch_related(Prefetch("spaces", queryset=spaces)).first()
    )
    if compound is not None:
        _mark_open_now(compound.spaces.all(), now)
    return compound


@dataclass(frozen=True)
class ClosureNotice:
    """A closure of a room over one of the resident's active bookings."""

    closure: Closure
    bookings: list


def resident_bookings_overview(user, *, now: datetime | None = None, limit: int = 5) -> dict:
    """What the resident's home page says about their bookings: the next few (active ones,
    and ones staff turned down or cancelled, so the resident sees why), and every closure that
    falls on one of their active bookings. Two queries."""
    now = now or timezone.now()
    upcoming = list(
        Booking.objects.filter(booked_by=user, end__gt=now)
        .filter(
            Q(status__in=Booking.ACTIVE_STATUSES)
            | (~Q(decided_by=F("booked_by")) & Q(decided_by__isnull=False))
        )
        .select_related("space__compound")
        .order_by("start")[:50]
    )
    active = [b for b in upcoming if b.is_active]
    notices = []
    if active:
        mine = Booking.objects.active().filter(
            booked_by=user,
            space=OuterRef("space"),
            start__lt=OuterRef("end"),
            end__gt=OuterRef("start"),
        )
        closures = (
            Closure.objects.filter(end__gt=now, space__in={b.space_id for b in active})
            .filter(Exists(mine))
            .select_related("space__compound")
            .order_by("start")
        )
        for closure in closures:
            hit = [
                b
                for b in active
                if b.space_id == closure.space_id
                and b.start < closure.end
                and closure.start < b.end
            ]
            for booking in hit:
                booking.closure = closure  # marked in the list of upcoming bookings too
            notices.append(ClosureNotice(closure, hit))
    return {
        "bookings": upcoming[:limit],
        "more_bookings": len(upcoming) > limit,
        "closures": notices,
    }


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
