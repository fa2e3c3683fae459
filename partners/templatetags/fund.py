from django import template

from partners.services import fen_to_yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan with two decimals: 12345 -> 123.45."""
    if fen in (None, ""):
        return ""
    return fen_to_yuan(int(fen))
