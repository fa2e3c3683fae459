"""The REST API, mounted at /api/v1/ (see lixiong/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from spaces import api as spaces_api

router = SimpleRouter()
router.register("spaces", spaces_api.SpaceViewSet, basename="api-space")
router.register("bookings", spaces_api.BookingViewSet, basename="api-booking")

urlpatterns: list = [
    path("auth/token/", spaces_api.TokenView.as_view(), name="api-auth-token"),
    *router.urls,
]
