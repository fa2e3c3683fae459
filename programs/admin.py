"""Staff work here. Activities hold rooms and registrations hold seats, so they are made and
changed through programs.services (the organiser area, or the actions below), never by typing
into a form that would bypass the room booking or the waitlist."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lixiong.admin_labels import LabelledDateTimeMixin
from lixiong.errors import DomainError
from lixiong.timeutil import LOCAL_TZ
from lixiong.validators import OneLineTextareaField
from spaces.errors import BookingError
from spaces.models import Space, WeeklyRange

from . import services
from .errors import ActivityError
from .models import (
    Activity,
    Department,
    Organiser,
    Program,
    Registration,
    Series,
    ServiceCategory,
)
from .selectors import series_skipped


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]


@admin.register(Organiser)
class OrganiserAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "member_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=gettext_lazy("账号数"), ordering="member_total")
    def member_count(self, organiser):
        return organiser.member_total


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "brand", "contact_name", "contact_phone"]
    list_filter = ["kind"]
    search_fields = ["organiser__name", "brand", "contact_name"]
    autocomplete_fields = ["organiser"]
    list_select_related = ["organiser"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "department", "category", "starts_on", "ends_on", "status"]
    list_filter = ["department", "category", "status"]
    search_fields = ["title", "description", "audience", "department__organiser__name"]
    filter_horizontal = ["compounds"]
    list_select_related = ["department__organiser", "category"]


# --- cancelling with a reason ----------------------------------------------------------------


class ReasonForm(forms.Form):
    # The reason is stored as one line (it shares the model field's rules); Enter in the box
    # becomes a space.
    reason = OneLineTextareaField(
        label=gettext_lazy("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


def _ask_reason(modeladmin, request, queryset, action: str, title: str):
    """The intermediate page of a cancel action: the reason goes to everyone registered."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["reason"]
    return render(
        request,
        "admin/programs/reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "objects": queryset,
            "form": form,
            "action": action,
            "opts": modeladmin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def _cancel_each(modeladmin, request, queryset, service, keyword: str, reason: str) -> int:
    done = 0
    for obj in queryset:
        try:
            service(**{keyword: obj}, by=request.user, reason=reason)
        except ActivityError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            done += 1
    return done


@admin.action(description=gettext_lazy("取消所选活动"), permissions=["change"])
def cancel_activities(modeladmin, request, queryset):
    reason = _ask_reason(modeladmin, request, queryset, "cancel_activities", _("取消活动"))
    if not isinstance(reason, str):
        return reason
    done = _cancel_each(modeladmin, request, queryset, services.activity_cancel, "activity", reason)
    if done:
        modeladmin.message_user(
            request, _("已取消 %(n)s 个活动，已通知报名的居民。") % {"n": done}, messages.SUCCESS
        )


@admin.action(description=gettext_lazy("取消所选系列中未开始的场次"), permissions=["change"])
def cancel_series(modeladmin, request, queryset):
    reason = _ask_reason(modeladmin, request, queryset, "cancel_series", _("取消系列活动"))
    if not isinstance(reason, str):
        return reason
    done = 0
    for series in queryset:
        try:
            done += len(services.series_cancel(series=series, by=request.user, reason=reason))
        except ActivityError as error:
            modeladmin.message_user(request, f"{series}: {error.message}", messages.ERROR)
    modeladmin.message_user(
        request, _("已取消 %(n)s 场未开始的活动。") % {"n": done}, messages.SUCCESS
    )


# --- changes through the services ------------------------------------------------------------


class ServiceForm(forms.ModelForm):
    """A form whose change is made by a programs service, called once the form's and the
    model's own checks pass. Called while validating (not in save_model) so a refusal
    becomes a form error on its field instead of a 500; the admin view runs in one
    transaction, so the change commits with the rest of the save and mails go after."""

    user = None  # who acts: set per request by ServiceFormAdmin.get_form
    # Where a service's error field lands on this form; a field not on it goes on top.
    field_aliases: dict[str | None, str] = {}

    def call_service(self) -> None:
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()
        if self.errors or not self.has_changed():
            return
        try:
            with transaction.atomic():
                self.call_service()
        except (ActivityError, BookingError) as error:
            self.add_domain_error(error)

    def add_domain_error(self, error: DomainError) -> None:
        field = self.field_aliases.get(error.field, error.field)
        self.add_error(field if field in self.fields else None, error.message)


class ServiceFormAdmin(admin.ModelAdmin):
    """The admin of a ServiceForm: the form has made the change; the admin saves nothing."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user  # modelform_factory made this class for this request only
        return form

    def save_model(self, request, obj, form, change):
        pass  # form.call_service() saved it, under the service's locks


# --- activities ------------------------------------------------------------------------------


class RegistrationInline(admin.TabularInline):
    model = Registration
    fields = ["position", "resident", "party_size", "status", "attended_count", "created_at"]
    readonly_fields = fields
    ordering = ["position"]
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


# What staff may edit on an activity besides its room and time; the rest is read-only (see
# ActivityAdmin.readonly_fields).
ACTIVITY_DETAILS = [
    "program",
    "title",
    "category",
    "description",
    "is_public_welfare",
    "min_age",
    "max_age",
    "audience",
]


class ActivityAdminForm(ServiceForm):
    field_aliases = {"purpose": "title", "registration_closes": "start"}

    class Meta:
        model = Activity
        fields = [*ACTIVITY_DETAILS, "space", "start", "end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "space" in self.fields:
            # Only bookable rooms hold activities; each label names its compound (one query).
            self.fields["space"].queryset = (
                Space.objects.filter(access_mode=Space.AccessMode.BOOKABLE)
                .select_related("compound")
                .order_by("compound__position", "compound__name", "name")
            )

    def clean(self):
        cleaned = super().clean()
        program = cleaned.get("program")
        if program and program.department.organiser_id != self.instance.organiser_id:
            self.add_error("program", _("所选项目不属于这个组织方。"))
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("结束时间必须晚于开始时间。"))
        return cleaned

    def call_service(self) -> None:
        # The organiser pages' service: a new room or time moves the room hold (the
        # booking's purpose follows the title) and everyone registered is told.
        data = self.cleaned_data
        services.activity_update(
            activity=self.instance.pk,
            by=self.user,
            space=data["space"],
            start=data["start"],
            end=data["end"],
            **{name: data[name] for name in ACTIVITY_DETAILS},
        )


@admin.register(Activity)
class ActivityAdmin(LabelledDateTimeMixin, ServiceFormAdmin):
    form = ActivityAdminForm
    list_display = ["title", "organiser", "local_start", "space", "status", "capacity"]
    list_filter = [
        "status",
        "organiser",
        "category",
        "space__compound",
        ("start", admin.DateFieldListFilter),
    ]
    date_hierarchy = "start"
    search_fields = ["title", "description", "organiser__name", "space__name"]
    list_select_related = ["organiser", "space__compound", "category"]
    ordering = ["-start"]
    actions = [cancel_activities]
    inlines = [RegistrationInline]
    # Title, room and time change through programs.services (ActivityAdminForm); seats and
    # the sign-up settings in the organiser area (staff may use it for any organiser), and
    # status by the cancel action, so the room hold and the waitlist follow every change.
    readonly_fields = [
        "organiser",
        "series",
        "booking",
        "capacity",
        "price_fen",
        "market_price_fen",
        "registration_opens",
        "registration_closes",
        "max_party_size",
        "waitlist_policy",
        "offer_hours",
        "status",
        "share_code",
        "walk_in_attendees",
        "final_count",
        "cancel_reason",
        "created_by",
        "created_at",
        "organiser_links",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "organiser_links",
                    "organiser",
                    "program",
                    "series",
                    "title",
                    "category",
                    "description",
                    "status",
                    "cancel_reason",
                ]
            },
        ),
        (
            gettext_lazy("场地和时间"),
            {"fields": ["space", "start", "end", "booking", "share_code"]},
        ),
        (
            gettext_lazy("报名"),
            {
                "fields": [
                    "capacity",
                    "max_party_size",
                    "registration_opens",
                    "registration_closes",
                    "waitlist_policy",
                    "offer_hours",
                ]
            },
        ),
        (
            gettext_lazy("价格和对象"),
            {
                "fields": [
                    "price_fen",
                    "market_price_fen",
                    "is_public_welfare",
                    "min_age",
                    "max_age",
                    "audience",
                ]
            },
        ),
        (
            gettext_lazy("参加人数"),
            {"fields": ["walk_in_attendees", "final_count", "created_by", "created_at"]},
        ),
    ]

    @admin.display(description=gettext_lazy("开始"), ordering="start")
    def local_start(self, activity):
        start, end = activity.start.astimezone(LOCAL_TZ), activity.end.astimezone(LOCAL_TZ)
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"

    @admin.display(description=gettext_lazy("组织方页面"))
    def organiser_links(self, activity):
        if activity.pk is None:
            return "-"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("organiser_activity_edit", args=[activity.pk]),
            _("修改场地、时间和名额"),
            reverse("organiser_roster", args=[activity.pk]),
            _("报名名单和点名"),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organiser", "space__compound")

    def has_add_permission(self, request):
        # An activity holds a room: organisers (and staff) create it in the organiser area,
        # whose form already parses prices in yuan, local times and series; a second creation
        # form here would drift from it. The list links there instead (change_list.html).
        return False

    def has_delete_permission(self, request, obj=None):
        # History feeds the 人次 reports: cancel, don't delete.
        return False


# --- registrations ---------------------------------------------------------------------------


class RegistrationAdminForm(ServiceForm):
    # The count is all staff edit here: every refusal (too early, cancelled...) is about it.
    field_aliases = {"count": "attended_count", None: "attended_count"}

    class Meta:
        model = Registration
        fields = ["attended_count"]

    def clean_attended_count(self):
        # The shape of the input only (the database's constraint would otherwise speak
        # first, in its own words); who may be marked, and when, is the service's rule.
        count = self.cleaned_data["attended_count"]
        registration = self.instance
        if count == registration.attended_count:
            return count
        if count is None:
            raise forms.ValidationError(_("没有到场请填 0。"))
        if count > registration.party_size:
            raise forms.ValidationError(
                _("实到人数须在 0 到 %(max)s 之间。") % {"max": registration.party_size}
            )
        return count

    def call_service(self) -> None:
        # The roster page's service, which refuses before the roster opens, for a
        # cancelled activity, or for anyone not confirmed.
        services.attendance_mark(
            registration=self.instance.pk,
            by=self.user,
            count=self.cleaned_data["attended_count"],
        )


@admin.register(Registration)
class RegistrationAdmin(ServiceFormAdmin):
    form = RegistrationAdminForm
    list_display = ["activity", "resident", "party_size", "status", "position", "attended_count"]
    list_filter = ["status", "activity__organiser"]
    search_fields = ["activity__title", "resident__username", "resident__email"]
    raw_id_fields = ["activity", "resident"]
    list_select_related = ["activity", "resident"]
    ordering = ["-created_at"]
    readonly_fields = [
        "activity",
        "resident",
        "party_size",
        "status",
        "position",
        "offer_expires_at",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:5], "attended_count", *readonly_fields[5:]]

    def has_add_permission(self, request):
        # Seats are given under a lock on the activity (programs.services), not typed in.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "organiser", "first_date", "last_date", "days", "hours"]
    list_filter = ["organiser"]
    search_fields = ["title", "organiser__name"]
    list_select_related = ["organiser"]
    actions = [cancel_series]
    readonly_fields = [
        "organiser",
        "title",
        "weekdays",
        "first_date",
        "last_date",
        "starts_at",
        "ends_at",
        "skipped_dates",
        "created_by",
        "created_at",
    ]

    @admin.display(description=gettext_lazy("跳过的日期"))
    def skipped_dates(self, series):
        skipped = series_skipped(series)
        if not skipped:
            return "-"
        return format_html_join(
            mark_safe("<br>"), "{} · {}", ((f"{s['date']:%Y-%m-%d}", s["reason"]) for s in skipped)
        )

    @admin.display(description=gettext_lazy("星期"))
    def days(self, series):
        labels = dict(WeeklyRange.Weekday.choices)
        return "、".join(str(labels.get(day, day)) for day in series.weekdays)

    @admin.display(description=gettext_lazy("时间"))
    def hours(self, series):
        return f"{series.starts_at:%H:%M}–{series.ends_at:%H:%M}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
