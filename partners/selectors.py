"""Reads of the partners app that span models or decide who may see what."""

from .models import Application

# --- admission ---


def applications_of(user) -> list[Application]:
    """The applications `user` sent, newest first (with what the page shows)."""
    return list(
        Application.objects.filter(applicant=user)
        .select_related("compound", "partner")
        .order_by("-created_at")
    )


def application_licence_for(user, pk: int) -> Application | None:
    """The application whose licence `user` may open: their own, or any for staff who may view
    applications. Anyone else gets None (the view answers 404, as if it did not exist)."""
    if not user.is_authenticated:
        return None
    applications = Application.objects.all()
    if not (user.is_active and user.is_staff and user.has_perm("partners.view_application")):
        applications = applications.filter(applicant=user)
    return applications.filter(pk=pk).first()
