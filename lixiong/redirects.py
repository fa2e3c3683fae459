"""Where a form may send a person back to (its `next`)."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, data) -> str:
    """`data["next"]` when it is a path on this site, else "". Only a path: a bare word would
    pass Django's host check as a relative URL, and django.shortcuts.redirect() would then
    try to reverse it as a view name (a 500 for next=abc)."""
    target = data.get("next", "")
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def back_to(request, data, default: str) -> HttpResponseRedirect:
    """A redirect to the form's safe `next`, else to `default` (a path)."""
    return HttpResponseRedirect(safe_next(request, data) or default)
