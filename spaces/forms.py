from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from lixiong.validators import OneLineTextareaField, validate_single_line

from .models import Booking, Space


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
