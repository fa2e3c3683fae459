"""Resident pages. Thin: parse, fetch and authorise, call one service, render."""

from datetime import date, datetime, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lixiong.timeutil import LOCAL_TZ, as_aware, local_today

from . import selectors, services
from .errors import BookingError
from .forms import BookingForm, CancelForm, HeadCountForm
from .models import Booking, Space


def home(request):
    """What is the resident's first (bookings, activities, an offered seat, closures over
    their bookings; the activities come from programs' template tags), then the compounds,
    each a link to its own page."""
    context = {"compounds": selectors.compounds_overview(request.user)}
    if request.user.is_authenticated:
        context.update(selectors.resident_bookings_overview(request.user))
    return render(request, "spaces/home.html", context)


def compound_detail(request, pk):
    compound = selectors.compound_with_spaces(pk)
    if compound is None:
        raise Http404
    return render(request, "spaces/compound_detail.html", {"compound": compound})


def _space(pk) -> Space:
    return get_object_or_404(
        Space.objects.select_related("compound").prefetch_related("opening_hours"),
        pk=pk,
        is_active=True,
    )


def _week_start(request) -> date:
    """Monday of the requested week (?week=YYYY-MM-DD), this week when absent or bad."""
    today = local_today()
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = today
    # Far past or future weeks are nobody's business (and date arithmetic overflows there).
    if abs((day - today).days) > 366 * 5:
        day = today
    return day - timedelta(days=day.weekday())


def space_detail(request, pk):
    space = _space(pk)
    context = {"space": space, "hours": space.opening_hours.all()}
    if space.is_walk_in:
        context.update(selectors.walk_in_state(space))
        context["head_count_form"] = HeadCountForm()
        return render(request, "spaces/walk_in_detail.html", context)

    monday = _week_start(request)
    context.update(
        {
            "days": selectors.week_grid(space=space, first_day=monday),
            "partner_windows": space.partner_windows.all(),
            "monday": monday,
            "previous_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "this_week": local_today() - timedelta(days=local_today().weekday()),
        }
    )
    template = "spaces/_week.html" if request.htmx else "spaces/space_detail.html"
    return render(request, template, context)


@login_required
def booking_new(request, pk):
    space = _space(pk)
    if space.is_walk_in:
        messages.info(request, _("这个服务阵地随时到访，无需预约。"))
        return redirect("space_detail", pk=space.pk)
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        space=space,
        initial=_initial(request, space),
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_create(
                space=space,
                booked_by=request.user,
                start=form.cleaned_data["start"],
                end=form.end,
                purpose=form.cleaned_data["purpose"],
                attendees=form.cleaned_data["attendees"],
                language=translation.get_language(),
            )
        except BookingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if booking.status == Booking.Status.PENDING:
                messages.success(request, _("预约已提交，等待工作人员审批。"))
            else:
                messages.success(request, _("预约成功。"))
            return redirect("my_bookings")
    return render(request, "spaces/booking_form.html", {"space": space, "form": form})


def _initial(request, space: Space) -> dict:
    initial = {"duration": space.min_minutes, "attendees": 1}
    raw = request.GET.get("start", "")
    try:
        start = as_aware(datetime.fromisoformat(raw)).astimezone(LOCAL_TZ)
    except (ValueError, OverflowError):
        return initial  # a bad link just leaves the time for the resident to choose
    initial["start"] = start.replace(tzinfo=None)
    return initial


@login_required
def my_bookings(request):
    return render(
        request,
        "spaces/my_bookings.html",
        {
            "upcoming": selectors.bookings_of(request.user, upcoming=True),
            "past": selectors.bookings_of(request.user, upcoming=False)[:50],
        },
    )


@login_required
def booking_cancel(request, pk):
    booking = get_object_or_404(
        Booking.objects.select_related("space__compound"), pk=pk, booked_by=request.user
    )
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_cancel(
                booking=booking, by=request.user, reason=form.cleaned_data["reason"]
            )
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("预约已取消。"))
        return redirect("my_bookings")
    return render(request, "spaces/booking_cancel.html", {"booking": booking, "form": form})


def space_qr(request, pk):
    """A printable poster for the door of a walk-in room: scan to say "I'm here"."""
    space = _space(pk)
    url = request.build_absolute_uri(reverse("space_checkin", args=[space.pk]))
    svg = segno.make(url, error="m").svg_inline(scale=8, dark="#1f2937")
    return render(request, "spaces/space_qr.html", {"space": space, "qr_svg": svg, "url": url})


@login_required
def space_checkin(request, pk):
    space = _space(pk)
    if request.method == "POST":
        try:
            services.visit_record(space=space, visitor=request.user)
        except BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("签到成功，欢迎来到%(space)s！") % {"space": space.name})
        return redirect("space_detail", pk=space.pk)
    return render(request, "spaces/checkin.html", {"space": space})


# The permission, not is_staff: a staff account without it is a resident here, and a resident
# on library duty (值日生) may be given it without an admin account.
@login_required
@permission_required("spaces.add_visit", raise_exception=True)
@require_POST
def space_head_count(request, pk):
    space = _space(pk)
    form = HeadCountForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("head_count", []):
            messages.error(request, error)
        return redirect("space_detail", pk=space.pk)
    try:
        services.visit_record(
            space=space, head_count=form.cleaned_data["head_count"], recorded_by=request.user
        )
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("已登记 %(n)s 人到访。") % {"n": form.cleaned_data["head_count"]}
        )
    return redirect("space_detail", pk=space.pk)
