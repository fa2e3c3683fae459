"""Queue, send and resend messages. Other apps call `messages_queue` inside their own
transaction; nothing else writes the outbox."""

import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from .models import Message


def staff_with_permission(permission: str) -> list[tuple[int, str]]:
    """(user id, email) of the active staff accounts that hold `permission` ("app.codename"),
    directly, through a group or as superusers, and have an email: whom to tell about work
    waiting for that permission. Oldest account first."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    app_label, codename = permission.split(".")
    found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    holds = Q(is_superuser=True)
    if found is not None:
        holds |= Q(user_permissions=found) | Q(groups__permissions=found)
    return list(
        get_user_model()
        .objects.filter(holds, is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", "email")
        .distinct()
    )


log = logging.getLogger(__name__)

# Attempts before a message is given up as failed (staff can send it again from the admin).
MAX_ATTEMPTS = 8
# A message claimed this long ago and still "sending" was interrupted mid-send (a worker
# died). It may or may not have gone out, so it is not sent again automatically: at most once.
SENDING_LEASE = timedelta(minutes=30)

# A mail server that is down or refuses for now: worth trying again later.
TRANSIENT_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)


@dataclass(frozen=True)
class Draft:
    """A message to write: `key` names the event, so queuing it twice writes it once."""

    key: str
    address: str
    subject: str
    body: str
    recipient_id: int | None = None


def messages_queue(drafts: list[Draft]) -> list[int]:
    """Write the messages in the caller's transaction and send them once it commits."""
    # One row per key: PostgreSQL refuses a batch that upserts one row twice (an address
    # listed twice in STAFF_NOTIFY_EMAILS), and it is one message anyway.
    drafts = list({d.key[:200]: d for d in drafts if d.address}.values())
    if not drafts:
        return []
    now = timezone.now()
    resend_after = timedelta(minutes=settings.OUTBOX_RESEND_AFTER_MINUTES)
    rows = [
        Message(
            key=d.key[:200],
            recipient_id=d.recipient_id,
            address=d.address,
            # A subject is one header line whatever the caller passed (a title with a newline
            # must not lose the mail to BadHeaderError).
            subject=" ".join(d.subject.split())[:300],
            body=d.body,
            next_attempt_at=now + resend_after,
            created_at=now,
        )
        for d in drafts
    ]
    # One statement for all of them; an event already queued keeps its row (and its status):
    # the no-op update only makes PostgreSQL and SQLite return its id.
    Message.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["key"], update_fields=["key"]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: enqueue(ids), robust=True)
    return ids


# When the broker refused a publish, later publishes in this process skip it for a while
# instead of each waiting on a dead Redis: the resend job sends those messages later.
BROKER_BACKOFF_SECONDS = 30.0
_broker_down_until = 0.0


def enqueue(ids: list[int]) -> None:
    """Hand the messages to a worker (or send them now, when Celery runs eagerly)."""
    global _broker_down_until
    from .tasks import send_messages

    eager = settings.CELERY_TASK_ALWAYS_EAGER
    if not eager and time.monotonic() < _broker_down_until:
        return
    if eager:
        # The embedded mode runs no beat: what failed for now is retried with the next
        # message instead (a few at a time, so a request never carries a backlog).
        outbox_resend(limit=5)
    try:
        send_messages.delay(ids)
    except Exception:  # kombu raises many kinds; any of them means "not queued now"
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
        log.warning("broker unreachable: messages %s wait for the resend job", ids)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes after each failed attempt, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one message if nobody else has. Returns what happened: "sent", "skipped" (already
    sent, being sent, or given up), "retry" (a transient error; tried again later) or
    "failed"."""
    now = now or timezone.now()
    # The claim: only one worker turns pending into sending, and reads what to send in the
    # same statement (PostgreSQL and SQLite both return the row it changed).
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET "status" = %s, "claimed_at" = %s, "attempts" = "attempts" + 1 '
            'WHERE "id" = %s AND "status" = %s RETURNING "address", "subject", "body", "attempts"',
            [
                Message.Status.SENDING,
                connection.ops.adapt_datetimefield_value(now),
                message_id,
                Message.Status.PENDING,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return "skipped"
    message = Message(pk=message_id, address=row[0], subject=row[1], body=row[2], attempts=row[3])
    try:
        EmailMessage(message.subject, message.body, None, [message.address]).send()
    except (BadHeaderError, ValueError, smtplib.SMTPRecipientsRefused) as error:
        _give_up(message, error)
        return "failed"
    except TRANSIENT_ERRORS as error:
        if message.attempts >= MAX_ATTEMPTS:
            _give_up(message, error)
            return "failed"
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.PENDING,
            next_attempt_at=now + backoff(message.attempts),
            last_error=_describe(error),
        )
        log.warning("message %s not sent (%s); retrying later", message.pk, _describe(error))
        return "retry"
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _give_up(message: Message, error: Exception) -> None:
    log.error("message %s failed for good: %s", message.pk, _describe(error))
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.FAILED, last_error=_describe(error)
    )


def outbox_resend(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The beat job: send what is still waiting (its task was never queued, or it failed and
    its back-off has passed), and mark interrupted sends as failed for staff to look at."""
    now = now or timezone.now()
    Message.objects.filter(
        status=Message.Status.SENDING, claimed_at__lt=now - SENDING_LEASE
    ).update(
        status=Message.Status.FAILED,
        last_error="interrupted while sending; not resent automatically (may have arrived)",
    )
    due = Message.objects.filter(status=Message.Status.PENDING, next_attempt_at__lte=now)
    outcomes: dict[str, int] = {}
    for message_id in due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]:
        outcome = message_send(message_id=message_id, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def message_retry(*, message: Message | int) -> bool:
    """Staff send a failed message again (from the admin). False if it was not failed."""
    pk = message.pk if isinstance(message, Message) else message
    updated = Message.objects.filter(pk=pk, status=Message.Status.FAILED).update(
        status=Message.Status.PENDING, next_attempt_at=timezone.now(), attempts=0
    )
    if updated:
        transaction.on_commit(lambda: enqueue([pk]), robust=True)
    return bool(updated)
