"""One owner for a booking row: programs moves and releases an activity's room hold only through
the spaces services, which take the booking locks in their documented order (the holder, then
the rooms, then the booking); the residents' rationing rules are skipped only with the staff
permission; two quick taps of "I'm here" record one visit."""

import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connections

from conftest import at, make_user
from programs.errors import ActivityError
from programs.services import activity_cancel, activity_update
from spaces.errors import BookingError
from spaces.models import Booking, Visit
from spaces.services import booking_create, booking_release, visit_record


def _race(*calls, timeout: float = 30.0) -> list[str]:
    """Run the calls at the same moment in threads; each outcome is "ok" or an error code.
    A thread still running after `timeout` (a deadlock the database did not break) fails."""
    barrier = threading.Barrier(len(calls))
    outcomes: dict[int, str] = {}

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except (BookingError, ActivityError) as error:  # a refusal: its stable code
            outcomes[index] = error.code
        except Exception as error:  # a deadlock or any other database error
            outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return [outcomes[i] for i in range(len(calls))]


def _overlaps(space) -> int:
    active = list(Booking.objects.active().filter(space=space).order_by("start"))
    return sum(1 for a, b in zip(active, active[1:], strict=False) if b.start < a.end)


@pytest.mark.django_db(transaction=True)
def test_moving_an_activity_races_a_resident_for_the_slot_without_deadlock_or_overlap(
    frozen, make_activity, officer, dance_room
):
    residents = [make_user(f"mover{i}") for i in range(6)]
    for round_, resident in enumerate(residents):
        activity = make_activity(day_offset=1 + round_, hour=9, hours=1)
        target = (at(1 + round_, 15), at(1 + round_, 16))
        outcomes = _race(
            lambda a=activity, t=target: activity_update(
                activity=a, by=officer, start=t[0], end=t[1]
            ),
            lambda r=resident, t=target: booking_create(
                space=dance_room, booked_by=r, start=t[0], end=t[1], purpose="排练", attendees=3
            ),
        )
        # Exactly one of them has the slot; the loser is told it is taken.
        assert sorted(outcomes) == ["ok", "slot_taken"], outcomes
        holders = Booking.objects.active().filter(space=dance_room, start=target[0])
        assert holders.count() == 1
        activity.refresh_from_db()
        if outcomes[0] == "ok":
            assert (activity.booking.start, activity.booking.status) == (target[0], "approved")
        else:
            assert activity.booking.start == at(1 + round_, 9)  # the failed move changed nothing
    assert _overlaps(dance_room) == 0


@pytest.mark.django_db(transaction=True)
def test_two_activities_swapping_rooms_at_once_do_not_deadlock(
    frozen, make_activity, officer, dance_room, meeting_room
):
    first = make_activity(day_offset=1, hour=9, hours=1)
    second = make_activity(day_offset=1, hour=10, hours=1)
    activity_update(activity=second, by=officer, space=meeting_room, start=at(1, 10))
    outcomes = _race(
        lambda: activity_update(activity=first, by=officer, space=meeting_room, end=at(1, 10)),
        lambda: activity_update(activity=second, by=officer, space=dance_room, end=at(1, 11)),
    )
    assert outcomes == ["ok", "ok"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.booking.space_id, second.booking.space_id) == (meeting_room.pk, dance_room.pk)


@pytest.mark.django_db
def test_cancelling_an_activity_releases_its_hold_through_the_spaces_service(
    frozen, make_activity, officer
):
    activity = make_activity()
    activity_cancel(activity=activity, by=officer, reason="台风")
    activity.booking.refresh_from_db()
    assert (activity.booking.status, activity.booking.reason) == ("cancelled", "台风")
    assert activity.booking.decided_by == officer


@pytest.mark.django_db
def test_only_an_activity_hold_can_be_released_or_moved_as_one(frozen, dance_room, resident):
    booking = booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="x",
        attendees=1,
    )
    with pytest.raises(BookingError) as exc:
        booking_release(booking=booking, by=resident)
    assert exc.value.code == "not_a_hold"


@pytest.mark.django_db
def test_an_activity_title_change_follows_into_its_hold(frozen, make_activity, officer):
    activity = make_activity(title="亲子手工坊")
    activity_update(activity=activity, by=officer, title="亲子绘本课", capacity=6)
    activity.booking.refresh_from_db()
    assert (activity.booking.purpose, activity.booking.attendees) == ("亲子绘本课", 6)


# --- staff rules ---------------------------------------------------------------------------


def _plain_staff(username="clerk"):
    user = make_user(username)
    user.is_staff = True
    user.save()
    return user


@pytest.mark.django_db
def test_a_staff_account_without_the_permission_books_like_a_resident(frozen, dance_room, settings):
    clerk = _plain_staff()
    with pytest.raises(BookingError) as exc:  # Wednesday 18-20 is the partner's window
        booking_create(
            space=dance_room,
            booked_by=clerk,
            start=at(1, 18),
            end=at(1, 19),
            purpose="x",
            attendees=1,
        )
    assert exc.value.code == "partner_window"
    settings.LIXIONG_MAX_ACTIVE_BOOKINGS = 1
    booking = booking_create(
        space=dance_room, booked_by=clerk, start=at(1, 9), end=at(1, 10), purpose="x", attendees=1
    )
    assert booking.status == "pending"  # not self-approved either
    with pytest.raises(BookingError) as exc:
        booking_create(
            space=dance_room,
            booked_by=clerk,
            start=at(2, 9),
            end=at(2, 10),
            purpose="x",
            attendees=1,
        )
    assert exc.value.code == "booking_limit"


@pytest.mark.django_db
def test_staff_with_the_booking_permission_may_book_a_partner_window(frozen, dance_room):
    clerk = _plain_staff()
    clerk.user_permissions.add(Permission.objects.get(codename="change_booking"))
    clerk = type(clerk).objects.get(pk=clerk.pk)  # a fresh permission cache
    booking = booking_create(
        space=dance_room, booked_by=clerk, start=at(1, 18), end=at(1, 19), purpose="x", attendees=1
    )
    assert booking.status == "approved"


@pytest.mark.django_db
def test_an_organisers_activity_holds_do_not_count_against_their_own_limit(
    frozen, make_activity, officer, dance_room, settings
):
    settings.LIXIONG_MAX_ACTIVE_BOOKINGS = 2
    for day in range(1, 6):
        make_activity(day_offset=day, hour=9)
    booking = booking_create(
        space=dance_room,
        booked_by=officer,
        start=at(1, 15),
        end=at(1, 16),
        purpose="自己的排练",
        attendees=2,
    )
    assert booking.pk and not booking.for_activity


# --- visits --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_quick_taps_of_im_here_record_one_visit(frozen, reading_room):
    resident = make_user("reader")
    outcomes = _race(
        *[lambda: visit_record(space=reading_room.pk, visitor=resident) for _ in range(4)]
    )
    assert outcomes == ["ok"] * 4
    assert Visit.objects.filter(space=reading_room).count() == 1


# --- series against single occurrences (review findings) -------------------------------------


def _series(department, officer, category, dance_room, weeks=4):
    from datetime import time

    from programs.services import series_create

    series, created, skipped = series_create(
        organiser=department.organiser,
        by=officer,
        title="周五瑜伽",
        space=dance_room,
        weekdays=[4],
        first_date=at(0, 0).date(),
        last_date=at(7 * weeks, 0).date(),
        starts_at=time(19),
        ends_at=time(20),
        category=category,
        capacity=10,
    )
    assert not skipped
    return series, created


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_series_while_one_occurrence_is_cancelled_alone_neither_deadlocks(
    frozen, department, officer, category, dance_room
):
    from programs.models import Activity
    from programs.services import series_cancel

    series, created = _series(department, officer, category, dance_room)
    last = created[-1]
    outcomes = _race(
        lambda: series_cancel(series=series, by=officer, reason="场地维修"),
        lambda: activity_cancel(activity=last, by=officer, reason="台风"),
    )
    # Whichever came second found the last occurrence already cancelled: no error either way.
    assert outcomes[0] == "ok" and outcomes[1] in ("ok", "not_cancellable"), outcomes
    statuses = set(Activity.objects.filter(series=series).values_list("status", flat=True))
    assert statuses == {"cancelled"}
    assert not Booking.objects.active().filter(for_activity=True).exists()


@pytest.mark.django_db
def test_cancelling_a_series_skips_an_occurrence_already_cancelled(
    frozen, department, officer, category, dance_room
):
    from programs.services import series_cancel

    series, created = _series(department, officer, category, dance_room)
    activity_cancel(activity=created[0], by=officer)
    cancelled = series_cancel(series=series, by=officer)
    assert [a.pk for a in cancelled] == [a.pk for a in created[1:]]


@pytest.mark.django_db
def test_each_move_of_an_activity_is_its_own_message_even_back_to_an_earlier_room(
    frozen, make_activity, officer, dance_room, meeting_room, resident
):
    from notifications.models import Message
    from programs.services import registration_create

    activity = make_activity()
    registration = registration_create(activity=activity, resident=resident)
    activity_update(activity=activity, by=officer, space=meeting_room)
    activity_update(activity=activity, by=officer, space=dance_room)
    moved = Message.objects.filter(key__startswith=f"registration:{registration.pk}:moved:")
    assert moved.count() == 2


@pytest.mark.django_db
def test_renaming_an_activity_whose_room_closed_since_keeps_the_hold_where_it_is(
    frozen, make_activity, officer, dance_room
):
    from spaces.models import Closure

    activity = make_activity(day_offset=1, hour=9)
    Closure.objects.create(space=dance_room, start=at(1, 8), end=at(1, 12), reason="消防检查")
    activity_update(activity=activity, by=officer, title="亲子绘本课")
    activity.booking.refresh_from_db()
    assert (activity.booking.purpose, activity.booking.start) == ("亲子绘本课", at(1, 9))


@pytest.mark.django_db
def test_an_address_listed_twice_for_staff_gets_one_message(frozen, dance_room, resident, settings):
    from notifications.models import Message

    settings.STAFF_NOTIFY_EMAILS = ["desk@example.com", "desk@example.com"]
    booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="x",
        attendees=1,
    )
    assert Message.objects.filter(address="desk@example.com").count() == 1
