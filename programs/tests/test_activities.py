from datetime import date, time

import pytest

from conftest import at
from programs.errors import ActivityError
from programs.models import Activity
from programs.services import activity_update, series_cancel, series_create, series_update
from spaces.errors import BookingError
from spaces.models import Booking
from spaces.services import booking_create

pytestmark = pytest.mark.django_db


def test_an_activity_holds_its_room_with_an_approved_booking(frozen, make_activity):
    activity = make_activity()
    assert activity.status == Activity.Status.PUBLISHED
    assert activity.booking.status == Booking.Status.APPROVED
    assert activity.booking.for_activity
    assert (activity.booking.start, activity.booking.end) == (activity.start, activity.end)


def test_an_activity_cannot_take_a_booked_room(frozen, make_activity, resident, dance_room):
    booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 10),
        end=at(1, 11),
        purpose="排练",
        attendees=3,
    )
    with pytest.raises(BookingError) as exc:
        make_activity(day_offset=1, hour=9, hours=2)
    assert exc.value.code == "slot_taken"
    assert not Activity.objects.exists()


def test_organisers_may_plan_beyond_the_residents_booking_window(frozen, make_activity):
    activity = make_activity(day_offset=60, hour=9, hours=2)
    assert activity.booking.is_active


def test_only_members_of_the_organiser_create_activities(frozen, department, resident, category):
    from programs.services import activity_create

    with pytest.raises(ActivityError) as exc:
        activity_create(
            organiser=department.organiser,
            by=resident,
            space=1,
            start=at(1, 9),
            end=at(1, 10),
            title="x",
            category=category,
            capacity=3,
        )
    assert exc.value.code == "not_organiser"


def test_moving_an_activity_moves_its_room_booking(frozen, make_activity, officer):
    activity = make_activity(day_offset=1, hour=9)
    old_booking = activity.booking
    activity_update(activity=activity, by=officer, start=at(1, 10), end=at(1, 12))
    activity.refresh_from_db()
    # The same hold, moved in place by the spaces service: no stray cancelled copy.
    assert activity.booking_id == old_booking.pk
    assert (activity.booking.start, activity.booking.end) == (at(1, 10), at(1, 12))
    assert activity.booking.status == Booking.Status.APPROVED
    assert Booking.objects.filter(for_activity=True).count() == 1


def test_a_failed_move_keeps_the_old_room_and_time(
    frozen, make_activity, officer, resident, dance_room
):
    activity = make_activity(day_offset=1, hour=9)
    booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(2, 9),
        end=at(2, 10),
        purpose="x",
        attendees=1,
    )
    with pytest.raises(BookingError):
        activity_update(activity=activity, by=officer, start=at(2, 9), end=at(2, 11))
    activity.refresh_from_db()
    assert activity.start == at(1, 9)
    assert activity.booking.status == Booking.Status.APPROVED


def test_a_series_lists_the_occurrences_it_had_to_skip(
    frozen, department, officer, category, dance_room, resident
):
    # Thursday 2026-12-03 10:00 is already booked by a resident.
    booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(2, 10),
        end=at(2, 11),
        purpose="x",
        attendees=1,
    )
    series, created, skipped = series_create(
        organiser=department.organiser,
        by=officer,
        title="青年夜校",
        space=dance_room,
        weekdays=[1, 3],  # Tuesdays and Thursdays
        first_date=date(2026, 12, 2),
        last_date=date(2026, 12, 15),
        starts_at=time(9),
        ends_at=time(11),
        category=category,
        capacity=10,
    )
    assert [a.start.date() for a in created] == [
        date(2026, 12, 8),
        date(2026, 12, 10),
        date(2026, 12, 15),
    ]
    assert [(s["date"], s["code"]) for s in skipped] == [(date(2026, 12, 3), "slot_taken")]
    cancelled = series_cancel(series=series, by=officer, reason="寒假")
    assert len(cancelled) == 3
    assert not Booking.objects.filter(for_activity=True).active().exists()


def test_a_series_needs_weekdays_and_a_sane_range(
    frozen, department, officer, category, dance_room
):
    with pytest.raises(ActivityError) as exc:
        series_create(
            organiser=department.organiser,
            by=officer,
            title="x",
            space=dance_room,
            weekdays=[],
            first_date=date(2026, 12, 2),
            last_date=date(2026, 12, 1),
            starts_at=time(9),
            ends_at=time(10),
            category=category,
            capacity=3,
        )
    assert exc.value.code == "invalid_series"


def test_a_party_may_not_be_larger_than_the_activity(frozen, make_activity):
    with pytest.raises(ActivityError) as exc:
        make_activity(capacity=2, max_party_size=3)
    assert exc.value.code == "invalid_party_size"


def test_moving_an_activity_checks_the_registration_window_against_the_new_time(
    frozen, make_activity, officer
):
    activity = make_activity(day_offset=3, hour=9, registration_closes=at(3, 8))
    with pytest.raises(ActivityError) as exc:
        activity_update(activity=activity, by=officer, start=at(1, 9), end=at(1, 11))
    assert exc.value.code == "invalid_registration_window"


def test_moving_an_activity_tells_everyone_registered(
    frozen, make_activity, officer, resident, django_capture_on_commit_callbacks
):
    from django.core import mail

    from programs.services import registration_create

    activity = make_activity(day_offset=1, hour=9)
    registration_create(activity=activity, resident=resident)
    with django_capture_on_commit_callbacks(execute=True):
        activity_update(activity=activity, by=officer, start=at(1, 14), end=at(1, 16))
    with django_capture_on_commit_callbacks(execute=True):
        activity_update(activity=activity, by=officer, start=at(1, 15), end=at(1, 17))
    moved = [m for m in mail.outbox if "有变" in m.subject]
    assert len(moved) == 2 and "15:00" in moved[1].body


def test_the_room_held_for_an_activity_is_released_only_with_the_activity(
    frozen, make_activity, officer
):
    from spaces.services import booking_cancel

    activity = make_activity()
    with pytest.raises(BookingError) as exc:
        booking_cancel(booking=activity.booking, by=officer, reason="x")
    assert exc.value.code == "held_for_activity"
    activity.booking.refresh_from_db()
    assert activity.booking.is_active


def test_staff_without_the_activity_permission_do_not_manage_activities(
    frozen, make_activity, staff
):
    from django.contrib.auth import get_user_model

    from programs.services import can_manage

    activity = make_activity()
    helper = get_user_model().objects.create_user("helper", is_staff=True)
    assert can_manage(staff, activity.organiser)
    assert not can_manage(helper, activity.organiser)


# --- weekly series: details and edits ---------------------------------------------------------


def tuesdays_and_thursdays(department, officer, category, space, **fields):
    """2026-12-03, 08 and 10, 09:00–11:00."""
    fields.setdefault("capacity", 10)
    return series_create(
        organiser=department.organiser,
        by=officer,
        title="青年夜校",
        space=space,
        weekdays=[1, 3],
        first_date=date(2026, 12, 2),
        last_date=date(2026, 12, 10),
        starts_at=time(9),
        ends_at=time(11),
        category=category,
        **fields,
    )


def test_a_series_carries_its_price_and_age_range_to_every_occurrence(
    frozen, department, officer, category, dance_room
):
    _series, created, skipped = tuesdays_and_thursdays(
        department,
        officer,
        category,
        dance_room,
        price_fen=1250,
        market_price_fen=8000,
        is_public_welfare=False,
        min_age=6,
        max_age=12,
        audience="小学生",
        offer_hours=6,
    )
    assert (len(created), skipped) == (3, [])
    stored = Activity.objects.values_list(
        "price_fen",
        "market_price_fen",
        "is_public_welfare",
        "min_age",
        "max_age",
        "audience",
        "offer_hours",
    )
    assert set(stored) == {(1250, 8000, False, 6, 12, "小学生", 6)}


def test_editing_a_series_changes_every_upcoming_occurrence_and_moves_its_room(
    frozen, department, officer, category, dance_room
):
    series, created, _skipped = tuesdays_and_thursdays(department, officer, category, dance_room)
    old_bookings = [a.booking_id for a in created]
    frozen.move_to(at(2, 12))  # the Thursday 12-03 occurrence is over
    series, updated, skipped = series_update(
        series=series, by=officer, capacity=6, starts_at=time(14), ends_at=time(16)
    )
    series.refresh_from_db()
    assert (series.starts_at, series.ends_at) == (time(14), time(16))
    assert skipped == []
    assert [a.start for a in updated] == [at(7, 14), at(9, 14)]
    past, *upcoming = Activity.objects.order_by("start").select_related("booking")
    assert (past.start, past.capacity, past.booking_id) == (at(2, 9), 10, old_bookings[0])
    for activity in upcoming:
        assert (activity.end - activity.start, activity.capacity) == (at(0, 16) - at(0, 14), 6)
        assert (activity.booking.start, activity.booking.status) == (activity.start, "approved")
        assert activity.booking.attendees == 6
    # Each upcoming hold was moved in place, not cancelled and re-created.
    assert [a.booking_id for a in upcoming] == old_bookings[1:]


def test_an_occurrence_that_cannot_move_is_listed_with_the_reason_and_keeps_its_time(
    frozen,
    department,
    officer,
    category,
    dance_room,
    resident,
    other_resident,
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    from programs.services import registration_create

    series, created, _skipped = tuesdays_and_thursdays(department, officer, category, dance_room)
    for activity in created[:2]:
        registration_create(activity=activity, resident=other_resident)
    booking_create(  # Tuesday 12-08 15:00 is taken by a resident
        space=dance_room,
        booked_by=resident,
        start=at(7, 15),
        end=at(7, 16),
        purpose="排练",
        attendees=3,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        series, updated, skipped = series_update(
            series=series, by=officer, starts_at=time(14), ends_at=time(16)
        )
    assert [a.start for a in updated] == [at(2, 14), at(9, 14)]
    assert [(s["activity"], s["date"], s["code"]) for s in skipped] == [
        (created[1], date(2026, 12, 8), "slot_taken")
    ]
    assert "已被预约" in skipped[0]["reason"]
    kept = Activity.objects.select_related("booking").get(pk=created[1].pk)
    assert (kept.start, kept.booking.start, kept.booking.status) == (at(7, 9), at(7, 9), "approved")
    # Only the registrant of the occurrence that moved hears about a move.
    moved = [m for m in mail.outbox if "有变" in m.subject]
    assert len(moved) == 1 and "14:00" in moved[0].body


def test_an_occurrence_with_more_seats_taken_than_the_new_capacity_keeps_its_capacity(
    frozen, department, officer, category, dance_room, resident, other_resident
):
    from programs.services import registration_create

    series, created, _skipped = tuesdays_and_thursdays(department, officer, category, dance_room)
    registration_create(activity=created[0], resident=resident)
    registration_create(activity=created[0], resident=other_resident)
    _series, updated, skipped = series_update(series=series, by=officer, capacity=1)
    assert [a.capacity for a in updated] == [1, 1]
    assert [(s["date"], s["code"]) for s in skipped] == [
        (date(2026, 12, 3), "capacity_below_confirmed")
    ]
    created[0].refresh_from_db()
    assert created[0].capacity == 10


def test_only_the_organiser_edits_a_series_and_its_times_must_be_in_order(
    frozen, department, officer, category, dance_room, resident
):
    series = tuesdays_and_thursdays(department, officer, category, dance_room)[0]
    with pytest.raises(ActivityError) as exc:
        series_update(series=series, by=resident, capacity=2)
    assert exc.value.code == "not_organiser"
    with pytest.raises(ActivityError) as exc:
        series_update(series=series, by=officer, starts_at=time(12), ends_at=time(11))
    assert exc.value.code == "invalid_time_range"
    with pytest.raises(TypeError):
        series_update(series=series, by=officer, registration_opens=at(1, 9))
    assert set(Activity.objects.values_list("capacity", flat=True)) == {10}
