from django.urls import path

from . import views

urlpatterns = [
    # --- admission ---
    path("partners/apply/", views.partner_apply, name="partner_apply"),
    path("partners/application/", views.partner_application, name="partner_application"),
    path(
        "partners/application/<int:pk>/licence/",
        views.application_licence,
        name="partner_application_licence",
    ),
]
