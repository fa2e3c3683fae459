"""Reads over activities: seat counts for lists, and the beneficiaries (人次) figure."""

from datetime import date, datetime

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from lixiong.timeutil import LOCAL_TZ
from spaces.errors import BookingError

from .errors import ActivityError
from .models import Activity, Registration, Series


def with_seat_counts(queryset, now: datetime | None = None):
    """Annotate `seats_taken` (confirmed seats and open offers) and `waitlist_length`, in the
    same query, so lists show seats left without a query per row."""
    holding = Registration.holding_seats_q(now, prefix="registrations__")
    return queryset.annotate(
        seats_taken=Coalesce(Sum("registrations__party_size", filter=holding), 0),
        waitlist_length=Count(
            "registrations",
            filter=Q(registrations__status=Registration.Status.WAITLISTED),
        ),
    )


def activity_list(
    *,
    compound: int | None = None,
    category: int | None = None,
    organiser: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    free: bool | None = None,
):
    """Published and finished activities for the public calendar, filtered as residents ask."""
    qs = Activity.objects.public().select_related(
        "organiser", "category", "space__compound", "program"
    )
    if compound:
        qs = qs.filter(space__compound_id=compound)
    if category:
        qs = qs.filter(category_id=category)
    if organiser:
        qs = qs.filter(organiser_id=organiser)
    if date_from:
        qs = qs.filter(end__gte=datetime.combine(date_from, datetime.min.time(), LOCAL_TZ))
    if date_to:
        qs = qs.filter(start__lt=datetime.combine(date_to, datetime.max.time(), LOCAL_TZ))
    if free is True:
        qs = qs.filter(price_fen=0)
    elif free is False:
        qs = qs.filter(price_fen__gt=0)
    return with_seat_counts(qs).order_by("start")


def with_waitlist_place(queryset=None):
    """Registrations annotated with `waitlist_place`: how many waitlisted registrations of the
    same activity joined no later than this one (1 = next in line), in the list's own query.
    None unless the registration is waitlisted."""
    queryset = Registration.objects.all() if queryset is None else queryset
    ahead = (
        Registration.objects.filter(
            activity=OuterRef("activity"),
            status=Registration.Status.WAITLISTED,
            position__lte=OuterRef("position"),
        )
        .order_by()
        .values("activity")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        waitlist_place=Case(
            When(status=Registration.Status.WAITLISTED, then=Subquery(ahead)),
            output_field=IntegerField(),
        )
    )


def waitlist_place(registration: Registration) -> int | None:
    return with_waitlist_place().values_list("waitlist_place", flat=True).get(pk=registration.pk)


def seats_taken(activity: Activity, now: datetime | None = None) -> int:
    """Seats held on one activity right now (the rule: Registration.holding_seats_q)."""
    held = activity.registrations.holding_seats(now).aggregate(n=Sum("party_size"))["n"]
    return held or 0


def seats_left(activity: Activity) -> int:
    return max(0, activity.capacity - getattr(activity, "seats_taken", 0))


# --- beneficiaries (人次) --------------------------------------------------------------------

# Each attended person counts once per activity: party members ticked on the roster plus
# walk-ins without accounts. Cancelled activities count nothing.
GROUPS = {
    "department": ("organiser__department__id", "organiser__name"),
    "organiser": ("organiser_id", "organiser__name"),
    "program": ("program_id", "program__title"),
    "compound": ("space__compound_id", "space__compound__name"),
    "category": ("category_id", "category__name"),
    "year": ("year", "year"),
    "month": ("month_key", "month_key"),
}


def _attended_subquery():
    per_activity = (
        Registration.objects.filter(activity=OuterRef("pk"), status=Registration.Status.CONFIRMED)
        .values("activity")
        .annotate(total=Sum("attended_count"))
        .values("total")
    )
    return Coalesce(Subquery(per_activity, output_field=IntegerField()), Value(0))


def beneficiaries(
    *, group_by: str, date_from: date | None = None, date_to: date | None = None
) -> list[dict]:
    """人次 per department, organiser, program, compound, category, year or month:
    `[{"key", "label", "person_visits", "activities"}]`, largest first. Months and years are
    the community's (Asia/Shanghai)."""
    key, label = GROUPS[group_by]
    qs = Activity.objects.exclude(
        status__in=[Activity.Status.CANCELLED, Activity.Status.DRAFT]
    ).filter(start__lte=timezone.now())
    if date_from:
        qs = qs.filter(start__gte=datetime.combine(date_from, datetime.min.time(), LOCAL_TZ))
    if date_to:
        qs = qs.filter(start__lte=datetime.combine(date_to, datetime.max.time(), LOCAL_TZ))
    if group_by in ("year", "month"):
        qs = qs.annotate(
            year=ExtractYear("start", tzinfo=LOCAL_TZ),
            month_key=ExtractYear("start", tzinfo=LOCAL_TZ) * 100
            + ExtractMonth("start", tzinfo=LOCAL_TZ),
        )
    if group_by == "department":
        qs = qs.filter(organiser__department__isnull=False)
    rows = (
        qs.annotate(visits=_attended_subquery() + F("walk_in_attendees"))
        .values(key, label)
        .annotate(person_visits=Sum("visits"), activities=Count("pk"))
        .order_by("-person_visits", label)
    )
    result = []
    for row in rows:
        value = row[label]
        if group_by == "month":
            value = f"{value // 100}-{value % 100:02d}"
        result.append(
            {
                "key": row[key],
                "label": value,
                "person_visits": row["person_visits"] or 0,
                "activities": row["activities"],
            }
        )
    return result


def total_beneficiaries(*, date_from: date | None = None, date_to: date | None = None) -> int:
    return sum(
        row["person_visits"]
        for row in beneficiaries(group_by="year", date_from=date_from, date_to=date_to)
    )


def series_upcoming(series: Series, now: datetime | None = None):
    """The occurrences of a series that may still change: not started, neither cancelled nor
    finished. Editing or cancelling the series acts on these."""
    return series.activities.filter(
        start__gt=now or timezone.now(),
        status__in=[Activity.Status.DRAFT, Activity.Status.PUBLISHED],
    ).order_by("start")


# --- a resident's own activities, at a glance --------------------------------------------------


def _waiting_for_answer_q(now: datetime, prefix: str = "") -> Q:
    """An offered seat the resident can still take: offered, not expired, on an activity that
    still runs. (offers_expire hands expired ones on; until it has run they are not shown.)"""
    return Q(
        **{
            f"{prefix}status": Registration.Status.OFFERED,
            f"{prefix}offer_expires_at__gt": now,
            f"{prefix}activity__status": Activity.Status.PUBLISHED,
        }
    )


def offered_seat_count(user, now: datetime | None = None) -> int:
    """How many offered seats wait for this resident's answer (the badge in the nav)."""
    return Registration.objects.filter(
        _waiting_for_answer_q(now or timezone.now()), resident=user
    ).count()


def resident_registrations_overview(user, *, now: datetime | None = None, limit: int = 5) -> dict:
    """The resident's home page: offered seats waiting for an answer (soonest deadline first),
    and their next activities (signed up or waiting), each waitlisted one with its place in
    line. One query."""
    now = now or timezone.now()
    rows = list(
        with_waitlist_place(
            Registration.objects.filter(
                resident=user,
                status__in=Registration.ACTIVE_STATUSES,
                activity__end__gt=now,
            )
            .exclude(activity__status=Activity.Status.CANCELLED)
            .select_related("activity__space__compound")
        ).order_by("activity__start", "pk")[:50]
    )
    offered = sorted(
        (
            r
            for r in rows
            if r.status == Registration.Status.OFFERED
            and r.offer_expires_at
            and r.offer_expires_at > now
            and r.activity.status == Activity.Status.PUBLISHED
        ),
        key=lambda r: r.offer_expires_at,
    )
    upcoming = [r for r in rows if r.status != Registration.Status.OFFERED]
    return {
        "offered": offered,
        "registrations": upcoming[:limit],
        "more_registrations": len(upcoming) > limit,
    }


def compound_upcoming_activities(compound_id: int, *, now: datetime | None = None, limit: int = 6):
    """The next public activities in one compound's rooms, with seats left. One query."""
    now = now or timezone.now()
    return list(
        with_seat_counts(
            Activity.objects.published()
            .filter(space__compound_id=compound_id, space__is_active=True, end__gt=now)
            .select_related("space", "organiser")
        ).order_by("start")[:limit]
    )


def series_skipped(series: Series) -> list[dict]:
    """The dates series_create could not hold, each with the reason in the reader's language:
    {"date": date, "reason": str}."""
    dates = []
    for entry in series.skipped or []:
        code, params = entry.get("code", ""), entry.get("params") or {}
        error_class = BookingError if code in BookingError.messages else ActivityError
        try:
            reason = error_class(code, **params).message
        except (KeyError, TypeError, ValueError):
            reason = code  # a refusal whose wording has since gone: its code, not a 500
        dates.append({"date": date.fromisoformat(entry["date"]), "reason": reason})
    return dates
