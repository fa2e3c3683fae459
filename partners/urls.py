from django.urls import path

from . import views

urlpatterns = [
    # --- partner portal ---
    path("partner/", views.portal, name="partner_portal"),
    path(
        "partner/classes/new/",
        views.post_activity,
        {"kind": "class"},
        name="partner_class_new",
    ),
    path(
        "partner/welfare/new/",
        views.post_activity,
        {"kind": "welfare"},
        name="partner_welfare_new",
    ),
    path("partner/series/new/", views.post_series, name="partner_series_new"),
    path("partner/activities/<int:pk>/payments/", views.payments, name="partner_payments"),
    path("partner/registrations/<int:pk>/paid/", views.mark_paid, name="partner_mark_paid"),
]
