"""Partner pages. Thin: fetch, call a selector, render."""

# --- compliance and public pages ---
import csv
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lixiong.timeutil import LOCAL_TZ, local_today
from lixiong.validators import parse_id
from programs import services as program_services
from programs.errors import ActivityError
from programs.models import Activity, Registration
from programs.officer_forms import add_domain_error
from programs.views import yuan
from spaces.errors import BookingError

from . import selectors, services
from . import selectors as fund_selectors
from . import services as fund_services
from .forms import (
    ApplicationForm,
    CorrectReportForm,
    PaidForm,
    PortalActivityForm,
    PortalSeriesForm,
    ReceiveForm,
    RevenueReportForm,
    ReverseForm,
    SpendForm,
    document_kind,
)
from .models import Agreement, FundEntry, Partner, RevenueReport


def _percent(ratio: Decimal) -> str:
    """0.500 -> "50", 0.125 -> "12.5"."""
    return f"{(ratio * 100).normalize():f}"


def agreement_terms(agreement: Agreement) -> list[str]:
    """The three hard terms in plain words, from the agreement's data."""
    return [
        _("课程价格不超过市场价的 %(percent)s%%") % {"percent": _percent(agreement.price_cap)},
        _("营收的 %(percent)s%% 缴入社区基金") % {"percent": _percent(agreement.fund_share)},
        _("每月至少开展 %(n)s 场免费公益活动") % {"n": agreement.welfare_minimum},
    ]


def _public_view(partner):
    agreements = list(partner.agreements.all())
    partner.agreement = selectors.current_agreement(partner)
    partner.terms = agreement_terms(partner.agreement) if partner.agreement else []
    partner.results = sorted(
        (r for a in agreements for r in getattr(a, "recent_results", [])),
        key=lambda r: r.month,
        reverse=True,
    )[: selectors.PUBLIC_MONTHS]
    return partner


def partner_list(request):
    partners = [_public_view(p) for p in selectors.public_partners()]
    return render(request, "partners/public/partner_list.html", {"partners": partners})


def partner_detail(request, pk):
    partner = selectors.public_partners().filter(pk=pk).first()
    if partner is None:
        raise Http404
    partner = _public_view(partner)
    classes = selectors.partner_upcoming_classes(partner)
    for activity in classes:
        activity.price_display = yuan(activity.price_fen)
        activity.market_price_display = yuan(activity.market_price_fen)
    return render(
        request,
        "partners/public/partner_detail.html",
        {
            "partner": partner,
            "rooms": list(partner.agreement.rooms.all()) if partner.agreement else [],
            "classes": classes,
        },
    )


# How many ended months the partner's revenue page lists (and offers to report).
REVENUE_MONTHS_SHOWN = 12


def _my_partner(request) -> Partner:
    """The partner whose organiser the signed-in person belongs to; anyone else: 404."""
    partner = (
        Partner.objects.filter(organiser__members=request.user).select_related("organiser").first()
    )
    if partner is None:
        raise Http404
    return partner


def _ended_months(partner: Partner, count: int = REVENUE_MONTHS_SHOWN) -> list[date]:
    """The last `count` ended months since the partner joined, newest first."""
    month = local_today().replace(day=1)
    joined = partner.created_at.astimezone(LOCAL_TZ).date().replace(day=1)
    earliest_agreement = (
        partner.agreements.order_by("valid_from").values_list("valid_from", flat=True).first()
    )
    if earliest_agreement:
        joined = min(joined, earliest_agreement.replace(day=1))
    months = []
    while len(months) < count:
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        if month < joined:
            break
        months.append(month)
    return months


@login_required
@require_http_methods(["GET", "POST"])
def partner_revenue(request):
    partner = _my_partner(request)
    months = _ended_months(partner)
    rows = fund_selectors.months_with_status(partner, months)
    unreported = [row["month"] for row in rows if row["status"] == "due"]
    form = RevenueReportForm(request.POST or None, months=unreported)
    if request.method == "POST" and form.is_valid():
        try:
            report = fund_services.revenue_report_submit(
                partner=partner,
                month=fund_services.parse_month(form.cleaned_data["month"]),
                revenue_fen=form.cleaned_data["revenue"],
                by=request.user,
            )
        except fund_services.FundError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("%(month)s 的营收报告已提交，应缴社区基金 %(amount)s 元。")
                % {
                    "month": f"{report.month:%Y-%m}",
                    "amount": fund_services.fen_to_yuan(report.contribution_fen),
                },
            )
            return redirect("partner_revenue_month", month=f"{report.month:%Y-%m}")
    return render(
        request,
        "partners/fund/revenue.html",
        {
            "partner": partner,
            "rows": rows,
            "form": form if unreported else None,
            "outstanding_fen": fund_selectors.partner_outstanding_fen(partner),
        },
        status=400 if form.errors else 200,
    )


@login_required
def partner_revenue_month(request, month: str):
    partner = _my_partner(request)
    try:
        first = fund_services.parse_month(month)
    except fund_services.FundError:
        raise Http404 from None
    if first >= local_today().replace(day=1) or first.year < 2000:
        raise Http404
    report = RevenueReport.objects.filter(partner=partner, month=first).first()
    classes = list(fund_selectors.classes_of_month(partner, first))
    return render(
        request,
        "partners/fund/revenue_month.html",
        {
            "partner": partner,
            "month": first,
            "report": report,
            "classes": classes,
            "implied_fen": sum(c.implied_fen for c in classes),
        },
    )


def _fund_figures():
    return {
        "balance_fen": fund_selectors.fund_balance_fen(),
        "dues": list(fund_selectors.partner_dues()),
        "entries": list(fund_selectors.ledger_entries()),
    }


@login_required
@permission_required("partners.view_fundentry", raise_exception=True)
def staff_fund(request):
    can_add = request.user.has_perm("partners.add_fundentry")
    return render(
        request,
        "partners/fund/staff_fund.html",
        {
            **_fund_figures(),
            "can_add": can_add,
            "receive_form": ReceiveForm(prefix="receive") if can_add else None,
            "spend_form": SpendForm(prefix="spend") if can_add else None,
        },
    )


@login_required
@permission_required("partners.add_fundentry", raise_exception=True)
@require_POST
def staff_fund_record(request, kind: str):
    form_class = {"received": ReceiveForm, "spending": SpendForm}.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, prefix="receive" if kind == "received" else "spend")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if kind == "received":
                fund_services.fund_contribution_receive(
                    partner=data["partner"],
                    amount_fen=data["amount"],
                    entry_date=data["entry_date"],
                    by=request.user,
                    note=data["note"],
                )
            else:
                fund_services.fund_spend(
                    amount_fen=data["amount"],
                    purpose=data["purpose"],
                    approved_by=data["approved_by"],
                    entry_date=data["entry_date"],
                    by=request.user,
                )
        except fund_services.FundError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("已记入社区基金账目。"))
            return redirect("staff_fund")
    return render(
        request,
        "partners/fund/staff_fund.html",
        {
            **_fund_figures(),
            "can_add": True,
            "receive_form": form if kind == "received" else ReceiveForm(prefix="receive"),
            "spend_form": form if kind == "spending" else SpendForm(prefix="spend"),
        },
        status=400,
    )


@login_required
@permission_required("partners.add_fundentry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_fund_reverse(request, pk: int):
    entry = get_object_or_404(FundEntry.objects.select_related("partner"), pk=pk)
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund_services.fund_entry_reverse(
                entry=entry, by=request.user, reason=form.cleaned_data["reason"]
            )
        except fund_services.FundError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("已冲销这条记录。"))
            return redirect("staff_fund")
    return render(
        request,
        "partners/fund/staff_reverse.html",
        {"entry": entry, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("partners.add_fundentry", raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_report_correct(request, pk: int):
    """A partner's declaration corrected by staff: the old due is reversed in the ledger and
    the right one recorded (the partner cannot resubmit a month)."""
    report = get_object_or_404(RevenueReport.objects.select_related("partner"), pk=pk)
    form = CorrectReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund_services.revenue_report_correct(
                report=report,
                revenue_fen=form.cleaned_data["revenue"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except fund_services.FundError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("营收报告已更正，社区基金账目已同步。"))
            return redirect("staff_fund")
    return render(
        request,
        "partners/fund/staff_correct.html",
        {"report": report, "form": form},
        status=400 if form.errors else 200,
    )


def _ledger_header() -> list[str]:
    return [
        _("编号"),
        _("日期"),
        _("类型"),
        _("进驻机构"),
        _("金额（元）"),
        _("用途或说明"),
        _("批准人"),
        _("冲销的记录"),
        _("被冲销于"),
        _("记录人"),
    ]


def _ledger_rows(figures) -> list[list]:
    """The export's rows, the same figures the page shows (amounts in yuan, as Decimals)."""
    from decimal import Decimal

    def yuan(fen):
        return Decimal(fen) / 100

    rows = [_ledger_header()]
    for e in figures["entries"]:
        rows.append(
            [
                e.pk,
                e.entry_date,
                e.get_kind_display(),
                e.partner.name if e.partner else "",
                yuan(e.amount_fen),
                e.purpose,
                e.approved_by,
                e.reverses_id or "",
                _reversed_by_pk(e),
                e.recorded_by.get_username() if e.recorded_by else "",
            ]
        )
    rows.append([])
    rows.append([_("社区基金余额（元）"), "", "", "", yuan(figures["balance_fen"])])
    for p in figures["dues"]:
        rows.append([_("待缴社区基金（元）"), "", "", p.name, yuan(p.outstanding_fen)])
    return rows


def _reversed_by_pk(entry: FundEntry):
    try:
        return entry.reversed_by.pk
    except FundEntry.DoesNotExist:
        return ""


def _safe_cell(value):
    # A text cell starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
@permission_required("partners.view_fundentry", raise_exception=True)
def staff_fund_export(request, fmt: str):
    rows = _ledger_rows(_fund_figures())
    stamp = f"{local_today():%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="fund-ledger-{stamp}.csv"'
        response.write("\ufeff")  # so Excel reads the Chinese as UTF-8
        writer = csv.writer(response)
        for row in rows:
            writer.writerow([f"{v:.2f}" if hasattr(v, "quantize") else _safe_cell(v) for v in row])
        return response
    if fmt != "xlsx":
        raise Http404
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "ledger"
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
    for cell in sheet["E"]:
        if not isinstance(cell.value, str):
            cell.number_format = "0.00"
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="fund-ledger-{stamp}.xlsx"'
    book.save(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def partner_apply(request):
    """The public application form; anonymous visitors sign in or sign up first and return."""
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(
                applicant=request.user,
                application=form.save(commit=False),
                language=translation.get_language(),
            )
        except services.ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("申请已提交，社区工作人员审核后会通知您。"))
            return redirect("partner_application")
    return render(request, "partners/admission/apply.html", {"form": form})


@login_required
def partner_application(request):
    """我的进驻申请: each application's status and, once decided, the reason."""
    return render(
        request,
        "partners/admission/mine.html",
        {"applications": selectors.applications_of(request.user)},
    )


@login_required
def application_licence(request, pk):
    """The uploaded licence, to its applicant and to staff who may view applications."""
    application = selectors.application_licence_for(request.user, parse_id(str(pk)) or 0)
    if application is None or not application.licence:
        raise Http404
    try:
        handle = application.licence.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    kind = document_kind(handle.read(16))
    handle.seek(0)
    extension, content_type = kind or (".bin", "application/octet-stream")
    response = FileResponse(
        handle,
        content_type=content_type,
        # PDFs and images open in the browser; anything else (never stored by the form) is
        # downloaded rather than rendered.
        as_attachment=kind is None,
        filename=f"licence-{application.pk}{extension}",
    )
    # A licence names people and numbers: no shared cache may keep a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _partner(request):
    partner = selectors.partner_of(request.user)
    if partner is None:
        raise Http404
    return partner


def _partner_activity(partner, pk) -> Activity:
    return get_object_or_404(
        Activity.objects.select_related("space__compound", "category"),
        pk=pk,
        organiser_id=partner.organiser_id,
    )


def _rooms(agreement):
    return list(agreement.rooms.all()) if agreement else []


@login_required
def portal(request):
    partner = _partner(request)
    agreement = selectors.agreement_shown(partner)
    upcoming, recent = selectors.portal_upcoming_and_recent(partner)
    return render(
        request,
        "partners/portal/home.html",
        {
            "partner": partner,
            "agreement": agreement,
            "classes": [a for a in upcoming if not a.is_public_welfare],
            "welfare": [a for a in upcoming if a.is_public_welfare],
            "recent": recent,
        },
    )


@login_required
def post_activity(request, kind: str):
    """Post a class (a price and a market price) or a free public-welfare activity."""
    partner = _partner(request)
    agreement = selectors.agreement_shown(partner)
    welfare = kind == "welfare"
    form = PortalActivityForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        partner=partner,
        rooms=_rooms(agreement),
        welfare=welfare,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = program_services.activity_create(
                organiser=partner.organiser,
                by=request.user,
                space=data["space"],
                start=data["start"],
                end=data["end"],
                publish=data["publish"],
                **form.activity_fields(),
            )
        except (ActivityError, BookingError) as error:
            add_domain_error(form, error)
        else:
            if activity.status == Activity.Status.DRAFT:
                messages.success(request, _("已保存为草稿，发布后居民才能看到。"))
            else:
                messages.success(request, _("已发布，场地已为它预留。"))
            return redirect("partner_portal")
    return render(
        request,
        "partners/portal/activity_form.html",
        {"partner": partner, "agreement": agreement, "form": form, "welfare": welfare},
        status=400 if form.errors else 200,
    )


@login_required
def post_series(request):
    """A weekly series of classes; dates outside the partner's windows are skipped with the
    reason, a price above the cap refuses the whole series."""
    partner = _partner(request)
    agreement = selectors.agreement_shown(partner)
    form = PortalSeriesForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        partner=partner,
        rooms=_rooms(agreement),
    )
    skipped = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series, created, skipped = program_services.series_create(
                organiser=partner.organiser,
                by=request.user,
                space=data["space"],
                weekdays=data["weekdays"],
                first_date=data["first_date"],
                last_date=data["last_date"],
                starts_at=data["start_time"],
                ends_at=data["end_time"],
                publish=data["publish"],
                **form.details(),
            )
        except (ActivityError, BookingError) as error:
            add_domain_error(form, error)
            skipped = getattr(error, "skipped", [])
        else:
            messages.success(
                request,
                _("系列已创建：%(created)s 场，跳过 %(skipped)s 场。")
                % {"created": len(created), "skipped": len(skipped)},
            )
            return redirect("organiser_series_detail", pk=series.pk)
    return render(
        request,
        "partners/portal/series_form.html",
        {"partner": partner, "agreement": agreement, "form": form, "skipped": skipped},
        status=400 if form.errors else 200,
    )


@login_required
def payments(request, pk):
    """A class's registrations with a "paid" tick each (residents pay the partner directly)."""
    partner = _partner(request)
    activity = _partner_activity(partner, pk)
    rows = list(selectors.payment_rows(activity))
    return render(
        request,
        "partners/portal/payments.html",
        {
            "partner": partner,
            "activity": activity,
            "rows": rows,
            "paid_count": sum(1 for r in rows if r.paid_at),
        },
    )


@login_required
@require_POST
def mark_paid(request, pk):
    partner = _partner(request)
    registration = get_object_or_404(
        Registration.objects.select_related("activity"),
        pk=pk,
        activity__organiser_id=partner.organiser_id,
    )
    form = PaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求无效，请重试。"))
    else:
        try:
            program_services.registration_mark_paid(
                registration=registration, by=request.user, paid=form.cleaned_data["paid"]
            )
        except ActivityError as error:
            messages.error(request, error.message)
        else:
            if form.cleaned_data["paid"]:
                messages.success(request, _("已记为已付款。"))
            else:
                messages.success(request, _("已改为未付款。"))
    return redirect("partner_payments", pk=registration.activity_id)
