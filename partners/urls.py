from django.urls import path

from . import views

urlpatterns = [
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("partner/revenue/", views.partner_revenue, name="partner_revenue"),
    path("partner/revenue/<str:month>/", views.partner_revenue_month, name="partner_revenue_month"),
    path("staff/fund/", views.staff_fund, name="staff_fund"),
    path("staff/fund/record/<str:kind>/", views.staff_fund_record, name="staff_fund_record"),
    path(
        "staff/fund/entries/<int:pk>/reverse/", views.staff_fund_reverse, name="staff_fund_reverse"
    ),
    path(
        "staff/fund/reports/<int:pk>/correct/",
        views.staff_report_correct,
        name="staff_report_correct",
    ),
    path("staff/fund/ledger.<str:fmt>", views.staff_fund_export, name="staff_fund_export"),
    path("partners/apply/", views.partner_apply, name="partner_apply"),
    path("partners/application/", views.partner_application, name="partner_application"),
    path(
        "partners/application/<int:pk>/licence/",
        views.application_licence,
        name="partner_application_licence",
    ),
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
