from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lixiong.timeutil import LOCAL_TZ
from lixiong.validators import OneLineTextareaField, validate_single_line

from .models import Booking, Compound, Space


class BookingForm(forms.Form):
    start = forms.DateTimeField(
        label=_("开始时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    duration = forms.TypedChoiceField(label=_("时长"), coerce=int)
    attendees = forms.IntegerField(label=_("人数"), min_value=1, max_value=10000)
    purpose = forms.CharField(
        label=_("用途"),
        max_length=Booking._meta.get_field("purpose").max_length,
        validators=[validate_single_line],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, space: Space, **kwargs):
        super().__init__(*args, **kwargs)
        self.space = space
        self.fields["duration"].choices = [
            (minutes, duration_label(minutes)) for minutes in booking_lengths(space)
        ]
        self.fields["attendees"].widget.attrs["max"] = space.capacity

    def clean(self):
        cleaned = super().clean()
        if "start" in cleaned and "duration" in cleaned:
            try:
                cleaned["end"] = cleaned["start"] + timedelta(minutes=cleaned["duration"])
            except OverflowError:
                self.add_error("start", _("请选择一个有效的时间。"))
        return cleaned

    @property
    def end(self):
        return self.cleaned_data["end"]

    def chosen_time(self) -> dict | None:
        """Start, end and length as the form holds them now (the link's values, or what was
        sent), for the summary shown before sending; None while they are not a valid time."""
        try:
            start = self.fields["start"].clean(self["start"].value())
            minutes = self.fields["duration"].clean(self["duration"].value())
            end = start + timedelta(minutes=minutes)
        except (forms.ValidationError, OverflowError, TypeError):
            return None
        return {"start": start, "end": end, "minutes": minutes}


def booking_lengths(space: Space) -> list[int]:
    """The lengths a resident may book this room for, in whole slots."""
    return list(range(space.min_minutes, space.max_minutes + 1, space.slot_minutes))


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(h)s 小时 %(m)s 分钟") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s 小时") % {"h": hours}
    return _("%(m)s 分钟") % {"m": rest}


class CancelForm(forms.Form):
    reason = OneLineTextareaField(
        label=_("取消原因"),
        max_length=Booking._meta.get_field("reason").max_length,
        required=False,
    )


class HeadCountForm(forms.Form):
    head_count = forms.IntegerField(label=_("到访人数"), min_value=1, max_value=500)


# The lengths people ask for; every room's slot grid (30, 45 or 60 minutes) has some of them.
SEARCH_MINUTES = (30, 60, 90, 120, 150, 180, 240)
# Start times on the half hour: the rooms open between 08:00 and 22:00.
SEARCH_STARTS = [time(hour, minute) for hour in range(7, 22) for minute in (0, 30)]
MAX_ATTENDEES = 10000
# Far enough for any room's booking window (a year); keeps date arithmetic in range.
SEARCH_DAYS_AHEAD = 366


def search_times(day: date, start: time, minutes: int, now: datetime | None = None):
    """The community-time range a free-room search asks about, or a ValidationError keyed by
    the field at fault (the page's form and the API's query share it)."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL_TZ).date()
    if day > today + timedelta(days=SEARCH_DAYS_AHEAD):
        raise ValidationError({"date": _("只能查找一年以内的日期。")})
    begins = datetime.combine(day, start, tzinfo=LOCAL_TZ)
    if begins < now:
        raise ValidationError({"start": _("这个时间已经过去，请选择以后的时间。")})
    return begins, begins + timedelta(minutes=minutes)


class FreeRoomsForm(forms.Form):
    """The search on /spaces/free/: big native controls, sent by GET so a search is a link."""

    date = forms.DateField(
        label=_("日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": _("请选择日期。"),
            "invalid": _("请输入有效的日期，例如 2026-12-02。"),
        },
    )
    start = forms.TypedChoiceField(
        label=_("开始时间"),
        coerce=time.fromisoformat,
        choices=[(t.strftime("%H:%M"), t.strftime("%H:%M")) for t in SEARCH_STARTS],
        error_messages={"invalid_choice": _("请从列表中选择开始时间（整点或半点）。")},
    )
    minutes = forms.TypedChoiceField(
        label=_("时长"),
        coerce=int,
        error_messages={"invalid_choice": _("请从列表中选择时长。")},
    )
    attendees = forms.IntegerField(
        label=_("人数"),
        min_value=1,
        max_value=MAX_ATTENDEES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("请填写人数。"),
            "invalid": _("人数请填写数字。"),
            "min_value": _("人数至少为 1。"),
            "max_value": _("人数不能超过 %(limit_value)s。"),
        },
    )
    kind = forms.ChoiceField(label=_("类型"), required=False)
    compound = forms.ModelChoiceField(
        label=_("小区"),
        queryset=Compound.objects.none(),
        required=False,
        empty_label=_("所有小区"),
        error_messages={"invalid_choice": _("没有这个小区，请从列表中选择。")},
    )

    def __init__(self, *args, kinds=(), home_compound: int | None = None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["minutes"].choices = [(m, duration_label(m)) for m in SEARCH_MINUTES]
        labels = dict(Space.Kind.choices)
        self.fields["kind"].choices = [("", _("所有类型"))] + [
            (kind, labels[kind]) for kind in Space.Kind.values if kind in kinds
        ]
        # The resident's own compound heads the list, as it heads the results.
        compounds = Compound.objects.all()
        if home_compound is not None:
            compounds = compounds.order_by(
                Case(When(pk=home_compound, then=0), default=1), "position", "name"
            )
        self.fields["compound"].queryset = compounds

    def clean(self):
        cleaned = super().clean()
        if {"date", "start", "minutes"} <= cleaned.keys():
            try:
                cleaned["begins"], cleaned["ends"] = search_times(
                    cleaned["date"], cleaned["start"], cleaned["minutes"]
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        self.add_error(field, message)
        return cleaned
