"""Resident pages. Thin: parse, fetch and authorise, call one service, render."""

from datetime import date, datetime, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lixiong.timeutil import LOCAL_TZ, as_aware, local_today

from . import selectors, services
from .errors import BookingError
from .forms import BookingForm, CancelForm, HeadCountForm, booking_lengths
from .models import Booking, Space


def home(request):
    return render(request, "spaces/home.html", {"compounds": selectors.compounds_with_spaces()})


def _space(pk) -> Space:
    return get_object_or_404(
        Space.objects.select_related("compound").prefetch_related("opening_hours"),
        pk=pk,
        is_active=True,
    )


def _chosen_day(request, space: Space, now) -> tuple[date | None, bool]:
    """The day the room page shows: ?date=YYYY-MM-DD, or the first bookable day of ?week= (the
    older week links), kept inside the booking window; None (the first day with a free slot)
    when absent. The flag says a date was asked for and could not be shown (bad, past, or
    beyond the window): today is shown instead."""
    window = selectors.bookable_days(space, now)
    raw_date, raw_week = request.GET.get("date", ""), request.GET.get("week", "")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        day = None
    if day is None and raw_week:
        try:
            monday = date.fromisoformat(raw_week)
        except ValueError:
            monday = None
        if monday is not None and monday <= window[-1]:
            return max(monday, window[0]), False
        return window[0], False
    if day is None:
        return (window[0], True) if raw_date else (None, False)
    if not window[0] <= day <= window[-1]:
        return window[0], True
    return day, False


def space_detail(request, pk):
    space = _space(pk)
    context = {"space": space, "hours": space.opening_hours.all()}
    if space.is_walk_in:
        context.update(selectors.walk_in_state(space))
        context["head_count_form"] = HeadCountForm()
        context["today"] = local_today()
        context["tomorrow"] = local_today() + timedelta(days=1)
        return render(request, "spaces/walk_in_detail.html", context)

    now = timezone.now()
    day, refused = _chosen_day(request, space, now)
    context.update(selectors.room_calendar(space=space, day=day, viewer=request.user, now=now))
    context.update(
        {
            "date_refused": refused,
            "today": local_today(),
            "tomorrow": local_today() + timedelta(days=1),
            "partner_windows": space.partner_windows.all(),
        }
    )
    template = "spaces/_booking.html" if request.htmx else "spaces/space_detail.html"
    response = render(request, template, context)
    # The same address answers with a fragment (htmx) or a page: caches must keep both.
    patch_vary_headers(response, ["HX-Request"])
    return response


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
    return render(
        request,
        "spaces/booking_form.html",
        {"space": space, "form": form, "chosen": form.chosen_time()},
    )


def _initial(request, space: Space) -> dict:
    """The booking form prefilled from a link (a slot on the room page, a free-room search).
    One small parse per parameter; a bad value is ignored and left for the resident."""
    initial = {"duration": space.min_minutes, "attendees": 1}
    start = _start_param(request.GET.get("start", ""))
    if start is not None:
        initial["start"] = start
    minutes = _minutes_param(request.GET.get("minutes", ""), space)
    if minutes is not None:
        initial["duration"] = minutes
    return initial


def _start_param(raw: str) -> datetime | None:
    try:
        start = as_aware(datetime.fromisoformat(raw)).astimezone(LOCAL_TZ)
    except (ValueError, OverflowError):
        return None
    return start.replace(tzinfo=None)


def _minutes_param(raw: str, space: Space) -> int | None:
    """A booking length the room offers (one of the form's lengths), else None."""
    if not raw.isdigit() or len(raw) > 4:
        return None
    minutes = int(raw)
    return minutes if minutes in booking_lengths(space) else None


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
    if not space.is_walk_in:
        raise Http404  # a bookable room is booked, not walked into: it has no poster
    url = request.build_absolute_uri(reverse("space_checkin", args=[space.pk]))
    # No quiet zone and no fixed size: the poster's white margin is the quiet zone, and CSS
    # sizes the code (13 cm on A4).
    svg = segno.make(url, error="m").svg_inline(border=0, omitsize=True, dark="#000")
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
