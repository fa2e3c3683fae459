"""Operations on the shared ground. The HTML views, the admin actions and the API call these
functions and nothing else, so a rule lives in exactly one place."""

import json
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from lixiong.timeutil import LOCAL_TZ, as_aware

from .errors import BookingError
from .messages import booking_messages_queue
from .models import Booking, Closure, Compound, OpeningHours, PartnerWindow, Space, Visit

# PostgreSQL's SQLSTATE for exclusion_violation.
EXCLUSION_VIOLATION = "23P01"


def booking_rules_check(
    *,
    space: Space,
    start: datetime,
    end: datetime,
    attendees: int,
    as_staff: bool = False,
    for_activity: bool = False,
    now: datetime | None = None,
) -> None:
    """Raise BookingError for the first rule a requested booking breaks (not counting overlap
    with other bookings or the per-resident limit, which need locks).

    A room held for an organiser's activity (`for_activity`) keeps the rules about the room
    (open, not closed, big enough, free) but not the ones that ration residents' borrowing:
    notice, booking window, slot grid, length limits and partner windows. Organisers plan a
    term ahead and run 90-minute classes in 60-minute-slot rooms.
    """
    now = now or timezone.now()
    if space.is_walk_in or not space.is_active:
        raise BookingError("space_not_bookable", field="space")
    if end <= start:
        raise BookingError("invalid_range", field="end")
    if start < now:
        raise BookingError("in_past", field="start")
    if for_activity:
        _check_room(space=space, start=start, end=end, attendees=attendees)
        return
    if start < now + timedelta(minutes=space.min_notice_minutes):
        raise BookingError("too_soon", field="start", minutes=space.min_notice_minutes)
    if start >= now + timedelta(days=space.bookable_days_ahead):
        raise BookingError("too_far_ahead", field="start", days=space.bookable_days_ahead)

    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    opening = _opening_around(space, local_start, local_end)
    if opening is None:
        raise BookingError("outside_hours", field="start")
    slot = timedelta(minutes=space.slot_minutes)
    if (local_start - opening[0]) % slot or (end - start) % slot:
        raise BookingError("not_aligned", field="start", minutes=space.slot_minutes)
    minutes = (end - start) / timedelta(minutes=1)
    if minutes < space.min_minutes:
        raise BookingError("too_short", field="end", minutes=space.min_minutes)
    if minutes > space.max_minutes:
        raise BookingError("too_long", field="end", minutes=space.max_minutes)

    if not as_staff:
        for window in _fetched(space, "windows_fetched", "partner_windows"):
            if window.weekday != local_start.weekday():
                continue
            w_start, w_end = window.bounds_on(local_start.date())
            if w_start < local_end and local_start < w_end:
                raise BookingError("partner_window", field="start")
    _check_room(space=space, start=start, end=end, attendees=attendees, hours_checked=True)


def _opening_around(space: Space, local_start: datetime, local_end: datetime):
    """The opening range (as aware datetimes) that holds [start, end), or None."""
    hours = _fetched(space, "hours_fetched", "opening_hours")
    for opens, closes in space.opening_ranges_on(local_start.date(), hours=hours):
        if opens <= local_start and local_end <= closes:
            return opens, closes
    return None


def _check_room(
    *, space: Space, start: datetime, end: datetime, attendees: int, hours_checked: bool = False
) -> None:
    """The rules about the room itself, whoever holds it."""
    if not hours_checked:
        local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
        if _opening_around(space, local_start, local_end) is None:
            raise BookingError("outside_hours", field="start")
    closure = _closure_during(space, start, end)
    if closure is not None:
        raise BookingError("closed", field="start", reason=closure.reason)
    if attendees < 1:
        raise BookingError("invalid_attendees", field="attendees")
    if attendees > space.capacity:
        raise BookingError("over_capacity", field="attendees", capacity=space.capacity)


def _fetched(space: Space, attribute: str, relation: str):
    """What `_lock_space` fetched with the lock, else the relation from the database."""
    fetched = getattr(space, attribute, None)
    return fetched if fetched is not None else getattr(space, relation).all()


def _closure_during(space: Space, start: datetime, end: datetime) -> Closure | None:
    """The first closure overlapping [start, end): from those fetched with the room's lock
    when there (`_lock_space`), else from the database."""
    fetched = getattr(space, "closures_fetched", None)
    if fetched is not None:
        return next((c for c in fetched if c.start < end and start < c.end), None)
    return space.closures.filter(start__lt=end, end__gt=start).first()


# The booking path's locks and reads are written as SQL: building them with the ORM cost more
# than the database's work (about 6 ms a booking of Python on this 2-core machine, when the
# whole booking ran at 3% of its SQL ceiling). Column lists come from the models, so a new
# field needs no change here.
_JSON_LIST = {"postgresql": "JSON_AGG", "sqlite": "JSON_GROUP_ARRAY"}
_JSON_OBJECT = {"postgresql": "JSON_BUILD_OBJECT", "sqlite": "JSON_OBJECT"}


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


def _json_rows(model, alias: str, names: list[str], extra_where: str = "") -> str:
    vendor = connection.vendor
    pairs = ", ".join(f"'{n}', {alias}.\"{model._meta.get_field(n).column}\"" for n in names)
    return (
        f"(SELECT {_JSON_LIST[vendor]}({_JSON_OBJECT[vendor]}({pairs})) "
        f'FROM "{model._meta.db_table}" {alias} WHERE {alias}."space_id" = s."id"{extra_where})'
    )


def _lock_clause(alias: str = "") -> str:
    # NO KEY UPDATE: it serialises lockers just the same, but lets other transactions insert
    # rows that merely point at this user or room (a booking's decided_by, a new booking's
    # space), which would otherwise deadlock against approve or cancel. SQLite serialises
    # writers from BEGIN instead (settings.DATABASES) and has no row locks.
    if not connection.features.has_select_for_update:
        return ""
    return f" FOR NO KEY UPDATE OF {alias}" if alias else " FOR NO KEY UPDATE"


def _lock_user(user_id: int) -> None:
    table = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT 1 FROM "{table}" WHERE "id" = %s{_lock_clause()}', [user_id])


def _parse_moment(value: str) -> datetime:
    # PostgreSQL writes "2026-12-04T01:00:00+00:00", SQLite "2026-12-04 01:00:00" (UTC).
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _lock_space(space_pk: int, start: datetime, end: datetime) -> Space | None:
    """Lock the room's row and fetch, in the same statement, what its rules need: compound,
    opening hours, partner windows and the closures around [start, end)."""
    space_fields = [f.attname for f in Space._meta.concrete_fields]
    compound_fields = [f.attname for f in Compound._meta.concrete_fields]
    closures_around = ' AND x."start" < %s AND x."end" > %s'
    sql = (
        f"SELECT {_columns(Space, 's')}, {_columns(Compound, 'c')}, "
        f"{_json_rows(OpeningHours, 'h', ['weekday', 'opens', 'closes'])}, "
        f"{_json_rows(PartnerWindow, 'w', ['weekday', 'opens', 'closes', 'holder'])}, "
        f"{_json_rows(Closure, 'x', ['start', 'end', 'reason'], closures_around)} "
        f'FROM "{Space._meta.db_table}" s JOIN "{Compound._meta.db_table}" c '
        f'ON c."id" = s."compound_id" WHERE s."id" = %s{_lock_clause("s")}'
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(end), adapt(start), space_pk])
        row = cursor.fetchone()
    if row is None:
        return None
    n, m = len(space_fields), len(compound_fields)
    space = Space.from_db(connection.alias, space_fields, row[:n])
    space.compound = Compound.from_db(connection.alias, compound_fields, row[n : n + m])
    hours, windows, closures = (_json(value) for value in row[n + m :])
    space.hours_fetched = [
        OpeningHours(weekday=h["weekday"], opens=_time(h["opens"]), closes=_time(h["closes"]))
        for h in hours
    ]
    space.windows_fetched = [
        PartnerWindow(
            weekday=w["weekday"],
            opens=_time(w["opens"]),
            closes=_time(w["closes"]),
            holder=w["holder"],
        )
        for w in windows
    ]
    space.closures_fetched = sorted(
        (
            Closure(
                start=_parse_moment(c["start"]), end=_parse_moment(c["end"]), reason=c["reason"]
            )
            for c in closures
        ),
        key=lambda c: c.start,
    )
    return space


def _json(value) -> list:
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else value


def _time(value: str) -> time:
    return time.fromisoformat(value)


def _active_bookings_held(user_id: int) -> int:
    """The resident's own upcoming active bookings (their activity holds are the activity's:
    an officer with five activities can still book a room for themselves)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT COUNT(*) FROM "{Booking._meta.db_table}" WHERE "booked_by_id" = %s '
            'AND "for_activity" = %s AND "status" IN (%s, %s) AND "end" > %s',
            [
                user_id,
                False,
                *Booking.ACTIVE_STATUSES,
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )
        return cursor.fetchone()[0]


def booking_limit_check(*, user_id: int) -> None:
    """The personal limit: a resident holds at most LIXIONG_MAX_ACTIVE_BOOKINGS upcoming
    active bookings. Staff who may skip residents' rules are not asked (callers decide, with
    `may_skip_residents_rules`). Exact only under the resident's lock (`booking_create`);
    a search (`selectors.free_rooms`) reads it without one."""
    limit = settings.LIXIONG_MAX_ACTIVE_BOOKINGS
    if _active_bookings_held(user_id) >= limit:
        raise BookingError("booking_limit", limit=limit)


def _raise_if_taken(space: Space, start: datetime, end: datetime, exclude_pk=None) -> None:
    clash = Booking.objects.active().overlapping(start, end, space=space)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise BookingError("slot_taken", field="start")


def may_skip_residents_rules(user) -> bool:
    """Staff who decide on bookings may book outside the residents' rationing rules (partner
    windows, the personal limit): the permission, not the is_staff flag, says so. A staff
    account without it books like any resident."""
    return can_decide(user)


def booking_create(
    *,
    space: Space | int,
    booked_by,
    start: datetime,
    end: datetime,
    purpose: str,
    attendees: int,
    language: str | None = None,
    for_activity: bool = False,
) -> Booking:
    """Book a room. `for_activity` holds it for an organiser's activity: approved at once,
    outside the residents' rationing rules, and announced by the activity, not by mail here.

    One transaction, one commit: the locks, the checks, the booking and its messages."""
    start, end = as_aware(start), as_aware(end)
    purpose = (purpose or "").strip()
    if not purpose:
        raise BookingError("purpose_required", field="purpose")
    space_pk = space.pk if isinstance(space, Space) else space
    as_staff = may_skip_residents_rules(booked_by)
    try:
        with transaction.atomic():
            # Lock order everywhere: the resident, then the room. The resident's row
            # serialises their own requests (the active-booking limit); the room's row
            # serialises everyone's requests for that room (the overlap check).
            _lock_user(booked_by.pk)
            space = _lock_space(space_pk, start, end)
            if space is None:
                raise BookingError("space_not_bookable", field="space")
            booking_rules_check(
                space=space,
                start=start,
                end=end,
                attendees=attendees,
                as_staff=as_staff,
                for_activity=for_activity,
            )
            if not as_staff and not for_activity:
                booking_limit_check(user_id=booked_by.pk)
            if connection.vendor != "postgresql":
                # On PostgreSQL the exclusion constraint decides (the insert below fails with
                # slot_taken), under the room's lock, without a query of its own.
                _raise_if_taken(space, start, end)

            decided_now = as_staff or for_activity
            approved_now = decided_now or not space.requires_approval
            booking = Booking(
                space=space,
                booked_by=booked_by,
                purpose=purpose,
                attendees=attendees,
                start=start,
                end=end,
                status=Booking.Status.APPROVED if approved_now else Booking.Status.PENDING,
                decided_by=booked_by if decided_now else None,
                decided_at=timezone.now() if approved_now else None,
                language=language or translation.get_language() or settings.LANGUAGE_CODE,
                for_activity=for_activity,
            )
            booking.save(force_insert=True)
            if not for_activity:
                event = "approved" if approved_now else "received"
                booking_messages_queue(booking, event, tell_staff=not approved_now)
    except IntegrityError as exc:
        _raise_slot_taken_if_exclusion(exc)
        raise
    return booking


def _raise_slot_taken_if_exclusion(exc: IntegrityError) -> None:
    """The exclusion constraint refused an overlap (on PostgreSQL it is the check for a new
    booking; elsewhere a path that forgot the lock): the same answer as `_raise_if_taken`."""
    if getattr(getattr(exc, "__cause__", None), "pgcode", None) == EXCLUSION_VIOLATION:
        raise BookingError("slot_taken", field="start") from exc


def booking_move(
    *,
    booking: Booking | int,
    by,
    space: Space | int,
    start: datetime,
    end: datetime,
    purpose: str | None = None,
    attendees: int | None = None,
) -> Booking:
    """Move an activity's room hold to another room or time (or change what it says), all or
    nothing, under the same locks in the same order as booking_create: the holder, then the
    rooms (both, lowest id first, when it changes room), then the booking. The activity's
    service decides who may move it; the hold keeps the rules about the room."""
    pk = booking.pk if isinstance(booking, Booking) else booking
    start, end = as_aware(start), as_aware(end)
    new_space_pk = space.pk if isinstance(space, Space) else space
    try:
        with transaction.atomic():
            holder_id, old_space_pk = Booking.objects.values_list("booked_by_id", "space_id").get(
                pk=pk
            )
            _lock_user(holder_id)
            rooms = {}
            for room_pk in sorted({old_space_pk, new_space_pk}):
                rooms[room_pk] = _lock_space(room_pk, start, end)
            new_space = rooms[new_space_pk]
            if new_space is None:
                raise BookingError("space_not_bookable", field="space")
            booking = Booking.objects.select_for_update(no_key=True, of=("self",)).get(pk=pk)
            if not booking.for_activity:
                raise BookingError("not_a_hold")
            if not booking.is_active:
                raise BookingError("not_active")
            attendees = booking.attendees if attendees is None else attendees
            if (new_space.pk, start, end) == (booking.space_id, booking.start, booking.end):
                # Only what it says or how many come: the time was checked when it was set
                # (it may have started since, or hours changed); the room must still fit.
                if attendees < 1:
                    raise BookingError("invalid_attendees", field="attendees")
                if attendees > new_space.capacity:
                    raise BookingError(
                        "over_capacity", field="attendees", capacity=new_space.capacity
                    )
            else:
                booking_rules_check(
                    space=new_space, start=start, end=end, attendees=attendees, for_activity=True
                )
                _raise_if_taken(new_space, start, end, exclude_pk=booking.pk)
            booking.space, booking.start, booking.end = new_space, start, end
            booking.attendees = attendees
            if purpose is not None and purpose.strip():
                booking.purpose = purpose.strip()
            booking.decided_by, booking.decided_at = by, timezone.now()
            booking.save(
                update_fields=[
                    "space",
                    "start",
                    "end",
                    "attendees",
                    "purpose",
                    "decided_by",
                    "decided_at",
                ]
            )
    except IntegrityError as exc:
        _raise_slot_taken_if_exclusion(exc)
        raise
    return booking


def booking_release(*, booking: Booking | int, by, reason: str = "") -> Booking:
    """Free an activity's room hold (the activity is cancelled). A hold that is over or no
    longer active is left as it is: it records where the activity happened."""
    with transaction.atomic():
        booking = _lock_booking(booking)
        if not booking.for_activity:
            raise BookingError("not_a_hold")
        if not booking.is_active or booking.end <= timezone.now():
            return booking
        booking.status = Booking.Status.CANCELLED
        booking.reason = (reason or "").strip()[:300]
        booking.decided_by = by
        booking.decided_at = timezone.now()
        booking.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    return booking


def _lock_booking(booking: Booking | int) -> Booking:
    pk = booking.pk if isinstance(booking, Booking) else booking
    space_pk = Booking.objects.values_list("space_id", flat=True).get(pk=pk)
    Space.objects.select_for_update(no_key=True).filter(pk=space_pk).first()
    # The booking's message names the room (and its compound) and the booker.
    return (
        Booking.objects.select_for_update(no_key=True, of=("self",))
        .select_related("space__compound", "booked_by")
        .get(pk=pk)
    )


def can_decide(user) -> bool:
    """Staff who may approve, reject and cancel others' bookings: the same permission the
    admin actions need, so the API cannot do more than the admin."""
    return user.is_active and user.is_staff and user.has_perm("spaces.change_booking")


def booking_approve(*, booking: Booking | int, by) -> Booking:
    if not can_decide(by):
        raise BookingError("not_yours")
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status != Booking.Status.PENDING:
            raise BookingError("not_pending")
        if booking.start <= timezone.now():
            raise BookingError("expired")
        if booking.space.is_walk_in or not booking.space.is_active:
            raise BookingError("space_not_bookable")
        # Re-check under the room lock: a closure may have been set since the request.
        closure = booking.space.closures.filter(start__lt=booking.end, end__gt=booking.start)
        closure = closure.first()
        if closure is not None:
            raise BookingError("closed", reason=closure.reason)
        _raise_if_taken(booking.space, booking.start, booking.end, exclude_pk=booking.pk)
        booking.status = Booking.Status.APPROVED
        booking.decided_by = by
        booking.decided_at = timezone.now()
        booking.save(update_fields=["status", "decided_by", "decided_at"])
        booking_messages_queue(booking, "approved")
    return booking


def booking_reject(*, booking: Booking | int, by, reason: str) -> Booking:
    if not can_decide(by):
        raise BookingError("not_yours")
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("reason_required", field="reason")
    with transaction.atomic():
        booking = _lock_booking(booking)
        if booking.status != Booking.Status.PENDING:
            raise BookingError("not_pending")
        booking.status = Booking.Status.REJECTED
        booking.reason = reason
        booking.decided_by = by
        booking.decided_at = timezone.now()
        booking.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        booking_messages_queue(booking, "rejected")
    return booking


def booking_cancel(*, booking: Booking | int, by, reason: str = "") -> Booking:
    reason = (reason or "").strip()
    with transaction.atomic():
        booking = _lock_booking(booking)
        is_owner = booking.booked_by_id == by.pk
        if not is_owner and not can_decide(by):
            raise BookingError("not_yours")
        if not booking.is_active:
            raise BookingError("not_active")
        if booking.for_activity:
            # The activity owns this hold; cancelling only the room would leave a published
            # activity without one (and the slot open to others).
            raise BookingError("held_for_activity")
        if booking.start <= timezone.now():
            raise BookingError("already_started")
        if not is_owner and not reason:
            # A resident whose booking staff cancel deserves to know why.
            raise BookingError("reason_required", field="reason")
        booking.status = Booking.Status.CANCELLED
        booking.reason = reason
        booking.decided_by = by
        booking.decided_at = timezone.now()
        booking.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        booking_messages_queue(booking, "cancelled")
    return booking


# One resident pressing "I'm here" twice within this long counts as one visit.
VISIT_DEDUP_WINDOW = timedelta(hours=2)
MAX_HEAD_COUNT = 500


def visit_record(
    *, space: Space | int, visitor=None, head_count: int = 1, recorded_by=None
) -> Visit:
    """Count a walk-in visit: a signed-in resident checking in, or staff entering a head count."""
    space = space if isinstance(space, Space) else Space.objects.get(pk=space)
    if not space.is_walk_in or not space.is_active:
        raise BookingError("not_walk_in")
    if not 1 <= head_count <= MAX_HEAD_COUNT:
        raise BookingError("invalid_head_count", field="head_count", max=MAX_HEAD_COUNT)
    now = timezone.now()
    if recorded_by is None and (
        not space.is_open_at(now) or space.closures.filter(start__lte=now, end__gt=now).exists()
    ):
        raise BookingError("space_closed_now")
    with transaction.atomic():
        if visitor is not None:
            # Two quick taps of "I'm here" arrive together: the resident's row lock makes the
            # second wait and then find the first, so one visit is recorded.
            _lock_user(visitor.pk)
            recent = Visit.objects.filter(
                space=space, visitor=visitor, visited_at__gte=now - VISIT_DEDUP_WINDOW
            ).first()
            if recent is not None:
                return recent
        return Visit.objects.create(
            space=space, visitor=visitor, head_count=head_count, recorded_by=recorded_by
        )
