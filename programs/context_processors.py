import logging

from django.utils.functional import SimpleLazyObject

from . import selectors

logger = logging.getLogger(__name__)


def _count_or_nothing(user) -> int:
    # The badge is a courtesy: a page must render even when this count cannot be had.
    try:
        return selectors.offered_seat_count(user)
    except Exception:
        logger.exception("offered seat count failed")
        return 0


def offered_seats(request) -> dict:
    """`offered_seats`: how many offered seats wait for the signed-in resident's answer, for
    the badge in the nav. One query, made only when a template reads it; none for visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"offered_seats": 0}
    return {"offered_seats": SimpleLazyObject(lambda: _count_or_nothing(user))}
