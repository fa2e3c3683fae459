"""Staff work here. Every act on a booking goes through spaces.services, like the portal."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lixiong.admin_labels import LabelledDateTimeMixin, LabelledInlineFormSet
from lixiong.timeutil import LOCAL_TZ
from lixiong.validators import OneLineTextareaField

from . import services
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A closure does not cancel bookings by itself: staff decide, so tell them.
        space = form.instance
        for closure in space.closures.filter(end__gt=timezone.now()):
            clashes = Booking.objects.active().overlapping(closure.start, closure.end, space=space)
            for booking in clashes.select_related("space__compound"):
                messages.warning(
                    request,
                    _("暂停开放时段与预约冲突，请联系预约人或取消预约：%(booking)s")
                    % {"booking": booking},
                )


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
    list_display = ["space", "when", "booked_by", "purpose", "attendees", "status", "created_at"]
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
        "space__name",
        "space__compound__name",
    ]
    list_select_related = ["space__compound", "booked_by"]
    actions = [approve, reject, cancel]
    ordering = ["-start"]
    # Bookings change only through the actions above (the services), never by editing.
    readonly_fields = [
        "space",
        "booked_by",
        "purpose",
        "attendees",
        "start",
        "end",
        "status",
        "reason",
        "decided_by",
        "decided_at",
        "created_at",
    ]

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

    @admin.display(description=gettext_lazy("时间"), ordering="start")
    def when(self, booking):
        start, end = booking.start.astimezone(LOCAL_TZ), booking.end.astimezone(LOCAL_TZ)
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"

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


@admin.register(PendingBooking)
class PendingBookingAdmin(BookingAdmin):
    list_filter = ["space__compound", ("space", RoomFilter), ("start", admin.DateFieldListFilter)]
    ordering = ["start"]

    def get_queryset(self, request):
        # A request whose time has passed can no longer be approved: not work to do.
        return (
            super()
            .get_queryset(request)
            .filter(status=Booking.Status.PENDING, start__gt=timezone.now())
        )


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
