import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lixiong.settings")

app = Celery("lixiong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job is declared here, in one place.
app.conf.beat_schedule = {
    # An unanswered waitlist offer passes to the next person within five minutes of expiry.
    "expire-waitlist-offers": {"task": "programs.tasks.expire_offers", "schedule": 300.0},
    # Messages whose task was never queued (broker down) or whose sending failed for now.
    "outbox-resend": {"task": "notifications.tasks.outbox_resend", "schedule": 60.0},
}
