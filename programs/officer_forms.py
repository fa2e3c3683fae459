"""Forms of the organiser area. They parse and check the shape of input; the rules about rooms,
seats and registration windows live in programs.services and come back as ActivityError or
BookingError, which the views put on these forms with `add_domain_error`."""

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lixiong.errors import DomainError
from lixiong.timeutil import LOCAL_TZ
from lixiong.validators import OneLineTextareaField, validate_single_line
from spaces.models import Space, WeeklyRange

from .models import Activity, Organiser, Program, Series, ServiceCategory

# Where a service's error field lands on these forms.
FIELD_ALIASES = {
    "start": "start_time",
    "end": "end_time",
    "attendees": "capacity",
    "purpose": "title",
    "price_fen": "price_yuan",
    "market_price_fen": "market_price_yuan",
}

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Dates far outside any plan (year 1, year 9999) overflow on the way to UTC and back.
SANE_DATES = [MinValueValidator(date(2000, 1, 1)), MaxValueValidator(date(2100, 12, 31))]
SANE_DATETIMES = [
    MinValueValidator(datetime(2000, 1, 1, tzinfo=LOCAL_TZ)),
    MaxValueValidator(datetime(2100, 12, 31, tzinfo=LOCAL_TZ)),
]
MAX_SERIES_DAYS = 366
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def date_field(label):
    return forms.DateField(label=label, widget=DATE_WIDGET, validators=SANE_DATES)


def datetime_local_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_FORMATS,
        validators=SANE_DATETIMES,
    )


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it is about, else above the form."""
    field = FIELD_ALIASES.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


def runs_every_organiser(user) -> bool:
    """Staff given the activity permission run every organiser's activities, the same test
    as programs.services.can_manage. is_staff alone only opens the (empty) admin."""
    return user.is_staff and user.has_perm("programs.change_activity")


def managed_organisers(user):
    """The organisers whose activities `user` runs: their own, or all of them for staff
    with the activity permission."""
    if runs_every_organiser(user):
        return Organiser.objects.all()
    return user.organisers.all()


def can_use_organiser_area(user) -> bool:
    return user.is_authenticated and (runs_every_organiser(user) or user.organisers.exists())


class SpaceChoiceField(forms.ModelChoiceField):
    """Bookable rooms, grouped by compound in the drop-down."""

    def __init__(self, **kwargs):
        queryset = (
            Space.objects.filter(is_active=True, access_mode=Space.AccessMode.BOOKABLE)
            .select_related("compound")
            .order_by("compound__position", "compound__name", "name")
        )
        super().__init__(queryset=queryset, **kwargs)

    def group(self):
        groups: dict[str, list] = {}
        for space in self.queryset:
            label = _("%(name)s（可容纳 %(n)s 人）") % {"name": space.name, "n": space.capacity}
            groups.setdefault(space.compound.name, []).append((space.pk, label))
        self.choices = [("", "---------"), *groups.items()]


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, program):
        return f"{program.department.organiser.name} · {program.title}"


class ScheduleMixin:
    """Date and local start and end times, combined into aware datetimes (Asia/Shanghai)."""

    def clean_schedule(self, day_field: str = "date") -> None:
        day = self.cleaned_data.get(day_field)
        start, end = self.cleaned_data.get("start_time"), self.cleaned_data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("结束时间必须晚于开始时间。"))
        if day and start and end and end > start:
            self.cleaned_data["start"] = datetime.combine(day, start, tzinfo=LOCAL_TZ)
            self.cleaned_data["end"] = datetime.combine(day, end, tzinfo=LOCAL_TZ)

    def clean_program_belongs_to_organiser(self, organiser) -> None:
        program = self.cleaned_data.get("program")
        if program and organiser and program.department.organiser_id != organiser.pk:
            self.add_error("program", _("所选项目不属于这个组织方。"))


def _yuan_to_fen(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def _fen_to_yuan(value: int) -> Decimal:
    return Decimal(value) / 100


class ActivityDetailsForm(ScheduleMixin, forms.Form):
    """What every occurrence of an activity carries besides its date and registration window:
    the single-activity form and the weekly series form share these definitions, so yuan
    become fen in one place."""

    program = ProgramChoiceField(
        label=_("所属项目"), queryset=Program.objects.none(), required=False
    )
    title = forms.CharField(
        label=_("名称"),
        max_length=Activity._meta.get_field("title").max_length,
        validators=[validate_single_line],
    )
    category = forms.ModelChoiceField(label=_("类别"), queryset=ServiceCategory.objects.none())
    description = forms.CharField(
        label=_("介绍"),
        max_length=Activity._meta.get_field("description").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    space = SpaceChoiceField(label=_("场地"))
    start_time = forms.TimeField(label=_("开始时间"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("结束时间"), widget=TIME_WIDGET)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=10000)
    price_yuan = forms.DecimalField(
        label=_("价格（元）"),
        min_value=0,
        max_value=100000,
        max_digits=8,
        decimal_places=2,
        initial=0,
        help_text=_("公益项目填 0。"),
    )
    market_price_yuan = forms.DecimalField(
        label=_("市场价（元）"),
        min_value=0,
        max_value=100000,
        max_digits=8,
        decimal_places=2,
        initial=0,
    )
    is_public_welfare = forms.BooleanField(label=_("公益活动"), required=False, initial=True)
    min_age = forms.IntegerField(label=_("最小年龄"), min_value=0, max_value=150, required=False)
    max_age = forms.IntegerField(label=_("最大年龄"), min_value=0, max_value=150, required=False)
    audience = forms.CharField(
        label=_("适合人群"),
        max_length=Activity._meta.get_field("audience").max_length,
        required=False,
        validators=[validate_single_line],
    )
    max_party_size = forms.IntegerField(
        label=_("每次报名最多人数"),
        min_value=1,
        max_value=100,
        initial=1,
        help_text=_("例如家长带孩子一起报名算一组。"),
    )
    waitlist_policy = forms.ChoiceField(
        label=_("候补方式"),
        choices=Activity.WaitlistPolicy.choices,
        initial=Activity.WaitlistPolicy.PROMOTE,
    )
    offer_hours = forms.IntegerField(
        label=_("候补确认时限（小时）"), min_value=1, max_value=168, initial=12
    )

    def limit_choices(self, organisers, *, keep_category: int | None = None) -> None:
        """Offer the programs of `organisers` (a queryset or ids) and the active categories;
        a category switched off since keeps showing where it is already used."""
        self.fields["program"].queryset = Program.objects.select_related(
            "department__organiser"
        ).filter(department__organiser__in=organisers)
        categories = Q(is_active=True)
        if keep_category is not None:
            categories |= Q(pk=keep_category)
        self.fields["category"].queryset = ServiceCategory.objects.filter(categories)
        self.fields["space"].group()

    def details(self) -> dict:
        """These fields as keyword arguments of activity_create / activity_update."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "category": data["category"],
            "description": data["description"],
            "program": data["program"],
            "capacity": data["capacity"],
            "price_fen": _yuan_to_fen(data["price_yuan"]),
            "market_price_fen": _yuan_to_fen(data["market_price_yuan"]),
            "is_public_welfare": data["is_public_welfare"],
            "min_age": data["min_age"],
            "max_age": data["max_age"],
            "audience": data["audience"],
            "max_party_size": data["max_party_size"],
            "waitlist_policy": data["waitlist_policy"],
            "offer_hours": data["offer_hours"],
        }


def details_initial(activity: Activity) -> dict:
    """An activity's values for ActivityDetailsForm, in the form's units and local time."""
    start, end = activity.start.astimezone(LOCAL_TZ), activity.end.astimezone(LOCAL_TZ)
    return {
        "program": activity.program_id,
        "title": activity.title,
        "category": activity.category_id,
        "description": activity.description,
        "space": activity.space_id,
        "start_time": start.time(),
        "end_time": end.time(),
        "capacity": activity.capacity,
        "price_yuan": _fen_to_yuan(activity.price_fen),
        "market_price_yuan": _fen_to_yuan(activity.market_price_fen),
        "is_public_welfare": activity.is_public_welfare,
        "min_age": activity.min_age,
        "max_age": activity.max_age,
        "audience": activity.audience,
        "max_party_size": activity.max_party_size,
        "waitlist_policy": activity.waitlist_policy,
        "offer_hours": activity.offer_hours,
    }


class ActivityForm(ActivityDetailsForm):
    organiser = forms.ModelChoiceField(label=_("组织方"), queryset=Organiser.objects.none())
    date = date_field(_("日期"))
    registration_opens = datetime_local_field(_("报名开始"))
    registration_closes = datetime_local_field(_("报名截止"))
    publish = forms.BooleanField(
        label=_("立即发布"),
        required=False,
        initial=True,
        help_text=_("不勾选则保存为草稿，居民看不到。"),
    )

    def __init__(self, *args, user, activity: Activity | None = None, **kwargs):
        self.activity = activity
        if activity is not None:
            kwargs.setdefault("initial", initial_from(activity))
        super().__init__(*args, **kwargs)
        if activity is None:
            organisers = managed_organisers(user)
            self.fields["organiser"].queryset = organisers
            self.limit_choices(organisers)
            if not self.is_bound and len(organisers[:2]) == 1:
                self.initial.setdefault("organiser", organisers[0])
        else:
            # An activity stays with its organiser; the room, time and details may change.
            del self.fields["organiser"]
            del self.fields["publish"]
            self.limit_choices([activity.organiser_id], keep_category=activity.category_id)

    def clean(self):
        cleaned = super().clean()
        self.clean_schedule()
        organiser = cleaned.get("organiser") if self.activity is None else self.activity.organiser
        self.clean_program_belongs_to_organiser(organiser)
        return cleaned

    def activity_fields(self) -> dict:
        """The keyword arguments of activity_create / activity_update."""
        return self.details() | {
            "registration_opens": self.cleaned_data["registration_opens"],
            "registration_closes": self.cleaned_data["registration_closes"],
        }


def initial_from(activity: Activity) -> dict:
    def local(value):
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value else None

    return details_initial(activity) | {
        "date": activity.start.astimezone(LOCAL_TZ).date(),
        "registration_opens": local(activity.registration_opens),
        "registration_closes": local(activity.registration_closes),
    }


class SeriesForm(ActivityDetailsForm):
    """A new weekly series, or changes to an existing one (`series`): then its organiser and
    dates stay, and the form is prefilled from the series and `occurrence`, its first
    upcoming activity, so `series_changes` can tell what the officer actually changed."""

    organiser = forms.ModelChoiceField(label=_("组织方"), queryset=Organiser.objects.none())
    weekdays = forms.TypedMultipleChoiceField(
        label=_("每周的哪几天"),
        choices=WeeklyRange.Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    first_date = date_field(_("首次日期"))
    last_date = date_field(_("末次日期"))
    publish = forms.BooleanField(
        label=_("立即发布"),
        required=False,
        initial=True,
        help_text=_("不勾选则保存为草稿，居民看不到。"),
    )

    def __init__(
        self,
        *args,
        user,
        series: Series | None = None,
        occurrence: Activity | None = None,
        **kwargs,
    ):
        self.series = series
        if series is not None:
            initial = details_initial(occurrence) if occurrence is not None else {}
            initial |= {
                "title": series.title,
                "start_time": series.starts_at,
                "end_time": series.ends_at,
            }
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if series is None:
            organisers = managed_organisers(user)
            self.fields["organiser"].queryset = organisers
            self.limit_choices(organisers)
            if not self.is_bound and len(organisers[:2]) == 1:
                self.initial.setdefault("organiser", organisers[0])
        else:
            # Which days a series runs is fixed once its occurrences exist; everything an
            # occurrence carries may change.
            for name in ("organiser", "weekdays", "first_date", "last_date", "publish"):
                del self.fields[name]
            self.limit_choices(
                [series.organiser_id],
                keep_category=occurrence.category_id if occurrence is not None else None,
            )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_date"), cleaned.get("last_date")
        if first and last and last < first:
            self.add_error("last_date", _("末次日期不能早于首次日期。"))
        elif first and last and (last - first).days > MAX_SERIES_DAYS:
            self.add_error("last_date", _("一个系列最长一年。"))
        self.clean_schedule(day_field="first_date")
        organiser = cleaned.get("organiser") if self.series is None else self.series.organiser
        self.clean_program_belongs_to_organiser(organiser)
        return cleaned

    def series_changes(self) -> dict:
        """The keyword arguments of series_update: only what differs from the prefilled
        values, so an occurrence adjusted on its own keeps everything the officer left alone
        here."""
        changed = set(self.changed_data)
        data = self.cleaned_data
        changes = {
            name: value
            for name, value in self.details().items()
            if FIELD_ALIASES.get(name, name) in changed
        }
        if changed & {"start_time", "end_time"}:
            changes["starts_at"], changes["ends_at"] = data["start_time"], data["end_time"]
        if "space" in changed:
            changes["space"] = data["space"]
        return changes


class ReasonForm(forms.Form):
    reason = OneLineTextareaField(
        label=_("取消原因"),
        max_length=Activity._meta.get_field("cancel_reason").max_length,
        help_text=_("会通知每一位报名的居民。"),
    )


class WalkInForm(forms.Form):
    walk_in_attendees = forms.IntegerField(
        label=_("现场参加人数（无账号）"), min_value=0, max_value=100000
    )


def parse_attended(raw: str | None, *, party_size: int) -> int | None:
    """An attended count from the roster: a number (or "on" from the single checkbox);
    None when left empty. Raises ValueError on garbage, so the view can say which row."""
    if raw is None or raw.strip() == "":
        return None
    if raw == "on":
        return 1
    value = int(raw.strip())
    if not 0 <= value <= party_size:
        raise ValueError(raw)
    return value
