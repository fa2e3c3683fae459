"""Reads of the partners app that span models. Each part of issue 8 keeps its own section."""

# --- partner portal ---------------------------------------------------------------------------

from django.db.models import Count, Q
from django.utils import timezone

from lixiong.timeutil import local_today
from programs.models import Activity, Registration
from programs.selectors import with_seat_counts

from .models import Agreement, Partner


def partner_of(user) -> Partner | None:
    """The partner whose organiser `user` is a member of (the portal's owner), or None."""
    if not user.is_authenticated:
        return None
    return (
        Partner.objects.filter(organiser__members=user)
        .select_related("organiser", "compound")
        .order_by("pk")
        .first()
    )


def agreement_shown(partner: Partner) -> Agreement | None:
    """The agreement the portal explains: the one in force today, else the newest."""
    today = local_today()
    agreements = list(
        partner.agreements.prefetch_related("rooms__compound", "windows__space").order_by(
            "-valid_from"
        )
    )
    shown = next((a for a in agreements if a.valid_from <= today <= a.valid_to), None)
    shown = shown or (agreements[0] if agreements else None)
    if shown is not None:
        shown.lapsed = shown.valid_to < today
        shown.in_force = (
            shown.status == Agreement.Status.ACTIVE and shown.valid_from <= today <= shown.valid_to
        )
    return shown


def portal_activities(partner: Partner):
    """The partner's activities with seats and paid registrations counted in the same query."""
    return with_seat_counts(
        Activity.objects.filter(organiser_id=partner.organiser_id).select_related(
            "space__compound", "category", "series"
        )
    ).annotate(
        paid_count=Count(
            "registrations",
            filter=Q(registrations__paid_at__isnull=False),
            distinct=True,
        )
    )


def portal_upcoming_and_recent(partner: Partner, *, limit: int = 50):
    now = timezone.now()
    activities = portal_activities(partner)
    upcoming = list(
        activities.filter(end__gt=now)
        .exclude(status=Activity.Status.CANCELLED)
        .order_by("start")[:limit]
    )
    recent = list(activities.filter(end__lte=now).order_by("-start")[:20])
    return upcoming, recent


def payment_rows(activity: Activity):
    """Who signed up for a class, for the partner's "paid" ticks: live registrations first."""
    return (
        activity.registrations.filter(
            Q(status__in=Registration.ACTIVE_STATUSES) | Q(paid_at__isnull=False)
        )
        .select_related("resident__profile")
        .order_by("position")
    )
