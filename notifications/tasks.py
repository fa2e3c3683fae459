"""Sending the outbox. Tasks take a message id; the claim in `message_send` makes a task that
runs twice (a redelivery, the resend job at the same moment) send once."""

from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=services.MAX_ATTEMPTS, ignore_result=True)
def send_message(self, message_id: int) -> str:
    outcome = services.message_send(message_id=message_id)
    if outcome == "retry" and not self.request.is_eager:
        # Back off in the broker; the resend job would pick it up too, and the claim makes
        # whichever comes second do nothing.
        attempts = self.request.retries + 1
        raise self.retry(countdown=services.backoff(attempts).total_seconds())
    return outcome


@shared_task(ignore_result=True)
def outbox_resend() -> dict:
    return services.outbox_resend()
