from django.urls import path

from . import officer_views, views

urlpatterns = [
    # Residents
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/register/", views.activity_register, name="activity_register"),
    path("activities/<int:pk>/calendar.ics", views.activity_ics, name="activity_ics"),
    path("a/<str:code>/", views.activity_short, name="activity_short"),
    path("registrations/<int:pk>/ticket/", views.registration_ticket, name="registration_ticket"),
    path(
        "registrations/<int:pk>/<str:act>/",
        views.registration_act,
        name="registration_act",
    ),  # act: cancel | accept | decline
    path("me/activities/", views.my_activities, name="my_activities"),
    # Organisers (department officers; partners and associations later)
    path("organiser/", officer_views.dashboard, name="organiser_dashboard"),
    path("organiser/activities/new/", officer_views.activity_new, name="organiser_activity_new"),
    path(
        "organiser/activities/<int:pk>/edit/",
        officer_views.activity_edit,
        name="organiser_activity_edit",
    ),
    path(
        "organiser/activities/<int:pk>/cancel/",
        officer_views.activity_cancel,
        name="organiser_activity_cancel",
    ),
    path(
        "organiser/activities/<int:pk>/roster/",
        officer_views.roster,
        name="organiser_roster",
    ),
    path(
        "organiser/activities/<int:pk>/registrations.csv",
        officer_views.registrations_csv,
        name="organiser_registrations_csv",
    ),
    path("organiser/series/new/", officer_views.series_new, name="organiser_series_new"),
    path(
        "organiser/series/<int:pk>/",
        officer_views.series_detail,
        name="organiser_series_detail",
    ),
    path(
        "organiser/series/<int:pk>/edit/",
        officer_views.series_edit,
        name="organiser_series_edit",
    ),
    path(
        "organiser/series/<int:pk>/cancel/",
        officer_views.series_cancel,
        name="organiser_series_cancel",
    ),
    path("organiser/check-in/<str:token>/", officer_views.check_in, name="organiser_check_in"),
]
