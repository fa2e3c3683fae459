"""The pending count beside the staff's links (portal nav, admin index)."""

from django import template

from spaces import selectors, services

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_requests(context) -> int | None:
    """How many requests wait, for someone who may decide on them; None for everyone else.
    Not cached: it must be right the moment after an approval, and it is one COUNT on the
    (status, start) index."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not services.can_decide(user):
        return None
    return selectors.pending_requests_count()
