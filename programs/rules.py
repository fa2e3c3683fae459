"""Checks other apps add to the posting of an activity, so `programs` never imports them.

A partner's class must keep its agreement's terms (price cap, rooms, windows), but the class is
a programs activity, posted through the organiser area, the API or a partner's portal alike.
So the rule is registered here by the partners app (`PartnersConfig.ready`) and called by
`activity_create`, `activity_update` and `series_create` before the room is held: one place,
whichever door the class came in by.

A check is a callable taking keyword arguments only (organiser, space, start, end, price_fen,
market_price_fen, is_public_welfare) and returning nothing; it raises
`programs.errors.ActivityError` with a stable code to refuse. A check must accept **extra so a
new argument does not break it."""

from collections.abc import Callable
from datetime import datetime

ActivityCheck = Callable[..., None]

_checks: list[ActivityCheck] = []


def register(check: ActivityCheck) -> ActivityCheck:
    """Add a check (once, however often an app's ready() runs)."""
    if check not in _checks:
        _checks.append(check)
    return check


def check_activity(
    *,
    organiser,
    space,
    start: datetime,
    end: datetime,
    price_fen: int,
    market_price_fen: int,
    is_public_welfare: bool,
) -> None:
    """Run every registered check; the first refusal is raised."""
    for check in _checks:
        check(
            organiser=organiser,
            space=space,
            start=start,
            end=end,
            price_fen=price_fen or 0,
            market_price_fen=market_price_fen or 0,
            is_public_welfare=bool(is_public_welfare),
        )
