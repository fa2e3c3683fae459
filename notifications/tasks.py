"""Sending the outbox. Tasks take message ids; the claim in `message_send` makes a task that
runs twice (a redelivery, the resend job at the same moment) send each message once."""

from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=services.MAX_ATTEMPTS, ignore_result=True)
def send_messages(self, message_ids: list[int]) -> dict[str, int]:
    """The messages one transaction wrote, in one task (one publish per booking, not one per
    recipient: publishing cost the web request more than writing the rows)."""
    outcomes: dict[str, int] = {}
    retry = []
    for message_id in message_ids:
        outcome = services.message_send(message_id=message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == "retry":
            retry.append(message_id)
    if retry and not self.request.is_eager:
        # Back off in the broker; the resend job would pick them up too, and the claim makes
        # whichever comes second do nothing.
        attempts = self.request.retries + 1
        raise self.retry(args=[retry], countdown=services.backoff(attempts).total_seconds())
    return outcomes


@shared_task(ignore_result=True)
def outbox_resend() -> dict:
    return services.outbox_resend()
