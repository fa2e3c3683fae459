from django.urls import path

from . import staff_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("spaces/free/", views.free_rooms, name="free_rooms"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound_detail"),
    path("spaces/<int:pk>/", views.space_detail, name="space_detail"),
    path("spaces/<int:pk>/book/", views.booking_new, name="booking_new"),
    path("spaces/<int:pk>/qr/", views.space_qr, name="space_qr"),
    path("spaces/<int:pk>/checkin/", views.space_checkin, name="space_checkin"),
    path("spaces/<int:pk>/head-count/", views.space_head_count, name="space_head_count"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("staff/day/", staff_views.day_board, name="staff_day"),
    path("staff/day/bookings/<int:pk>/", staff_views.board_decide, name="staff_day_decide"),
]
