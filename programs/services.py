"""Operations on activities and their registration lists. Every change to who holds a seat
happens under a row lock on the activity, so capacity is never exceeded and the waitlist is
served in order, however many residents press the button at once."""

from datetime import date, datetime, time, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from lixiong.timeutil import LOCAL_TZ, as_aware
from spaces import services as space_services
from spaces.errors import BookingError
from spaces.models import Space

from . import rules
from .errors import OCCURRENCE_CODES, ActivityError
from .messages import registration_messages_queue
from .models import Activity, Organiser, Registration, Series
from .selectors import seats_taken, series_upcoming

MAX_SERIES_OCCURRENCES = 60


# --- who may manage an activity -------------------------------------------------------------


def can_manage(user, organiser: Organiser | int) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff and user.has_perm("programs.change_activity"):
        return True
    organiser_id = organiser.pk if isinstance(organiser, Organiser) else organiser
    return user.organisers.filter(pk=organiser_id).exists()


def _require_manager(user, organiser) -> None:
    if not can_manage(user, organiser):
        raise ActivityError("not_organiser")


def _notify(registration: Registration, event: str) -> None:
    """Queue the resident's message in the current transaction (the outbox)."""
    registration_messages_queue([registration], event)


# --- activities ------------------------------------------------------------------------------

ACTIVITY_FIELDS = {
    "title",
    "category",
    "description",
    "program",
    "capacity",
    "price_fen",
    "market_price_fen",
    "is_public_welfare",
    "min_age",
    "max_age",
    "audience",
    "registration_opens",
    "registration_closes",
    "max_party_size",
    "waitlist_policy",
    "offer_hours",
}


def _check_rules(activity: Activity, space_id: int) -> None:
    """The checks other apps registered (a partner's agreement), on the activity as it
    would be saved in room `space_id`: before its room is held, so a refusal holds nothing."""
    rules.check_activity(
        organiser=activity.organiser,
        space=space_id,
        start=activity.start,
        end=activity.end,
        price_fen=activity.price_fen,
        market_price_fen=activity.market_price_fen,
        is_public_welfare=activity.is_public_welfare,
    )


def _validate(activity: Activity) -> None:
    if not (activity.title or "").strip():
        raise ActivityError("title_required", field="title")
    if activity.capacity is None or activity.capacity < 1:
        raise ActivityError("invalid_capacity", field="capacity")
    if activity.max_party_size is None or not 1 <= activity.max_party_size <= activity.capacity:
        # A party larger than the whole activity would wait at the head of the line forever.
        raise ActivityError("invalid_party_size", field="max_party_size", max=activity.capacity)
    if (activity.price_fen or 0) < 0 or (activity.market_price_fen or 0) < 0:
        raise ActivityError("invalid_price", field="price_fen")
    if (
        activity.min_age is not None
        and activity.max_age is not None
        and activity.min_age > activity.max_age
    ):
        raise ActivityError("invalid_age_range", field="min_age")
    opens, closes = activity.registration_opens, activity.registration_closes
    if (opens and closes and closes <= opens) or (closes and closes > activity.start):
        raise ActivityError("invalid_registration_window", field="registration_closes")


def activity_create(
    *,
    organiser: Organiser,
    by,
    space: Space | int,
    start: datetime,
    end: datetime,
    publish: bool = True,
    series: Series | None = None,
    **fields,
) -> Activity:
    """Create an activity and hold its room through the spaces booking service, so a room can
    never host two things at once. Organisers' activities need no approval."""
    _require_manager(by, organiser)
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    start, end = as_aware(start), as_aware(end)
    space_id = space.pk if isinstance(space, Space) else space
    activity = Activity(
        organiser=organiser,
        space_id=space_id,
        start=start,
        end=end,
        series=series,
        created_by=by,
        status=Activity.Status.PUBLISHED if publish else Activity.Status.DRAFT,
        **fields,
    )
    _validate(activity)
    with transaction.atomic():
        _check_rules(activity, space_id)
        activity.booking = space_services.booking_create(
            space=space_id,
            booked_by=by,
            start=start,
            end=end,
            purpose=activity.title,
            attendees=activity.capacity,
            for_activity=True,
        )
        activity.save()
    return activity


def _lock(activity: Activity | int) -> Activity:
    pk = activity.pk if isinstance(activity, Activity) else activity
    # With its room and compound: the messages written under this lock name the place.
    return (
        Activity.objects.select_for_update(no_key=True, of=("self",))
        .select_related("space__compound")
        .get(pk=pk)
    )


def activity_update(
    *,
    activity: Activity | int,
    by,
    space: Space | int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    **fields,
) -> Activity:
    """Change an activity. A new room or time moves the room booking (all or nothing); more
    seats are offered to the waitlist at once."""
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    with transaction.atomic():
        activity = _lock(activity)
        _require_manager(by, activity.organiser_id)
        if activity.status in (Activity.Status.CANCELLED, Activity.Status.FINISHED):
            raise ActivityError("not_editable")
        for name, value in fields.items():
            setattr(activity, name, value)
        new_space_id = (space.pk if isinstance(space, Space) else space) or activity.space_id
        new_start = as_aware(start) if start else activity.start
        new_end = as_aware(end) if end else activity.end
        moved = (new_space_id, new_start, new_end) != (
            activity.space_id,
            activity.start,
            activity.end,
        )
        activity.start, activity.end = new_start, new_end  # the rules apply to the new times
        _validate(activity)
        # Every edit is checked against today's terms, so a term changed since (a lower
        # price cap, a room taken back) is caught the next time the class changes.
        _check_rules(activity, new_space_id)
        taken = seats_taken(activity)
        if activity.capacity < taken:
            raise ActivityError("capacity_below_confirmed", field="capacity", taken=taken)
        hold = activity.booking
        if hold is None or not hold.is_active:
            if moved:
                _hold_room(activity, by, new_space_id, new_start, new_end)
        elif moved or (hold.attendees, hold.purpose) != (activity.capacity, activity.title):
            # The hold follows the activity: its room, time, seats and what it says.
            activity.booking = space_services.booking_move(
                booking=hold,
                by=by,
                space=new_space_id,
                start=new_start,
                end=new_end,
                purpose=activity.title,
                attendees=activity.capacity,
            )
            activity.space_id = new_space_id
        activity.save()
        if moved:
            # Each move is news, even back to an earlier time or room: a key of its own. (A
            # rolled-back call leaves no message, so nothing is sent twice.)
            event = f"moved:{uuid4().hex}"
            registrations = _with_residents(activity.registrations.active())
            registration_messages_queue(list(registrations), event)
        _promote(activity)
    return activity


def _with_residents(registrations):
    return registrations.select_related("resident", "activity__space__compound")


def _hold_room(activity: Activity, by, space_id: int, start: datetime, end: datetime) -> None:
    """A new hold for an activity whose room was not held (its old hold was released)."""
    activity.booking = space_services.booking_create(
        space=space_id,
        booked_by=by,
        start=start,
        end=end,
        purpose=activity.title,
        attendees=activity.capacity,
        for_activity=True,
    )
    activity.space_id, activity.start, activity.end = space_id, start, end


def activity_publish(*, activity: Activity | int, by) -> Activity:
    with transaction.atomic():
        activity = _lock(activity)
        _require_manager(by, activity.organiser_id)
        if activity.status != Activity.Status.DRAFT:
            raise ActivityError("not_editable")
        # The terms of today, not of the day the draft was saved: an agreement suspended or a
        # price cap lowered since then stops the publication too.
        _check_rules(activity, activity.space_id)
        activity.status = Activity.Status.PUBLISHED
        activity.save(update_fields=["status"])
    return activity


def activity_cancel(*, activity: Activity | int, by, reason: str = "") -> Activity:
    """Cancel an activity: everyone registered is told, and its room is freed."""
    with transaction.atomic():
        activity = _lock(activity)
        _require_manager(by, activity.organiser_id)
        if activity.status in (Activity.Status.CANCELLED, Activity.Status.FINISHED):
            raise ActivityError("not_cancellable")
        if activity.start <= timezone.now():
            # It happened (or is happening): cancelling would erase its attendance (人次).
            raise ActivityError("already_started")
        activity.status = Activity.Status.CANCELLED
        activity.cancel_reason = (reason or "").strip()
        activity.save(update_fields=["status", "cancel_reason"])
        if activity.booking_id:
            # The hold belongs to the activity, not to the officer who happened to create it,
            # so the spaces service releases it whoever cancels.
            space_services.booking_release(
                booking=activity.booking_id, by=by, reason=activity.cancel_reason
            )
        cancelled = list(_with_residents(activity.registrations.active()))
        for registration in cancelled:
            registration.status = Registration.Status.CANCELLED
            registration.save(update_fields=["status", "updated_at"])
        registration_messages_queue(cancelled, "activity_cancelled")
    return activity


# --- weekly series ---------------------------------------------------------------------------


def series_dates(weekdays: list[int], first: date, last: date) -> list[date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def series_create(
    *,
    organiser: Organiser,
    by,
    title: str,
    space: Space | int,
    weekdays: list[int],
    first_date: date,
    last_date: date,
    starts_at: time,
    ends_at: time,
    publish: bool = True,
    **fields,
) -> tuple[Series, list[Activity], list[dict]]:
    """Create one activity per chosen weekday between two dates. Occurrences whose room is
    taken (or closed, or shut) are skipped and listed with the reason, never silently dropped,
    and kept on the series (`Series.skipped`) for its page. When every date is skipped nothing
    is created: ActivityError("all_dates_skipped") carries the list as `.skipped`."""
    _require_manager(by, organiser)
    weekdays = sorted({int(d) for d in weekdays if 0 <= int(d) <= 6})
    if not weekdays or last_date < first_date or starts_at >= ends_at:
        raise ActivityError("invalid_series", field="weekdays", max=MAX_SERIES_OCCURRENCES)
    dates = series_dates(weekdays, first_date, last_date)
    if not dates:
        raise ActivityError("no_occurrences", field="first_date")
    if len(dates) > MAX_SERIES_OCCURRENCES:
        raise ActivityError("invalid_series", field="last_date", max=MAX_SERIES_OCCURRENCES)
    created, skipped = [], []
    with transaction.atomic():
        series = Series.objects.create(
            organiser=organiser,
            title=title,
            weekdays=weekdays,
            first_date=first_date,
            last_date=last_date,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=by,
        )
        for day in dates:
            start = datetime.combine(day, starts_at, tzinfo=LOCAL_TZ)
            end = datetime.combine(day, ends_at, tzinfo=LOCAL_TZ)
            try:
                with transaction.atomic():
                    created.append(
                        activity_create(
                            organiser=organiser,
                            by=by,
                            space=space,
                            start=start,
                            end=end,
                            publish=publish,
                            series=series,
                            title=title,
                            **fields,
                        )
                    )
            except (BookingError, ActivityError) as error:
                # A rule about the date (a partner's weekly window) skips that date like a
                # taken room; a rule about the whole series (the price cap) refuses it.
                if isinstance(error, ActivityError) and error.code not in OCCURRENCE_CODES:
                    raise
                skipped.append(
                    {
                        "date": day,
                        "code": error.code,
                        "params": error.params,
                        "reason": error.message,
                    }
                )
        if not created:
            # Nothing to run: no empty series is left behind. The organiser is told why
            # each date was refused (`skipped`), and the transaction rolls back.
            refusal = ActivityError("all_dates_skipped")
            refusal.skipped = skipped
            raise refusal
        if skipped:
            series.skipped = [
                {"date": s["date"].isoformat(), "code": s["code"], "params": _plain(s["params"])}
                for s in skipped
            ]
            series.save(update_fields=["skipped"])
    return series, created, skipped


def _plain(params: dict) -> dict:
    """A refusal's parameters as JSON keeps them: numbers stay numbers, the rest text."""
    return {k: v if isinstance(v, int | float) else str(v) for k, v in params.items()}


def series_cancel(*, series: Series | int, by, reason: str = "") -> list[Activity]:
    """Cancel every occurrence that has not started yet."""
    series_id = series.pk if isinstance(series, Series) else series
    series = Series.objects.get(pk=series_id)
    _require_manager(by, series.organiser_id)
    cancelled = []
    with transaction.atomic():
        for activity in _lock_upcoming(series):
            cancelled.append(activity_cancel(activity=activity, by=by, reason=reason))
    return cancelled


def _lock_upcoming(series: Series) -> list[Activity]:
    """Lock every occurrence that may still change, in id order, before touching any room: a
    series operation then never holds a room while it waits for an occurrence that a single
    cancel or edit has locked (activity first, then room, as everywhere). Re-read under the
    locks, so an occurrence cancelled a moment ago is left out, not refused."""
    ids = list(series_upcoming(series).values_list("pk", flat=True))
    list(Activity.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))
    return list(series_upcoming(series).filter(pk__in=ids))


# What a series edit may change on its occurrences: the registration window belongs to each
# occurrence (it is relative to its own date), and title and description are named arguments.
SERIES_FIELDS = ACTIVITY_FIELDS - {
    "title",
    "description",
    "registration_opens",
    "registration_closes",
}


def series_update(
    *,
    series: Series | int,
    by,
    title: str | None = None,
    description: str | None = None,
    starts_at: time | None = None,
    ends_at: time | None = None,
    space: Space | int | None = None,
    **fields,
) -> tuple[Series, list[Activity], list[dict]]:
    """Change a series and every occurrence that has not started. Pass only what changes
    (None leaves a named argument alone; anything in `fields` is set, None included), so an
    occurrence adjusted on its own keeps the rest. A new time applies on each occurrence's
    own date. An occurrence that cannot change (its room is taken at the new time, or more
    seats are taken than the new capacity) keeps its old time and settings and is listed
    with the reason, never silently left behind."""
    unknown = set(fields) - SERIES_FIELDS
    if unknown:
        raise TypeError(f"unknown series fields: {sorted(unknown)}")
    series_id = series.pk if isinstance(series, Series) else series
    updated, skipped = [], []
    with transaction.atomic():
        series = Series.objects.select_for_update(no_key=True).get(pk=series_id)
        _require_manager(by, series.organiser_id)
        if title is not None and not title.strip():
            raise ActivityError("title_required", field="title")
        new_starts_at, new_ends_at = starts_at or series.starts_at, ends_at or series.ends_at
        if new_starts_at >= new_ends_at:
            raise ActivityError("invalid_time_range", field="end")
        retimed = starts_at is not None or ends_at is not None
        if title is not None:
            series.title = title
        series.starts_at, series.ends_at = new_starts_at, new_ends_at
        series.save(update_fields=["title", "starts_at", "ends_at"])

        changes = dict(fields)
        if title is not None:
            changes["title"] = title
        if description is not None:
            changes["description"] = description
        if space is not None:
            changes["space"] = space
        for activity in _lock_upcoming(series):
            day = activity.start.astimezone(LOCAL_TZ).date()
            if retimed:
                changes["start"] = datetime.combine(day, new_starts_at, tzinfo=LOCAL_TZ)
                changes["end"] = datetime.combine(day, new_ends_at, tzinfo=LOCAL_TZ)
            try:
                with transaction.atomic():
                    updated.append(activity_update(activity=activity, by=by, **changes))
            except (BookingError, ActivityError) as error:
                skipped.append(
                    {
                        "activity": activity,
                        "date": day,
                        "code": error.code,
                        "reason": error.message,
                    }
                )
    return series, updated, skipped


# --- registrations ---------------------------------------------------------------------------


def registration_create(
    *, activity: Activity | int, resident, party_size: int = 1, language: str | None = None
) -> Registration:
    """Sign up: a seat if one is free and nobody is waiting ahead; otherwise the back of the
    waitlist; or "full" where the activity keeps no waitlist."""
    with transaction.atomic():
        activity = _lock(activity)
        now = timezone.now()
        if activity.status == Activity.Status.CANCELLED:
            raise ActivityError("activity_cancelled")
        if activity.registration_opens and now < activity.registration_opens:
            opens = activity.registration_opens.astimezone(LOCAL_TZ)
            raise ActivityError("registration_not_open_yet", opens=f"{opens:%Y-%m-%d %H:%M}")
        if not activity.registration_is_open(now):
            raise ActivityError("registration_closed")
        if not 1 <= party_size <= activity.max_party_size:
            raise ActivityError(
                "invalid_party_size", field="party_size", max=activity.max_party_size
            )
        # What the decision needs, in one pass over the list under the lock.
        list_now = activity.registrations.aggregate(
            mine=Count("pk", filter=Q(resident=resident, status__in=Registration.ACTIVE_STATUSES)),
            taken=Coalesce(Sum("party_size", filter=Registration.holding_seats_q(now)), 0),
            waiting=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
            last_position=Coalesce(Max("position"), 0),
        )
        if list_now["mine"]:
            raise ActivityError("already_registered")
        free = activity.capacity - list_now["taken"]
        if party_size <= free and not list_now["waiting"]:
            status = Registration.Status.CONFIRMED
        elif activity.has_waitlist:
            status = Registration.Status.WAITLISTED
        else:
            raise ActivityError("activity_full")
        registration = Registration.objects.create(
            activity=activity,
            resident=resident,
            party_size=party_size,
            status=status,
            position=list_now["last_position"] + 1,
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
        )
        # A newcomer joins at the back: everyone waiting is ahead (1 = next in line).
        waiting = status == Registration.Status.WAITLISTED
        registration.waitlist_place = list_now["waiting"] + 1 if waiting else None
        _notify(registration, status)
    return registration


def _lock_registration(registration: Registration | int) -> tuple[Registration, Activity]:
    pk = registration.pk if isinstance(registration, Registration) else registration
    activity_id = Registration.objects.values_list("activity_id", flat=True).get(pk=pk)
    activity = _lock(activity_id)  # the activity first, like every registration change
    return Registration.objects.select_for_update().get(pk=pk), activity


def registration_cancel(*, registration: Registration | int, by) -> Registration:
    """A resident leaves (a seat or the waitlist); an organiser may remove someone. A freed
    seat goes to the waitlist at once."""
    with transaction.atomic():
        registration, activity = _lock_registration(registration)
        if registration.resident_id != by.pk and not can_manage(by, activity.organiser_id):
            raise ActivityError("not_yours")
        if not registration.is_active:
            raise ActivityError("not_active")
        if activity.start <= timezone.now():
            raise ActivityError("already_started")
        registration.status = Registration.Status.CANCELLED
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        _promote(activity)
    return registration


def registration_accept(*, registration: Registration | int, by) -> Registration:
    with transaction.atomic():
        registration, activity = _lock_registration(registration)
        if registration.resident_id != by.pk:
            raise ActivityError("not_yours")
        if registration.status != Registration.Status.OFFERED:
            raise ActivityError("not_offered")
        if registration.offer_expires_at <= timezone.now():
            raise ActivityError("offer_expired")
        registration.status = Registration.Status.CONFIRMED
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        _notify(registration, "confirmed_from_offer")
    return registration


def registration_decline(*, registration: Registration | int, by) -> Registration:
    with transaction.atomic():
        registration, activity = _lock_registration(registration)
        if registration.resident_id != by.pk:
            raise ActivityError("not_yours")
        if registration.status != Registration.Status.OFFERED:
            raise ActivityError("not_offered")
        registration.status = Registration.Status.DECLINED
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        _promote(activity)
    return registration


def _promote(activity: Activity) -> list[Registration]:
    """Give free seats to the waitlist, in order of joining, by the activity's policy. The
    caller holds the activity's lock. A party too big for the seats left waits at the head
    of the queue: nobody overtakes."""
    now = timezone.now()
    if activity.status != Activity.Status.PUBLISHED or activity.start <= now:
        return []
    free = activity.capacity - seats_taken(activity, now)
    promoted = []
    waiting = activity.registrations.filter(status=Registration.Status.WAITLISTED)
    for registration in waiting.order_by("position"):
        if registration.party_size > free:
            break
        if activity.waitlist_policy == Activity.WaitlistPolicy.OFFER:
            registration.status = Registration.Status.OFFERED
            registration.offer_expires_at = min(
                now + timedelta(hours=activity.offer_hours), activity.start
            )
            event = "offered"
        else:
            registration.status = Registration.Status.CONFIRMED
            event = "promoted"
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        _notify(registration, event)
        free -= registration.party_size
        promoted.append(registration)
    return promoted


def offers_expire(*, now: datetime | None = None) -> int:
    """Expired offers pass to the next person. Run on schedule (Celery beat); safe to run
    twice or concurrently: each activity is handled under its lock and re-read there."""
    now = now or timezone.now()
    activity_ids = set(
        Registration.objects.filter(
            status=Registration.Status.OFFERED, offer_expires_at__lte=now
        ).values_list("activity_id", flat=True)
    )
    expired = 0
    for activity_id in activity_ids:
        with transaction.atomic():
            activity = _lock(activity_id)
            stale = activity.registrations.select_for_update().filter(
                status=Registration.Status.OFFERED, offer_expires_at__lte=now
            )
            for registration in stale:
                registration.status = Registration.Status.DECLINED
                registration.save(update_fields=["status", "updated_at"])
                _notify(registration, "offer_expired")
                expired += 1
            _promote(activity)
    return expired


def registration_mark_paid(*, registration: Registration | int, by, paid: bool) -> Registration:
    """The organiser (a partner) records that a resident paid for a class, or takes it back.
    The portal takes no money: residents pay the partner directly; this is the partner's
    note, which the monthly revenue report sets beside the declared revenue."""
    with transaction.atomic():
        registration, activity = _lock_registration(registration)
        _require_manager(by, activity.organiser_id)
        if activity.is_free:
            raise ActivityError("not_paid_class")
        if paid and registration.paid_at is None:
            registration.paid_at = timezone.now()
        elif not paid:
            registration.paid_at = None
        registration.save(update_fields=["paid_at", "updated_at"])
    return registration


# --- attendance ------------------------------------------------------------------------------


# The roster opens a little before the start: people arrive early and are ticked at the door.
ATTENDANCE_OPENS_BEFORE = timedelta(hours=2)


def _require_attendance_open(activity: Activity) -> None:
    if activity.status == Activity.Status.CANCELLED:
        raise ActivityError("activity_cancelled")
    if timezone.now() < activity.start - ATTENDANCE_OPENS_BEFORE:
        raise ActivityError("attendance_not_open")


def _refresh_final_count(activity: Activity) -> None:
    """A closed activity's final count follows late corrections to its roster."""
    if activity.status != Activity.Status.FINISHED:
        return
    attended = activity.registrations.filter(status=Registration.Status.CONFIRMED)
    attended = attended.aggregate(n=Sum("attended_count"))["n"] or 0
    activity.final_count = attended + activity.walk_in_attendees
    activity.save(update_fields=["final_count"])


def attendance_mark(*, registration: Registration | int, by, count: int) -> Registration:
    """Tick who came: how many of the party attended (0 if nobody)."""
    with transaction.atomic():
        registration, activity = _lock_registration(registration)
        _require_manager(by, activity.organiser_id)
        _require_attendance_open(activity)
        if registration.status != Registration.Status.CONFIRMED:
            raise ActivityError("not_confirmed")
        if not 0 <= count <= registration.party_size:
            raise ActivityError(
                "invalid_attended_count", field="count", max=registration.party_size
            )
        registration.attended_count = count
        registration.save(update_fields=["attended_count", "updated_at"])
        _refresh_final_count(activity)
    return registration


def attendance_check_in(*, token: str, by) -> Registration:
    """The organiser scans a resident's ticket at the door: the whole party is in."""
    registration = Registration.objects.filter(checkin_token=token).first()
    if registration is None:
        raise ActivityError("not_confirmed")
    return attendance_mark(registration=registration, by=by, count=registration.party_size)


def activity_set_walk_ins(*, activity: Activity | int, by, count: int) -> Activity:
    with transaction.atomic():
        activity = _lock(activity)
        _require_manager(by, activity.organiser_id)
        if count < 0:
            raise ActivityError("invalid_walk_ins", field="walk_in_attendees")
        if count != activity.walk_in_attendees:
            _require_attendance_open(activity)
        activity.walk_in_attendees = count
        activity.save(update_fields=["walk_in_attendees"])
        _refresh_final_count(activity)
    return activity


def activity_close(*, activity: Activity | int, by) -> Activity:
    """Close the roster: the activity is finished with its final count (人次)."""
    with transaction.atomic():
        activity = _lock(activity)
        _require_manager(by, activity.organiser_id)
        if activity.status == Activity.Status.CANCELLED:
            raise ActivityError("activity_cancelled")
        if activity.start > timezone.now():
            raise ActivityError("not_started")
        activity.status = Activity.Status.FINISHED
        activity.save(update_fields=["status"])
        _refresh_final_count(activity)
    return activity
