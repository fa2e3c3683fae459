"""/spaces/free/ (find a free room) and GET /api/v1/spaces/free/: what residents and programs
see. Whether a room is free is spaces/tests/test_free_rooms.py's business (the same rules as
booking); these test the page, the link to the booking form and the API's contract."""

from datetime import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import at
from residents.models import Profile
from spaces.models import Booking, Compound, OpeningHours, Space

pytestmark = pytest.mark.django_db

TOMORROW = at(1, 0).date().isoformat()  # Wednesday 2 December 2026
EVENING = {"date": TOMORROW, "start": "19:00", "minutes": "90", "attendees": "8"}


@pytest.fixture
def elders_room(db):
    """Half-hour slots, open every evening: "tomorrow 19:00, 90 minutes, 8 people" fits."""
    compound = Compound.objects.create(name="领地·海纳君庭", position=5)
    space = Space.objects.create(
        compound=compound,
        name="长者活动室",
        kind=Space.Kind.ACTIVITY_ROOM,
        capacity=40,
        slot_minutes=30,
        min_minutes=60,
        max_minutes=180,
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(14), closes=time(21))
    return space


@pytest.fixture
def green_room(compound):
    """In 绿地香颂公馆 (the `compound` fixture), like the elders' room."""
    space = Space.objects.create(
        compound=compound,
        name="妇儿成长基地活动室",
        kind=Space.Kind.ACTIVITY_ROOM,
        capacity=30,
        slot_minutes=30,
        min_minutes=60,
        max_minutes=180,
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(14), closes=time(21))
    return space


def lives_in(user, compound):
    Profile.objects.create(user=user, display_name="阿华", compound=compound)
    return user


def search(client, language=None, **params):
    headers = {"accept-language": language} if language else {}
    return client.get(reverse("free_rooms"), {**EVENING, **params}, headers=headers)


def room_names(response) -> list[str]:
    return [room.name for room in response.context["rooms"]]


# --- the page ----------------------------------------------------------------------------


def test_the_search_page_opens_with_sensible_defaults_and_no_results(client, frozen):
    response = client.get(reverse("free_rooms"))
    assert response.status_code == 200
    form = response.context["form"]
    # Tuesday 09:00: noon today is two hours' notice or more, on the hour; an hour; one person.
    assert form.initial["date"] == at(0, 0).date()
    assert form.initial["start"] == "12:00"
    assert form.initial["minutes"] == 60 and form.initial["attendees"] == 1
    assert "rooms" not in response.context
    assert 'name="attendees"' in response.content.decode()


def test_late_in_the_evening_the_search_starts_tomorrow_morning(client, time_machine):
    time_machine.move_to(at(0, 19), tick=False)
    form = client.get(reverse("free_rooms")).context["form"]
    assert form.initial["date"] == at(1, 0).date() and form.initial["start"] == "09:00"


def test_the_nav_and_the_home_page_link_to_the_search(client, db):
    html = client.get(reverse("home")).content.decode()
    assert html.count(f'href="{reverse("free_rooms")}"') == 2


def test_a_resident_sees_rooms_of_their_own_compound_first(
    client, frozen, resident, compound, green_room, elders_room, dance_room
):
    # Created in the other order, and 领地·海纳君庭's own position is later: the profile decides.
    lives_in(resident, elders_room.compound)
    client.force_login(resident)
    response = search(client)
    # The dance room is the partner's on Wednesday evenings, and its slots are an hour long.
    assert room_names(response) == ["长者活动室", "妇儿成长基地活动室"]
    html = response.content.decode()
    assert html.index("长者活动室") < html.index("妇儿成长基地活动室")
    assert "您的小区" in html
    assert "找到 2 个空闲场地" in html
    # The compound list starts with theirs, after "all compounds".
    options = [str(label) for _, label in response.context["form"].fields["compound"].choices]
    assert options[:2] == ["所有小区", "领地·海纳君庭"]


def test_the_book_link_opens_the_booking_form_with_the_time_length_and_people_filled_in(
    client, frozen, resident, elders_room
):
    client.force_login(resident)
    response = search(client)
    html = response.content.decode()
    link = response.context["rooms"][0].book_url
    assert link.replace("&", "&amp;") in html
    url = urlsplit(link)
    assert url.path == reverse("booking_new", args=[elders_room.pk])
    assert parse_qs(url.query) == {
        "start": [f"{TOMORROW}T19:00"],
        "minutes": ["90"],
        "attendees": ["8"],
    }

    form = client.get(link).context["form"]
    assert form.initial["duration"] == 90 and form.initial["attendees"] == 8
    page = client.get(link).content.decode()
    assert f'value="{TOMORROW}T19:00"' in page
    assert '<option value="90" selected>' in page

    # One more tap: the purpose, and it is booked for exactly that time.
    response = client.post(
        link,
        {"start": f"{TOMORROW}T19:00", "duration": "90", "attendees": "8", "purpose": "合唱排练"},
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.space, booking.start, booking.end) == (elders_room, at(1, 19), at(1, 20, 30))


@pytest.mark.parametrize(
    "query",
    [
        "minutes=45&attendees=abc",  # off the room's 30-minute grid of 60-180; not a number
        "minutes=600&attendees=41",  # longer than the room allows; more than it holds
        "minutes=-90&attendees=0",
        "minutes=%EF%BC%99%EF%BC%90&attendees=1e3",  # full-width digits, an exponent
        "minutes=99999999999999999999&attendees=99999999999999999999",
    ],
)
def test_bad_values_in_a_booking_link_just_leave_the_defaults(
    client, frozen, resident, elders_room, query
):
    client.force_login(resident)
    response = client.get(f"{reverse('booking_new', args=[elders_room.pk])}?{query}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["duration"] == 60 and form.initial["attendees"] == 1


def test_when_nothing_is_free_the_page_says_so_and_suggests_other_searches(
    client, frozen, resident, elders_room
):
    client.force_login(resident)
    response = search(client, attendees="41", compound=str(elders_room.compound.pk))
    html = response.content.decode()
    assert response.context["rooms"] == []
    assert "这个时间没有空闲的场地" in html
    labels = [str(label) for label, _ in response.context["suggestions"]]
    assert labels == [
        "看看所有小区",
        "缩短为 1 小时",
        "提前 1 小时",
        "推后 1 小时",
        "第二天同一时间",
    ]
    later = dict(response.context["suggestions"])["推后 1 小时"]
    assert parse_qs(urlsplit(later).query)["start"] == ["20:00"]
    # Each suggestion is a search that runs (here, still too many people).
    assert client.get(later).status_code == 200


def test_a_resident_at_the_limit_is_told_why_nothing_can_be_booked(
    client, frozen, resident, elders_room, settings
):
    settings.LIXIONG_MAX_ACTIVE_BOOKINGS = 1
    Booking.objects.create(
        space=elders_room,
        booked_by=resident,
        purpose="排练",
        attendees=5,
        start=at(3, 15),
        end=at(3, 16),
    )
    client.force_login(resident)
    html = search(client).content.decode()
    assert "您已有 1 个未结束的预约" in html
    assert "预约" in html and reverse("my_bookings") in html


def test_a_visitor_who_is_not_signed_in_can_search_and_is_asked_to_sign_in_to_book(
    client, frozen, elders_room
):
    response = search(client)
    assert room_names(response) == ["长者活动室"]
    booking = client.get(response.context["rooms"][0].book_url)
    assert booking.status_code == 302 and reverse("account_login") in booking["Location"]


INVALID_SEARCHES = [
    # (params, field, Chinese message, English message)
    ({"date": "2026-11-30"}, "start", "这个时间已经过去", "That time has passed"),
    (
        {"start": "08:00", "date": at(0, 0).date().isoformat()},
        "start",
        "这个时间已经过去",
        "That time has passed",
    ),
    ({"date": "2026-02-30"}, "date", "请输入有效的日期", "Enter a real date"),
    ({"date": "9999-12-31"}, "date", "只能查找一年以内的日期", "within a year"),
    ({"attendees": "0"}, "attendees", "人数至少为 1", "at least 1"),
    ({"attendees": "八"}, "attendees", "人数请填写数字", "as a number"),
    ({"minutes": "abc"}, "minutes", "请从列表中选择时长", "Choose a length"),
    ({"start": "19:15"}, "start", "整点或半点", "on the hour or half hour"),
    ({"compound": "999999"}, "compound", "没有这个小区", "No such compound"),
]


@pytest.mark.parametrize("params, field, zh, en", INVALID_SEARCHES)
def test_an_invalid_search_says_what_to_fix_in_chinese_and_in_english(
    client, frozen, elders_room, params, field, zh, en
):
    response = search(client, **params)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    html = response.content.decode()
    assert zh in html and "查找条件有误" in html
    assert "rooms" not in response.context

    english = search(client, "en", **params).content.decode()
    assert en in english, english[english.find("errorlist") - 200 :][:600]


def test_a_nul_byte_in_the_search_gets_the_portals_400_page_not_a_500(client, frozen):
    response = search(client, attendees="\x00")
    assert response.status_code == 400
    assert "<html" in response.content.decode()


def test_the_search_page_costs_the_same_queries_for_thirty_rooms(
    client, frozen, resident, compound, django_assert_max_num_queries
):
    lives_in(resident, compound)
    client.force_login(resident)
    for i in range(32):
        space = Space.objects.create(
            compound=compound,
            name=f"活动室{i}",
            kind=Space.Kind.ACTIVITY_ROOM,
            capacity=20,
            slot_minutes=30,
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(space=space, weekday=d, opens=time(14), closes=time(22)) for d in range(7)
        )
    # Session and user, the profile, the kinds on offer, the compounds (choices and the
    # chosen one), and free_rooms' five (rooms, hours, windows, closures, bookings) and limit.
    # 12 for the search, plus the nav's offered-seat badge on every signed-in page.
    with django_assert_max_num_queries(13):
        response = search(client)
    assert len(response.context["rooms"]) == 32


# --- the API -----------------------------------------------------------------------------

ERROR_KEYS = {"code", "detail", "fields"}


def api(user=None, **params):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get("/api/v1/spaces/free/", {**EVENING, **params}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_api_lists_the_free_rooms_with_the_time_to_book(frozen, green_room, elders_room):
    response = api()
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start"] == f"{TOMORROW}T19:00:00+08:00"
    assert body["end"] == f"{TOMORROW}T20:30:00+08:00"
    assert body["attendees"] == 8
    assert [s["name"] for s in body["spaces"]] == ["妇儿成长基地活动室", "长者活动室"]
    assert set(body["spaces"][0]) >= {
        "id",
        "compound",
        "name",
        "kind",
        "capacity",
        "in_home_compound",
    }


def test_a_room_the_api_offers_can_be_booked_with_the_times_it_gives(
    frozen, resident, green_room, elders_room
):
    client = APIClient()
    client.force_authenticate(resident)
    body = api(resident).json()
    space = body["spaces"][0]
    posted = client.post(
        "/api/v1/bookings/",
        {
            "space": space["id"],
            "start": body["start"],
            "end": body["end"],
            "purpose": "合唱排练",
            "attendees": body["attendees"],
        },
        format="json",
    )
    assert posted.status_code == 201, posted.content
    # Now taken: the same search no longer offers it.
    assert space["id"] not in [s["id"] for s in api(resident).json()["spaces"]]


def test_the_api_puts_the_residents_compound_first_and_filters_by_kind_and_compound(
    frozen, resident, green_room, elders_room, meeting_room
):
    lives_in(resident, elders_room.compound)
    # An hour: the meeting room's slots are an hour long.
    spaces = api(resident, minutes="60").json()["spaces"]
    assert spaces[0]["id"] == elders_room.pk and spaces[0]["in_home_compound"] is True
    assert all(not s["in_home_compound"] for s in spaces[1:])
    meetings = api(resident, minutes="60", kind="meeting_room").json()["spaces"]
    assert [s["id"] for s in meetings] == [meeting_room.pk]
    in_green = api(resident, minutes="60", compound=green_room.compound.pk, kind="")
    in_green = in_green.json()["spaces"]
    assert {s["id"] for s in in_green} == {green_room.pk, meeting_room.pk}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date": ""}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"start": "7pm"}, "start"),
        ({"start": "08:00", "date": "2026-12-01"}, "start"),  # earlier today: passed
        ({"minutes": "abc"}, "minutes"),
        ({"minutes": "0"}, "minutes"),
        ({"minutes": "100000000000000000000"}, "minutes"),
        ({"attendees": "0"}, "attendees"),
        ({"attendees": "1.5"}, "attendees"),
        ({"kind": "ballroom"}, "kind"),
        ({"compound": "999999"}, "compound"),
        ({"compound": "-1"}, "compound"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(frozen, elders_room, params, field):
    response = api(**params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS and body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert body["fields"][field][0]


def test_a_missing_parameter_is_a_400_too(frozen, elders_room):
    response = APIClient().get("/api/v1/spaces/free/", {"date": TOMORROW})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"start", "minutes", "attendees"}


def test_a_resident_at_the_limit_gets_the_booking_limit_code(
    frozen, resident, elders_room, settings
):
    settings.LIXIONG_MAX_ACTIVE_BOOKINGS = 1
    Booking.objects.create(
        space=elders_room,
        booked_by=resident,
        purpose="排练",
        attendees=5,
        start=at(3, 15),
        end=at(3, 16),
    )
    response = api(resident)
    assert response.status_code == 400
    assert response.json()["code"] == "booking_limit"
    assert "open bookings" in response.json()["detail"]
    # Anonymous callers have no personal limit.
    assert [s["id"] for s in api().json()["spaces"]] == [elders_room.pk]
