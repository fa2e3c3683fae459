"""The admin index's box of partners awaiting a staff decision."""

# --- compliance and public pages ---
from django import template

from partners import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def partners_flagged(context):
    """Partners that missed terms two months in a row, or None for staff who may not change
    agreements (the box is theirs to act on)."""
    request = context.get("request")
    if request is None or not request.user.has_perm("partners.change_agreement"):
        return None
    return selectors.partners_flagged()
