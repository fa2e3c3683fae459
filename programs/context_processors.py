import logging

from django.utils.functional import SimpleLazyObject

from . import selectors

logger = logging.getLogger(__name__)


def _count_for(request) -> int:
    # The badge is a courtesy: a page must render even when this count cannot be had (the
    # 500 page, a database that has gone away).
    try:
        user = request.user
        if not user.is_authenticated:
            return 0
        return selectors.offered_seat_count(user)
    except Exception:
        logger.exception("the count of offered seats failed")
        return 0


def offered_seats(request) -> dict:
    """`offered_seats`: how many offered seats wait for the signed-in resident's answer, for
    the badge in the nav. One query, made only when a template reads it (the admin's pages
    never do); none for visitors."""
    return {"offered_seats": SimpleLazyObject(lambda: _count_for(request))}
