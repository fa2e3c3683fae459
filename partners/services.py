"""Operations on partners, each in its own transaction."""

# --- compliance and public pages ---
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.services import Draft, messages_queue

from . import selectors
from .models import Agreement, ComplianceResult


def compliance_month_run(*, month: date | None = None) -> dict[str, int]:
    """Check every agreement in force during `month` (default: the month that just ended) and
    store one result per agreement and month. A result already stored is left as it is and
    mails nobody again, so running the job twice changes nothing."""
    month = selectors.month_start(month) if month else selectors.month_just_ended()
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
