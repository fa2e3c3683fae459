import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lixiong.settings")

app = Celery("lixiong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job is declared here, in one place (none yet: reminders and reports
# come with their issues).
app.conf.beat_schedule = {}
