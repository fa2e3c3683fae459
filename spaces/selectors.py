"""Reads that span several models: what a room's week looks like, what is open now, which
rooms are free for a given time."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from lixiong.timeutil import LOCAL_TZ

from . import services
from .errors import BookingError
from .models import Booking, Closure, Compound, OpeningHours, PartnerWindow, Space, Visit

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


def bookable_kinds() -> set[str]:
    """The kinds of room one can book somewhere (the search offers no kind that finds none)."""
    rooms = Space.objects.filter(is_active=True, access_mode=Space.AccessMode.BOOKABLE)
    return set(rooms.values_list("kind", flat=True).distinct())


def home_compound_id(user) -> int | None:
    """The compound a signed-in resident lives in (their profile's), else None.

    Read through the user's `profile` relation rather than by importing residents: spaces
    imports none of the apps built on it (see STYLE.md, Layout)."""
    if user is None or not user.is_authenticated:
        return None
    profile = getattr(user, "profile", None)  # RelatedObjectDoesNotExist is an AttributeError
    return getattr(profile, "compound_id", None)


def free_rooms(
    *,
    user,
    start: datetime,
    end: datetime,
    attendees: int,
    kind: str | None = None,
    compound: Compound | int | None = None,
    now: datetime | None = None,
) -> list[Space]:
    """The rooms `user` could book for [start, end) with `attendees` people right now: exactly
    those where `services.booking_create` would pass every rule. The rules are not repeated
    here: each room goes through `services.booking_rules_check` (as staff when the user may
    skip residents' rules, as booking_create decides), then one query removes the rooms an
    active booking overlaps.

    An anonymous user gets the rooms free by the rooms' rules; the personal limit is a
    signed-in resident's, and raises BookingError("booking_limit") before any room is read.

    Constant queries, whatever the number of rooms: the rooms with their compounds, their
    opening hours, partner windows and the closures around the time (in the attributes the
    rules read instead of querying), and the overlapping bookings. The resident's own
    compound comes first (`in_home_compound` is set on every room); then the usual order.
    Without the room locks booking_create takes, this is a snapshot: a room can be taken
    between the search and the booking, which then says so (slot_taken).
    """
    now = now or timezone.now()
    signed_in = user is not None and user.is_authenticated
    as_staff = signed_in and services.may_skip_residents_rules(user)
    if signed_in and not as_staff:
        services.booking_limit_check(user_id=user.pk)

    # The rules read the hours and partner windows of the start's weekday only (a range never
    # crosses midnight): one day of seven halves a search over 300 rooms (about 25-40 ms on
    # the 2-core machine, from 45-100 ms fetching the whole week).
    weekday = start.astimezone(LOCAL_TZ).weekday()
    rooms = (
        Space.objects.filter(is_active=True, access_mode=Space.AccessMode.BOOKABLE)
        .select_related("compound")
        .prefetch_related(
            Prefetch(
                "opening_hours",
                queryset=OpeningHours.objects.filter(weekday=weekday),
                to_attr="hours_fetched",
            ),
            Prefetch(
                "partner_windows",
                queryset=PartnerWindow.objects.filter(weekday=weekday),
                to_attr="windows_fetched",
            ),
            Prefetch(
                "closures",
                queryset=Closure.objects.filter(start__lt=end, end__gt=start),
                to_attr="closures_fetched",
            ),
        )
    )
    if kind:
        rooms = rooms.filter(kind=kind)
    if compound is not None:
        rooms = rooms.filter(compound=compound)

    allowed = []
    for room in rooms:
        try:
            services.booking_rules_check(
                space=room, start=start, end=end, attendees=attendees, as_staff=as_staff, now=now
            )
        except BookingError:
            continue
        allowed.append(room)
    if allowed:
        taken = set(
            Booking.objects.active()
            .overlapping(start, end)
            .filter(space__in=[room.pk for room in allowed])
            .values_list("space_id", flat=True)
        )
        allowed = [room for room in allowed if room.pk not in taken]

    home = home_compound_id(user)
    for room in allowed:
        room.in_home_compound = home is not None and room.compound_id == home
    # A stable sort: within each group the rooms keep Space's ordering.
    return sorted(allowed, key=lambda room: not room.in_home_compound)
