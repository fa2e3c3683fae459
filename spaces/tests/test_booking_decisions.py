from datetime import timedelta

import pytest
from django.core import mail

from conftest import at
from notifications.models import Message
from notifications.tasks import send_messages
from spaces.errors import BookingError
from spaces.models import Booking, Closure, Space
from spaces.services import booking_approve, booking_cancel, booking_create, booking_reject

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(frozen, dance_room, resident):
    return booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="合唱排练",
        attendees=8,
    )


def code_of(call, **kwargs) -> str:
    with pytest.raises(BookingError) as exc:
        call(**kwargs)
    return exc.value.code


def test_staff_approve_a_pending_request_and_it_records_who_and_when(request_, staff):
    booking = booking_approve(booking=request_, by=staff)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.APPROVED
    assert booking.decided_by == staff
    assert booking.decided_at is not None


def test_approval_mails_the_resident_once_even_if_the_task_runs_twice(
    request_, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking_approve(booking=request_, by=staff)
    message = Message.objects.get(key=f"booking:{request_.pk}:approved")
    send_messages([message.pk])
    approved = [m for m in mail.outbox if "已通过" in m.subject]
    assert len(approved) == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 1


def test_approval_rechecks_a_closure_set_after_the_request(request_, staff, dance_room):
    Closure.objects.create(space=dance_room, start=at(1, 8), end=at(1, 12), reason="消防检查")
    assert code_of(booking_approve, booking=request_, by=staff) == "closed"
    request_.refresh_from_db()
    assert request_.status == Booking.Status.PENDING


def test_only_a_pending_request_can_be_approved_or_rejected(request_, staff):
    booking_approve(booking=request_, by=staff)
    assert code_of(booking_approve, booking=request_, by=staff) == "not_pending"
    assert code_of(booking_reject, booking=request_, by=staff, reason="x") == "not_pending"


def test_a_request_whose_time_has_passed_cannot_be_approved(request_, staff, frozen):
    frozen.shift(timedelta(days=2))
    assert code_of(booking_approve, booking=request_, by=staff) == "expired"


def test_a_rejection_needs_a_reason_and_frees_the_slot(request_, staff, dance_room, other_resident):
    assert code_of(booking_reject, booking=request_, by=staff, reason="  ") == "reason_required"
    booking = booking_reject(booking=request_, by=staff, reason="当天有社区活动")
    assert booking.status == Booking.Status.REJECTED
    assert booking.reason == "当天有社区活动"
    again = booking_create(
        space=dance_room,
        booked_by=other_resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="读书会",
        attendees=3,
    )
    assert again.status == Booking.Status.PENDING


def test_a_resident_cancels_their_own_booking_before_it_starts(request_, resident):
    booking = booking_cancel(booking=request_, by=resident, reason="临时有事")
    assert booking.status == Booking.Status.CANCELLED
    assert booking.reason == "临时有事"


def test_a_resident_cannot_cancel_someone_elses_booking(request_, other_resident):
    assert code_of(booking_cancel, booking=request_, by=other_resident) == "not_yours"
    request_.refresh_from_db()
    assert request_.is_active


def test_a_booking_cannot_be_cancelled_once_it_has_started(request_, resident, frozen):
    frozen.shift(timedelta(days=1, minutes=1))  # 09:01 on the booked day
    assert code_of(booking_cancel, booking=request_, by=resident) == "already_started"


def test_a_cancelled_booking_cannot_be_cancelled_again(request_, resident):
    booking_cancel(booking=request_, by=resident)
    assert code_of(booking_cancel, booking=request_, by=resident) == "not_active"


def test_staff_must_give_a_reason_to_cancel_a_residents_booking(request_, staff):
    assert code_of(booking_cancel, booking=request_, by=staff) == "reason_required"
    assert booking_cancel(booking=request_, by=staff, reason="停电").status == "cancelled"


def test_cancellation_and_rejection_mails_carry_the_reason(
    request_, staff, resident, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=request_, by=staff, reason="停电检修")
    cancelled = [m for m in mail.outbox if "已取消" in m.subject]
    assert cancelled and "停电检修" in cancelled[0].body
    assert cancelled[0].to == [resident.email]


def test_a_request_for_a_room_taken_out_of_use_cannot_be_approved(request_, staff, dance_room):
    Space.objects.filter(pk=dance_room.pk).update(is_active=False)
    assert code_of(booking_approve, booking=request_, by=staff) == "space_not_bookable"


def test_only_staff_with_the_booking_permission_decide(request_, other_resident):
    assert code_of(booking_approve, booking=request_, by=other_resident) == "not_yours"
    assert code_of(booking_reject, booking=request_, by=other_resident, reason="x") == "not_yours"
