"""Pages of the partners app. Each part of issue 8 keeps its own section."""

# --- partner portal ---------------------------------------------------------------------------
# The partner's own pages (/partner/). Thin: find the partner of the signed-in account (none:
# 404, as if the page did not exist), parse a form, call one service, render. Editing a class,
# rosters and attendance are the organiser area's (programs.officer_views); the agreement's
# rules apply there too, through programs.rules.

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programs import services as program_services
from programs.errors import ActivityError
from programs.models import Activity, Registration
from programs.officer_forms import add_domain_error
from spaces.errors import BookingError

from . import selectors
from .forms import PaidForm, PortalActivityForm, PortalSeriesForm


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
