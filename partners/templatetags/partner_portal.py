from django import template

from partners.services import cap_percent, max_price_fen, yuan

register = template.Library()


@register.filter
def fen_as_yuan(fen) -> str:
    """4000 -> "40.00": money is stored in fen and shown in yuan."""
    return yuan(fen or 0)


@register.filter
def as_percent(ratio) -> str:
    """0.500 -> "50"."""
    return cap_percent(ratio)


@register.filter
def cap_example(ratio) -> str:
    """The most a class with an ¥80 market price may cost under this cap ("40.00")."""
    return yuan(max_price_fen(cap=ratio, market_price_fen=8000))
