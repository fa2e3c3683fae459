from datetime import timedelta

import pytest
from django.core import mail

from conftest import at, make_user
from programs.errors import ActivityError
from programs.models import Activity, Registration
from programs.services import (
    activity_update,
    offers_expire,
    registration_accept,
    registration_cancel,
    registration_create,
    registration_decline,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def residents(db):
    return [make_user(f"resident{i}") for i in range(6)]


def sign_up(activity, user, party=1):
    return registration_create(activity=activity, resident=user, party_size=party)


def code_of(call, **kwargs) -> str:
    with pytest.raises(ActivityError) as exc:
        call(**kwargs)
    return exc.value.code


def test_residents_get_seats_until_the_activity_is_full_then_join_the_waitlist(
    frozen, make_activity, residents
):
    activity = make_activity(capacity=2)
    first, second, third, fourth = (sign_up(activity, r) for r in residents[:4])
    assert [first.status, second.status] == ["confirmed", "confirmed"]
    assert [third.status, fourth.status] == ["waitlisted", "waitlisted"]
    assert third.position < fourth.position


def test_a_party_takes_as_many_seats_as_people(frozen, make_activity, residents):
    activity = make_activity(capacity=3, max_party_size=3)
    assert sign_up(activity, residents[0], party=2).status == "confirmed"
    assert sign_up(activity, residents[1], party=2).status == "waitlisted"
    assert code_of(registration_create, activity=activity, resident=residents[2], party_size=4) == (
        "invalid_party_size"
    )


def test_an_activity_without_a_waitlist_says_full(frozen, make_activity, residents):
    activity = make_activity(capacity=1, waitlist_policy=Activity.WaitlistPolicy.NONE)
    sign_up(activity, residents[0])
    with pytest.raises(ActivityError) as exc:
        sign_up(activity, residents[1])
    assert (exc.value.code, exc.value.http_status) == ("activity_full", 409)


def test_a_resident_registers_once_per_activity(frozen, make_activity, residents):
    activity = make_activity()
    sign_up(activity, residents[0])
    assert code_of(registration_create, activity=activity, resident=residents[0]) == (
        "already_registered"
    )


def test_registration_only_inside_its_window_and_before_the_start(frozen, make_activity, residents):
    activity = make_activity(registration_opens=at(0, 12), registration_closes=at(1, 8), capacity=5)
    assert code_of(registration_create, activity=activity, resident=residents[0]) == (
        "registration_not_open_yet"
    )
    frozen.move_to(at(0, 12))
    assert sign_up(activity, residents[0]).status == "confirmed"
    frozen.move_to(at(1, 8))
    assert code_of(registration_create, activity=activity, resident=residents[1]) == (
        "registration_closed"
    )


def test_a_draft_activity_takes_no_registrations(frozen, make_activity, residents):
    activity = make_activity(publish=False)
    assert code_of(registration_create, activity=activity, resident=residents[0]) == (
        "registration_closed"
    )


def test_a_cancellation_promotes_the_first_in_line_at_once(
    frozen, make_activity, residents, django_capture_on_commit_callbacks
):
    activity = make_activity(capacity=1)
    seat = sign_up(activity, residents[0])
    first_waiting = sign_up(activity, residents[1])
    second_waiting = sign_up(activity, residents[2])
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=seat, by=residents[0])
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == "confirmed"
    assert second_waiting.status == "waitlisted"
    assert any("候补成功" in m.subject and m.to == [residents[1].email] for m in mail.outbox)


def test_nobody_overtakes_a_party_waiting_at_the_head_of_the_line(frozen, make_activity, residents):
    activity = make_activity(capacity=2, max_party_size=2)
    a = sign_up(activity, residents[0])
    b = sign_up(activity, residents[1])
    family = sign_up(activity, residents[2], party=2)
    single = sign_up(activity, residents[3])
    registration_cancel(registration=a, by=residents[0])  # one seat free: the family waits
    family.refresh_from_db()
    single.refresh_from_db()
    assert (family.status, single.status) == ("waitlisted", "waitlisted")
    registration_cancel(registration=b, by=residents[1])  # two free: the family goes in
    family.refresh_from_db()
    assert family.status == "confirmed"


def test_more_capacity_promotes_from_the_waitlist(frozen, make_activity, residents, officer):
    activity = make_activity(capacity=1)
    sign_up(activity, residents[0])
    waiting = sign_up(activity, residents[1])
    activity_update(activity=activity, by=officer, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert activity.booking.attendees == 2 or activity.booking.is_active


def test_capacity_cannot_drop_below_the_seats_taken(frozen, make_activity, residents, officer):
    activity = make_activity(capacity=3)
    sign_up(activity, residents[0])
    sign_up(activity, residents[1])
    assert code_of(activity_update, activity=activity, by=officer, capacity=1) == (
        "capacity_below_confirmed"
    )


def test_an_offer_holds_the_seat_until_accepted(frozen, make_activity, residents):
    activity = make_activity(capacity=1, waitlist_policy=Activity.WaitlistPolicy.OFFER)
    seat = sign_up(activity, residents[0])
    waiting = sign_up(activity, residents[1])
    registration_cancel(registration=seat, by=residents[0])
    waiting.refresh_from_db()
    assert waiting.status == "offered"
    assert waiting.offer_expires_at == at(0, 9) + timedelta(hours=12)
    # The offered seat counts as taken: a newcomer queues.
    assert sign_up(activity, residents[2]).status == "waitlisted"
    assert registration_accept(registration=waiting, by=residents[1]).status == "confirmed"


def test_an_expired_offer_passes_to_the_next_person(
    frozen, make_activity, residents, django_capture_on_commit_callbacks
):
    activity = make_activity(capacity=1, waitlist_policy=Activity.WaitlistPolicy.OFFER)
    seat = sign_up(activity, residents[0])
    late = sign_up(activity, residents[1])
    next_ = sign_up(activity, residents[2])
    registration_cancel(registration=seat, by=residents[0])
    frozen.shift(timedelta(hours=13))
    assert code_of(registration_accept, registration=late, by=residents[1]) == "offer_expired"
    with django_capture_on_commit_callbacks(execute=True):
        assert offers_expire() == 1
    assert offers_expire() == 0  # idempotent
    late.refresh_from_db()
    next_.refresh_from_db()
    assert (late.status, next_.status) == ("declined", "offered")
    assert any("保留名额已过期" in m.subject for m in mail.outbox)


def test_declining_an_offer_passes_it_on(frozen, make_activity, residents):
    activity = make_activity(capacity=1, waitlist_policy=Activity.WaitlistPolicy.OFFER)
    seat = sign_up(activity, residents[0])
    offered = sign_up(activity, residents[1])
    next_ = sign_up(activity, residents[2])
    registration_cancel(registration=seat, by=residents[0])
    registration_decline(registration=Registration.objects.get(pk=offered.pk), by=residents[1])
    next_.refresh_from_db()
    assert next_.status == "offered"


def test_a_resident_leaves_the_waitlist_and_may_sign_up_again(frozen, make_activity, residents):
    activity = make_activity(capacity=1)
    sign_up(activity, residents[0])
    waiting = sign_up(activity, residents[1])
    registration_cancel(registration=waiting, by=residents[1])
    again = sign_up(activity, residents[1])
    assert again.status == "waitlisted" and again.position > waiting.position


def test_nobody_cancels_someone_elses_registration(frozen, make_activity, residents):
    activity = make_activity()
    seat = sign_up(activity, residents[0])
    assert code_of(registration_cancel, registration=seat, by=residents[1]) == "not_yours"
    assert code_of(registration_accept, registration=seat, by=residents[1]) == "not_yours"


def test_registrations_cannot_be_cancelled_after_the_start(frozen, make_activity, residents):
    activity = make_activity()
    seat = sign_up(activity, residents[0])
    frozen.shift(timedelta(days=1, minutes=5))
    assert code_of(registration_cancel, registration=seat, by=residents[0]) == "already_started"
