"""Resident pages. Thin: parse, fetch and authorise, call one service, render."""

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

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

from lixiong.timeutil import LOCAL_TZ, as_aware, local_now, local_today

from . import selectors, services
from .errors import BookingError
from .forms import (
    SEARCH_STARTS,
    BookingForm,
    CancelForm,
    FreeRoomsForm,
    HeadCountForm,
    booking_lengths,
)
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
    """The booking form prefilled from a link: a slot on the room page, or the free-room
    search's "book" (?start=, ?minutes=, ?attendees=). One small parse per parameter; a value
    the room cannot take is ignored and left for the resident to choose."""
    initial = {"duration": space.min_minutes, "attendees": 1}
    start = _start_param(request.GET.get("start", ""))
    if start is not None:
        initial["start"] = start
    minutes = _minutes_param(request.GET.get("minutes", ""), space)
    if minutes is not None:
        initial["duration"] = minutes
    attendees = _small_int(request.GET.get("attendees"))
    if attendees is not None and 1 <= attendees <= space.capacity:
        initial["attendees"] = attendees
    return initial


def _start_param(raw: str) -> datetime | None:
    try:
        start = as_aware(datetime.fromisoformat(raw)).astimezone(LOCAL_TZ)
    except (ValueError, OverflowError):
        return None
    return start.replace(tzinfo=None)


def _minutes_param(raw: str, space: Space) -> int | None:
    """A booking length the room offers (one of the form's lengths), else None."""
    minutes = _small_int(raw)
    return minutes if minutes in booking_lengths(space) else None


def _small_int(raw) -> int | None:
    if not raw or len(raw) > 6 or not raw.isascii() or not raw.isdigit():
        return None
    return int(raw)


def free_rooms(request):
    """Find a free room: which rooms could be booked for this time, by this person."""
    home = selectors.home_compound_id(request.user)
    searching = "date" in request.GET
    form = FreeRoomsForm(
        request.GET if searching else None,
        initial=_search_defaults(),
        kinds=selectors.bookable_kinds(),
        home_compound=home,
    )
    today = local_today()
    quick_days = [(today, _("今天")), (today + timedelta(days=1), _("明天"))]
    quick_days.append((today + timedelta(days=2), _("后天")))
    context = {"form": form, "searching": searching, "quick_days": quick_days}
    if searching and form.is_valid():
        data = form.cleaned_data
        try:
            rooms = selectors.free_rooms(
                user=request.user,
                start=data["begins"],
                end=data["ends"],
                attendees=data["attendees"],
                kind=data["kind"] or None,
                compound=data["compound"],
            )
        except BookingError as error:  # the personal limit: booking would say the same
            context["refusal"] = error.message
            rooms = []
        query = {
            "start": data["begins"].astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"),
            "minutes": data["minutes"],
            "attendees": data["attendees"],
        }
        for room in rooms:
            room.book_url = f"{reverse('booking_new', args=[room.pk])}?{urlencode(query)}"
        context.update(
            {
                "rooms": rooms,
                "begins": data["begins"],
                "ends": data["ends"],
                "attendees": data["attendees"],
                "suggestions": [] if rooms else _suggestions(request.GET, data),
            }
        )
    return render(request, "spaces/free_rooms.html", context)


def _search_defaults() -> dict:
    """Today, on the hour two to three hours from now (rooms ask an hour or two of notice),
    unless that is past 20:00: then tomorrow at 09:00. An hour; one person."""
    now = local_now()
    soon = (now + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    if soon.date() == now.date() and time(8) <= soon.time() <= time(20):
        day, start = soon.date(), soon.time()
    else:
        day, start = now.date() + timedelta(days=1), time(9)
    return {"date": day, "start": start.strftime("%H:%M"), "minutes": 60, "attendees": 1}


def _suggestions(params, data) -> list[tuple[str, str]]:
    """Nothing is free: the same search with one thing changed, each a link."""
    base = {key: params.get(key, "") for key in ("date", "start", "minutes", "attendees")}
    base.update({"kind": params.get("kind", ""), "compound": params.get("compound", "")})
    starts = [t.strftime("%H:%M") for t in SEARCH_STARTS]
    start = data["start"].strftime("%H:%M")
    changes = []
    if data["compound"] is not None:
        changes.append((_("看看所有小区"), {"compound": ""}))
    if data["kind"]:
        changes.append((_("看看所有类型"), {"kind": ""}))
    if data["minutes"] > 60:
        changes.append((_("缩短为 1 小时"), {"minutes": 60}))
    index = starts.index(start) if start in starts else -1
    if 0 <= index - 2:
        changes.append((_("提前 1 小时"), {"start": starts[index - 2]}))
    if 0 <= index and index + 2 < len(starts):
        changes.append((_("推后 1 小时"), {"start": starts[index + 2]}))
    changes.append((_("第二天同一时间"), {"date": (data["date"] + timedelta(days=1)).isoformat()}))
    url = reverse("free_rooms")
    return [(label, f"{url}?{urlencode({**base, **change})}") for label, change in changes]


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
