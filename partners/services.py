"""Operations on partners, each in its own transaction."""

# --- compliance and public pages ---
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lixiong.errors import DomainError
from lixiong.timeutil import LOCAL_TZ, as_aware, local_today
from notifications.services import Draft, messages_queue, staff_with_permission
from programs.errors import ActivityError
from programs.models import Organiser
from spaces.models import WeeklyRange

from . import selectors
from .models import Agreement, Application, ComplianceResult, FundEntry, Partner, RevenueReport


def compliance_month_run(*, month: date | None = None) -> dict[str, int]:
    """Check every agreement in force during `month` (default: the month that just ended) and
    store one result per agreement and month. A result already stored is left as it is and
    mails nobody again, so running the job twice changes nothing."""
    month = selectors.month_start(month) if month else selectors.month_just_ended()
    if month >= selectors.month_start(local_today()):
        # A result is stored once and never recomputed: one for a month still running would
        # stand for good, with its activities still to come.
        raise ValueError(
            _("只能核查已经结束的月份（%(month)s 还没结束）。") % {"month": f"{month:%Y-%m}"}
        )
    counts = {"checked": 0, "created": 0, "missed": 0}
    for agreement in selectors.agreements_to_check(month):
        counts["checked"] += 1
        result, created = compliance_result_store(agreement=agreement, month=month)
        if created:
            counts["created"] += 1
            if not result.is_compliant:
                counts["missed"] += 1
    return counts


def compliance_result_store(*, agreement: Agreement, month: date) -> tuple[ComplianceResult, bool]:
    existing = ComplianceResult.objects.filter(agreement=agreement, month=month).first()
    if existing is not None:
        return existing, False
    check = selectors.month_check(agreement, month)
    try:
        with transaction.atomic():
            result = ComplianceResult.objects.create(
                agreement=agreement,
                month=month,
                welfare_held=check.welfare_held,
                welfare_required=check.welfare_required,
                report_submitted=check.report_submitted,
                contribution_paid=check.contribution_paid,
                classes_above_cap=check.classes_above_cap,
            )
            if not result.is_compliant:
                compliance_messages_queue(result)
    except IntegrityError:
        # Another run stored it first (two workers at 02:00): theirs stands, and mailed.
        return ComplianceResult.objects.get(agreement=agreement, month=month), False
    return result, True


def missed_terms(result: ComplianceResult) -> list[str]:
    """What the month missed, in words (in the active language)."""
    missed = []
    if not result.welfare_met:
        missed.append(
            _("公益活动：已开展 %(held)s 场，协议要求至少 %(required)s 场")
            % {"held": result.welfare_held, "required": result.welfare_required}
        )
    if not result.report_submitted:
        missed.append(_("未提交本月营收报告"))
    if not result.contribution_paid:
        missed.append(_("社区基金未缴清"))
    if result.classes_above_cap:
        missed.append(_("%(n)s 门课程价格超过协议上限") % {"n": result.classes_above_cap})
    return missed


def _compliance_mail(result: ComplianceResult, *, for_staff: bool) -> tuple[str, str]:
    partner = result.agreement.partner
    month = f"{result.month:%Y-%m}"
    subject = _("%(partner)s %(month)s 月度履约未达标") % {"partner": partner.name, "month": month}
    lines = [
        _("%(partner)s 在 %(month)s 未达到《公益服务协议》的以下条款：")
        % {"partner": partner.name, "month": month},
        "",
        *[f"- {line}" for line in missed_terms(result)],
        "",
    ]
    if for_staff:
        lines.append(_("请在后台查看该机构的协议和履约记录。"))
    else:
        lines.append(_("请尽快补足，如有疑问请联系社区工作人员。"))
    return subject, "\n".join(lines)


def compliance_messages_queue(result: ComplianceResult) -> None:
    """Mail the partner's accounts (in the language of its application) and the staff who may
    change agreements. Keys name the agreement and month, so a rerun queues nothing new."""
    partner = result.agreement.partner
    month = f"{result.month:%Y-%m}"
    base = f"compliance:{result.agreement_id}:{month}"
    application = getattr(partner, "application", None)
    partner_language = application.language if application else settings.LANGUAGE_CODE
    drafts = []
    with translation.override(partner_language):
        subject, body = _compliance_mail(result, for_staff=False)
    for member in partner.organiser.members.filter(is_active=True).exclude(email=""):
        drafts.append(
            Draft(
                key=f"{base}:partner:{member.pk}",
                address=member.email,
                subject=subject,
                body=body,
                recipient_id=member.pk,
            )
        )
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _compliance_mail(result, for_staff=True)
    for user_id, email in selectors.agreement_deciders():
        drafts.append(
            Draft(
                key=f"{base}:staff:{user_id}",
                address=email,
                subject=subject,
                body=body,
                recipient_id=user_id,
            )
        )
    messages_queue(drafts)


# 10 billion yuan: far above any class's month, far below PositiveBigIntegerField's limit.
MAX_AMOUNT_FEN = 10**12


# One advisory lock serialises writes to the fund's ledger, so a spending can never take the
# balance below zero between its check and its write (there is no parent row to lock).
FUND_LEDGER_LOCK = 802_001


FUND_MESSAGES = {
    "not_a_partner": gettext_lazy("只有进驻机构的工作人员可以提交营收报告。"),
    "report_exists": gettext_lazy(
        "%(month)s 的营收报告已经提交过了。如需更正，请联系社区工作人员。"
    ),
    "month_in_future": gettext_lazy("只能申报已经结束的月份（%(month)s 还没结束）。"),
    "invalid_month": gettext_lazy("月份格式应为 年-月，例如 2026-11。"),
    "no_agreement": gettext_lazy("%(month)s 没有生效的公益服务协议，无需申报。"),
    "invalid_amount": gettext_lazy("金额须为不超过 100 亿元的非负整数（分）。"),
    "amount_not_positive": gettext_lazy("金额须大于 0。"),
    "purpose_required": gettext_lazy("请填写支出用途。"),
    "approver_required": gettext_lazy("请填写批准人。"),
    "reason_required": gettext_lazy("请填写冲销原因。"),
    "already_reversed": gettext_lazy("这条记录已经冲销过了，不能再次冲销。"),
    "due_of_report": gettext_lazy(
        "这是营收报告的应缴记录，请用“更正营收报告”修改，报告和账目会一起更正。"
    ),
    "cannot_reverse_reversal": gettext_lazy("冲销记录本身不能再冲销；如有错误，请重新记一条。"),
    "balance_too_low": gettext_lazy("社区基金余额 %(balance)s 元，不够支出 %(amount)s 元。"),
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
    end = selectors.month_bounds(start)[1].date()
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
    # The embedded SQLite mode of `make run` has no advisory locks; it serialises writing
    # transactions from BEGIN instead (settings.DATABASES), which serves the same end.
    if connection.vendor != "postgresql":
        return
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
        # Every due of the report still standing: the first, or the last correction's.
        standing = FundEntry.objects.filter(
            report=report, kind=FundEntry.Kind.DUE, reversed_by__isnull=True
        )
        for due in standing:
            _reverse(due, by=by, reason=reason)
        report.revenue_fen = revenue_fen
        report.contribution_fen = contribution_for(revenue_fen, share)
        report.save(update_fields=["revenue_fen", "contribution_fen"])
        if report.contribution_fen:
            FundEntry.objects.create(
                kind=FundEntry.Kind.DUE,
                partner=report.partner,
                report=report,
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
            if entry.kind == FundEntry.Kind.DUE and entry.report_id is not None:
                # The report's figures and its month's status follow its dues: change both
                # together, through the correction.
                raise FundError("due_of_report")
            if FundEntry.objects.filter(reverses=entry).exists():
                raise FundError("already_reversed")
            return _reverse(entry, by=by, reason=reason)
    except IntegrityError:
        raise FundError("already_reversed") from None


class ApplicationError(DomainError):
    messages = {
        "not_allowed": gettext_lazy("您没有审核进驻申请的权限。"),
        "already_open": gettext_lazy("这家企业已有一份待审核的申请。"),
        "already_decided": gettext_lazy("这份申请已经审核过了，不能再修改。"),
        "already_rejected": gettext_lazy("这份申请已被驳回，不能再通过。"),
        "not_screened": gettext_lazy("三维筛选都通过后才能批准：%(missing)s 还没有通过。"),
        "reason_required": gettext_lazy("请填写驳回原因，申请人会看到它。"),
        "already_partner": gettext_lazy("这家企业（同一信用代码）已经是进驻机构了。"),
        "name_taken": gettext_lazy("已有同名的组织方“%(name)s”，请先核实是否同一家机构。"),
    }
    conflict_codes = frozenset({"already_open", "already_decided", "already_partner"})
    forbidden_codes = frozenset({"not_allowed"})


SCREENING_DIMENSIONS = (
    ("qualification_passed", "qualification_notes", gettext_lazy("企业资质")),
    ("responsibility_passed", "responsibility_notes", gettext_lazy("社会责任")),
    ("commitment_passed", "commitment_notes", gettext_lazy("公益承诺")),
)


def can_decide_applications(user) -> bool:
    return bool(
        user and user.is_active and user.is_staff and user.has_perm("partners.change_application")
    )


def application_deciders() -> list[tuple[int, str]]:
    """(user id, email) of the active staff who may screen and decide applications. Not
    cached: an application arrives a few times a year."""
    return staff_with_permission("partners.change_application")


def _application_staff_mail(application: Application) -> tuple[str, str]:
    subject = _("新的机构进驻申请：%(name)s") % {"name": application.company_name}
    url = settings.SITE_URL + reverse("admin:partners_application_change", args=[application.pk])
    body = [
        _("企业名称：%(name)s") % {"name": application.company_name},
        _("统一社会信用代码：%(code)s") % {"code": application.credit_code},
        _("联系人：%(who)s %(phone)s")
        % {"who": application.contact_name, "phone": application.contact_phone},
        _("希望进驻的小区：%(compound)s") % {"compound": application.compound or _("（未选择）")},
        "",
        _("去审核（三维筛选）：%(url)s") % {"url": url},
    ]
    return subject, "\n".join(body)


def _application_applicant_mail(application: Application, event: str) -> tuple[str, str]:
    params = {"name": application.company_name}
    if event == "approved":
        subject = _("进驻申请已通过：%(name)s") % params
        body = [
            _("您好，%(name)s 的进驻申请已通过三维筛选，欢迎加入沥雄社区。") % params,
            _("《公益服务协议》自今天起生效，有效期一年。"),
        ]
        if application.decision_reason:
            body.append(_("审核意见：%(reason)s") % {"reason": application.decision_reason})
        body += [
            "",
            _("用这个账号登录后即可发布课程和公益活动：%(url)s")
            % {"url": settings.SITE_URL + reverse("organiser_dashboard")},
        ]
    else:
        subject = _("进驻申请未通过：%(name)s") % params
        body = [
            _("您好，很抱歉，%(name)s 的进驻申请这次没有通过。") % params,
            _("原因：%(reason)s") % {"reason": application.decision_reason},
            "",
            _("您可以按意见补充后重新申请：%(url)s")
            % {"url": settings.SITE_URL + reverse("partner_apply")},
        ]
    body += [
        "",
        _("查看申请：%(url)s") % {"url": settings.SITE_URL + reverse("partner_application")},
    ]
    return subject, "\n".join(body)


def application_messages_queue(application: Application, event: str) -> None:
    """A new application tells the staff who may decide; a decision tells the applicant, in the
    language they applied in."""
    drafts = []
    if event == "submitted":
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = _application_staff_mail(application)
        drafts = [
            Draft(
                key=f"application:{application.pk}:submitted:{user_id}",
                address=email,
                subject=subject,
                body=body,
                recipient_id=user_id,
            )
            for user_id, email in application_deciders()
        ]
    elif application.applicant.email:
        with translation.override(application.language):
            subject, body = _application_applicant_mail(application, event)
        drafts = [
            Draft(
                key=f"application:{application.pk}:{event}",
                address=application.applicant.email,
                subject=subject,
                body=body,
                recipient_id=application.applicant_id,
            )
        ]
    messages_queue(drafts)


def application_submit(*, applicant, application: Application, language: str) -> Application:
    """Save a filled-in (validated, unsaved) application and tell the staff."""
    application.applicant = applicant
    application.status = Application.Status.SUBMITTED
    application.language = language or settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            application.save()
            application_messages_queue(application, "submitted")
    except IntegrityError as error:
        # Two submissions for one enterprise at once: the form checked, the database decides.
        if "application_one_open_per_credit_code" in str(error):
            application.licence.delete(save=False)
            raise ApplicationError("already_open", field="credit_code") from error
        raise
    return application


def _lock_application(application: Application | int) -> Application:
    pk = application.pk if isinstance(application, Application) else application
    return Application.objects.select_for_update().select_related("applicant").get(pk=pk)


def application_screen(
    *,
    application: Application | int,
    by,
    qualification_passed: bool | None,
    qualification_notes: str = "",
    responsibility_passed: bool | None,
    responsibility_notes: str = "",
    commitment_passed: bool | None,
    commitment_notes: str = "",
    decision_reason: str | None = None,
) -> Application:
    """Record staff's judgement on the three dimensions (三维筛选) of an open application, and
    the draft of the decision's reason if given (the applicant sees it once decided)."""
    if not can_decide_applications(by):
        raise ApplicationError("not_allowed")
    with transaction.atomic():
        application = _lock_application(application)
        if application.status != Application.Status.SUBMITTED:
            raise ApplicationError("already_decided")
        application.qualification_passed = qualification_passed
        application.qualification_notes = (qualification_notes or "").strip()
        application.responsibility_passed = responsibility_passed
        application.responsibility_notes = (responsibility_notes or "").strip()
        application.commitment_passed = commitment_passed
        application.commitment_notes = (commitment_notes or "").strip()
        fields = [
            field for passed, notes, _label in SCREENING_DIMENSIONS for field in (passed, notes)
        ]
        if decision_reason is not None:
            application.decision_reason = decision_reason.strip()
            fields.append("decision_reason")
        application.save(update_fields=fields)
    return application


def agreement_valid_to(valid_from: date) -> date:
    """The last day of one year from `valid_from` (29 February signs until 28 February)."""
    try:
        anniversary = valid_from.replace(year=valid_from.year + 1)
    except ValueError:
        anniversary = valid_from.replace(year=valid_from.year + 1, day=28) + timedelta(days=1)
    return anniversary - timedelta(days=1)


def application_approve(*, application: Application | int, by, reason: str = "") -> Partner:
    """Admit the enterprise: its organiser (kind partner), the partner copied from the
    application, an active agreement on the community's default terms from today for a year,
    the applicant's account among the organiser's members, and a mail to the applicant.
    Approving an approved application again returns its partner and changes nothing."""
    if not can_decide_applications(by):
        raise ApplicationError("not_allowed")
    with transaction.atomic():
        application = _lock_application(application)
        if application.status == Application.Status.APPROVED:
            return application.partner
        if application.status != Application.Status.SUBMITTED:
            raise ApplicationError("already_rejected")
        missing = [
            str(label)
            for passed, _notes, label in SCREENING_DIMENSIONS
            if getattr(application, passed) is not True
        ]
        if missing:
            raise ApplicationError("not_screened", missing="、".join(missing))
        if Partner.objects.filter(credit_code=application.credit_code).exists():
            raise ApplicationError("already_partner")
        if Organiser.objects.filter(name=application.company_name).exists():
            raise ApplicationError("name_taken", name=application.company_name)
        organiser = Organiser.objects.create(
            name=application.company_name, kind=Organiser.Kind.PARTNER
        )
        organiser.members.add(application.applicant)
        partner = Partner.objects.create(
            organiser=organiser,
            name=application.company_name,
            credit_code=application.credit_code,
            legal_representative=application.legal_representative,
            contact_name=application.contact_name,
            contact_phone=application.contact_phone,
            compound=application.compound,
            introduction=application.business_scope,
        )
        today = local_today()
        # The terms (price cap, fund share, welfare minimum) are the model's defaults: the
        # community's standard agreement. Staff assign rooms and windows afterwards.
        Agreement.objects.create(
            partner=partner,
            signed_on=today,
            valid_from=today,
            valid_to=agreement_valid_to(today),
            status=Agreement.Status.ACTIVE,
        )
        application.status = Application.Status.APPROVED
        application.partner = partner
        application.decision_reason = (reason or "").strip()
        application.decided_by = by
        application.decided_at = timezone.now()
        application.save(
            update_fields=["status", "partner", "decision_reason", "decided_by", "decided_at"]
        )
        application_messages_queue(application, "approved")
    return partner


def application_reject(*, application: Application | int, by, reason: str) -> Application:
    """Turn the application down with a reason the applicant reads (page and mail)."""
    if not can_decide_applications(by):
        raise ApplicationError("not_allowed")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason_required", field="decision_reason")
    with transaction.atomic():
        application = _lock_application(application)
        if application.status != Application.Status.SUBMITTED:
            raise ApplicationError("already_decided")
        application.status = Application.Status.REJECTED
        application.decision_reason = reason
        application.decided_by = by
        application.decided_at = timezone.now()
        application.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        application_messages_queue(application, "rejected")
    return application


def yuan(fen: int | Decimal) -> str:
    """Fen as yuan with two decimals, exactly (¥40.00)."""
    return f"{Decimal(fen) / 100:.2f}"


def cap_percent(cap: Decimal) -> str:
    """A cap ratio as a percentage without trailing zeros: 0.500 -> "50", 0.375 -> "37.5"."""
    text = f"{cap * 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def max_price_fen(*, cap: Decimal, market_price_fen: int) -> int:
    """The highest price the cap allows, in whole fen (rounded down: never above the cap)."""
    return int((cap * Decimal(market_price_fen)).to_integral_value(rounding="ROUND_FLOOR"))


def price_within_cap(*, price_fen: int, market_price_fen: int, cap: Decimal) -> bool:
    """普惠定价: price at most cap × market price, in integer fen and Decimal (never float).
    Exactly the cap passes; a free activity always passes; a market price of 0 allows only 0."""
    return Decimal(price_fen) <= cap * Decimal(market_price_fen)


def agreement_governing(partner: Partner, day: date, *, today: date | None = None):
    """The agreement that governs a class on `day`: active, not expired today, and valid on
    that day. Returns (agreement or None, the agreements looked at, newest first)."""
    today = today or local_today()
    agreements = partner.agreements.prefetch_related("rooms", "windows")
    if transaction.get_connection().in_atomic_block:
        # Posting a class holds the agreement's rows until it commits, so a suspension
        # (agreement_suspend locks the row too) lands either before the class, which is then
        # refused, or after it: never a class posted under an agreement suspended meanwhile.
        agreements = agreements.select_for_update(no_key=True, of=("self",))
    agreements = list(agreements)
    for agreement in agreements:
        if (
            agreement.status == Agreement.Status.ACTIVE
            and agreement.valid_to >= today
            and agreement.valid_from <= day <= agreement.valid_to
        ):
            return agreement, agreements
    return None, agreements


def agreement_inactive_why(agreements: list[Agreement], today: date):
    """In plain words why no agreement is in force today (lazy: the reader's language)."""
    if not agreements:
        return _("还没有签订协议。")
    latest = agreements[0]
    if latest.status == Agreement.Status.SUSPENDED:
        return format_lazy(
            _("协议已暂停，原因：{reason}"), reason=latest.status_reason or _("未说明")
        )
    if latest.status == Agreement.Status.EXPIRED or latest.valid_to < today:
        return format_lazy(_("协议已于 {date} 到期。"), date=f"{latest.valid_to:%Y-%m-%d}")
    return format_lazy(_("协议 {date} 起生效。"), date=f"{latest.valid_from:%Y-%m-%d}")


def partner_activity_check(
    *,
    organiser: Organiser,
    space: int,
    start: datetime,
    end: datetime,
    price_fen: int,
    market_price_fen: int,
    is_public_welfare: bool,
    **extra,
) -> None:
    """The agreement's rules on a partner's activity, registered in programs.rules (see
    PartnersConfig.ready), so every door to posting a class (the portal, the organiser area,
    the API, a weekly series) keeps them. The room's own rules (hours, closures, clashes)
    come after, from the booking service, when the activity holds its room."""
    if organiser.kind != Organiser.Kind.PARTNER:
        return
    today = local_today()
    local_start, local_end = (
        as_aware(start).astimezone(LOCAL_TZ),
        as_aware(end).astimezone(LOCAL_TZ),
    )
    day = local_start.date()
    partner = Partner.objects.filter(organiser_id=organiser.pk).first()
    if partner is None:
        # A partner-kind organiser nobody admitted: no agreement, no classes.
        raise ActivityError("agreement_inactive", why=_("还没有签订协议。"))
    agreement, agreements = agreement_governing(partner, day, today=today)
    if agreement is None:
        in_force = [
            a
            for a in agreements
            if a.status == Agreement.Status.ACTIVE and a.valid_from <= today <= a.valid_to
        ]
        if in_force:
            raise ActivityError(
                "outside_agreement_dates",
                field="start",
                date=f"{day:%Y-%m-%d}",
                valid_from=f"{in_force[0].valid_from:%Y-%m-%d}",
                valid_to=f"{in_force[0].valid_to:%Y-%m-%d}",
            )
        raise ActivityError("agreement_inactive", why=agreement_inactive_why(agreements, today))

    rooms = list(agreement.rooms.all())
    if not any(room.pk == space for room in rooms):
        names = " / ".join(room.name for room in rooms) or _("暂无")
        raise ActivityError("room_not_assigned", field="space", rooms=names)

    windows = [
        w for w in agreement.windows.all() if w.space_id == space and w.weekday == day.weekday()
    ]
    inside = any(
        w_start <= local_start and local_end <= w_end
        for w_start, w_end in (w.bounds_on(day) for w in windows)
    )
    if not inside:
        shown = ", ".join(f"{w.opens:%H:%M}–{w.closes:%H:%M}" for w in windows)
        raise ActivityError(
            "outside_partner_window",
            field="start",
            weekday=WeeklyRange.Weekday(day.weekday()).label,
            windows=shown or _("没有"),
        )

    if is_public_welfare and price_fen > 0:
        raise ActivityError("welfare_not_free", field="price_fen")
    cap = agreement.price_cap
    if not price_within_cap(price_fen=price_fen, market_price_fen=market_price_fen, cap=cap):
        raise ActivityError(
            "price_above_cap",
            field="price_fen",
            price=yuan(price_fen),
            market=yuan(market_price_fen),
            cap=cap_percent(cap),
            max_price=yuan(max_price_fen(cap=cap, market_price_fen=market_price_fen)),
        )


def agreement_suspend(*, agreement: Agreement | int, by, reason: str) -> Agreement:
    """Staff suspend an agreement: the partner can post no new class, and is told why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a suspension needs a reason")
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(
            pk=agreement.pk if isinstance(agreement, Agreement) else agreement
        )
        agreement.status = Agreement.Status.SUSPENDED
        agreement.status_reason = reason[:300]
        agreement.save(update_fields=["status", "status_reason"])
    return agreement


def agreement_reactivate(*, agreement: Agreement | int, by) -> Agreement:
    """Staff lift a suspension (the reason is cleared; the admin's history keeps who did)."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(
            pk=agreement.pk if isinstance(agreement, Agreement) else agreement
        )
        agreement.status = Agreement.Status.ACTIVE
        agreement.status_reason = ""
        agreement.save(update_fields=["status", "status_reason"])
    return agreement
