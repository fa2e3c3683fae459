"""GET /api/v1/availability/: every bookable room's slots for one day, for anyone, in a
constant number of queries."""

from datetime import time

import pytest
from rest_framework.test import APIClient

from conftest import at, book_directly
from spaces.models import Closure, Compound, OpeningHours, Space

pytestmark = pytest.mark.django_db

URL = "/api/v1/availability/"
WEDNESDAY = at(1, 0).date().isoformat()


def _by_hour(slots):
    return {int(slot["start"][11:13]): slot for slot in slots}


def test_every_bookable_room_comes_with_its_slots_and_their_reasons(
    frozen, dance_room, meeting_room, reading_room, resident, other_resident
):
    book_directly(dance_room, resident, at(1, 9))
    book_directly(dance_room, other_resident, at(1, 10))
    Closure.objects.create(space=meeting_room, start=at(1, 14), end=at(1, 16), reason="地板维修")
    client = APIClient()
    client.force_authenticate(resident)

    response = client.get(URL, {"date": WEDNESDAY})

    assert response.status_code == 200
    rooms = {room["name"]: room for room in response.json()}
    assert set(rooms) == {"舞蹈室", "会议室"}  # the walk-in reading room has no slots
    dance = rooms["舞蹈室"]
    assert dance["id"] == dance_room.pk and dance["compound"]["name"] == "绿地香颂公馆"
    slots = _by_hour(dance["slots"])
    assert (slots[9]["state"], slots[9]["reason"]) == ("taken", "mine")
    assert (slots[10]["reason"], slots[10]["note"]) == ("taken", "")
    assert (slots[18]["state"], slots[18]["note"]) == ("partner_window", "青少宫培训机构")
    assert slots[8]["start"] == f"{WEDNESDAY}T08:00:00+08:00"
    meeting = _by_hour(rooms["会议室"]["slots"])
    assert (meeting[14]["reason"], meeting[14]["why"]) == ("closure", "暂停开放：地板维修")


def test_anyone_may_read_it_and_nobody_elses_booking_is_mine(frozen, dance_room, resident):
    book_directly(dance_room, resident, at(1, 9))
    response = APIClient().get(URL, {"date": WEDNESDAY})
    assert response.status_code == 200
    assert _by_hour(response.json()[0]["slots"])[9]["reason"] == "taken"


def test_the_compound_filter_keeps_that_compounds_rooms(frozen, dance_room):
    other = Compound.objects.create(name="国华新都")
    Space.objects.create(compound=other, name="职工家", kind=Space.Kind.CLASSROOM, capacity=9)
    response = APIClient().get(URL, {"date": WEDNESDAY, "compound": other.pk})
    assert [room["name"] for room in response.json()] == ["职工家"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date": "2026-02-30"}, "date"),
        ({"date": "tomorrow"}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"compound": "abc"}, "compound"),
        ({"compound": "999999"}, "compound"),
        ({"compound": "9" * 30}, "compound"),
    ],
)
def test_a_bad_date_or_compound_is_a_400_naming_the_field(db, query, field):
    response = APIClient().get(URL, query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["fields"]


def _rooms(compound, first, n, resident):
    for i in range(first, first + n):
        room = Space.objects.create(
            compound=compound, name=f"活动室{i}", kind=Space.Kind.ACTIVITY_ROOM, capacity=10
        )
        OpeningHours.objects.create(space=room, weekday=2, opens=time(8), closes=time(22))
        book_directly(room, resident, at(1, 9 + i % 10))
        Closure.objects.create(space=room, start=at(1, 20), end=at(1, 21), reason="清洁")


def test_five_rooms_and_fifty_five_cost_the_same_queries(
    frozen, compound, resident, django_assert_num_queries
):
    client = APIClient()
    client.force_authenticate(resident)
    _rooms(compound, 0, 5, resident)
    with django_assert_num_queries(5):  # the rooms, then hours, windows, closures, bookings
        assert len(client.get(URL, {"date": WEDNESDAY}).json()) == 5
    _rooms(compound, 5, 50, resident)
    with django_assert_num_queries(6):  # ... and the compound asked for
        rooms = client.get(URL, {"date": WEDNESDAY, "compound": compound.pk}).json()
    assert len(rooms) == 55
    assert sum(slot["reason"] == "mine" for room in rooms for slot in room["slots"]) == 55
