"""The REST API at /api/v1/: its contract (shapes, codes, statuses), not the booking rules,
which spaces/tests cover through the services."""

from datetime import time

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import path
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from conftest import at, make_user
from spaces.models import Booking, Closure, Compound, OpeningHours, Space
from spaces.services import booking_create

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"
ERROR_KEYS = {"code", "detail", "fields"}
SPACE_KEYS = {
    "id",
    "compound",
    "name",
    "kind",
    "access_mode",
    "capacity",
    "slot_minutes",
    "min_minutes",
    "max_minutes",
    "bookable_days_ahead",
}
BOOKING_KEYS = {
    "id",
    "space",
    "booked_by",
    "start",
    "end",
    "purpose",
    "attendees",
    "status",
    "reason",
    "created_at",
}


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert body["detail"]
    return body


def book(space, user, start, end, attendees=5):
    return booking_create(
        space=space, booked_by=user, start=start, end=end, purpose="广场舞排练", attendees=attendees
    )


def booking_body(space, start, end, **overrides) -> dict:
    body = {
        "space": space.pk,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "purpose": "广场舞排练",
        "attendees": 5,
    }
    return {**body, **overrides}


def post_booking(client, body):
    return client.post("/api/v1/bookings/", body, format="json")


def slots_of(response) -> dict[str, str]:
    assert response.status_code == 200, response.content
    return {slot["start"]: slot["state"] for slot in response.json()["slots"]}


# --- tokens ------------------------------------------------------------------------------


def test_a_resident_gets_a_token_with_their_username_and_it_authenticates(resident):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "ahua", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    assert response.json()["token"] == Token.objects.get(user=resident).key

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/bookings/").status_code == 200


def test_a_resident_gets_a_token_with_their_email_in_any_case(resident):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "AHUA@Example.COM", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=resident).key


def test_an_email_stored_in_mixed_case_still_signs_in(db):
    user = make_user("lihua", email="LiHua@Example.com")
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "lihua@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=user).key


def test_it_refuses_a_wrong_password_with_invalid_credentials(resident):
    for login in ("ahua", "ahua@example.com", "nobody"):
        response = APIClient().post(
            "/api/v1/auth/token/", {"username": login, "password": "wrong-password"}
        )
        body = error(response, 400, "invalid_credentials")
        assert body["fields"] == {}
    assert not Token.objects.exists()


def test_it_refuses_an_inactive_user_a_token(resident):
    resident.is_active = False
    resident.save()
    response = APIClient().post("/api/v1/auth/token/", {"username": "ahua", "password": PASSWORD})
    error(response, 400, "invalid_credentials")


def test_guessing_passwords_is_throttled_with_the_error_shape(resident, settings):
    # One guess per login, so only the per-address throttle can stop it (one login's own
    # failure limit: tests/test_logins_and_throttles.py).
    attempts = [
        APIClient().post("/api/v1/auth/token/", {"username": f"ahua{i}", "password": "guess"})
        for i in range(12)
    ]
    assert [r.status_code for r in attempts[:10]] == [400] * 10
    body = error(attempts[10], 429, "throttled")
    assert body["fields"] == {}


def test_it_refuses_a_token_request_without_credentials(db):
    body = error(APIClient().post("/api/v1/auth/token/", {}, format="json"), 400, "invalid")
    assert set(body["fields"]) == {"username", "password"}


def test_a_wrong_token_is_a_401_with_a_challenge(dance_room):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/spaces/")
    error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


# --- spaces ------------------------------------------------------------------------------


def test_the_spaces_list_shows_active_spaces_with_exactly_its_fields(dance_room, reading_room):
    Space.objects.create(
        compound=dance_room.compound, name="旧会议室", kind="meeting_room", capacity=8,
        is_active=False,
    )  # fmt: skip
    response = APIClient().get("/api/v1/spaces/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_name = {space["name"]: space for space in body["results"]}
    assert set(by_name) == {"舞蹈室", "阅览室"}
    for space in body["results"]:
        assert set(space) == SPACE_KEYS
    assert by_name["舞蹈室"] == {
        "id": dance_room.pk,
        "compound": {"id": dance_room.compound.pk, "name": "绿地香颂公馆"},
        "name": "舞蹈室",
        "kind": "dance_room",
        "access_mode": "bookable",
        "capacity": 20,
        "slot_minutes": 60,
        "min_minutes": 60,
        "max_minutes": 180,
        "bookable_days_ahead": 14,
    }
    assert by_name["阅览室"]["access_mode"] == "walk_in"


def test_a_space_detail_adds_description_equipment_and_opening_hours(dance_room):
    Space.objects.filter(pk=dance_room.pk).update(description="木地板", equipment="音响\n\n镜子\n")
    response = APIClient().get(f"/api/v1/spaces/{dance_room.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SPACE_KEYS | {"description", "equipment", "opening_hours"}
    assert body["description"] == "木地板"
    assert body["equipment"] == ["音响", "镜子"]
    assert len(body["opening_hours"]) == 14
    assert body["opening_hours"][0] == {"weekday": 0, "opens": "08:00", "closes": "12:00"}


def test_an_inactive_or_missing_space_is_not_found(dance_room):
    Space.objects.filter(pk=dance_room.pk).update(is_active=False)
    body = error(APIClient().get(f"/api/v1/spaces/{dance_room.pk}/"), 404, "not_found")
    assert body["fields"] == {}
    error(APIClient().get("/api/v1/spaces/999999/availability/"), 404, "not_found")


# --- availability ------------------------------------------------------------------------


def test_availability_lists_free_slots_of_one_day_in_community_time(frozen, dance_room):
    response = APIClient().get(f"/api/v1/spaces/{dance_room.pk}/availability/?date=2026-12-03")
    assert set(response.json()) == {"space", "slots"}
    assert response.json()["space"] == dance_room.pk
    first = response.json()["slots"][0]
    assert first == {
        "start": "2026-12-03T08:00:00+08:00",
        "end": "2026-12-03T09:00:00+08:00",
        "state": "free",
        "reason": "free",
        "note": "",
        "why": "可预约",
    }
    states = slots_of(response)
    assert len(states) == 4 + 8  # 08-12 and 14-22, hour by hour
    assert set(states.values()) == {"free"}


def test_availability_defaults_to_today_and_closes_what_can_no_longer_be_booked(frozen, dance_room):
    states = slots_of(APIClient().get(f"/api/v1/spaces/{dance_room.pk}/availability/"))
    # NOW is 09:00 with an hour's notice: 08:00 is past and 09:00 too soon; 10:00 is free.
    assert states["2026-12-01T08:00:00+08:00"] == "closed"
    assert states["2026-12-01T09:00:00+08:00"] == "closed"
    assert states["2026-12-01T10:00:00+08:00"] == "free"
    assert all(start.startswith("2026-12-01") for start in states)


def test_availability_spans_several_days(frozen, dance_room):
    url = f"/api/v1/spaces/{dance_room.pk}/availability/?date=2026-12-02&days=3"
    states = slots_of(APIClient().get(url))
    assert len(states) == 3 * 12
    assert {start[:10] for start in states} == {"2026-12-02", "2026-12-03", "2026-12-04"}


def test_a_booked_slot_shows_as_taken(frozen, dance_room, resident):
    book(dance_room, resident, at(1, 9), at(1, 11))
    url = f"/api/v1/spaces/{dance_room.pk}/availability/?date=2026-12-02"
    states = slots_of(APIClient().get(url))
    assert states["2026-12-02T08:00:00+08:00"] == "free"
    assert states["2026-12-02T09:00:00+08:00"] == "taken"
    assert states["2026-12-02T10:00:00+08:00"] == "taken"
    assert states["2026-12-02T11:00:00+08:00"] == "free"


def test_the_wednesday_evening_partner_window_shows_as_such(frozen, dance_room):
    url = f"/api/v1/spaces/{dance_room.pk}/availability/?date=2026-12-02"
    states = slots_of(APIClient().get(url))
    assert states["2026-12-02T17:00:00+08:00"] == "free"
    assert states["2026-12-02T18:00:00+08:00"] == "partner_window"
    assert states["2026-12-02T19:00:00+08:00"] == "partner_window"
    assert states["2026-12-02T20:00:00+08:00"] == "free"


def test_a_closure_shows_as_closed(frozen, dance_room):
    Closure.objects.create(space=dance_room, start=at(1, 14), end=at(1, 16), reason="地板维修")
    url = f"/api/v1/spaces/{dance_room.pk}/availability/?date=2026-12-02"
    states = slots_of(APIClient().get(url))
    assert states["2026-12-02T14:00:00+08:00"] == "closed"
    assert states["2026-12-02T15:00:00+08:00"] == "closed"
    assert states["2026-12-02T16:00:00+08:00"] == "free"


@pytest.mark.parametrize(
    "date", ["tomorrow", "2026-02-30", "2026-12-1x", "9999-12-31", "0001-01-01"]
)
def test_it_refuses_a_bad_availability_date(frozen, dance_room, date):
    url = f"/api/v1/spaces/{dance_room.pk}/availability/?date={date}"
    body = error(APIClient().get(url), 400, "invalid")
    assert list(body["fields"]) == ["date"]
    assert body["fields"]["date"]


@pytest.mark.parametrize("days", ["0", "32", "-1", "two", "1.5"])
def test_it_refuses_a_day_count_outside_one_to_thirty_one(frozen, dance_room, days):
    url = f"/api/v1/spaces/{dance_room.pk}/availability/?days={days}"
    body = error(APIClient().get(url), 400, "invalid")
    assert list(body["fields"]) == ["days"]


# --- creating bookings -------------------------------------------------------------------


def test_a_resident_requests_a_booking_and_it_waits_for_approval(frozen, dance_room, resident):
    response = post_booking(client_for(resident), booking_body(dance_room, at(1, 9), at(1, 11)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == BOOKING_KEYS
    booking = Booking.objects.get()
    assert body["id"] == booking.pk
    assert body["status"] == "pending"
    assert body["start"] == "2026-12-02T09:00:00+08:00"
    assert body["end"] == "2026-12-02T11:00:00+08:00"
    assert body["space"] == {
        "id": dance_room.pk,
        "name": "舞蹈室",
        "compound": {"id": dance_room.compound.pk, "name": "绿地香颂公馆"},
    }
    assert body["booked_by"] == resident.pk
    assert body["reason"] == ""
    assert body["created_at"].endswith("+08:00")
    assert (booking.booked_by, booking.start, booking.end) == (resident, at(1, 9), at(1, 11))


def test_a_time_without_an_offset_means_community_time(frozen, dance_room, resident):
    body = booking_body(dance_room, at(1, 9), at(1, 10))
    body.update(start="2026-12-02T09:00:00", end="2026-12-02T10:00")
    response = post_booking(client_for(resident), body)
    assert response.status_code == 201, response.content
    assert Booking.objects.get().start == at(1, 9)
    assert Booking.objects.get().end == at(1, 10)


def test_a_time_in_another_offset_is_converted_and_shown_in_community_time(
    frozen, dance_room, resident
):
    body = booking_body(dance_room, at(1, 9), at(1, 10))
    body.update(start="2026-12-02T01:00:00Z", end="2026-12-02T02:00:00+00:00")
    response = post_booking(client_for(resident), body)
    assert response.status_code == 201, response.content
    assert response.json()["start"] == "2026-12-02T09:00:00+08:00"
    assert Booking.objects.get().start == at(1, 9)


def test_the_booking_remembers_the_language_of_the_request(frozen, dance_room, resident):
    response = client_for(resident).post(
        "/api/v1/bookings/",
        booking_body(dance_room, at(1, 9), at(1, 10)),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201, response.content
    assert Booking.objects.get().language == "en"


def test_it_refuses_an_overlap_with_409_slot_taken(frozen, dance_room, resident, other_resident):
    book(dance_room, resident, at(1, 9), at(1, 11))
    response = post_booking(
        client_for(other_resident), booking_body(dance_room, at(1, 10), at(1, 12))
    )
    body = error(response, 409, "slot_taken")
    assert body["fields"] == {"start": [body["detail"]]}
    assert Booking.objects.count() == 1


def test_it_refuses_a_rule_breaking_request_with_the_rules_code_and_field(
    frozen, dance_room, resident
):
    client = client_for(resident)
    body = error(
        post_booking(client, booking_body(dance_room, at(1, 12), at(1, 13))), 400, "outside_hours"
    )
    assert body["detail"] == "所选时间不在开放时间内。"
    assert body["fields"] == {"start": ["所选时间不在开放时间内。"]}

    body = error(
        post_booking(client, booking_body(dance_room, at(1, 9), at(1, 10), attendees=21)),
        400,
        "over_capacity",
    )
    assert body["fields"] == {"attendees": ["人数超过容纳上限（20 人）。"]}

    body = error(
        post_booking(client, booking_body(dance_room, at(1, 9), at(1, 10), purpose="  ")),
        400,
        "purpose_required",
    )
    assert list(body["fields"]) == ["purpose"]
    assert not Booking.objects.exists()


def test_a_walk_in_room_refuses_bookings_by_the_services_rule(frozen, reading_room, resident):
    response = post_booking(client_for(resident), booking_body(reading_room, at(1, 9), at(1, 10)))
    assert error(response, 400, "space_not_bookable")["fields"] == {"space": [
        "这个服务阵地不接受预约（随时到访或已停用）。"
    ]}  # fmt: skip


def test_it_refuses_a_missing_space_as_a_field_error(frozen, dance_room, resident):
    body = {**booking_body(dance_room, at(1, 9), at(1, 10)), "space": 999999}
    response = post_booking(client_for(resident), body)
    assert list(error(response, 400, "space_not_bookable")["fields"]) == ["space"]


@pytest.mark.parametrize("space", [1e300, "1.5", -1, 2**70, "abc", None])
def test_it_refuses_a_space_id_that_is_not_a_sane_integer(frozen, dance_room, resident, space):
    body = {**booking_body(dance_room, at(1, 9), at(1, 10)), "space": space}
    assert list(error(post_booking(client_for(resident), body), 400, "invalid")["fields"]) == [
        "space"
    ]
    assert not Booking.objects.exists()


def test_an_absurd_page_size_or_offset_is_capped_not_a_500(frozen, dance_room, resident):
    client = client_for(resident)
    response = client.get("/api/v1/bookings/", {"limit": "9" * 30, "offset": "9" * 30})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_staff_without_the_booking_permission_cannot_decide_through_the_api(
    frozen, dance_room, resident
):
    booking = booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="x",
        attendees=1,
    )
    helper = make_user("helper")
    helper.is_staff = True  # staff, but not given spaces.change_booking
    helper.save()
    client = client_for(helper)
    assert client.get("/api/v1/bookings/").json()["count"] == 0
    assert client.post(f"/api/v1/bookings/{booking.pk}/approve/").status_code == 404


def test_it_refuses_an_unauthenticated_request_with_401(frozen, dance_room):
    response = post_booking(APIClient(), booking_body(dance_room, at(1, 9), at(1, 10)))
    body = error(response, 401, "not_authenticated")
    assert body["fields"] == {}
    assert response["WWW-Authenticate"] == "Token"
    error(APIClient().get("/api/v1/bookings/"), 401, "not_authenticated")
    assert not Booking.objects.exists()


def test_malformed_json_is_a_400_not_a_500(frozen, dance_room, resident):
    response = client_for(resident).post(
        "/api/v1/bookings/", data='{"space": 1, "start": ', content_type="application/json"
    )
    error(response, 400, "parse_error")


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"space": "abc"}, "space"),
        ({"space": {"id": 1}}, "space"),
        ({"start": "next tuesday"}, "start"),
        ({"start": 1764637200}, "start"),
        ({"start": "2026-12-02"}, "start"),
        ({"end": "2026-12-02T25:00:00"}, "end"),
        ({"end": "9999-12-31T23:00:00-10:00"}, "end"),
        ({"start": "0001-01-01T00:00:00+14:00"}, "start"),
        ({"attendees": "many"}, "attendees"),
        ({"attendees": [5]}, "attendees"),
        ({"purpose": "长" * 201}, "purpose"),
        ({"purpose": None}, "purpose"),
    ],
)
def test_wrong_types_are_a_400_with_the_field_named(frozen, dance_room, resident, overrides, field):
    response = post_booking(
        client_for(resident), {**booking_body(dance_room, at(1, 9), at(1, 10)), **overrides}
    )
    body = error(response, 400, "invalid")
    assert list(body["fields"]) == [field]
    assert all(isinstance(message, str) for message in body["fields"][field])
    assert not Booking.objects.exists()


def test_a_body_that_is_not_an_object_is_a_400(frozen, resident):
    response = post_booking(client_for(resident), [1, 2, 3])
    assert list(error(response, 400, "invalid")["fields"]) == ["non_field_errors"]


def test_session_auth_without_a_csrf_token_is_refused(frozen, dance_room, resident):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="ahua", password=PASSWORD)
    response = post_booking(client, booking_body(dance_room, at(1, 9), at(1, 10)))
    error(response, 403, "permission_denied")
    assert not Booking.objects.exists()


def test_token_auth_needs_no_csrf_token(frozen, dance_room, resident):
    client = token_client(resident)
    client.handler.enforce_csrf_checks = True
    response = post_booking(client, booking_body(dance_room, at(1, 9), at(1, 10)))
    assert response.status_code == 201, response.content


# --- reading bookings --------------------------------------------------------------------


@pytest.fixture
def meeting_room(db):
    compound = Compound.objects.create(name="碧桂园", position=1)
    space = Space.objects.create(
        compound=compound, name="会议室", kind="meeting_room", capacity=12, requires_approval=False
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(20))
    return space


@pytest.fixture
def many_bookings(frozen, dance_room, meeting_room, resident, other_resident, staff):
    """Eight bookings across users, rooms and compounds: enough for an N+1 to show."""
    mine = [book(dance_room, resident, at(day, 9), at(day, 10)) for day in (1, 2, 3)]
    theirs = [book(meeting_room, other_resident, at(day, 9), at(day, 10)) for day in (1, 2, 3)]
    staffs = [book(meeting_room, staff, at(day, 15), at(day, 16)) for day in (1, 2)]
    return {"mine": mine, "theirs": theirs, "staff": staffs}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {booking["id"] for booking in response.json()["results"]}


def test_a_resident_lists_only_their_own_bookings(many_bookings, resident):
    response = client_for(resident).get("/api/v1/bookings/")
    assert ids(response) == {b.pk for b in many_bookings["mine"]}
    assert response.json()["count"] == 3
    assert all(set(b) == BOOKING_KEYS for b in response.json()["results"])
    # Filters for staff do not widen a resident's view.
    other = many_bookings["theirs"][0].booked_by_id
    assert ids(client_for(resident).get(f"/api/v1/bookings/?user={other}")) == set()


def test_staff_list_every_booking_and_filter_them(
    many_bookings, staff, other_resident, meeting_room
):
    client = client_for(staff)
    everything = {b.pk for group in many_bookings.values() for b in group}
    assert ids(client.get("/api/v1/bookings/")) == everything
    assert ids(client.get(f"/api/v1/bookings/?user={other_resident.pk}")) == {
        b.pk for b in many_bookings["theirs"]
    }
    assert ids(client.get("/api/v1/bookings/?mine=1")) == {b.pk for b in many_bookings["staff"]}
    assert ids(client.get("/api/v1/bookings/?status=pending")) == {
        b.pk for b in many_bookings["mine"]
    }
    assert ids(client.get(f"/api/v1/bookings/?space={meeting_room.pk}&status=approved")) == {
        b.pk for b in many_bookings["theirs"] + many_bookings["staff"]
    }


def test_it_refuses_an_unknown_status_filter(many_bookings, staff):
    body = error(client_for(staff).get("/api/v1/bookings/?status=lost"), 400, "invalid")
    assert list(body["fields"]) == ["status"]


def test_the_booking_list_is_paginated(many_bookings, staff):
    body = client_for(staff).get("/api/v1/bookings/?limit=3").json()
    assert body["count"] == 8
    assert len(body["results"]) == 3
    assert body["next"]


def test_the_booking_list_costs_the_same_few_queries_however_many_bookings(
    many_bookings, staff, django_assert_max_num_queries
):
    client = token_client(staff)
    with django_assert_max_num_queries(3):  # token+user, count, page
        response = client.get("/api/v1/bookings/")
    assert len(response.json()["results"]) == 8
    assert {b["space"]["compound"]["name"] for b in response.json()["results"]} == {
        "绿地香颂公馆",
        "碧桂园",
    }


def test_the_spaces_list_costs_two_queries(
    dance_room, reading_room, meeting_room, django_assert_max_num_queries
):
    for number in range(5):
        compound = Compound.objects.create(name=f"小区{number}")
        Space.objects.create(compound=compound, name="活动室", kind="activity_room", capacity=5)
    with django_assert_max_num_queries(2):  # count, page
        response = APIClient().get("/api/v1/spaces/")
    assert response.json()["count"] == 8


def test_a_resident_sees_their_own_booking(many_bookings, resident):
    booking = many_bookings["mine"][0]
    response = client_for(resident).get(f"/api/v1/bookings/{booking.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == booking.pk


def test_a_resident_cannot_see_or_cancel_someone_elses_booking(many_bookings, resident):
    booking = many_bookings["theirs"][0]
    client = client_for(resident)
    assert error(client.get(f"/api/v1/bookings/{booking.pk}/"), 404, "not_found")["fields"] == {}
    error(client.post(f"/api/v1/bookings/{booking.pk}/cancel/"), 404, "not_found")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.APPROVED


def test_staff_see_anyones_booking(many_bookings, staff):
    booking = many_bookings["theirs"][0]
    assert client_for(staff).get(f"/api/v1/bookings/{booking.pk}/").status_code == 200


# --- deciding and cancelling -------------------------------------------------------------


@pytest.fixture
def pending(frozen, dance_room, resident):
    return book(dance_room, resident, at(1, 9), at(1, 11))


def test_a_resident_cannot_approve_or_reject(pending, resident):
    client = client_for(resident)
    body = error(client.post(f"/api/v1/bookings/{pending.pk}/approve/"), 403, "not_yours")
    assert body["fields"] == {}
    error(
        client.post(f"/api/v1/bookings/{pending.pk}/reject/", {"reason": "不行"}),
        403,
        "not_yours",
    )
    pending.refresh_from_db()
    assert pending.status == Booking.Status.PENDING


def test_staff_approve_a_pending_booking(pending, staff):
    response = client_for(staff).post(f"/api/v1/bookings/{pending.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (Booking.Status.APPROVED, staff)


def test_approving_twice_is_refused_with_not_pending(pending, staff):
    client = client_for(staff)
    client.post(f"/api/v1/bookings/{pending.pk}/approve/")
    response = client.post(f"/api/v1/bookings/{pending.pk}/approve/")
    assert error(response, 400, "not_pending")["fields"] == {}


def test_staff_must_give_a_reason_to_reject(pending, staff):
    client = client_for(staff)
    url = f"/api/v1/bookings/{pending.pk}/reject/"
    body = error(client.post(url, {}, format="json"), 400, "reason_required")
    assert body["fields"] == {"reason": [body["detail"]]}
    error(client.post(url, {"reason": "   "}, format="json"), 400, "reason_required")

    response = client.post(url, {"reason": "当天有社区活动"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reason"]) == ("rejected", "当天有社区活动")


def test_approving_a_missing_booking_is_not_found(db, staff):
    error(client_for(staff).post("/api/v1/bookings/999999/approve/"), 404, "not_found")


def test_an_anonymous_approval_is_a_401(pending):
    error(APIClient().post(f"/api/v1/bookings/{pending.pk}/approve/"), 401, "not_authenticated")


def test_a_resident_cancels_their_booking(pending, resident):
    client = client_for(resident)
    url = f"/api/v1/bookings/{pending.pk}/cancel/"
    response = client.post(url, {"reason": "临时有事"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["reason"]) == ("cancelled", "临时有事")
    assert error(client.post(url), 400, "not_active")["fields"] == {}


def test_staff_cancelling_someone_elses_booking_must_say_why(pending, staff):
    url = f"/api/v1/bookings/{pending.pk}/cancel/"
    error(client_for(staff).post(url), 400, "reason_required")
    response = client_for(staff).post(url, {"reason": "场地维修"})
    assert response.json()["status"] == "cancelled"


def test_a_started_booking_can_no_longer_be_cancelled(pending, resident, frozen):
    frozen.move_to(at(1, 10))
    error(
        client_for(resident).post(f"/api/v1/bookings/{pending.pk}/cancel/"), 400, "already_started"
    )


def test_an_unsupported_method_keeps_its_status_with_a_code(pending, resident):
    response = client_for(resident).delete(f"/api/v1/bookings/{pending.pk}/")
    error(response, 405, "method_not_allowed")


# --- the schema --------------------------------------------------------------------------


class _UndocumentedView(APIView):
    """No serializer, no extend_schema: drf-spectacular has to warn about it."""

    def get(self, request):
        return Response({})


# Only for the test below that proves the schema check can fail.
urlpatterns = [path("undocumented/", _UndocumentedView.as_view())]


@pytest.fixture
def generator_stats():
    GENERATOR_STATS.reset()
    yield GENERATOR_STATS
    GENERATOR_STATS.reset()


def test_the_openapi_schema_generates_without_warnings(generator_stats, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert not generator_stats
    schema = yaml.safe_load(out.read_text())
    assert {
        "/api/v1/auth/token/",
        "/api/v1/spaces/",
        "/api/v1/spaces/{id}/",
        "/api/v1/spaces/{id}/availability/",
        "/api/v1/bookings/",
        "/api/v1/bookings/{id}/",
        "/api/v1/bookings/{id}/cancel/",
        "/api/v1/bookings/{id}/approve/",
        "/api/v1/bookings/{id}/reject/",
    } <= set(schema["paths"])
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == ERROR_KEYS
    booking_post = schema["paths"]["/api/v1/bookings/"]["post"]["responses"]
    assert booking_post["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_the_schema_check_fails_on_a_warning(generator_stats, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "spectacular", "--fail-on-warn", "--urlconf", __name__, "--file", str(tmp_path / "x")
        )
