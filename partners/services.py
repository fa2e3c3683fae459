"""Operations of the partners app. Each helper's part is kept under its own header."""

# --- revenue and fund ---------------------------------------------------------------------

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from lixiong.errors import DomainError
from lixiong.timeutil import LOCAL_TZ, local_today

from .models import Agreement, FundEntry, Partner, RevenueReport

# 10 billion yuan: far above any class's month, far below PositiveBigIntegerField's limit.
MAX_AMOUNT_FEN = 10**12
# One advisory lock serialises writes to the fund's ledger, so a spending can never take the
# balance below zero between its check and its write (there is no parent row to lock).
FUND_LEDGER_LOCK = 802_001

FUND_MESSAGES = {
    "not_a_partner": _("只有进驻机构的工作人员可以提交营收报告。"),
    "report_exists": _("%(month)s 的营收报告已经提交过了。如需更正，请联系社区工作人员。"),
    "month_in_future": _("只能申报已经结束的月份（%(month)s 还没结束）。"),
    "invalid_month": _("月份格式应为 年-月，例如 2026-11。"),
    "no_agreement": _("%(month)s 没有生效的公益服务协议，无需申报。"),
    "invalid_amount": _("金额须为不超过 100 亿元的非负整数（分）。"),
    "amount_not_positive": _("金额须大于 0。"),
    "purpose_required": _("请填写支出用途。"),
    "approver_required": _("请填写批准人。"),
    "reason_required": _("请填写冲销原因。"),
    "already_reversed": _("这条记录已经冲销过了，不能再次冲销。"),
    "cannot_reverse_reversal": _("冲销记录本身不能再冲销；如有错误，请重新记一条。"),
    "balance_too_low": _("社区基金余额 %(balance)s 元，不够支出 %(amount)s 元。"),
}


class FundError(DomainError):
    messages = FUND_MESSAGES
    forbidden_codes = frozenset()  # the API contract: every refusal is a 400 with its code


def fen_to_yuan(fen: int) -> str:
    """Fen as yuan with two decimals, exactly (no float)."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def contribution_for(revenue_fen: int, fund_share: Decimal) -> int:
    """The contribution due: revenue × share, rounded to the fen, half up (0.5 fen -> 1)."""
    return int((Decimal(revenue_fen) * fund_share).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month [1st 00:00, next 1st 00:00) in community time, as aware datetimes."""
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        datetime.combine(first, time.min, tzinfo=LOCAL_TZ),
        datetime.combine(following, time.min, tzinfo=LOCAL_TZ),
    )


def parse_month(value: str) -> date:
    """'YYYY-MM' -> the 1st of that month; anything else is a FundError."""
    value = (value or "").strip()
    try:
        if len(value) != 7 or value[4] != "-" or "\x00" in value:
            raise ValueError
        return date(int(value[:4]), int(value[5:]), 1)
    except ValueError:
        raise FundError("invalid_month", field="month") from None


def is_member(user, partner: Partner) -> bool:
    return (
        bool(user and user.is_authenticated)
        and partner.organiser.members.filter(pk=user.pk).exists()
    )


def agreement_for_month(partner: Partner, month: date) -> Agreement | None:
    """The agreement in force during the month (the latest signed, if two overlap). A
    suspended agreement still binds the partner to report what it earned."""
    start = month.replace(day=1)
    end = month_bounds(start)[1].date()
    return (
        partner.agreements.filter(valid_from__lt=end, valid_to__gte=start)
        .order_by("-valid_from", "-pk")
        .first()
    )


def _check_amount(amount_fen, *, positive: bool) -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise FundError("invalid_amount", field="amount_fen")
    if amount_fen < 0 or amount_fen > MAX_AMOUNT_FEN:
        raise FundError("invalid_amount", field="amount_fen")
    if positive and amount_fen == 0:
        raise FundError("amount_not_positive", field="amount_fen")
    return amount_fen


def _lock_ledger() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FUND_LEDGER_LOCK])


def revenue_report_submit(*, partner: Partner, month: date, revenue_fen: int, by) -> RevenueReport:
    """A partner declares its gross revenue for an ended month. Its contribution due goes to
    the fund's ledger as a `due` entry in the same transaction.

    A month is reported once. A mistake is corrected by staff (revenue_report_correct), who
    reverse the due in the ledger and record the right one: the partner cannot resubmit,
    so a declaration cannot quietly shrink after the fact."""
    from .selectors import implied_revenue_fen

    if not is_member(by, partner):
        raise FundError("not_a_partner")
    month = month.replace(day=1)
    revenue_fen = _check_amount(revenue_fen, positive=False)
    this_month = local_today().replace(day=1)
    if month >= this_month:
        raise FundError("month_in_future", field="month", month=f"{month:%Y-%m}")
    agreement = agreement_for_month(partner, month)
    if agreement is None:
        raise FundError("no_agreement", field="month", month=f"{month:%Y-%m}")
    try:
        with transaction.atomic():
            # Lock the partner: two submissions of one month queue here; the unique
            # constraint below is the backstop.
            Partner.objects.select_for_update().get(pk=partner.pk)
            if RevenueReport.objects.filter(partner=partner, month=month).exists():
                raise FundError("report_exists", field="month", month=f"{month:%Y-%m}")
            report = RevenueReport.objects.create(
                partner=partner,
                month=month,
                revenue_fen=revenue_fen,
                implied_revenue_fen=implied_revenue_fen(partner, month),
                contribution_fen=contribution_for(revenue_fen, agreement.fund_share),
                submitted_by=by,
            )
            if report.contribution_fen:
                FundEntry.objects.create(
                    kind=FundEntry.Kind.DUE,
                    partner=partner,
                    report=report,
                    amount_fen=report.contribution_fen,
                    purpose=str(_("%(month)s 营收的社区基金")) % {"month": f"{month:%Y-%m}"},
                    entry_date=local_today(),
                    recorded_by=by,
                )
    except IntegrityError:
        raise FundError("report_exists", field="month", month=f"{month:%Y-%m}") from None
    return report


def revenue_report_correct(*, report: RevenueReport, revenue_fen: int, by, reason: str):
    """Staff correct a declaration: the old due is reversed and the right one recorded (the
    report row keeps the corrected figures; the ledger keeps the history)."""
    reason = (reason or "").strip()
    if not reason or "\x00" in reason:
        raise FundError("reason_required", field="reason")
    revenue_fen = _check_amount(revenue_fen, positive=False)
    with transaction.atomic():
        report = RevenueReport.objects.select_for_update().get(pk=report.pk)
        agreement = agreement_for_month(report.partner, report.month)
        share = agreement.fund_share if agreement else Decimal("0")
        _lock_ledger()
        due = FundEntry.objects.filter(report=report).first()
        if due is not None and not FundEntry.objects.filter(reverses=due).exists():
            _reverse(due, by=by, reason=reason)
        report.revenue_fen = revenue_fen
        report.contribution_fen = contribution_for(revenue_fen, share)
        report.save(update_fields=["revenue_fen", "contribution_fen"])
        if report.contribution_fen:
            FundEntry.objects.create(
                kind=FundEntry.Kind.DUE,
                partner=report.partner,
                amount_fen=report.contribution_fen,
                purpose=str(_("%(month)s 营收更正：%(reason)s"))
                % {"month": f"{report.month:%Y-%m}", "reason": reason[:200]},
                entry_date=local_today(),
                recorded_by=by,
            )
    return report


def fund_contribution_receive(
    *, partner: Partner, amount_fen: int, entry_date: date, by, note: str = ""
) -> FundEntry:
    """Staff record a contribution a partner paid: the balance grows, its dues shrink."""
    amount_fen = _check_amount(amount_fen, positive=True)
    with transaction.atomic():
        _lock_ledger()
        return FundEntry.objects.create(
            kind=FundEntry.Kind.RECEIVED,
            partner=partner,
            amount_fen=amount_fen,
            purpose=(note or "").strip()[:300],
            entry_date=entry_date,
            recorded_by=by,
        )


def fund_spend(
    *, amount_fen: int, purpose: str, approved_by: str, entry_date: date, by
) -> FundEntry:
    """Staff record money spent from the fund, with its purpose and who approved it."""
    from .selectors import fund_balance_fen

    amount_fen = _check_amount(amount_fen, positive=True)
    purpose, approved_by = (purpose or "").strip(), (approved_by or "").strip()
    if not purpose:
        raise FundError("purpose_required", field="purpose")
    if not approved_by:
        raise FundError("approver_required", field="approved_by")
    with transaction.atomic():
        _lock_ledger()
        balance = fund_balance_fen()
        if amount_fen > balance:
            raise FundError(
                "balance_too_low",
                field="amount_fen",
                balance=fen_to_yuan(balance),
                amount=fen_to_yuan(amount_fen),
            )
        return FundEntry.objects.create(
            kind=FundEntry.Kind.SPENDING,
            amount_fen=-amount_fen,
            purpose=purpose,
            approved_by=approved_by,
            entry_date=entry_date,
            recorded_by=by,
        )


def _reverse(entry: FundEntry, *, by, reason: str) -> FundEntry:
    return FundEntry.objects.create(
        kind=FundEntry.Kind.REVERSAL,
        partner=entry.partner,
        amount_fen=-entry.amount_fen,
        purpose=reason[:300],
        entry_date=local_today(),
        reverses=entry,
        recorded_by=by,
    )


def fund_entry_reverse(*, entry: FundEntry, by, reason: str) -> FundEntry:
    """Undo a ledger entry by a new entry of the opposite amount. An entry is reversed once;
    a reversal is never reversed (record the entry again instead)."""
    reason = (reason or "").strip()
    if not reason or "\x00" in reason:
        raise FundError("reason_required", field="reason")
    try:
        with transaction.atomic():
            _lock_ledger()
            entry = FundEntry.objects.select_for_update().get(pk=entry.pk)
            if entry.kind == FundEntry.Kind.REVERSAL:
                raise FundError("cannot_reverse_reversal")
            if FundEntry.objects.filter(reverses=entry).exists():
                raise FundError("already_reversed")
            return _reverse(entry, by=by, reason=reason)
    except IntegrityError:
        raise FundError("already_reversed") from None
