"""Reads of the partners app that span models. Each helper's part is under its own header."""

# --- revenue and fund ---------------------------------------------------------------------

from datetime import date

from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce

from programs.models import Activity, Registration

from .models import FundEntry, Partner, RevenueReport
from .services import month_bounds

# Registrations a partner marked as paid count toward the implied revenue unless the resident
# later cancelled or declined (the partner then owes them a refund, not the fund a share).
_PAID = Q(paid_at__isnull=False) & ~Q(
    status__in=[Registration.Status.CANCELLED, Registration.Status.DECLINED]
)


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
