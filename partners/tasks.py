"""Periodic jobs of the partners (declared in lixiong/jobs.py)."""

# --- compliance and public pages ---
from celery import shared_task

from lixiong.jobs import parse_month

from . import services


@shared_task(ignore_result=True)
def compliance_monthly(month: str | None = None) -> dict[str, int]:
    """The 1st at 02:00 (Asia/Shanghai): check the month that just ended, or `month`
    ("YYYY-MM") when run by hand."""
    return services.compliance_month_run(month=parse_month(month) if month else None)
