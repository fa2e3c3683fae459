from django import template

from partners.services import fen_to_yuan

register = template.Library()


@register.filter
def yuan_grouped(fen) -> str:
    """The same with thousands separators, for reading on a page: 1234567 -> 12,345.67."""
    if fen in (None, ""):
        return ""
    text = fen_to_yuan(int(fen))
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, cents = text.split(".")
    return f"{sign}{int(whole):,}.{cents}"


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan with two decimals: 12345 -> 123.45."""
    if fen in (None, ""):
        return ""
    return fen_to_yuan(int(fen))
