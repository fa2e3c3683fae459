import os

from celery import Celery

from lixiong.jobs import beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lixiong.settings")

app = Celery("lixiong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job is declared once, in lixiong/jobs.py (runjob runs the same table).
app.conf.beat_schedule = beat_schedule()
