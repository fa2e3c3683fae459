"""Forms of the partners app. Each part of issue 8 keeps its own section."""

# --- partner portal ---------------------------------------------------------------------------

from decimal import Decimal

from django import forms

from programs.officer_forms import ActivityForm, SeriesForm

from .models import Partner


class PortalFormMixin:
    """The organiser area's activity and series forms, for one partner: its organiser fixed,
    no government program, the rooms of its agreement. A class (`welfare=False`) has a price
    and a market price; a public-welfare activity is free. The agreement's rules themselves
    are checked by the service (partners.services.partner_activity_check via programs.rules)."""

    def setup_for_partner(self, partner: Partner, rooms, *, welfare: bool) -> None:
        self.partner, self.welfare = partner, welfare
        for name in ("organiser", "program", "is_public_welfare"):
            self.fields.pop(name, None)
        if welfare:
            self.fields.pop("price_yuan")
            self.fields.pop("market_price_yuan")
        else:
            for name in ("price_yuan", "market_price_yuan"):
                self.fields[name].required = True
                self.fields[name].help_text = ""
        space = self.fields["space"]
        space.queryset = space.queryset.filter(pk__in=[room.pk for room in rooms])
        space.group()

    def fill_fixed(self, cleaned: dict) -> None:
        cleaned["organiser"] = self.partner.organiser
        cleaned["program"] = None
        cleaned["is_public_welfare"] = self.welfare
        if self.welfare:
            cleaned["price_yuan"] = cleaned["market_price_yuan"] = Decimal(0)


class PortalActivityForm(PortalFormMixin, ActivityForm):
    def __init__(self, *args, user, partner: Partner, rooms, welfare: bool = False, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.setup_for_partner(partner, rooms, welfare=welfare)

    def clean(self):
        self.fill_fixed(self.cleaned_data)
        return super().clean()


class PortalSeriesForm(PortalFormMixin, SeriesForm):
    def __init__(self, *args, user, partner: Partner, rooms, welfare: bool = False, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.setup_for_partner(partner, rooms, welfare=welfare)

    def clean(self):
        self.fill_fixed(self.cleaned_data)
        return super().clean()


class PaidForm(forms.Form):
    paid = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
