"""Every periodic job, declared once: Celery beat's schedule is built from this table, and
`python manage.py runjob NAME` runs the same task function by hand, synchronously.

Crontab schedules are read in the community's time zone (CELERY_TIMEZONE = Asia/Shanghai), so
"the 1st at 02:00" is 02:00 in 沥雄, not in UTC."""

from dataclasses import dataclass, field

from celery.schedules import crontab


@dataclass(frozen=True)
class Job:
    task: str  # dotted path of the Celery task
    schedule: float | crontab  # seconds between runs, or a crontab in the community's time
    about: str
    # Options `runjob` accepts for this job (name -> help); the task takes them as keywords.
    options: dict[str, str] = field(default_factory=dict)


JOBS: dict[str, Job] = {
    # An unanswered waitlist offer passes to the next person within five minutes of expiry.
    "offers_expire": Job(
        task="programs.tasks.expire_offers",
        schedule=300.0,
        about="Pass expired waitlist offers to the next person in line.",
    ),
    # Messages whose task was never queued (broker down) or whose sending failed for now.
    "outbox_resend": Job(
        task="notifications.tasks.outbox_resend",
        schedule=60.0,
        about="Send again the outbox messages still waiting.",
    ),
    # The partners' monthly compliance, checked once the month has ended.
    "compliance": Job(
        task="partners.tasks.compliance_monthly",
        schedule=crontab(minute=0, hour=2, day_of_month=1),
        about="Check each partner agreement's terms for the month that just ended.",
        options={"month": "YYYY-MM; default: the month that just ended"},
    ),
}


def beat_schedule() -> dict:
    return {name: {"task": job.task, "schedule": job.schedule} for name, job in JOBS.items()}


def parse_month(value: str):
    """ "2026-11" -> date(2026, 11, 1); a clear ValueError for anything else."""
    import re
    from datetime import date

    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise ValueError(f"Not a month: {value!r}. Write it as YYYY-MM, e.g. 2026-11.")
    return date(int(match[1]), int(match[2]), 1)
