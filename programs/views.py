"""Resident pages for activities. Thin: parse, fetch and authorise, call one service, render."""

from datetime import UTC
from decimal import Decimal
from itertools import groupby

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from icalendar import Calendar, Event

from lixiong.redirects import back_to, safe_next
from lixiong.timeutil import LOCAL_TZ, local_today

from . import selectors, services
from .errors import ActivityError
from .forms import ActivityFilterForm, RegistrationForm
from .models import Activity, Registration

# The calendar is a page, not an export: past this many rows, narrow the dates.
LIST_LIMIT = 200


def yuan(fen: int) -> str:
    return f"¥{Decimal(fen) / 100:.2f}"


def _with_prices(activity: Activity) -> Activity:
    activity.price_display = yuan(activity.price_fen)
    activity.market_price_display = yuan(activity.market_price_fen)
    activity.seats_left = selectors.seats_left(activity)
    return activity


def _visible_activity(request, pk) -> Activity:
    """An activity as the public sees it: drafts exist only for those who may manage them."""
    activity = get_object_or_404(
        selectors.with_seat_counts(
            Activity.objects.select_related(
                "organiser", "category", "space__compound", "program"
            ).filter(pk=pk)
        )
    )
    if activity.status == Activity.Status.DRAFT and not services.can_manage(
        request.user, activity.organiser_id
    ):
        raise Http404
    return _with_prices(activity)


def _age_range(activity: Activity) -> str:
    low, high = activity.min_age, activity.max_age
    if low is not None and high is not None:
        return _("%(min)s–%(max)s 岁") % {"min": low, "max": high}
    if low is not None:
        return _("%(min)s 岁以上") % {"min": low}
    if high is not None:
        return _("%(max)s 岁以下") % {"max": high}
    return ""


def activity_list(request):
    today = local_today()
    form = ActivityFilterForm(request.GET, today=today)
    activities = [
        _with_prices(a) for a in selectors.activity_list(**form.filters())[: LIST_LIMIT + 1]
    ]
    truncated = len(activities) > LIST_LIMIT
    activities = activities[:LIST_LIMIT]
    days = [
        (day, list(rows))
        for day, rows in groupby(activities, key=lambda a: a.start.astimezone(LOCAL_TZ).date())
    ]
    return render(
        request,
        "programs/activity_list.html",
        {"form": form, "days": days, "today": today, "truncated": truncated},
    )


def activity_detail(request, pk):
    activity = _visible_activity(request, pk)
    registration = None
    if request.user.is_authenticated:
        # The latest registration says where the resident stands: a cancelled one still
        # tells them so, and they may sign up again.
        registration = (
            Registration.objects.filter(activity=activity, resident=request.user)
            .order_by("-position")
            .first()
        )
    waitlist_position = (
        selectors.waitlist_place(registration)
        if registration and registration.status == Registration.Status.WAITLISTED
        else None
    )
    now = timezone.now()
    short_url = request.build_absolute_uri(reverse("activity_short", args=[activity.share_code]))
    start = activity.start.astimezone(LOCAL_TZ)
    summary = " ".join(activity.description.split())[:100] or (
        f"{activity.organiser.name} · {start:%Y-%m-%d %H:%M} · "
        f"{activity.space.compound.name} · {activity.space.name}"
    )
    return render(
        request,
        "programs/activity_detail.html",
        {
            "activity": activity,
            "registration": registration,
            "is_registered": bool(registration and registration.is_active),
            "waitlist_position": waitlist_position,
            "age_range": _age_range(activity),
            "registration_open": activity.registration_is_open(now),
            "not_open_yet": bool(activity.registration_opens and now < activity.registration_opens),
            "has_started": activity.start <= now,
            "form": RegistrationForm(activity=activity),
            "can_manage": services.can_manage(request.user, activity.organiser_id),
            "short_url": short_url,
            "share_description": summary,
            "share_image": request.build_absolute_uri(static("img/activity-share.png")),
        },
    )


@login_required
@require_POST
def activity_register(request, pk):
    activity = _visible_activity(request, pk)
    form = RegistrationForm(request.POST, activity=activity)
    if not form.is_valid():
        for error in form.errors.get("party_size", []):
            messages.error(request, error)
        return redirect("activity_detail", pk=activity.pk)
    try:
        registration = services.registration_create(
            activity=activity,
            resident=request.user,
            party_size=form.cleaned_data["party_size"],
            language=translation.get_language(),
        )
    except ActivityError as error:
        messages.error(request, error.message)
    else:
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(request, _("报名成功！活动当天请出示签到二维码。"))
        else:
            messages.success(
                request,
                _("名额已满，您已进入候补名单，排第 %(position)s 位。有空位时会通知您。")
                % {"position": selectors.waitlist_place(registration)},
            )
    return redirect("activity_detail", pk=activity.pk)


# act -> the service that does it. Cancelling and declining lose something (a seat, a place in
# line) and ask first: a GET shows what would be lost, the POST from that page does it.
REGISTRATION_ACTS = {
    "cancel": services.registration_cancel,
    "accept": services.registration_accept,
    "decline": services.registration_decline,
}
ACTS_TO_CONFIRM = {"cancel", "decline"}


def _what_is_lost(registration: Registration, act: str) -> str:
    """seat | waitlist | offer: what leaving gives up, which the page and message name."""
    if act == "decline" or registration.status == Registration.Status.OFFERED:
        return "offer"
    if registration.status == Registration.Status.WAITLISTED:
        return "waitlist"
    return "seat"


def _done_message(act: str, lost: str, activity: Activity) -> str:
    if act == "accept":
        return _("已确认名额，报名成功！")
    names = {"activity": activity.title}
    if lost == "waitlist":
        return _("已退出「%(activity)s」的候补名单。") % names
    if lost == "offer":
        return _("已放弃「%(activity)s」为您保留的名额。") % names
    return _("已取消「%(activity)s」的报名。") % names


def _confirm_page(request, registration: Registration, act: str, target: str):
    """Says what would be lost and asks; changes nothing."""
    activity = registration.activity
    lost = _what_is_lost(registration, act)
    possible = (
        registration.status == Registration.Status.OFFERED
        if act == "decline"
        else registration.is_active
    )
    refusal = ""
    if not possible:
        refusal = ActivityError("not_offered" if act == "decline" else "not_active").message
    return render(
        request,
        "programs/registration_confirm.html",
        {
            "registration": registration,
            "activity": activity,
            "act": act,
            "lost": lost,
            "possible": possible,
            "refusal": refusal,
            "waitlist_place": selectors.waitlist_place(registration)
            if lost == "waitlist"
            else None,
            "others_waiting": possible
            and lost == "seat"
            and activity.registrations.filter(status=Registration.Status.WAITLISTED).exists(),
            "next": target,
            "back": target or reverse("activity_detail", args=[activity.pk]),
        },
    )


@login_required
def registration_act(request, pk, act):
    if act not in REGISTRATION_ACTS:
        raise Http404
    allowed = ["GET", "POST"] if act in ACTS_TO_CONFIRM else ["POST"]
    if request.method not in allowed:
        return HttpResponseNotAllowed(allowed)
    registration = get_object_or_404(
        Registration.objects.select_related("activity__space__compound"),
        pk=pk,
        resident=request.user,
    )
    if request.method == "GET":
        return _confirm_page(request, registration, act, safe_next(request, request.GET))
    lost = _what_is_lost(registration, act)
    try:
        REGISTRATION_ACTS[act](registration=registration, by=request.user)
    except ActivityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _done_message(act, lost, registration.activity))
    activity_page = reverse("activity_detail", args=[registration.activity_id])
    return back_to(request, request.POST, activity_page)


@login_required
def registration_ticket(request, pk):
    """The resident's ticket: the organiser scans it at the door to tick the whole party in."""
    registration = get_object_or_404(
        Registration.objects.select_related("activity__space__compound", "activity__organiser"),
        pk=pk,
        resident=request.user,
    )
    context = {"registration": registration, "activity": registration.activity}
    if registration.status == Registration.Status.CONFIRMED:
        url = request.build_absolute_uri(
            reverse("organiser_check_in", args=[registration.checkin_token])
        )
        context["qr_svg"] = segno.make(url, error="m").svg_inline(
            scale=6, dark="#1f2937", omitsize=True
        )
    return render(request, "programs/ticket.html", context)


def activity_short(request, code):
    activity = get_object_or_404(Activity, share_code=code)
    return redirect("activity_detail", pk=activity.pk)


def activity_ics(request, pk):
    """One activity for the resident's phone calendar. Times in UTC: every calendar app
    converts them, and none has to know Asia/Shanghai."""
    activity = _visible_activity(request, pk)
    calendar = Calendar()
    calendar.add("prodid", "-//Lixiong community//activities//ZH")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"activity-{activity.pk}@lixiong")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", activity.start.astimezone(UTC))
    event.add("dtend", activity.end.astimezone(UTC))
    event.add("summary", activity.title)
    event.add("location", f"{activity.space.compound.name} · {activity.space.name}")
    event.add("description", activity.description)
    event.add("url", request.build_absolute_uri(reverse("activity_detail", args=[activity.pk])))
    if activity.status == Activity.Status.CANCELLED:
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="activity-{activity.pk}.ics"'
    return response


@login_required
def my_activities(request):
    registrations = Registration.objects.filter(resident=request.user).select_related(
        "activity__space__compound", "activity__organiser"
    )
    registrations = selectors.with_waitlist_place(registrations)
    now = timezone.now()
    return render(
        request,
        "programs/my_activities.html",
        {
            "upcoming": registrations.filter(activity__end__gt=now).order_by(
                "activity__start", "-position"
            ),
            "past": registrations.filter(activity__end__lte=now).order_by("-activity__start")[:50],
            "now": now,
        },
    )
