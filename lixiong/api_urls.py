"""The REST API, mounted at /api/v1/ (see lixiong/urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from partners import api as partners_api
from programs import api as programs_api
from spaces import api as spaces_api

router = SimpleRouter()
router.register("spaces", spaces_api.SpaceViewSet, basename="api-space")
router.register("bookings", spaces_api.BookingViewSet, basename="api-booking")
router.register("activities", programs_api.ActivityViewSet, basename="api-activity")
router.register("registrations", programs_api.RegistrationViewSet, basename="api-registration")

urlpatterns: list = [
    path("auth/token/", spaces_api.TokenView.as_view(), name="api-auth-token"),
    path("availability/", spaces_api.DayAvailabilityView.as_view(), name="api-availability"),
    path("partners/", partners_api.PublicPartnerList.as_view(), name="api-partners"),
    path(
        "partner/compliance/",
        partners_api.OwnComplianceList.as_view(),
        name="api-partner-compliance",
    ),
    path(
        "partner/revenue-reports/",
        partners_api.PartnerRevenueReportView.as_view(),
        name="api-partner-revenue-reports",
    ),
    path(
        "partner/activities/",
        partners_api.PartnerActivitiesView.as_view(),
        name="api-partner-activities",
    ),
    *router.urls,
]
