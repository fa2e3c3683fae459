"""Every message to a person is a row written with the change it reports, sent after commit,
resent by the beat job when the broker or the mail server was down, and sent at most once."""

import smtplib
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connections, transaction
from django.urls import reverse

from conftest import at, make_user
from notifications import services
from notifications.models import Message
from notifications.services import Draft, message_send, messages_queue, outbox_resend
from spaces.services import booking_approve, booking_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _broker_answers_again():
    services._broker_down_until = 0.0
    yield
    services._broker_down_until = 0.0


def _book(space, resident, hour=9):
    return booking_create(
        space=space,
        booked_by=resident,
        start=at(1, hour),
        end=at(1, hour + 1),
        purpose="合唱排练",
        attendees=5,
    )


def test_a_booking_writes_its_messages_in_its_own_transaction(frozen, dance_room, resident, staff):
    booking = _book(dance_room, resident)
    keys = set(Message.objects.values_list("key", flat=True))
    assert keys == {
        f"booking:{booking.pk}:received",
        f"booking:{booking.pk}:staff_request:{staff.pk}",
    }
    assert set(Message.objects.values_list("status", flat=True)) == {"pending"}


def test_a_booking_that_rolls_back_leaves_no_message(frozen, dance_room, resident):
    with pytest.raises(RuntimeError), transaction.atomic():
        _book(dance_room, resident)
        raise RuntimeError("the caller's transaction fails after the booking")
    assert not Message.objects.exists()


def test_messages_go_out_after_commit_once(
    frozen, dance_room, resident, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(dance_room, resident)
    assert sorted(m.to[0] for m in mail.outbox) == ["ahua@example.com", "staff@example.com"]
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
    # The task delivered twice, the resend job: nothing more.
    for message in Message.objects.all():
        assert message_send(message_id=message.pk) == "skipped"
    frozen.shift(timedelta(hours=1))
    assert outbox_resend() == {}
    assert len(mail.outbox) == 2
    assert booking.pk


def test_the_same_event_queued_twice_is_one_message(frozen, resident):
    draft = Draft(key="booking:1:approved", address="a@example.com", subject="s", body="b")
    with transaction.atomic():
        first = messages_queue([draft])
    with transaction.atomic():
        second = messages_queue([draft])
    assert first == second and Message.objects.count() == 1


def test_with_the_broker_down_a_booking_succeeds_and_its_mail_goes_out_once_it_is_back(
    frozen, dance_room, resident, staff, settings, django_capture_on_commit_callbacks
):
    from lixiong.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    with mock.patch(
        "notifications.tasks.send_messages.delay", side_effect=ConnectionRefusedError("redis down")
    ) as delay:
        with django_capture_on_commit_callbacks(execute=True):
            booking = _book(dance_room, resident)
        with django_capture_on_commit_callbacks(execute=True):
            booking_approve(booking=booking, by=staff)
    # One refused publish; the next one in this process did not wait on the dead broker.
    assert delay.call_count == 1
    assert mail.outbox == []
    assert Message.objects.filter(status="pending").count() == 3

    frozen.shift(timedelta(minutes=6))  # the beat job runs once the broker is back
    assert outbox_resend() == {"sent": 3}
    assert sorted(m.subject[:6] for m in mail.outbox) == sorted(
        ["已收到您的预", "您的预约已通", "新的预约申请"]
    )
    assert outbox_resend() == {}


def test_the_broker_refusing_a_publish_is_not_the_requests_problem(
    frozen, dance_room, resident, settings, client
):
    from lixiong.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    client.force_login(resident)
    with mock.patch(
        "notifications.tasks.send_messages.delay", side_effect=OSError("connection refused")
    ):
        response = client.post(
            reverse("api-booking-list"),
            {
                "space": dance_room.pk,
                "start": at(1, 9).isoformat(),
                "end": at(1, 10).isoformat(),
                "purpose": "合唱排练",
                "attendees": 5,
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert Message.objects.filter(status="pending").exists()


class FlakySMTP:
    """A mail backend that fails `failures` times with a transient error, then delivers."""

    failures = 0
    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if FlakySMTP.failures > 0:
            FlakySMTP.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        FlakySMTP.sent.extend(messages)
        return len(messages)


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_outbox.FlakySMTP"
    FlakySMTP.failures, FlakySMTP.sent = 0, []
    return FlakySMTP


def test_a_transient_smtp_error_is_retried_with_backoff_and_sent_once(frozen, flaky_smtp):
    flaky_smtp.failures = 2
    with transaction.atomic():
        [message_id] = messages_queue(
            [Draft(key="k", address="a@example.com", subject="s", body="b")]
        )
    assert message_send(message_id=message_id) == "retry"
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "SMTPServerDisconnected" in message.last_error
    assert outbox_resend() == {}  # its back-off (1 minute) has not passed
    frozen.shift(timedelta(minutes=1))
    assert outbox_resend() == {"retry": 1}
    frozen.shift(timedelta(minutes=2))
    assert outbox_resend() == {"sent": 1}
    assert len(flaky_smtp.sent) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")


def test_a_message_that_keeps_failing_is_given_up_after_its_attempts(frozen, flaky_smtp):
    flaky_smtp.failures = 100
    with transaction.atomic():
        messages_queue([Draft(key="k", address="a@example.com", subject="s", body="b")])
    for _ in range(services.MAX_ATTEMPTS):
        frozen.shift(timedelta(hours=2))
        outbox_resend()
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("failed", services.MAX_ATTEMPTS)


def test_a_subject_with_a_newline_is_sent_on_one_line(frozen):
    with transaction.atomic():
        [message_id] = messages_queue(
            [Draft(key="k", address="a@example.com", subject="报名成功：\r\n书法课", body="b")]
        )
    assert message_send(message_id=message_id) == "sent"
    assert mail.outbox[0].subject == "报名成功： 书法课"


def test_an_interrupted_send_is_marked_failed_not_sent_twice(frozen):
    with transaction.atomic():
        [message_id] = messages_queue(
            [Draft(key="k", address="a@example.com", subject="s", body="b")]
        )
    # A worker claimed it and died before recording the outcome.
    Message.objects.filter(pk=message_id).update(status="sending", claimed_at=at(0, 9))
    frozen.shift(timedelta(hours=1))
    assert outbox_resend() == {}
    message = Message.objects.get()
    assert message.status == "failed" and "interrupted" in message.last_error
    assert mail.outbox == []


def test_staff_send_a_failed_message_again_from_the_admin(frozen, staff, client):
    with transaction.atomic():
        [message_id] = messages_queue(
            [Draft(key="k", address="a@example.com", subject="s", body="b")]
        )
    Message.objects.filter(pk=message_id).update(status="failed", last_error="x")
    client.force_login(staff)
    url = reverse("admin:notifications_message_changelist")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "send_again", "_selected_action": [message_id]}, follow=True
    )
    assert response.status_code == 200
    assert Message.objects.get().status in {"pending", "sent"}


def test_the_staff_who_hear_of_a_request_are_those_who_may_decide(
    frozen, dance_room, resident, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission

    make_user("plain_staff", email="plain@example.com").__class__.objects.filter(
        username="plain_staff"
    ).update(is_staff=True)
    decider = make_user("decider")
    decider.is_staff = True
    decider.save()
    decider.user_permissions.add(Permission.objects.get(codename="change_booking"))
    with django_capture_on_commit_callbacks(execute=True):
        _book(dance_room, resident)
    assert sorted(m.to[0] for m in mail.outbox) == ["ahua@example.com", "decider@example.com"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_one_message_at_once_send_it_once(frozen):
    with mock.patch("notifications.services.enqueue"), transaction.atomic():
        [message_id] = messages_queue(
            [Draft(key="k", address="a@example.com", subject="s", body="b")]
        )
    barrier = threading.Barrier(4)
    outcomes = []

    def worker():
        try:
            barrier.wait(timeout=10)
            outcomes.append(message_send(message_id=message_id))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1


def test_without_a_beat_the_next_message_retries_what_waits(frozen, flaky_smtp):
    # The embedded mode (eager Celery, no beat): a mail that failed for now goes out with the
    # next one once its back-off has passed.
    flaky_smtp.failures = 1
    with mock.patch("notifications.services.enqueue"), transaction.atomic():
        [first] = messages_queue([Draft(key="a", address="a@example.com", subject="s", body="b")])
    assert message_send(message_id=first) == "retry"
    frozen.shift(timedelta(minutes=2))
    services.enqueue(
        messages_queue([Draft(key="b", address="b@example.com", subject="s", body="b")])
    )
    assert sorted(m.to[0] for m in flaky_smtp.sent) == ["a@example.com", "b@example.com"]
