"""Operations of the partners app, each in its own transaction."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lixiong.errors import DomainError
from lixiong.timeutil import local_today
from notifications.services import Draft, messages_queue
from programs.models import Organiser

from .models import Agreement, Application, Partner

# --- admission ---


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
    permission = Permission.objects.filter(
        content_type__app_label="partners", codename="change_application"
    ).first()
    may_decide = Q(is_superuser=True)
    if permission is not None:
        may_decide |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    return list(
        get_user_model()
        .objects.filter(may_decide, is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", "email")
        .distinct()
    )


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
