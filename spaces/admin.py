"""Staff work here. Every act on a booking goes through spaces.services, like the portal."""

from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lixiong.admin_labels import LabelledDateTimeMixin, LabelledInlineFormSet
from lixiong.timeutil import LOCAL_TZ, local_today
from lixiong.validators import OneLineTextareaField, parse_id

from . import selectors, services
from .errors import BookingError
from .models import (
    Booking,
    Closure,
    Compound,
    OpeningHours,
    PartnerWindow,
    PendingBooking,
    Space,
    Visit,
    WeeklyRange,
)


def may_see_bookings(user) -> bool:
    """Residents' bookings name them, with phone and building: staff see them with the
    booking permissions (view or change), not with a room's alone."""
    return user.has_perm("spaces.view_booking") or user.has_perm("spaces.change_booking")


class SpaceInline(admin.TabularInline):
    model = Space
    formset = LabelledInlineFormSet
    fields = ["name", "kind", "access_mode", "capacity", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "position"]
    list_editable = ["position"]
    search_fields = ["name", "address"]
    inlines = [SpaceInline]


class WeeklyRangeFormSet(LabelledInlineFormSet):
    """Refuses two ranges of one weekday that overlap: stored as two they would be one stretch
    that reads as two. Touching ranges (08:00–12:00 and 12:00–18:00) stay allowed:
    Space.opening_ranges_on merges them into one a booking may span."""

    def clean(self):
        super().clean()
        ranges: dict[int, list] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or self._should_delete_form(form):
                continue
            weekday, opens, closes = data.get("weekday"), data.get("opens"), data.get("closes")
            if weekday is not None and opens and closes and opens < closes:
                ranges.setdefault(weekday, []).append((opens, closes))
        errors = []
        for weekday, day_ranges in sorted(ranges.items()):
            day_ranges.sort()
            widest = day_ranges[0]
            for current in day_ranges[1:]:
                if current[0] < widest[1]:
                    errors.append(
                        forms.ValidationError(
                            _("%(day)s的 %(first)s 与 %(second)s 重叠，请合并为一段或调整时间。")
                            % {
                                "day": WeeklyRange.Weekday(weekday).label,
                                "first": _range_label(widest),
                                "second": _range_label(current),
                            },
                            code="overlap",
                        )
                    )
                if current[1] > widest[1]:
                    widest = current
        if errors:
            raise forms.ValidationError(errors)


def _range_label(weekly_range) -> str:
    opens, closes = weekly_range
    return f"{opens:%H:%M}–{closes:%H:%M}"


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = WeeklyRangeFormSet
    extra = 0


class PartnerWindowInline(admin.TabularInline):
    model = PartnerWindow
    formset = WeeklyRangeFormSet
    extra = 0


class ClosureInline(LabelledDateTimeMixin, admin.TabularInline):
    model = Closure
    formset = LabelledInlineFormSet
    extra = 0


# Django's msgid, translated by Django's catalogue; a name, so `make messages` doesn't copy
# it into ours (where an identity "translation" would override Django's Chinese).
DJANGO_SELECT_LABEL = "Select this object for an action - {}"


class RoomFilter(admin.RelatedFieldListFilter):
    """The room filter of the booking and visit lists. A room's label names its compound;
    Django's own filter fetches each room's compound separately (one query a room, 300 at
    community size), so fetch them together."""

    def field_choices(self, field, request, model_admin):
        rooms = Space.objects.select_related("compound")
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            rooms = rooms.order_by(*ordering)
        return [(room.pk, str(room)) for room in rooms]


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ["name", "compound", "kind", "access_mode", "capacity", "is_active"]
    list_filter = ["compound", "kind", "access_mode", "is_active"]
    search_fields = ["name", "compound__name"]
    list_select_related = ["compound"]
    inlines = [OpeningHoursInline, PartnerWindowInline, ClosureInline]
    fieldsets = [
        (None, {"fields": ["compound", "name", "kind", "access_mode", "is_active"]}),
        (gettext_lazy("介绍"), {"fields": ["capacity", "area_m2", "description", "equipment"]}),
        (
            gettext_lazy("预约规则"),
            {
                "fields": [
                    "requires_approval",
                    "slot_minutes",
                    "min_minutes",
                    "max_minutes",
                    "bookable_days_ahead",
                    "min_notice_minutes",
                ]
            },
        ),
    ]

    change_form_template = "admin/spaces/space/change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/closure-bookings/",
                self.admin_site.admin_view(self.closure_bookings_view),
                name="spaces_space_closure_bookings",
            ),
            path(
                "<int:pk>/calendar/",
                self.admin_site.admin_view(self.calendar_view),
                name="spaces_space_calendar",
            ),
            *super().get_urls(),
        ]

    # --- closures over bookings -----------------------------------------------------------
    # A closure does not cancel bookings by itself: staff decide. After a save that added or
    # changed closures over bookings, staff are shown those bookings once, on a page of their
    # own; later saves of the room that leave the closures alone say nothing again, and a
    # booking that was cancelled is no longer active, so it is never shown twice.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        touched = []
        for formset in formsets:
            if formset.model is Closure:
                touched += [closure.pk for closure in formset.new_objects]
                touched += [closure.pk for closure, _fields in formset.changed_objects]
        if touched and selectors.closure_hits(space=form.instance, closure_ids=touched):
            request.closures_over_bookings = touched

    def _closure_review(self, request, obj, response):
        touched = getattr(request, "closures_over_bookings", None)
        if not touched or "_popup" in request.POST or not may_see_bookings(request.user):
            return response
        url = reverse("admin:spaces_space_closure_bookings", args=[obj.pk])
        return redirect(f"{url}?closures={','.join(str(pk) for pk in touched)}&saved=1")

    def response_add(self, request, obj, post_url_continue=None):
        return self._closure_review(request, obj, super().response_add(request, obj))

    def response_change(self, request, obj):
        return self._closure_review(request, obj, super().response_change(request, obj))

    def closure_bookings_view(self, request, pk: int):
        """The bookings that closures just added or changed fall on, to cancel with the
        closure's reason in one step (each through booking_cancel, so each resident is told
        through the outbox). Activity holds are listed with a link to their activity."""
        space = get_object_or_404(Space.objects.select_related("compound"), pk=pk)
        if not self.has_view_or_change_permission(request, space):
            raise PermissionDenied
        if not may_see_bookings(request.user):
            raise PermissionDenied  # the page names residents, with their phones
        ids = [parse_id(part) for part in request.GET.get("closures", "").split(",")]
        ids = [pk for pk in ids if pk is not None]
        hits = selectors.closure_hits(space=space, closure_ids=ids[:50])
        may_cancel = request.user.has_perm("spaces.change_booking")
        room_page = reverse("admin:spaces_space_change", args=[space.pk])
        if request.method == "POST":
            if not may_cancel:
                raise PermissionDenied
            reasons = {b.pk: hit.closure.reason for hit in hits for b in hit.bookings}
            chosen = {parse_id(v) for v in request.POST.getlist("booking")} - {None}
            done = 0
            for booking_pk in sorted(chosen & reasons.keys()):
                try:
                    services.booking_cancel(
                        booking=booking_pk, by=request.user, reason=reasons[booking_pk]
                    )
                except BookingError as error:
                    self.message_user(request, error.message, messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(
                    request,
                    _("已取消 %(n)s 个预约，已通知预约人取消的原因。") % {"n": done},
                    messages.SUCCESS,
                )
            elif not chosen:
                self.message_user(request, _("没有选择任何预约，预约保持不变。"), messages.INFO)
            return redirect(room_page)
        if not hits:
            self.message_user(request, _("这些暂停开放时段上已没有需要处理的预约。"), messages.INFO)
            return redirect(room_page)
        context = {
            **self.admin_site.each_context(request),
            "title": _("暂停开放时段上的预约"),
            "opts": self.opts,
            "original": space,
            "space": space,
            "hits": hits,
            "may_cancel": may_cancel,
            "any_bookings": any(hit.bookings for hit in hits),
            "room_page": room_page,
            "just_saved": request.GET.get("saved") == "1",
        }
        return render(request, "admin/spaces/space/closure_bookings.html", context)

    # --- a room's week ----------------------------------------------------------------------

    def calendar_view(self, request, pk: int):
        """The room's week for staff: bookings with the person, activity holds, closures and
        partner windows, day by day. A constant number of queries whatever the week holds."""
        space = get_object_or_404(Space.objects.select_related("compound"), pk=pk)
        if not self.has_view_or_change_permission(request, space):
            raise PermissionDenied
        if not may_see_bookings(request.user):
            raise PermissionDenied  # the week names residents, with their phones
        today = local_today()
        first_day = today
        asked = request.GET.get("week", "")
        if asked:
            try:
                first_day = date.fromisoformat(asked)
            except ValueError:
                first_day = None
            if first_day is None or not 2000 <= first_day.year <= 2100:
                self.message_user(
                    request,
                    _("日期格式不对，请用“年-月-日”，例如 2026-12-07。已显示本周。"),
                    messages.ERROR,
                )
                first_day = today
        monday = first_day - timedelta(days=first_day.weekday())
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(space)s 的一周") % {"space": space},
            "opts": self.opts,
            "original": space,
            "space": space,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "days": selectors.room_week(space=space, first_day=monday),
            "previous_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "this_week": today - timedelta(days=today.weekday()),
            "today": today,
        }
        return render(request, "admin/spaces/space/calendar.html", context)


class ReasonForm(forms.Form):
    # The reason is stored as one line (it shares the model field's rules); Enter in the box
    # becomes a space.
    reason = OneLineTextareaField(
        label=gettext_lazy("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


def _run(modeladmin, request, queryset, act, done_message: str, **kwargs) -> None:
    done = 0
    for booking in queryset:
        try:
            act(booking=booking, by=request.user, **kwargs)
        except BookingError as error:
            modeladmin.message_user(request, f"{booking}: {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"n": done}, messages.SUCCESS)


def _ask_reason(modeladmin, request, queryset, action: str, title: str):
    """The intermediate page of reject and cancel: a reason is required."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["reason"]
    return render(
        request,
        "admin/spaces/booking/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "bookings": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


@admin.action(description=gettext_lazy("通过所选预约"), permissions=["change"])
def approve(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.booking_approve, _("已通过 %(n)s 个预约。"))


def _with_reason(service, name: str, title, done_message):
    """An admin action that asks for a reason on an intermediate page, then calls `service`."""

    def run(modeladmin, request, queryset):
        reason = _ask_reason(modeladmin, request, queryset, name, str(title))
        if not isinstance(reason, str):
            return reason  # the intermediate page
        _run(modeladmin, request, queryset, service, str(done_message), reason=reason)

    run.__name__ = name
    return run


reject = admin.action(
    description=gettext_lazy("驳回所选预约（需填写原因）"), permissions=["change"]
)(
    _with_reason(
        services.booking_reject,
        "reject",
        gettext_lazy("驳回预约"),
        gettext_lazy("已驳回 %(n)s 个预约。"),
    )
)
cancel = admin.action(
    description=gettext_lazy("取消所选预约（需填写原因）"), permissions=["change"]
)(
    _with_reason(
        services.booking_cancel,
        "cancel",
        gettext_lazy("取消预约"),
        gettext_lazy("已取消 %(n)s 个预约。"),
    )
)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    # Narrow columns, each value on as few lines as it needs: at a 1280 px desk the admin's
    # two sidebars leave the list about 630 px (the submission time is on a booking's page).
    list_display = [
        "room",
        "when",
        "booker",
        "what",
        "status",
    ]
    list_filter = [
        "status",
        "space__compound",
        ("space", RoomFilter),
        ("start", admin.DateFieldListFilter),
    ]
    # At community size (200,000 bookings) the list must not read every row to draw itself:
    # no date hierarchy (its year links are a DISTINCT over the whole table, 100+ ms; the
    # date filter above covers today, this week, month and year), and no second COUNT(*) of
    # the whole table beside the filtered one. Drawing a row costs about half a
    # millisecond, so a page holds 50.
    show_full_result_count = False
    list_per_page = 50
    search_fields = [
        "purpose",
        "booked_by__username",
        "booked_by__email",
        "booked_by__profile__display_name",
        "booked_by__profile__phone",
        "space__name",
        "space__compound__name",
    ]
    # The booker's profile and its compound come in the same query as the row.
    list_select_related = ["space__compound", *selectors.PERSON_RELATED]
    actions = [approve, reject, cancel]
    ordering = ["-start"]
    change_form_template = "admin/spaces/booking/change_form.html"
    # Bookings change only through the services (the actions above, and the approve and
    # reject buttons of a booking's page), never by editing.
    readonly_fields = [
        "space",
        "when",
        "booker_name",
        "booker_phone",
        "booker_address",
        "booked_by",
        "purpose",
        "attendees",
        "status",
        "reason",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    fields = readonly_fields

    def get_queryset(self, request):
        # Here rather than list_select_related, which the list ignores once the queryset
        # selects anything; a booking's page needs the same.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def action_checkbox(self, booking):
        # Django's own renders a form widget through the template engine: about half a
        # millisecond a row, a third of this page at 100 rows. The same markup, directly,
        # and the same label in Django's own translation.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            admin.helpers.ACTION_CHECKBOX_NAME,
            booking.pk,
            format_html(_(DJANGO_SELECT_LABEL), str(booking)),
        )

    @admin.display(description=gettext_lazy("服务阵地"), ordering="space")
    def room(self, booking):
        return format_html(
            '<span class="nowrap">{}</span><br><span class="nowrap">{}</span>',
            booking.space.compound.name,
            booking.space.name,
        )

    @admin.display(description=gettext_lazy("用途"))
    def what(self, booking):
        return format_html(
            '{}<br><span class="nowrap">{}</span>',
            booking.purpose,
            ngettext("%(n)s 人", "%(n)s 人", booking.attendees) % {"n": booking.attendees},
        )

    @admin.display(description=gettext_lazy("时间"), ordering="start")
    def when(self, booking):
        # The day with its weekday, then the hours: each on one line, never broken mid-time.
        start, end = booking.start.astimezone(LOCAL_TZ), booking.end.astimezone(LOCAL_TZ)
        return format_html(
            '<span class="nowrap">{}</span><br><span class="nowrap">{}–{}</span>',
            date_format(start, "Y-m-d D"),
            f"{start:%H:%M}",
            f"{end:%H:%M}",
        )

    @admin.display(description=gettext_lazy("预约人"), ordering="booked_by__profile__display_name")
    def booker(self, booking):
        person = selectors.person_of(booking.booked_by)
        if booking.for_activity:
            # An organiser's hold for an activity, not a resident's booking.
            return format_html('{}<br><span class="nowrap">{}</span>', person.name, _("活动"))
        # Name, phone, then compound and building: who to call, and where they live.
        return format_html(
            '{}<br><span class="nowrap">{}</span><br><span class="nowrap">{}</span>',
            person.name,
            person.phone or "-",
            person.address or "-",
        )

    @admin.display(description=gettext_lazy("称呼"))
    def booker_name(self, booking):
        return selectors.person_of(booking.booked_by).name

    @admin.display(description=gettext_lazy("手机号"))
    def booker_phone(self, booking):
        return selectors.person_of(booking.booked_by).phone or _("（未填写）")

    @admin.display(description=gettext_lazy("小区楼栋"))
    def booker_address(self, booking):
        person = selectors.person_of(booking.booked_by)
        if not person.building:
            return person.compound or "-"
        return format_html(
            '<span class="nowrap">{}</span><br><span class="nowrap">{}</span>',
            person.compound,
            person.building,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission runs the actions on the list (obj is None there); one
        # booking's page is for reading. Saving it would write the row past the services'
        # locks, and a ticked `for_activity` made a resident's booking impossible to cancel.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # History feeds the usage reports: cancel, don't delete.
        return False

    # --- a booking's page: approve and reject, through the same services ------------------

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_decide",
            ),
            *super().get_urls(),
        ]

    def may_decide(self, request) -> bool:
        return request.user.has_perm("spaces.change_booking")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        booking = self.get_object(request, object_id)
        if booking is not None and booking.status == Booking.Status.PENDING:
            extra_context["decide"] = self.may_decide(request)
            extra_context["person"] = selectors.person_of(booking.booked_by)
            extra_context["reason_form"] = ReasonForm(auto_id="id_decision_%s")
            name = f"admin:{self.opts.app_label}_{self.opts.model_name}_decide"
            extra_context["approve_url"] = reverse(name, args=[booking.pk, "approve"])
            extra_context["reject_url"] = reverse(name, args=[booking.pk, "reject"])
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, pk: int, decision: str):
        """Approve or reject one booking from its page. POST only; the admin's view wrapper
        checks CSRF and that the user is staff; the permission is the list actions'."""
        if request.method != "POST":
            return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", pk)
        if decision not in ("approve", "reject") or not self.may_decide(request):
            raise PermissionDenied
        booking = get_object_or_404(Booking.objects.select_related("space__compound"), pk=pk)
        page = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])
        try:
            if decision == "approve":
                services.booking_approve(booking=booking, by=request.user)
                done = _("已通过预约：%(booking)s")
            else:
                form = ReasonForm(request.POST)
                if not form.is_valid():
                    self.message_user(
                        request, _("驳回须填写原因，请写明后再按“驳回”。"), messages.ERROR
                    )
                    return redirect(page)
                services.booking_reject(
                    booking=booking, by=request.user, reason=form.cleaned_data["reason"]
                )
                done = _("已驳回预约：%(booking)s")
        except BookingError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect(page)
        booking.refresh_from_db(fields=["status"])
        self.message_user(request, done % {"booking": booking}, messages.SUCCESS)
        return redirect(self.after_decision_url(booking))

    def after_decision_url(self, booking) -> str:
        return reverse("admin:spaces_booking_change", args=[booking.pk])


@admin.register(PendingBooking)
class PendingBookingAdmin(BookingAdmin):
    # Every row waits for a decision: no status column.
    list_display = [n for n in BookingAdmin.list_display if n != "status"]
    list_filter = ["space__compound", ("space", RoomFilter), ("start", admin.DateFieldListFilter)]
    ordering = ["start"]

    def get_queryset(self, request):
        # A request whose time has passed can no longer be approved: not work to do.
        return (
            super()
            .get_queryset(request)
            .filter(status=Booking.Status.PENDING, start__gt=timezone.now())
        )

    def after_decision_url(self, booking) -> str:
        # The decided request has left the queue: back to the queue, for the next one.
        return reverse("admin:spaces_pendingbooking_changelist")


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["space", "visited_at", "head_count", "visitor", "recorded_by"]
    list_filter = [
        "space__compound",
        ("space", RoomFilter),
        ("visited_at", admin.DateFieldListFilter),
    ]
    # Kept for the monthly usage reports: a visit list is read by month, and it is far
    # smaller than the bookings'.
    date_hierarchy = "visited_at"
    show_full_result_count = False
    list_select_related = ["space__compound", "visitor", "recorded_by"]
    raw_id_fields = ["visitor", "recorded_by"]
    search_fields = ["space__name", "visitor__username"]
