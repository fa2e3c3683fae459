"""The scheduled hand-on of expired waitlist offers. (Messages about registrations go through
the notifications outbox, written by the services.)"""

from celery import shared_task

from . import services


@shared_task
def expire_offers() -> int:
    return services.offers_expire()
