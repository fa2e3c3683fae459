"""Many residents press "sign up" for the last seats at the same moment: the row lock on the
activity must keep confirmed seats within capacity and serve the waitlist in order of joining.
Real threads, real transactions: this needs PostgreSQL (SQLite serialises writers anyway)."""

import threading

import pytest
import time_machine
from django.db import connection, connections

from conftest import NOW, make_user
from programs.models import Registration
from programs.services import registration_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks under real concurrency: PostgreSQL"
    ),
]

RESIDENTS = 20


def sign_up_at_once(activity, residents, party_sizes) -> list[Exception]:
    """Each resident signs up from their own thread, all released together."""
    barrier = threading.Barrier(len(residents))
    errors: list[Exception] = []

    def sign_up(resident, party_size):
        try:
            barrier.wait(timeout=30)
            registration_create(activity=activity.pk, resident=resident, party_size=party_size)
        except Exception as error:  # collected, so the test names it instead of hanging
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=sign_up, args=(resident, size))
        for resident, size in zip(residents, party_sizes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.fixture
def ticking():
    """NOW, with the clock running, so each registration has its own created_at."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def residents(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # setup speed
    return [make_user(f"neighbour{number:02d}") for number in range(RESIDENTS)]


def test_twenty_residents_signing_up_at_once_fill_five_seats_and_queue_the_rest_in_order(
    ticking, make_activity, residents
):
    activity = make_activity(capacity=5)

    errors = sign_up_at_once(activity, residents, [1] * RESIDENTS)

    assert errors == []
    registrations = list(Registration.objects.filter(activity=activity).order_by("pk"))
    assert len(registrations) == RESIDENTS
    assert len({r.resident_id for r in registrations}) == RESIDENTS
    confirmed = [r for r in registrations if r.status == Registration.Status.CONFIRMED]
    waitlisted = [r for r in registrations if r.status == Registration.Status.WAITLISTED]
    assert len(confirmed) == 5
    assert sum(r.party_size for r in confirmed) == activity.capacity
    assert len(waitlisted) == 15
    # In order of joining: positions rise with creation order, are unique, and nobody on the
    # waitlist joined before someone who got a seat.
    positions = [r.position for r in registrations]
    assert all(a < b for a, b in zip(positions, positions[1:], strict=False))
    by_time = sorted(registrations, key=lambda r: r.created_at)
    assert [r.pk for r in by_time] == [r.pk for r in registrations]
    assert max(r.position for r in confirmed) < min(r.position for r in waitlisted)


def test_parties_signing_up_at_once_never_take_more_seats_than_capacity(
    ticking, make_activity, residents
):
    activity = make_activity(capacity=5, max_party_size=2)
    # Parties of one and two, so seats can run out in the middle of a party.
    party_sizes = [1 + number % 2 for number in range(RESIDENTS)]

    errors = sign_up_at_once(activity, residents, party_sizes)

    assert errors == []
    registrations = list(Registration.objects.filter(activity=activity).order_by("position"))
    assert len(registrations) == RESIDENTS
    confirmed = [r for r in registrations if r.status == Registration.Status.CONFIRMED]
    seats = sum(r.party_size for r in confirmed)
    # At most the capacity; and at least capacity - 1, since the first party turned away
    # (two people at most) found fewer free seats than it needed.
    assert activity.capacity - 1 <= seats <= activity.capacity
    statuses = [r.status for r in registrations]
    # The queue is served in order: once someone waits, everyone after them waits.
    first_waiting = statuses.index(Registration.Status.WAITLISTED)
    assert set(statuses[:first_waiting]) == {Registration.Status.CONFIRMED}
    assert set(statuses[first_waiting:]) == {Registration.Status.WAITLISTED}
