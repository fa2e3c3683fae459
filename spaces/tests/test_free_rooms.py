"""selectors.free_rooms: a room is offered for a time if and only if booking it then would
succeed. The rules live in services; these tests hold the search to them."""

import random
from datetime import time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from conftest import at, make_user
from spaces.errors import BookingError
from spaces.models import Booking, Closure, Compound, OpeningHours, PartnerWindow, Space
from spaces.selectors import free_rooms
from spaces.services import booking_create

pytestmark = pytest.mark.django_db

EVERY_DAY = range(7)
WEEKDAYS = range(5)


def room(compound, name, *, hours, windows=(), **fields) -> Space:
    fields.setdefault("kind", Space.Kind.ACTIVITY_ROOM)
    fields.setdefault("capacity", 20)
    space = Space.objects.create(compound=compound, name=name, **fields)
    OpeningHours.objects.bulk_create(
        OpeningHours(space=space, weekday=day, opens=time(*opens), closes=time(*closes))
        for days, opens, closes in hours
        for day in days
    )
    PartnerWindow.objects.bulk_create(
        PartnerWindow(space=space, weekday=day, opens=time(*opens), closes=time(*closes))
        for days, opens, closes in windows
        for day in days
    )
    return space


@pytest.fixture
def community(db):
    """Rooms that differ in every rule booking_create applies. NOW is Tuesday 09:00."""
    green = Compound.objects.create(name="绿地香颂公馆", position=1)
    elders = Compound.objects.create(name="领地·海纳君庭", position=2)
    rooms = {
        # Two ranges a day; the partner agency's Wednesday evening.
        "dance": room(
            green,
            "舞蹈室",
            kind=Space.Kind.DANCE_ROOM,
            hours=[(EVERY_DAY, (8,), (12,)), (EVERY_DAY, (14,), (22,))],
            windows=[((2,), (18,), (20,))],
            slot_minutes=60,
            min_minutes=60,
            max_minutes=180,
            min_notice_minutes=60,
        ),
        # Half-hour slots from 08:30, weekdays only, small, two hours' notice.
        "workshop": room(
            green,
            "亲子手工坊",
            hours=[(WEEKDAYS, (8, 30), (12,)), (WEEKDAYS, (14,), (21, 30))],
            capacity=10,
            slot_minutes=30,
            min_minutes=60,
            max_minutes=120,
            min_notice_minutes=120,
        ),
        # Long bookings allowed, a week ahead only, closed tomorrow evening.
        "hall": room(
            elders,
            "多功能厅",
            kind=Space.Kind.MEETING_ROOM,
            hours=[(EVERY_DAY, (9,), (21,))],
            capacity=40,
            slot_minutes=30,
            min_minutes=30,
            max_minutes=240,
            bookable_days_ahead=7,
        ),
        # Touching ranges make one evening; confirmed without approval.
        "evening": room(
            elders,
            "长者活动室",
            # ...and a night owls' hour after midnight (only the start's weekday is fetched).
            hours=[(EVERY_DAY, (19,), (21,)), (EVERY_DAY, (21,), (23,)), ((4,), (0,), (1,))],
            capacity=8,
            slot_minutes=60,
            min_minutes=60,
            max_minutes=120,
            requires_approval=False,
        ),
        # A 45-minute grid, a day's notice, a month ahead.
        "classroom": room(
            elders,
            "书法教室",
            kind=Space.Kind.CLASSROOM,
            hours=[(EVERY_DAY, (9,), (21,))],
            capacity=12,
            slot_minutes=45,
            min_minutes=90,
            max_minutes=180,
            min_notice_minutes=24 * 60,
            bookable_days_ahead=30,
        ),
        # Today's (Tuesday's) class time belongs to the partner.
        "studio": room(
            green,
            "编程教室",
            kind=Space.Kind.CLASSROOM,
            hours=[(EVERY_DAY, (18, 30), (21,))],
            windows=[((1,), (19,), (20,))],
            capacity=15,
            slot_minutes=30,
            min_minutes=60,
            max_minutes=90,
        ),
        "reading": room(
            green,
            "阅览室",
            kind=Space.Kind.READING_ROOM,
            access_mode=Space.AccessMode.WALK_IN,
            hours=[(EVERY_DAY, (8,), (21,))],
        ),
        "retired": room(elders, "旧活动室", is_active=False, hours=[(EVERY_DAY, (8,), (22,))]),
    }
    Closure.objects.create(space=rooms["hall"], start=at(1, 18), end=at(1, 20), reason="设备检修")
    Closure.objects.create(
        space=rooms["classroom"], start=at(3, 0), end=at(4, 0), reason="社区活动"
    )
    someone = make_user("xiaomei")
    for name, start, end, status in [
        ("dance", at(1, 19), at(1, 20), Booking.Status.APPROVED),
        ("workshop", at(1, 19, 30), at(1, 20, 30), Booking.Status.PENDING),
        ("evening", at(1, 19), at(1, 20), Booking.Status.CANCELLED),  # holds nothing
        ("hall", at(2, 10), at(2, 12), Booking.Status.APPROVED),
        ("studio", at(1, 20), at(1, 21), Booking.Status.REJECTED),  # holds nothing
    ]:
        Booking.objects.create(
            space=rooms[name],
            booked_by=someone,
            purpose="排练",
            attendees=5,
            start=start,
            end=end,
            status=status,
        )
    return rooms


class _Undo(Exception):
    pass


def books(space, user, start, end, attendees) -> bool:
    """Whether booking_create takes this booking; whatever it wrote is rolled back."""
    try:
        with transaction.atomic():
            booking_create(
                space=space,
                booked_by=user,
                start=start,
                end=end,
                purpose="邻里议事",
                attendees=attendees,
            )
            raise _Undo
    except _Undo:
        return True
    except BookingError:
        return False


def offered(user, start, end, attendees) -> set[int]:
    try:
        return {
            space.pk for space in free_rooms(user=user, start=start, end=end, attendees=attendees)
        }
    except BookingError as error:
        assert error.code == "booking_limit"
        return set()


# Times that hit each rule: past, inside the notice, beyond each room's window, outside hours,
# across a lunch break, off the 30/45/60-minute grids, too short and too long, over a closure,
# a partner window, a booking, and plain free evenings.
EDGE_CASES = [
    (0, 8, 0, 60, 1),
    (0, 9, 30, 60, 1),
    (0, 10, 0, 60, 1),
    (0, 19, 0, 60, 5),
    (0, 19, 0, 90, 8),
    (1, 19, 0, 90, 8),
    (1, 19, 0, 60, 8),
    (1, 18, 0, 120, 8),
    (1, 20, 0, 60, 9),
    (1, 11, 0, 180, 2),
    (1, 13, 0, 60, 2),
    (1, 21, 0, 120, 4),
    (1, 9, 45, 90, 3),
    (1, 10, 30, 90, 3),
    (1, 9, 15, 60, 3),
    (2, 18, 0, 60, 3),
    (2, 10, 0, 60, 3),
    (2, 9, 0, 240, 30),
    (2, 9, 0, 300, 30),
    (3, 10, 30, 90, 3),
    (6, 19, 0, 30, 1),
    (7, 10, 0, 60, 1),
    (13, 19, 0, 60, 1),
    (14, 9, 0, 60, 1),
    (20, 9, 45, 90, 12),
    (35, 10, 0, 60, 1),
    (1, 22, 0, 120, 1),  # ends at midnight
    (2, 23, 0, 120, 1),  # across midnight into Friday's hour
    (3, 0, 0, 60, 1),  # Friday 00:00
    (2, 0, 0, 60, 1),  # Thursday 00:00: that hour is Friday's only
]


def random_cases(n: int, seed: int = 7):
    rng = random.Random(seed)
    for _ in range(n):
        yield (
            rng.choice([0, 1, 1, 2, 3, 4, 5, 6, 7, 13, 14, 20, 29, 30]),
            rng.choice([8, 9, 10, 11, 12, 14, 15, 18, 19, 20, 21, 22]),
            rng.choice([0, 0, 15, 30, 45]),
            rng.choice([30, 45, 60, 90, 120, 135, 180, 240]),
            rng.choice([1, 5, 8, 10, 12, 15, 20, 40, 41]),
        )


def test_a_room_is_offered_exactly_when_booking_it_would_succeed(frozen, community, settings):
    settings.LIXIONG_MAX_ACTIVE_BOOKINGS = 3
    resident, staff = make_user("ahua"), make_user("staff", staff=True)
    at_limit = make_user("laochen")
    for day in (8, 9, 10):
        Booking.objects.create(
            space=community["classroom"],
            booked_by=at_limit,
            purpose="粤曲练唱",
            attendees=5,
            start=at(day, 9),
            end=at(day, 10, 30),
        )
    users = [resident, staff, at_limit]
    spaces = list(community.values())
    # Every edge case for every kind of person, then random cases taking turns.
    cases = [(user, case) for case in EDGE_CASES for user in users]
    cases += [(users[i % 2], case) for i, case in enumerate(random_cases(40))]

    offers = refusals = 0
    for user, (day, hour, minute, minutes, attendees) in cases:
        start = at(day, hour, minute)
        end = start + timedelta(minutes=minutes)
        found = offered(user, start, end, attendees)
        bookable = {s.pk for s in spaces if books(s, user, start, end, attendees)}
        assert found == bookable, (user.username, start, minutes, attendees)
        offers += len(found)
        refusals += len(spaces) - len(found)
    # The cases must exercise both sides, or the equality above proves nothing.
    assert offers >= 20 and refusals >= 200


def test_an_anonymous_search_offers_what_a_resident_without_bookings_could_book(frozen, community):
    from django.contrib.auth.models import AnonymousUser

    resident = make_user("ahua")
    for day, hour, minutes, attendees in [(1, 19, 90, 8), (0, 19, 60, 5), (2, 18, 60, 3)]:
        start = at(day, hour)
        end = start + timedelta(minutes=minutes)
        assert offered(AnonymousUser(), start, end, attendees) == offered(
            resident, start, end, attendees
        )
        assert offered(None, start, end, attendees) == offered(resident, start, end, attendees)


def test_staff_are_offered_the_partners_windows_as_they_may_book_them(frozen, community):
    resident, staff = make_user("ahua"), make_user("staff", staff=True)
    start, end = at(1, 18), at(1, 19)  # Wednesday: the dance room's partner window
    assert community["dance"].pk not in offered(resident, start, end, 5)
    assert community["dance"].pk in offered(staff, start, end, 5)


def test_a_resident_at_the_limit_is_told_so_rather_than_offered_nothing(
    frozen, community, settings
):
    settings.LIXIONG_MAX_ACTIVE_BOOKINGS = 1
    resident = make_user("ahua")
    Booking.objects.create(
        space=community["dance"],
        booked_by=resident,
        purpose="排练",
        attendees=5,
        start=at(5, 9),
        end=at(5, 10),
    )
    with pytest.raises(BookingError) as error:
        free_rooms(user=resident, start=at(1, 19), end=at(1, 20), attendees=5)
    assert error.value.code == "booking_limit"


def test_kind_and_compound_narrow_the_search(frozen, community):
    resident = make_user("ahua")
    start, end = at(2, 19), at(2, 20)
    everything = free_rooms(user=resident, start=start, end=end, attendees=5)
    classrooms = free_rooms(
        user=resident, start=start, end=end, attendees=5, kind=Space.Kind.CLASSROOM
    )
    elders = community["hall"].compound
    in_elders = free_rooms(user=resident, start=start, end=end, attendees=5, compound=elders)
    assert {s.kind for s in classrooms} == {Space.Kind.CLASSROOM}
    assert {s.compound_id for s in in_elders} == {elders.pk}
    assert set(classrooms) < set(everything) and set(in_elders) < set(everything)


def test_the_residents_own_compound_comes_first(frozen, community):
    from residents.models import Profile

    resident = make_user("laochen")
    elders = community["hall"].compound
    Profile.objects.create(user=resident, compound=elders)
    rooms = free_rooms(user=resident, start=at(2, 19), end=at(2, 20), attendees=5)
    compounds = [s.compound_id for s in rooms]
    assert len(set(compounds)) == 2
    assert compounds[0] == elders.pk
    assert compounds == sorted(compounds, key=lambda pk: pk != elders.pk)
    assert all(s.in_home_compound == (s.compound_id == elders.pk) for s in rooms)


def test_the_search_costs_the_same_queries_for_thirty_rooms_as_for_three(
    frozen, django_assert_num_queries, settings
):
    settings.LIXIONG_MAX_ACTIVE_BOOKINGS = 3
    resident = make_user("ahua")
    compound = Compound.objects.create(name="国华新都")
    someone = make_user("xiaomei")

    def add_rooms(n, offset):
        for i in range(offset, offset + n):
            space = room(
                compound,
                f"活动室 {i}",
                hours=[(EVERY_DAY, (8,), (12,)), (EVERY_DAY, (14,), (22,))],
                windows=[((3,), (18,), (19,))],
                slot_minutes=30,
            )
            Closure.objects.create(space=space, start=at(1, 18), end=at(1, 19), reason="检修")
            if i % 3 == 0:
                Booking.objects.create(
                    space=space,
                    booked_by=someone,
                    purpose="排练",
                    attendees=3,
                    start=at(1, 19),
                    end=at(1, 20),
                )

    def search(user):
        return free_rooms(user=user, start=at(1, 19), end=at(1, 20, 30), attendees=8)

    add_rooms(3, 0)
    # Rooms and compounds, hours, partner windows, closures, the overlap check, the resident's
    # active bookings (the limit), the resident's profile (own compound first). A fresh user
    # each time, as each request has: the user caches its (missing) profile.
    user = get_user_model().objects.get(pk=resident.pk)
    with django_assert_num_queries(7):
        assert len(search(user)) == 2
    add_rooms(32, 3)
    user = get_user_model().objects.get(pk=resident.pk)
    with django_assert_num_queries(7):
        assert len(search(user)) == 35 - 12


def test_the_demo_offers_ahua_a_room_in_her_compound_tomorrow_at_seven_whatever_the_day(
    time_machine,
):
    """The issue's journey, "tomorrow 19:00, 90 minutes, 8 people", works on the demo data
    whichever day the demo is shown."""
    from io import StringIO

    from django.core.management import call_command

    time_machine.move_to(at(0, 9), tick=False)
    call_command("seed_demo", stdout=StringIO())
    ahua = get_user_model().objects.get(username="ahua")
    for day in range(7):
        time_machine.move_to(at(day, 9), tick=False)
        start = at(day + 1, 19)
        rooms = free_rooms(user=ahua, start=start, end=start + timedelta(minutes=90), attendees=8)
        assert any(room.in_home_compound for room in rooms), start
