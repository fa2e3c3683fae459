from django import forms

from .models import Profile


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "phone", "compound", "building_unit"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}
