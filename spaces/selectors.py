"""Reads that span several models: what a room's week looks like, what is open now, which
rooms are free for a given time."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lixiong.timeutil import LOCAL_TZ

from . import services
from .errors import BookingError
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
# An activity's status in which its title may be shown on its room's slots (programs'
# Activity.Status.PUBLISHED; spaces does not import programs).
HOLD_TITLE_PUBLIC_STATUS = "published"
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
            if self.note:
                return _("活动：%(title)s") % {"title": self.note}
            return _("活动占用")
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
    # An activity hold's purpose is its activity's title, public only once the activity is
    # published: a draft's title stays with its organiser and staff. The activity is read
    # through its relation to the hold ("activity", declared by programs), not imported, as
    # the profile is read through the user.
    bookings = active_bookings_between(space_ids, range_start, range_end).values_list(
        "id", "space_id", "start", "end", "booked_by_id", "for_activity", "purpose"
    )
    bookings = bookings.annotate(
        _published=Case(
            When(for_activity=True, activity__status=HOLD_TITLE_PUBLIC_STATUS, then=True),
            default=False,
            output_field=BooleanField(),
        )
    )
    for pk, space_id, start, end, booked_by_id, for_activity, purpose, published in bookings:
        purpose = purpose if published else ""
        records[space_id].bookings.append(
            (pk, space_id, start, end, booked_by_id, for_activity, purpose)
        )
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
    # Explicitly: Django leaves Meta.ordering out of a query that groups by (the counts).
    order = Compound._meta.ordering
    if user is not None and user.is_authenticated:
        # Through the profiles' reverse relation, so spaces need not import residents.
        lives_here = Compound.objects.filter(pk=OuterRef("pk"), residents__user=user)
        compounds = compounds.annotate(is_mine=Exists(lives_here))
        order = ["-is_mine", *order]
    return list(compounds.order_by(*order))


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
        _mark_opens_next(compound.spaces.all(), now)
    return compound


def _mark_opens_next(spaces, now: datetime) -> None:
    """Each walk-in room that is closed now gets `opens_next` (None when unknown): one query
    for all of their closures still to come, none when every room is open."""
    closed = [space for space in spaces if space.is_walk_in and not space.open_now]
    if not closed:
        return
    ahead = {space.pk: [] for space in closed}
    later = Closure.objects.filter(space__in=closed, end__gt=now).order_by("start")
    for closure in later:
        ahead[closure.space_id].append(closure)
    for space in closed:
        space.opens_next = opens_next(
            space, now, hours=space.opening_hours.all(), closures=ahead[space.pk]
        )


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
