import re
from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import at
from spaces.models import Booking, Closure, Visit
from spaces.services import booking_create

pytestmark = pytest.mark.django_db


def booked(space, user, day, hour, hours=1):
    return booking_create(
        space=space,
        booked_by=user,
        start=at(day, hour),
        end=at(day, hour + hours),
        purpose="排练",
        attendees=4,
    )


@pytest.mark.parametrize("language, word", [("zh-hans", "一周时段"), ("en", "The week's slots")])
def test_the_space_page_speaks_the_chosen_language(client, frozen, dance_room, language, word):
    client.cookies["django_language"] = language
    response = client.get(reverse("space_detail", args=[dance_room.pk]))
    assert response.status_code == 200
    assert word in response.content.decode()


def test_a_compound_page_lists_its_rooms_and_says_whether_a_reading_room_is_open(
    client, frozen, dance_room, reading_room
):
    url = reverse("compound_detail", args=[dance_room.compound_id])
    assert f'href="{url}"' in client.get("/").content.decode()
    page = client.get(url).content.decode()
    assert "绿地香颂公馆" in page and "舞蹈室" in page and "阅览室" in page
    assert "现在开放" in page  # 09:00, the reading room opens at 08:00
    Closure.objects.create(
        space=reading_room,
        start=at(0, 8),
        end=at(0, 12),
        reason="消杀",
    )
    assert "现在关闭" in client.get(url).content.decode()


def test_the_week_shows_free_taken_and_partner_window_slots(client, frozen, dance_room, resident):
    booked(dance_room, resident, 1, 9)
    page = client.get(reverse("space_detail", args=[dance_room.pk])).content.decode()
    assert 'class="slot taken"' in page
    assert 'class="slot partner_window"' in page
    assert 'class="slot free"' in page
    assert "?start=2026-12-02T10%3A00%3A00%2B08%3A00" in page


def test_a_bad_week_parameter_shows_this_week(client, frozen, dance_room):
    response = client.get(reverse("space_detail", args=[dance_room.pk]), {"week": "garbage"})
    assert response.status_code == 200
    assert "2026-11-30" in response.content.decode()


def test_previous_and_next_week_load_as_an_htmx_fragment(client, frozen, dance_room):
    response = client.get(
        reverse("space_detail", args=[dance_room.pk]),
        {"week": "2026-12-07"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "<html" not in page
    assert "2026-12-07" in page and "2026-12-13" in page


def test_the_space_week_page_has_a_fixed_number_of_queries(
    client, frozen, dance_room, resident, other_resident, django_assert_max_num_queries
):
    for day in range(1, 4):
        booked(dance_room, resident if day % 2 else other_resident, day, 9)
    with django_assert_max_num_queries(8):
        client.get(reverse("space_detail", args=[dance_room.pk]))


def test_the_home_page_has_a_fixed_number_of_queries(
    client, frozen, dance_room, reading_room, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5):
        client.get("/")


def test_a_resident_books_through_the_form_and_lands_on_my_bookings(
    client, frozen, dance_room, resident
):
    client.force_login(resident)
    url = reverse("booking_new", args=[dance_room.pk])
    form = client.get(url, {"start": "2026-12-02T10:00:00+08:00"}).content.decode()
    assert 'value="2026-12-02T10:00"' in form
    response = client.post(
        url, {"start": "2026-12-02T10:00", "duration": 120, "attendees": 6, "purpose": "舞蹈"}
    )
    assert response.status_code == 302 and response.url == reverse("my_bookings")
    booking = Booking.objects.get()
    assert (booking.start, booking.end) == (at(1, 10), at(1, 12))
    page = client.get(reverse("my_bookings")).content.decode()
    assert "待审批" in page


def test_a_refused_booking_shows_the_reason_on_the_form_and_saves_nothing(
    client, frozen, dance_room, resident
):
    client.force_login(resident)
    response = client.post(
        reverse("booking_new", args=[dance_room.pk]),
        {"start": "2026-12-02T19:00", "duration": 60, "attendees": 6, "purpose": "舞蹈"},
    )
    assert response.status_code == 200
    assert "机构错峰使用时段" in response.content.decode()
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"start": "not a time", "duration": 60, "attendees": 1, "purpose": "x"},
        {"start": "2026-12-02T10:00", "duration": 7, "attendees": 1, "purpose": "x"},
        {"start": "2026-12-02T10:00", "duration": 60, "attendees": -3, "purpose": "x"},
        {"start": "2026-12-02T10:00", "duration": 60, "attendees": "many", "purpose": ""},
        {},
    ],
)
def test_garbage_in_the_booking_form_gets_a_message_not_a_500(
    client, frozen, dance_room, resident, data
):
    client.force_login(resident)
    response = client.post(reverse("booking_new", args=[dance_room.pk]), data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert Booking.objects.count() == 0


def test_booking_asks_for_a_login_first(client, frozen, dance_room):
    response = client.get(reverse("booking_new", args=[dance_room.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_resident_cancels_with_a_reason_from_my_bookings(client, frozen, dance_room, resident):
    booking = booked(dance_room, resident, 1, 9)
    client.force_login(resident)
    response = client.post(reverse("booking_cancel", args=[booking.pk]), {"reason": "下雨"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.reason == "下雨"


def test_a_resident_cannot_open_someone_elses_booking(
    client, frozen, dance_room, resident, other_resident
):
    booking = booked(dance_room, resident, 1, 9)
    client.force_login(other_resident)
    assert client.post(reverse("booking_cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.is_active


def test_cancelling_after_the_start_is_refused_with_a_message(client, frozen, dance_room, resident):
    booking = booked(dance_room, resident, 1, 9)
    frozen.shift(timedelta(days=1, hours=1))
    client.force_login(resident)
    response = client.post(reverse("booking_cancel", args=[booking.pk]), follow=True)
    assert "预约已开始，不能再取消" in response.content.decode()


def test_my_bookings_has_a_fixed_number_of_queries(
    client, frozen, dance_room, resident, django_assert_max_num_queries
):
    for day in range(1, 4):
        booked(dance_room, resident, day, 9)
    client.force_login(resident)
    with django_assert_max_num_queries(6):
        client.get(reverse("my_bookings"))


def test_a_resident_checks_in_at_a_reading_room_once(client, frozen, reading_room, resident):
    client.force_login(resident)
    url = reverse("space_checkin", args=[reading_room.pk])
    client.post(url)
    client.post(url)  # a second scan within the hour is the same visit
    assert Visit.objects.filter(space=reading_room, visitor=resident).count() == 1
    page = client.get(reverse("space_detail", args=[reading_room.pk])).content.decode()
    assert '<span class="big-number">1</span>' in page


def test_checking_in_outside_opening_hours_is_refused(client, frozen, reading_room, resident):
    frozen.shift(timedelta(hours=13))  # 22:00
    client.force_login(resident)
    response = client.post(reverse("space_checkin", args=[reading_room.pk]), follow=True)
    assert "现在不在开放时间内" in response.content.decode()
    assert Visit.objects.count() == 0


def test_staff_enter_a_head_count_and_bad_numbers_are_refused(
    client, frozen, reading_room, staff, resident
):
    client.force_login(staff)
    url = reverse("space_head_count", args=[reading_room.pk])
    client.post(url, {"head_count": 7})
    response = client.post(url, {"head_count": "-1"}, follow=True)
    assert response.status_code == 200
    assert Visit.objects.get().head_count == 7
    client.force_login(resident)
    assert client.post(url, {"head_count": 3}).status_code == 403  # needs spaces.add_visit
    assert Visit.objects.count() == 1


def test_the_qr_poster_links_to_the_check_in_page(client, frozen, reading_room):
    page = client.get(reverse("space_qr", args=[reading_room.pk])).content.decode()
    assert "<svg" in page
    assert f"/spaces/{reading_room.pk}/checkin/" in page


def test_a_resident_keeps_a_profile(client, resident, compound):
    client.force_login(resident)
    response = client.post(
        reverse("profile"),
        {
            "display_name": "阿华",
            "phone": "13800000001",
            "compound": compound.pk,
            "building_unit": "3栋2单元",
        },
    )
    assert response.status_code == 302
    resident.profile.refresh_from_db()
    assert resident.profile.compound == compound


def test_an_unknown_space_is_a_404(client, db):
    assert client.get("/spaces/999999/").status_code == 404


def test_healthz_reports_the_database_and_the_broker(client, db, settings):
    settings.REDIS_URL = ""
    assert client.get("/healthz").json() == {
        "database": "ok",
        "broker": "eager",
        "status": "ok",
    }


def test_healthz_checks_the_real_broker_when_one_is_configured(client, db, settings):
    import os

    settings.REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    assert client.get("/healthz").json()["broker"] == "ok"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert client.get("/healthz").json()["status"] == "degraded"


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    monkeypatch.setattr("lixiong.views._database_state", lambda: "down")
    assert client.get("/healthz").status_code == 503


def test_an_unknown_api_address_answers_in_the_api_error_shape(client, db, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_page_is_a_friendly_404(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_resident_signs_up_with_an_email_and_no_username_then_fills_the_profile(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after commit
        response = client.post(
            reverse("account_signup"),
            {
                "email": "newcomer@example.com",
                "password1": "a-long-pass-2026",
                "password2": "a-long-pass-2026",
            },
        )
    # Email verification is mandatory: the link in the mail signs the newcomer in.
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    from django.contrib.auth import get_user_model
    from django.core import mail

    assert get_user_model().objects.filter(email="newcomer@example.com").exists()
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    response = client.post(link.group(1))
    assert response.status_code == 302 and response.url == reverse("profile")
    assert client.get(reverse("profile")).status_code == 200


def test_the_language_switcher_changes_the_interface_language(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Lixiong Community Spaces" in response.content.decode()
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)
    assert "沥雄社区服务阵地" in response.content.decode()


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-27", "2026-13-01"])
def test_a_week_at_the_ends_of_the_calendar_shows_this_week(client, frozen, dance_room, week):
    response = client.get(reverse("space_detail", args=[dance_room.pk]), {"week": week})
    assert response.status_code == 200
    assert "2026-11-30" in response.content.decode()


@pytest.mark.parametrize("start", ["0001-01-01T00:00+14:00", "nonsense", "2026-12-02T10:00"])
def test_a_bad_start_link_leaves_the_booking_form_usable(
    client, frozen, dance_room, resident, start
):
    client.force_login(resident)
    response = client.get(reverse("booking_new", args=[dance_room.pk]), {"start": start})
    assert response.status_code == 200


def test_a_naive_start_link_means_community_time(client, frozen, dance_room, resident):
    client.force_login(resident)
    page = client.get(reverse("booking_new", args=[dance_room.pk]), {"start": "2026-12-02T10:00"})
    assert 'value="2026-12-02T10:00"' in page.content.decode()


def test_a_start_at_the_end_of_time_is_a_form_error(client, frozen, dance_room, resident):
    client.force_login(resident)
    response = client.post(
        reverse("booking_new", args=[dance_room.pk]),
        {"start": "9999-12-31T23:30", "duration": 60, "attendees": 1, "purpose": "x"},
    )
    assert response.status_code == 200
    assert Booking.objects.count() == 0
