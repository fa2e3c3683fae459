"""No two active bookings of one room can ever overlap: the row lock decides the race, and
PostgreSQL's exclusion constraint refuses what any path that forgets the lock tries."""

import threading
from unittest import mock

import pytest
from django.db import IntegrityError, connection, connections, transaction

from conftest import at, make_user
from spaces.errors import BookingError
from spaces.models import Booking
from spaces.services import booking_create

CONTENDERS = 12


@pytest.mark.django_db(transaction=True)
def test_many_residents_racing_for_one_slot_leave_exactly_one_booking(frozen, dance_room):
    residents = [make_user(f"racer{i}") for i in range(CONTENDERS)]
    barrier = threading.Barrier(CONTENDERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user):
        try:
            barrier.wait(timeout=10)
            booking_create(
                space=dance_room.pk,
                booked_by=user,
                start=at(1, 9),
                end=at(1, 11),
                purpose="抢同一个时段",
                attendees=2,
            )
            outcome = "booked"
        except BookingError as error:
            outcome = error.code
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(user,)) for user in residents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["booked"] + ["slot_taken"] * (CONTENDERS - 1)
    assert Booking.objects.filter(space=dance_room).count() == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db
def test_the_exclusion_constraint_refuses_an_overlapping_insert_that_bypasses_the_service(
    frozen, dance_room, resident, other_resident
):
    fields = {"space": dance_room, "purpose": "x", "attendees": 1}
    Booking.objects.create(booked_by=resident, start=at(1, 9), end=at(1, 11), **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(booked_by=other_resident, start=at(1, 10), end=at(1, 12), **fields)
    # Touching ends are not an overlap ([start, end) ranges), and inactive rows don't count.
    Booking.objects.create(booked_by=other_resident, start=at(1, 11), end=at(1, 12), **fields)
    Booking.objects.create(
        booked_by=other_resident, start=at(1, 9), end=at(1, 10), status="cancelled", **fields
    )
    assert Booking.objects.count() == 3


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db
def test_a_path_that_forgets_the_overlap_check_still_gets_slot_taken_not_a_500(
    frozen, dance_room, resident, other_resident
):
    kwargs = {"space": dance_room, "purpose": "x", "attendees": 1, "end": at(1, 11)}
    booking_create(booked_by=resident, start=at(1, 9), **kwargs)
    with mock.patch("spaces.services._raise_if_taken"), pytest.raises(BookingError) as exc:
        booking_create(booked_by=other_resident, start=at(1, 10), **kwargs)
    assert exc.value.code == "slot_taken"
    assert Booking.objects.count() == 1


def test_the_suite_runs_on_postgresql():
    # make test promises the production stack; a silent fall back to SQLite would hide the
    # constraint tests above behind their skip markers.
    import os

    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert connection.vendor == "postgresql"
