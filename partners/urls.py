from django.urls import path

from . import views

urlpatterns = [
    # --- compliance and public pages ---
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
]
