"""Reads across the partners' models."""

# --- compliance and public pages ---
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lixiong.timeutil import LOCAL_TZ, local_today
from notifications.services import staff_with_permission
from programs.models import Activity, Registration
from programs.selectors import with_seat_counts

from .models import Agreement, Application, ComplianceResult, FundEntry, Partner, RevenueReport

# How many months of compliance the public sees (public accountability).
PUBLIC_MONTHS = 6


# Activities that happened (or will): not drafts, not cancelled.
HAPPENING = [Activity.Status.PUBLISHED, Activity.Status.FINISHED]


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_just_ended(today: date | None = None) -> date:
    """The first day of the month before today's, in the community's calendar."""
    return month_add(month_start(today or local_today()), -1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as aware instants [start, end) in Asia/Shanghai: 23:30 on the 30th of November
    local (15:30 UTC) belongs to November, 00:30 on the 1st of December to December."""
    start = datetime.combine(month, datetime.min.time(), LOCAL_TZ)
    end = datetime.combine(month_add(month, 1), datetime.min.time(), LOCAL_TZ)
    return start, end


def agreements_to_check(month: date):
    """Agreements in force at any time in the month: their dates overlap it. One suspended
    since (or during) the month is checked too: suspending a partner must not wipe the record
    of the month that led to it."""
    return (
        Agreement.objects.filter(valid_from__lt=month_add(month, 1), valid_to__gte=month)
        .select_related("partner__organiser")
        .order_by("pk")
    )


def partner_activities_in_month(partner: Partner, month: date):
    start, end = month_bounds(month)
    return Activity.objects.filter(
        organiser_id=partner.organiser_id, status__in=HAPPENING, start__gte=start, start__lt=end
    )


def welfare_held(partner: Partner, month: date) -> int:
    """Free public-welfare activities of the month that took place with attendance recorded:
    at least one attendee (a registration marked present, or a walk-in), as programs counts
    person-visits."""
    attended = Registration.objects.filter(
        activity=OuterRef("pk"), status=Registration.Status.CONFIRMED, attended_count__gt=0
    )
    return (
        partner_activities_in_month(partner, month)
        .filter(is_public_welfare=True, price_fen=0, start__lte=timezone.now())
        .filter(Q(walk_in_attendees__gt=0) | Exists(attended))
        .count()
    )


def classes_above_cap(agreement: Agreement, month: date) -> int:
    """Priced classes of the month above the agreement's cap (price > cap × market price,
    compared exactly in the database's numeric arithmetic). None can be posted so, but a term
    changed later is re-checked here."""
    above = [
        activity.pk
        for activity in partner_activities_in_month(agreement.partner, month)
        .filter(price_fen__gt=0)
        .only("pk", "price_fen", "market_price_fen")
        if activity.price_fen > agreement.price_cap * activity.market_price_fen
    ]
    return len(above)


def _not_reversed(qs):
    return qs.filter(reversed_by__isnull=True)


def contribution_paid(partner: Partner, month: date) -> bool:
    """Paid when the month's revenue report exists and the contributions received cover it,
    oldest dues first: the same rule as the partner's revenue page (`months_with_status`)."""
    rows = months_with_status(partner, [month])
    return any(row["month"] == month and row["status"] == "paid" for row in rows)


@dataclass
class MonthCheck:
    welfare_held: int
    welfare_required: int
    report_submitted: bool
    contribution_paid: bool
    classes_above_cap: int


def month_check(agreement: Agreement, month: date) -> MonthCheck:
    partner = agreement.partner
    return MonthCheck(
        welfare_held=welfare_held(partner, month),
        welfare_required=agreement.welfare_minimum,
        report_submitted=RevenueReport.objects.filter(partner=partner, month=month).exists(),
        contribution_paid=contribution_paid(partner, month),
        classes_above_cap=classes_above_cap(agreement, month),
    )


def agreement_deciders() -> list[tuple[int, str]]:
    """(user id, email) of active staff who may change agreements."""
    return staff_with_permission("partners.change_agreement")


def partners_flagged() -> list[dict]:
    """Partners whose two newest monthly results are consecutive months and both missed a
    term: for a staff decision. `[{"partner", "months": [newer, older]}]`."""
    results = (
        ComplianceResult.objects.filter(month__gte=month_add(month_just_ended(), -1))
        .select_related("agreement__partner")
        .order_by("agreement__partner__name", "-month")
    )
    by_partner: dict[int, list[ComplianceResult]] = {}
    for result in results:
        by_partner.setdefault(result.agreement.partner_id, []).append(result)
    flagged = []
    for rows in by_partner.values():
        missed = {r.month for r in rows if not r.is_compliant}
        newest = max(r.month for r in rows)
        if newest in missed and month_add(newest, -1) in missed:
            flagged.append(
                {"partner": rows[0].agreement.partner, "months": [newest, month_add(newest, -1)]}
            )
    return flagged


def recent_compliance(partner: Partner, months: int = PUBLIC_MONTHS) -> list[ComplianceResult]:
    """The partner's results of its last `months` months, newest first."""
    since = month_add(month_just_ended(), -(months - 1))
    return list(
        ComplianceResult.objects.filter(agreement__partner=partner, month__gte=since).order_by(
            "-month"
        )
    )


def current_agreement(partner: Partner) -> Agreement | None:
    today = local_today()
    agreements = list(partner.agreements.all())
    for agreement in agreements:
        if agreement.valid_from <= today <= agreement.valid_to:
            return agreement
    return agreements[0] if agreements else None


def public_partners():
    """Every partner with its agreements, rooms and the last six months of results, in a fixed
    number of queries."""
    since = month_add(month_just_ended(), -(PUBLIC_MONTHS - 1))
    return (
        Partner.objects.select_related("organiser", "compound")
        .prefetch_related(
            Prefetch(
                "agreements",
                queryset=Agreement.objects.prefetch_related("rooms__compound").order_by(
                    "-valid_from"
                ),
            ),
            Prefetch(
                "agreements__compliance",
                queryset=ComplianceResult.objects.filter(month__gte=since).order_by("-month"),
                to_attr="recent_results",
            ),
        )
        .order_by("name")
    )


def partner_upcoming_classes(partner: Partner, limit: int = 20):
    return list(
        Activity.objects.published()
        .filter(organiser_id=partner.organiser_id, start__gte=timezone.now())
        .select_related("space__compound", "category")
        .order_by("start")[:limit]
    )


# Registrations a partner marked as paid count toward the implied revenue unless the resident
# later cancelled or declined (the partner then owes them a refund, not the fund a share).
# A paid seat: a confirmed registration the partner marked paid (one still waiting for a
# seat, or gone, is no revenue of the class).
_PAID = Q(paid_at__isnull=False, status=Registration.Status.CONFIRMED)


def implied_revenue_fen(partner: Partner, month: date) -> int:
    """Σ party_size × price over paid registrations of the partner's classes that start in
    the month (Asia/Shanghai): one aggregate query."""
    start, end = month_bounds(month)
    return Registration.objects.filter(
        _PAID,
        activity__organiser_id=partner.organiser_id,
        activity__start__gte=start,
        activity__start__lt=end,
    ).aggregate(total=Coalesce(Sum(F("party_size") * F("activity__price_fen")), Value(0)))["total"]


def classes_of_month(partner: Partner, month: date):
    """Each priced class of the month with its paid places and implied revenue."""
    start, end = month_bounds(month)
    paid = Q(registrations__paid_at__isnull=False) & ~Q(
        registrations__status__in=[Registration.Status.CANCELLED, Registration.Status.DECLINED]
    )
    return (
        Activity.objects.filter(
            organiser_id=partner.organiser_id, start__gte=start, start__lt=end, price_fen__gt=0
        )
        .exclude(status=Activity.Status.DRAFT)
        .annotate(
            paid_places=Coalesce(Sum("registrations__party_size", filter=paid), Value(0)),
        )
        .annotate(implied_fen=F("paid_places") * F("price_fen"))
        .select_related("space")
        .order_by("start", "pk")
    )


def _reversal_of(*kinds) -> Q:
    return Q(kind=FundEntry.Kind.REVERSAL, reverses__kind__in=kinds)


_BALANCE = Q(kind__in=[FundEntry.Kind.RECEIVED, FundEntry.Kind.SPENDING]) | _reversal_of(
    FundEntry.Kind.RECEIVED, FundEntry.Kind.SPENDING
)


_DUES = Q(kind=FundEntry.Kind.DUE) | _reversal_of(FundEntry.Kind.DUE)


_PAID_IN = Q(kind=FundEntry.Kind.RECEIVED) | _reversal_of(FundEntry.Kind.RECEIVED)


def fund_balance_fen() -> int:
    """Received − spent, reversals counted (a due moves nothing until it is paid)."""
    return FundEntry.objects.filter(_BALANCE).aggregate(
        total=Coalesce(Sum("amount_fen"), Value(0))
    )["total"]


def partner_dues():
    """Each partner with dues_fen (what its reports made due), received_fen and
    outstanding_fen (dues − received), reversals counted: one query."""
    return (
        Partner.objects.annotate(
            dues_fen=Coalesce(Sum("fund_entries__amount_fen", filter=_prefixed(_DUES)), Value(0)),
            received_fen=Coalesce(
                Sum("fund_entries__amount_fen", filter=_prefixed(_PAID_IN)), Value(0)
            ),
        )
        .annotate(outstanding_fen=F("dues_fen") - F("received_fen"))
        .order_by("name")
    )


def _prefixed(q: Q) -> Q:
    """The same condition seen from Partner (through fund_entries)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child))
        else:
            out.children.append((f"fund_entries__{child[0]}", child[1]))
    return out


def partner_outstanding_fen(partner: Partner) -> int:
    return partner_dues().get(pk=partner.pk).outstanding_fen


def months_with_status(partner: Partner, months: list[date]):
    """The partner's months, newest first, each as a dict: month, report (or None) and
    status: `due` (not yet reported), `submitted` (reported, contribution not yet covered)
    or `paid`. Payments are not tied to months: they cover the oldest dues first."""
    reports = {r.month: r for r in RevenueReport.objects.filter(partner=partner)}
    received = partner_dues().get(pk=partner.pk).received_fen
    all_months = sorted(set(months) | set(reports))
    covered: dict[date, bool] = {}
    for month in all_months:  # oldest first
        report = reports.get(month)
        if report is None:
            continue
        received -= report.contribution_fen
        covered[month] = received >= 0
    rows = []
    for month in reversed(all_months):
        report = reports.get(month)
        if report is None:
            status = "due"
        elif covered[month]:
            status = "paid"
        else:
            status = "submitted"
        rows.append({"month": month, "report": report, "status": status})
    return rows


def ledger_entries():
    return FundEntry.objects.select_related("partner", "recorded_by", "reversed_by").order_by(
        "-entry_date", "-pk"
    )


def applications_of(user) -> list[Application]:
    """The applications `user` sent, newest first (with what the page shows)."""
    return list(
        Application.objects.filter(applicant=user)
        .select_related("compound", "partner")
        .order_by("-created_at")
    )


def application_licence_for(user, pk: int) -> Application | None:
    """The application whose licence `user` may open: their own, or any for staff who may view
    applications. Anyone else gets None (the view answers 404, as if it did not exist)."""
    if not user.is_authenticated:
        return None
    applications = Application.objects.all()
    if not (user.is_active and user.is_staff and user.has_perm("partners.view_application")):
        applications = applications.filter(applicant=user)
    return applications.filter(pk=pk).first()


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
