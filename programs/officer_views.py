"""The organiser area: department officers (and, later, partners and associations) run their
activities here. Thin: parse a form, fetch and authorise with one helper, call the service,
render. Someone else's activity is a 404, as if it did not exist."""

import csv
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lixiong.timeutil import LOCAL_TZ, local_today
from spaces.errors import BookingError

from . import services
from .errors import ActivityError
from .models import Activity, Program, Registration, Series
from .officer_forms import (
    ActivityForm,
    ReasonForm,
    SeriesForm,
    WalkInForm,
    add_domain_error,
    can_use_organiser_area,
    managed_organisers,
    parse_attended,
)
from .selectors import series_skipped, series_upcoming, with_seat_counts

UPCOMING_LIMIT = 50
RECENT_LIMIT = 20


def _forbidden(request, message: str | None = None):
    return render(
        request,
        "programs/organiser/forbidden.html",
        {"message": message or _("组织方页面只对部门、机构和居民组织的工作人员开放。")},
        status=403,
    )


def organiser_area(view):
    """Members of at least one organiser, and staff with the activity permission; everyone
    else (a staff account without it too) gets a friendly 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_use_organiser_area(request.user):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper


def _activity(request, pk) -> Activity:
    activity = get_object_or_404(
        Activity.objects.select_related(
            "organiser", "category", "program", "space__compound", "series"
        ),
        pk=pk,
    )
    if not services.can_manage(request.user, activity.organiser_id):
        raise Http404
    return activity


def _activity_list(user):
    return with_seat_counts(
        Activity.objects.filter(organiser__in=managed_organisers(user)).select_related(
            "organiser", "category", "space__compound", "series"
        )
    )


# --- dashboard -------------------------------------------------------------------------------


@organiser_area
def dashboard(request):
    now = timezone.now()
    organisers = managed_organisers(request.user)
    programs = Program.objects.select_related("category").prefetch_related("compounds")
    series = (
        Series.objects.filter(organiser__in=organisers)
        .select_related("organiser")
        .annotate(
            upcoming=Count(
                "activities",
                filter=Q(
                    activities__start__gt=now,
                    activities__status__in=[Activity.Status.DRAFT, Activity.Status.PUBLISHED],
                ),
            )
        )
        .filter(last_date__gte=local_today())
        .order_by("first_date")
    )
    activities = _activity_list(request.user)
    context = {
        "organisers": organisers.select_related("department").prefetch_related(
            Prefetch("department__programs", queryset=programs)
        ),
        "upcoming": activities.filter(end__gt=now)
        .exclude(status=Activity.Status.CANCELLED)
        .order_by("start")[:UPCOMING_LIMIT],
        "recent": activities.filter(end__lte=now).order_by("-start")[:RECENT_LIMIT],
        "series_list": series,
    }
    return render(request, "programs/organiser/dashboard.html", context)


# --- activities ------------------------------------------------------------------------------


def _calls_service(form, call):
    """Run a service; put its refusal on the form. Returns its result, or None if refused."""
    try:
        return call()
    except (ActivityError, BookingError) as error:
        add_domain_error(form, error)
        return None


@organiser_area
def activity_new(request):
    form = ActivityForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity = _calls_service(
            form,
            lambda: services.activity_create(
                organiser=data["organiser"],
                by=request.user,
                space=data["space"],
                start=data["start"],
                end=data["end"],
                publish=data["publish"],
                **form.activity_fields(),
            ),
        )
        if activity is not None:
            if activity.status == Activity.Status.DRAFT:
                messages.success(request, _("活动已保存为草稿，发布后居民才能看到。"))
            else:
                messages.success(request, _("活动已发布，场地已为它预留。"))
            return redirect("organiser_dashboard")
    return render(
        request, "programs/organiser/activity_form.html", {"form": form, "activity": None}
    )


@organiser_area
def activity_edit(request, pk):
    activity = _activity(request, pk)
    if request.method == "POST" and request.POST.get("action") == "publish":
        try:
            services.activity_publish(activity=activity, by=request.user)
        except ActivityError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("活动已发布。"))
        return redirect("organiser_dashboard")
    form = ActivityForm(
        request.POST if request.method == "POST" else None, user=request.user, activity=activity
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        updated = _calls_service(
            form,
            lambda: services.activity_update(
                activity=activity,
                by=request.user,
                space=data["space"],
                start=data["start"],
                end=data["end"],
                **form.activity_fields(),
            ),
        )
        if updated is not None:
            messages.success(request, _("活动已保存。"))
            return redirect("organiser_dashboard")
    editable = activity.status in (Activity.Status.DRAFT, Activity.Status.PUBLISHED)
    return render(
        request,
        "programs/organiser/activity_form.html",
        {"form": form, "activity": activity, "editable": editable},
    )


@organiser_area
def activity_cancel(request, pk):
    activity = _activity(request, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_cancel(
                activity=activity, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ActivityError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("活动已取消，已通知所有报名的居民，场地已释放。"))
        return redirect("organiser_dashboard")
    taken = activity.registrations.active().count()
    return render(
        request,
        "programs/organiser/activity_cancel.html",
        {"activity": activity, "form": form, "registered": taken},
    )


# --- weekly series ---------------------------------------------------------------------------


def _series(request, pk) -> Series:
    series = get_object_or_404(Series.objects.select_related("organiser"), pk=pk)
    if not services.can_manage(request.user, series.organiser_id):
        raise Http404
    return series


@organiser_area
def series_new(request):
    form = SeriesForm(request.POST if request.method == "POST" else None, user=request.user)
    skipped = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series, created, skipped = services.series_create(
                organiser=data["organiser"],
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
            # Every date was refused: nothing was kept; say why for each.
            skipped = getattr(error, "skipped", [])
        else:
            # Post/redirect/get: reloading the series' page never creates a second series.
            messages.success(
                request,
                _("系列已创建：%(created)s 场，跳过 %(skipped)s 场。")
                % {"created": len(created), "skipped": len(skipped)},
            )
            return redirect("organiser_series_detail", pk=series.pk)
    return render(
        request, "programs/organiser/series_form.html", {"form": form, "skipped": skipped}
    )


@organiser_area
def series_detail(request, pk):
    """A series' page: what it holds, and the dates it had to skip and why."""
    series = _series(request, pk)
    occurrences = with_seat_counts(
        series.activities.select_related(
            "space__compound", "category", "organiser", "series"
        ).order_by("start")
    )
    return render(
        request,
        "programs/organiser/series_detail.html",
        {
            "series": series,
            "occurrences": occurrences,
            "skipped": series_skipped(series),
            "upcoming_count": series_upcoming(series).count(),
        },
    )


@organiser_area
@require_http_methods(["GET", "POST"])
def series_edit(request, pk):
    series = _series(request, pk)
    upcoming = list(series_upcoming(series).select_related("space__compound"))
    form = SeriesForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        series=series,
        occurrence=upcoming[0] if upcoming else None,
    )
    if request.method == "POST" and upcoming and form.is_valid():
        changes = form.series_changes()
        if not changes:
            messages.info(request, _("没有修改任何内容。"))
            return redirect("organiser_series_detail", pk=series.pk)
        result = _calls_service(
            form, lambda: services.series_update(series=series, by=request.user, **changes)
        )
        if result is not None:
            series, updated, skipped = result
            messages.success(
                request,
                _("系列已修改：%(updated)s 场，未能修改 %(skipped)s 场。")
                % {"updated": len(updated), "skipped": len(skipped)},
            )
            # The occurrences that kept their old time or settings, each with its reason.
            for item in skipped:
                messages.warning(
                    request,
                    _("%(date)s 这一场未能修改，保持原样：%(reason)s")
                    % {"date": f"{item['date']:%Y-%m-%d}", "reason": item["reason"]},
                )
            return redirect("organiser_series_detail", pk=series.pk)
    return render(
        request,
        "programs/organiser/series_form.html",
        {"form": form, "series": series, "upcoming": upcoming},
    )


@organiser_area
@require_http_methods(["GET", "POST"])
def series_cancel(request, pk):
    series = _series(request, pk)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = services.series_cancel(
                series=series, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ActivityError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("已取消系列“%(title)s”中尚未开始的 %(n)s 场活动。")
                % {"title": series.title, "n": len(cancelled)},
            )
        return redirect("organiser_dashboard")
    upcoming = series_upcoming(series).select_related("space__compound")
    return render(
        request,
        "programs/organiser/series_cancel.html",
        {"series": series, "form": form, "upcoming": upcoming},
    )


# --- roster and attendance -------------------------------------------------------------------


def _registrations(activity: Activity):
    return activity.registrations.select_related("resident__profile").order_by("position")


def _contact(user) -> dict:
    """Name and phone from the resident's profile, if the residents app gave them one.
    Reached through the relation only: this app does not import residents."""
    profile = getattr(user, "profile", None)
    name = getattr(profile, "display_name", "") or user.get_full_name() or user.get_username()
    return {"name": name, "phone": getattr(profile, "phone", "")}


def _save_roster(request, activity: Activity, registrations) -> dict[int, str]:
    """Mark attendance for every confirmed row whose count changed, and the walk-ins.
    Returns the errors per registration id (0 for the walk-in field)."""
    errors: dict[int, str] = {}
    for registration in registrations:
        if registration.status != Registration.Status.CONFIRMED:
            continue
        name = f"attended-{registration.pk}"
        raw = request.POST.get(name)
        if registration.party_size == 1 and f"row-{registration.pk}" in request.POST:
            # An unticked box sends nothing: it means "did not come" once someone was marked.
            if raw is None and registration.attended_count is None:
                continue
            raw = raw or "0"
        try:
            count = parse_attended(raw, party_size=registration.party_size)
        except ValueError:
            errors[registration.pk] = _("实到人数须在 0 到 %(max)s 之间。") % {
                "max": registration.party_size
            }
            continue
        if count is None or count == registration.attended_count:
            continue
        try:
            services.attendance_mark(registration=registration, by=request.user, count=count)
        except ActivityError as error:
            errors[registration.pk] = error.message
    if "walk_in_attendees" in request.POST:
        walk_ins = WalkInForm(request.POST)
        if not walk_ins.is_valid():
            errors[0] = " ".join(walk_ins.errors["walk_in_attendees"])
        elif walk_ins.cleaned_data["walk_in_attendees"] != activity.walk_in_attendees:
            try:
                services.activity_set_walk_ins(
                    activity=activity,
                    by=request.user,
                    count=walk_ins.cleaned_data["walk_in_attendees"],
                )
            except ActivityError as error:
                errors[0] = error.message
    return errors


@organiser_area
def roster(request, pk):
    activity = _activity(request, pk)
    registrations = list(_registrations(activity))
    now = timezone.now()
    errors: dict[int, str] = {}
    if request.method == "POST" and activity.status != Activity.Status.CANCELLED:
        errors = _save_roster(request, activity, registrations)
        if not errors and request.POST.get("action") == "close":
            try:
                closed = services.activity_close(activity=activity, by=request.user)
            except ActivityError as error:
                errors[-1] = error.message
            else:
                messages.success(
                    request,
                    _("活动已结束，最终人次：%(n)s。") % {"n": closed.final_count},
                )
                return redirect("organiser_roster", pk=activity.pk)
        if not errors:
            messages.success(request, _("点名已保存。"))
            return redirect("organiser_roster", pk=activity.pk)
        activity = _activity(request, pk)
        registrations = list(_registrations(activity))
    rows = {"confirmed": [], "waitlisted": [], "offered": [], "other": []}
    for registration in registrations:
        registration.contact = _contact(registration.resident)
        registration.error = errors.get(registration.pk)
        rows.get(registration.status, rows["other"]).append(registration)
    attended = sum(r.attended_count or 0 for r in rows["confirmed"])
    return render(
        request,
        "programs/organiser/roster.html",
        {
            "activity": activity,
            "rows": rows,
            "seats_taken": sum(r.party_size for r in rows["confirmed"])
            + sum(r.party_size for r in rows["offered"] if r.offer_expires_at > now),
            "attended": attended,
            "person_visits": attended + activity.walk_in_attendees,
            "walk_in_error": errors.get(0),
            "close_error": errors.get(-1),
            "row_errors": bool(errors),
            "started": activity.start <= now,
        },
        status=400 if errors else 200,
    )


def _csv_cell(value) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula: a resident's name must
    not become one in the organiser's Excel."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@organiser_area
def registrations_csv(request, pk):
    activity = _activity(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="activity-{activity.pk}-registrations.csv"'
    )
    response.write("\ufeff")  # the BOM: Excel then reads the Chinese as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("排序号"),
            _("状态"),
            _("用户名"),
            _("称呼"),
            _("手机号"),
            _("人数"),
            _("实到人数"),
            _("报名时间"),
        ]
    )
    for registration in _registrations(activity):
        contact = _contact(registration.resident)
        writer.writerow(
            [
                registration.position,
                registration.get_status_display(),
                _csv_cell(registration.resident.get_username()),
                _csv_cell(contact["name"]),
                _csv_cell(contact["phone"]),
                registration.party_size,
                "" if registration.attended_count is None else registration.attended_count,
                f"{registration.created_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}",
            ]
        )
    return response


@login_required
def check_in(request, token):
    """The organiser scans a resident's ticket at the door and confirms: the party is in."""
    registration = get_object_or_404(
        Registration.objects.select_related(
            "activity__organiser", "activity__space__compound", "resident__profile"
        ),
        checkin_token=token,
    )
    activity = registration.activity
    if not services.can_manage(request.user, activity.organiser_id):
        return _forbidden(request, _("只有这个活动的组织方可以为居民签到。"))
    if request.method == "POST":
        try:
            services.attendance_check_in(token=token, by=request.user)
        except ActivityError as error:
            messages.error(request, error.message)
            return redirect("organiser_check_in", token=token)
        contact = _contact(registration.resident)
        messages.success(
            request,
            _("%(name)s 已签到，一行 %(n)s 人。")
            % {"name": contact["name"], "n": registration.party_size},
        )
        return redirect("organiser_roster", pk=activity.pk)
    return render(
        request,
        "programs/organiser/check_in.html",
        {
            "registration": registration,
            "activity": activity,
            "contact": _contact(registration.resident),
        },
    )
