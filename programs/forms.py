"""Residents' forms: the calendar's filters and the sign-up button. (Organisers' forms live in
officer_forms.py.)"""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from spaces.models import Compound

from .models import Activity, Organiser, ServiceCategory
from .officer_forms import SANE_DATES

PARTY_SIZE_ERROR = _("每次报名人数须在 1 到 %(max)s 之间。")


class ActivityFilterForm(forms.Form):
    """GET filters of the public calendar. A value that does not clean is dropped, never an
    error page: links get pasted into group chats and mangled on the way."""

    compound = forms.ModelChoiceField(
        label=_("小区"), queryset=Compound.objects.all(), required=False, empty_label=_("全部")
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=ServiceCategory.objects.filter(is_active=True),
        required=False,
        empty_label=_("全部"),
    )
    organiser = forms.ModelChoiceField(
        label=_("组织方"), queryset=Organiser.objects.all(), required=False, empty_label=_("全部")
    )
    free = forms.ChoiceField(
        label=_("费用"),
        choices=[("", _("全部")), ("1", _("免费")), ("0", _("收费"))],
        required=False,
    )

    def __init__(self, data, *, today: date):
        data = data.copy()
        if not data.get("from"):
            data["from"] = today.isoformat()
        super().__init__(data)
        self.today = today
        # "from" is a Python keyword, so the date fields are added by name here.
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for name, label in (("from", _("从")), ("to", _("到"))):
            self.fields[name] = forms.DateField(
                label=label, required=False, widget=date_input, validators=SANE_DATES
            )
        # Field order for the template: place, kind, organiser, dates, price.
        self.order_fields(["compound", "category", "organiser", "from", "to", "free"])

    def filters(self) -> dict:
        """Keyword arguments for selectors.activity_list, from the values that cleaned."""
        self.is_valid()
        data = self.cleaned_data
        free = data.get("free")
        return {
            "compound": data["compound"].pk if data.get("compound") else None,
            "category": data["category"].pk if data.get("category") else None,
            "organiser": data["organiser"].pk if data.get("organiser") else None,
            "date_from": data.get("from") or self.today,
            "date_to": data.get("to"),
            "free": {"1": True, "0": False}.get(free),
        }


class RegistrationForm(forms.Form):
    """How many people sign up together (a parent with children is one party)."""

    party_size = forms.TypedChoiceField(
        label=_("报名人数"),
        coerce=int,
        required=False,
        empty_value=1,
        help_text=_("家长带孩子一起参加，请填写总人数。"),
    )

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        biggest = activity.max_party_size
        field = self.fields["party_size"]
        field.choices = [(n, str(n)) for n in range(1, biggest + 1)]
        field.initial = 1
        message = PARTY_SIZE_ERROR % {"max": biggest}
        field.error_messages = {"invalid_choice": message, "required": message}
