"""Names for the admin's boxes that have no label of their own.

Two places in Django's admin leave a box without a label a screen reader can read (axe-core
calls them "critical": tests/test_accessibility.py):

- a tabular inline (a room's opening hours, partner windows, closures) shows each field's
  name once, as a column heading; the boxes in the rows have no label at all;
- a date-and-time field is two boxes (date, time), and the field's label points at neither.

LabelledInlineFormSet names every box of a row after its column and row ("星期，第 2 行");
LabelledDateTimeMixin names the two boxes of a date-and-time field ("开始：日期").
"""

from django import forms
from django.utils.translation import gettext as _


def _inner(widget):
    """The widget itself inside the admin's add/change-related wrapper."""
    return getattr(widget, "widget", widget)


def _name_split_datetime(widget, label: str) -> None:
    inner = _inner(widget)
    if isinstance(inner, forms.SplitDateTimeWidget):
        date, time = inner.widgets
        date.attrs["aria-label"] = _("%(field)s：日期") % {"field": label}
        time.attrs["aria-label"] = _("%(field)s：时间") % {"field": label}


class LabelledDateTimeMixin:
    """For a ModelAdmin or an inline whose model has date-and-time fields."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            _name_split_datetime(formfield.widget, str(formfield.label))
        return formfield


class LabelledInlineFormSet(forms.BaseInlineFormSet):
    """An inline's formset whose boxes are named after their column and row."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            inner = _inner(field.widget)
            if inner.is_hidden:
                continue
            parts = inner.widgets if isinstance(inner, forms.MultiWidget) else [inner]
            for part in parts:
                # A date-and-time box keeps LabelledDateTimeMixin's "开始：日期".
                name = part.attrs.get("aria-label") or str(field.label)
                # The template row that "add another" copies has no number (index is None).
                if index is not None:
                    name = _("%(name)s，第 %(row)d 行") % {"name": name, "row": index + 1}
                part.attrs["aria-label"] = name
