from datetime import time, timedelta

import pytest
from django.core import mail
from django.test import override_settings

from conftest import NOW, at
from spaces.errors import BookingError
from spaces.models import Booking, Closure, Space
from spaces.services import booking_create

pytestmark = pytest.mark.django_db


def book(space, user, start, end, attendees=5, purpose="广场舞排练"):
    return booking_create(
        space=space, booked_by=user, start=start, end=end, purpose=purpose, attendees=attendees
    )


def refusal(space, user, start, end, **kwargs) -> str:
    with pytest.raises(BookingError) as exc:
        book(space, user, start, end, **kwargs)
    assert Booking.objects.count() == 0 or kwargs.get("keep_count")
    return exc.value.code


def test_a_resident_books_a_free_slot_and_it_waits_for_approval(frozen, dance_room, resident):
    booking = book(dance_room, resident, at(1, 9), at(1, 11))
    assert booking.status == Booking.Status.PENDING
    assert booking.start == at(1, 9)
    assert Booking.objects.get().pk == booking.pk


def test_a_room_without_approval_confirms_the_booking_at_once(frozen, dance_room, resident):
    Space.objects.filter(pk=dance_room.pk).update(requires_approval=False)
    assert book(dance_room, resident, at(1, 9), at(1, 10)).status == Booking.Status.APPROVED


def test_the_resident_and_staff_are_mailed_after_commit(
    frozen, dance_room, resident, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(dance_room, resident, at(1, 9), at(1, 10))
        assert mail.outbox == []
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["ahua@example.com", "staff@example.com"]
    resident_mail = next(m for m in mail.outbox if m.to == ["ahua@example.com"])
    assert "已收到您的预约申请" in resident_mail.subject


def test_the_mail_is_in_the_language_the_resident_booked_in(
    frozen, dance_room, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking_create(
            space=dance_room,
            booked_by=resident,
            start=at(1, 9),
            end=at(1, 10),
            purpose="practice",
            attendees=3,
            language="en",
        )
    assert mail.outbox[0].subject.startswith("We received your booking request")


def test_it_refuses_a_walk_in_room(frozen, reading_room, resident):
    assert refusal(reading_room, resident, at(1, 9), at(1, 10)) == "space_not_bookable"


def test_it_refuses_an_inactive_room(frozen, dance_room, resident):
    Space.objects.filter(pk=dance_room.pk).update(is_active=False)
    assert refusal(dance_room, resident, at(1, 9), at(1, 10)) == "space_not_bookable"


def test_it_refuses_an_end_that_is_not_after_the_start(frozen, dance_room, resident):
    assert refusal(dance_room, resident, at(1, 10), at(1, 10)) == "invalid_range"
    assert refusal(dance_room, resident, at(1, 10), at(1, 9)) == "invalid_range"


def test_it_refuses_a_start_in_the_past(frozen, dance_room, resident):
    assert refusal(dance_room, resident, at(0, 8), at(0, 9)) == "in_past"


def test_it_refuses_a_start_inside_the_minimum_notice(frozen, dance_room, resident):
    # NOW is 09:00 and the room wants an hour's notice: 09:30 is too soon, 10:00 is fine.
    Space.objects.filter(pk=dance_room.pk).update(slot_minutes=30, min_minutes=60)
    assert refusal(dance_room, resident, at(0, 9, 30), at(0, 10, 30)) == "too_soon"
    assert book(dance_room, resident, at(0, 10), at(0, 11)).pk


def test_it_refuses_a_start_beyond_the_booking_window(frozen, dance_room, resident):
    assert refusal(dance_room, resident, at(14, 9), at(14, 10)) == "too_far_ahead"
    assert book(dance_room, resident, at(13, 9), at(13, 10)).pk


def test_it_refuses_times_not_aligned_to_the_slot_length(frozen, dance_room, resident):
    assert refusal(dance_room, resident, at(1, 9, 30), at(1, 10, 30)) == "not_aligned"
    assert refusal(dance_room, resident, at(1, 9), at(1, 10, 30)) == "not_aligned"


def test_it_refuses_a_booking_shorter_than_the_minimum(frozen, dance_room, resident):
    Space.objects.filter(pk=dance_room.pk).update(slot_minutes=30, min_minutes=60)
    assert refusal(dance_room, resident, at(1, 9), at(1, 9, 30)) == "too_short"


def test_it_refuses_a_booking_longer_than_the_maximum(frozen, dance_room, resident):
    assert refusal(dance_room, resident, at(1, 14), at(1, 18)) == "too_long"


def test_it_refuses_a_booking_outside_opening_hours(frozen, dance_room, resident):
    assert refusal(dance_room, resident, at(1, 12), at(1, 13)) == "outside_hours"
    # Across the lunch break: each half is open, the whole is not.
    assert refusal(dance_room, resident, at(1, 11), at(1, 15)) == "outside_hours"
    assert refusal(dance_room, resident, at(1, 22), at(1, 23)) == "outside_hours"


def test_it_refuses_a_booking_inside_a_closure_and_names_the_reason(frozen, dance_room, resident):
    Closure.objects.create(space=dance_room, start=at(1, 10), end=at(1, 11), reason="地板维修")
    with pytest.raises(BookingError) as exc:
        book(dance_room, resident, at(1, 9), at(1, 11))
    assert exc.value.code == "closed"
    assert "地板维修" in exc.value.message


def test_it_refuses_a_resident_inside_a_partner_window(frozen, dance_room, resident):
    # 2026-12-02 is a Wednesday; 18:00-20:00 belongs to the partner agency.
    assert refusal(dance_room, resident, at(1, 19), at(1, 20)) == "partner_window"
    assert refusal(dance_room, resident, at(1, 17), at(1, 19)) == "partner_window"


def test_staff_may_book_inside_a_partner_window(frozen, dance_room, staff):
    booking = book(dance_room, staff, at(1, 18), at(1, 20))
    assert booking.status == Booking.Status.APPROVED


def test_it_refuses_more_people_than_the_room_holds(frozen, dance_room, resident):
    assert refusal(dance_room, resident, at(1, 9), at(1, 10), attendees=21) == "over_capacity"
    assert refusal(dance_room, resident, at(1, 9), at(1, 10), attendees=0) == "invalid_attendees"


def test_it_refuses_an_empty_purpose(frozen, dance_room, resident):
    assert refusal(dance_room, resident, at(1, 9), at(1, 10), purpose="  ") == "purpose_required"


@override_settings(LIXIONG_MAX_ACTIVE_BOOKINGS=2)
def test_it_refuses_more_active_future_bookings_than_the_limit(frozen, dance_room, resident):
    book(dance_room, resident, at(1, 9), at(1, 10))
    book(dance_room, resident, at(2, 9), at(2, 10))
    with pytest.raises(BookingError) as exc:
        book(dance_room, resident, at(3, 9), at(3, 10))
    assert exc.value.code == "booking_limit"
    assert Booking.objects.count() == 2


@override_settings(LIXIONG_MAX_ACTIVE_BOOKINGS=1)
def test_past_and_cancelled_bookings_do_not_count_against_the_limit(frozen, dance_room, resident):
    booking = book(dance_room, resident, at(1, 9), at(1, 10))
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    book(dance_room, resident, at(2, 9), at(2, 10))
    frozen.shift(timedelta(days=3))
    book(dance_room, resident, at(4, 9), at(4, 10))
    assert Booking.objects.active().count() == 2


def test_it_refuses_an_overlap_with_a_pending_booking(frozen, dance_room, resident, other_resident):
    book(dance_room, resident, at(1, 9), at(1, 11))
    with pytest.raises(BookingError) as exc:
        book(dance_room, other_resident, at(1, 10), at(1, 12))
    assert exc.value.code == "slot_taken"
    assert exc.value.http_status == 409
    assert Booking.objects.count() == 1


def test_back_to_back_bookings_do_not_overlap(frozen, dance_room, resident, other_resident):
    book(dance_room, resident, at(1, 9), at(1, 10))
    book(dance_room, other_resident, at(1, 10), at(1, 11))
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_frees_its_slot(frozen, dance_room, resident, other_resident):
    first = book(dance_room, resident, at(1, 9), at(1, 10))
    Booking.objects.filter(pk=first.pk).update(status=Booking.Status.CANCELLED)
    assert book(dance_room, other_resident, at(1, 9), at(1, 10)).pk


def test_a_naive_time_means_community_time(frozen, dance_room, resident):
    booking = book(
        dance_room, resident, at(1, 9).replace(tzinfo=None), at(1, 10).replace(tzinfo=None)
    )
    assert booking.start == at(1, 9)
    assert booking.start.utcoffset() is not None


def test_the_message_is_translated(frozen, dance_room, resident):
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(BookingError) as exc:
            book(dance_room, resident, at(1, 12), at(1, 13))
        assert exc.value.message == "The chosen time is outside opening hours."
    # The message follows the language of whoever reads it.
    assert exc.value.message == "所选时间不在开放时间内。"


def test_it_refuses_a_room_that_does_not_exist(frozen, resident):
    with pytest.raises(BookingError) as exc:
        booking_create(
            space=999999,
            booked_by=resident,
            start=at(1, 9),
            end=at(1, 10),
            purpose="x",
            attendees=1,
        )
    assert exc.value.code == "space_not_bookable"


def test_a_walk_in_room_has_no_slots_to_book(frozen, reading_room):
    from spaces.selectors import space_slots

    assert space_slots(space=reading_room, first_day=NOW.date(), days=7) == []


def test_touching_opening_ranges_are_one_stretch_to_book_across(frozen, dance_room, resident):
    from spaces.models import OpeningHours

    # Wednesday: 08-12 and 14-22 by the fixture; add 12-14 so the day is open throughout.
    OpeningHours.objects.create(space=dance_room, weekday=2, opens=time(12), closes=time(14))
    booking = book(dance_room, resident, at(1, 11), at(1, 14))
    assert booking.end == at(1, 14)
