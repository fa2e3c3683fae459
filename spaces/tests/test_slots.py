"""Every slot a resident sees says whether it can be booked and, if not, why."""

from datetime import time, timedelta

import pytest
from django.utils import translation

from conftest import NOW, at, book_directly, make_user
from spaces import selectors
from spaces.models import Booking, Closure, OpeningHours, Space


def _by_hour(slots):
    return {slot.start.astimezone(at(0, 0).tzinfo).hour: slot for slot in slots}


@pytest.mark.django_db
def test_each_unavailable_slot_says_why_it_cannot_be_booked(
    frozen, dance_room, resident, make_activity
):
    neighbour = make_user("laozhang")
    mine = book_directly(dance_room, resident, at(1, 8))
    book_directly(dance_room, neighbour, at(1, 9), purpose="私事")
    make_activity(day_offset=1, hour=10, hours=1, title="社区合唱排练")  # published
    Closure.objects.create(space=dance_room, start=at(1, 14), end=at(1, 16), reason="地板维修")

    slots = _by_hour(
        selectors.space_slots(space=dance_room, first_day=at(1, 0).date(), days=1, viewer=resident)
    )

    assert (slots[8].state, slots[8].reason, slots[8].booking_id) == ("taken", "mine", mine.pk)
    assert (slots[9].state, slots[9].reason, slots[9].note) == ("taken", "taken", "")
    assert (slots[10].reason, slots[10].note) == ("activity", "社区合唱排练")
    assert (slots[14].state, slots[14].reason, slots[14].note) == ("closed", "closure", "地板维修")
    assert slots[16].is_free
    with translation.override("zh-hans"):
        assert slots[8].why == "您的预约"
        assert slots[9].why == "已被预约"
        assert slots[10].why == "活动：社区合唱排练"
        assert slots[14].why == "暂停开放：地板维修"
    with translation.override("en"):
        assert slots[8].why == "Your booking"
        assert slots[14].why == "Closed: 地板维修"


@pytest.mark.django_db
def test_a_neighbours_booking_is_taken_for_everyone_else_and_never_shows_its_purpose(
    frozen, dance_room, resident
):
    book_directly(dance_room, resident, at(1, 8), purpose="家庭聚会")
    for viewer in (None, make_user("laozhang")):
        slot = _by_hour(
            selectors.space_slots(
                space=dance_room, first_day=at(1, 0).date(), days=1, viewer=viewer
            )
        )[8]
        assert (slot.reason, slot.note, slot.booking_id) == ("taken", "", None)


@pytest.mark.django_db
def test_time_rules_say_past_too_soon_and_beyond_the_booking_window(frozen, dance_room):
    today = _by_hour(selectors.space_slots(space=dance_room, first_day=NOW.date(), days=1))
    assert today[8].reason == "past"  # NOW is 09:00
    assert today[9].reason == "too_soon"  # 60 minutes' notice
    assert today[10].is_free
    last_day = NOW.date() + timedelta(days=dance_room.bookable_days_ahead)
    beyond = _by_hour(selectors.space_slots(space=dance_room, first_day=last_day, days=1))
    # The window ends 14 days after NOW to the minute: 08:00 is inside it, 09:00 is not.
    assert beyond[8].is_free
    assert (beyond[9].state, beyond[9].reason) == ("closed", "beyond_window")


@pytest.mark.django_db
def test_a_partner_window_names_the_partner(frozen, dance_room):
    wednesday = NOW.date() + timedelta(days=1)  # NOW is a Tuesday
    slots = _by_hour(selectors.space_slots(space=dance_room, first_day=wednesday, days=1))
    assert (slots[18].state, slots[18].note) == ("partner_window", "青少宫培训机构")
    with translation.override("zh-hans"):
        assert slots[18].why == "机构课程时段：青少宫培训机构"


@pytest.mark.django_db
def test_a_closure_outranks_a_booking_and_a_booking_outranks_a_partner_window(
    frozen, dance_room, resident
):
    wednesday = at(1, 0)
    book_directly(dance_room, resident, wednesday.replace(hour=18), status=Booking.Status.PENDING)
    Closure.objects.create(space=dance_room, start=at(1, 19), end=at(1, 20), reason="停电")
    slots = _by_hour(selectors.space_slots(space=dance_room, first_day=wednesday.date(), days=1))
    assert slots[18].reason == "taken"
    assert slots[19].reason == "closure"


@pytest.mark.django_db
def test_cancelled_and_rejected_bookings_leave_their_slot_free(frozen, dance_room, resident):
    book_directly(dance_room, resident, at(2, 8), status=Booking.Status.CANCELLED)
    book_directly(dance_room, resident, at(2, 9), status=Booking.Status.REJECTED)
    slots = _by_hour(selectors.space_slots(space=dance_room, first_day=at(2, 0).date(), days=1))
    assert slots[8].is_free and slots[9].is_free


@pytest.mark.django_db
def test_all_rooms_of_a_day_cost_the_same_few_queries_as_one(
    frozen, compound, resident, django_assert_num_queries
):
    rooms = []
    for n in range(40):
        room = Space.objects.create(
            compound=compound, name=f"活动室{n}", kind=Space.Kind.ACTIVITY_ROOM, capacity=10
        )
        OpeningHours.objects.create(
            space=room, weekday=at(1, 0).weekday(), opens=time(8), closes=time(22)
        )
        book_directly(room, resident, at(1, 9 + n % 10))
        Closure.objects.create(space=room, start=at(1, 20), end=at(1, 21), reason="清洁")
        rooms.append(room)
    with django_assert_num_queries(4):
        slots = selectors.rooms_slots(spaces=rooms, first_day=at(1, 0).date(), viewer=resident)
    assert len(slots) == 40
    assert all(len(room_slots) == 14 for room_slots in slots.values())
    assert sum(slot.is_mine for room_slots in slots.values() for slot in room_slots) == 40


@pytest.mark.django_db
def test_a_walk_in_room_has_no_slots_among_many(frozen, dance_room, reading_room):
    slots = selectors.rooms_slots(spaces=[dance_room, reading_room], first_day=at(1, 0).date())
    assert slots[reading_room.pk] == []
    assert slots[dance_room.pk]


@pytest.mark.django_db
def test_a_booking_from_the_day_before_does_not_leak_into_the_day(frozen, meeting_room, resident):
    OpeningHours.objects.filter(space=meeting_room).update(opens=time(0), closes=time(23, 59))
    meeting_room.slot_minutes = 60
    book_directly(meeting_room, resident, at(1, 22), hours=1)
    slots = selectors.space_slots(space=meeting_room, first_day=at(2, 0).date(), days=1)
    assert all(slot.reason != "taken" for slot in slots)


@pytest.mark.django_db
def test_a_draft_activitys_title_stays_off_its_rooms_slots_until_it_is_published(
    frozen, dance_room, make_activity, client
):
    from programs.services import activity_publish

    draft = make_activity(title="秘密草稿活动", publish=False)
    day = draft.start.astimezone(at(0, 0).tzinfo).date()

    def the_slot():
        slots = selectors.space_slots(space=dance_room, first_day=day, days=1)
        return next(slot for slot in slots if slot.reason == "activity")

    with translation.override("zh-hans"):
        assert (the_slot().note, the_slot().why) == ("", "活动占用")
    api = client.get("/api/v1/availability/", {"date": day.isoformat()}).content.decode()
    assert "秘密草稿活动" not in api
    assert "秘密草稿活动" not in client.get(f"/spaces/{dance_room.pk}/?date={day}").content.decode()

    activity_publish(activity=draft, by=draft.created_by)
    assert the_slot().note == "秘密草稿活动"
