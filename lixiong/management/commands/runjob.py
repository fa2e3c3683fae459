"""`python manage.py runjob NAME [--month YYYY-MM]`: run one periodic job now, synchronously,
the same task function Celery beat runs (the jobs are declared once, in lixiong/jobs.py)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from lixiong.jobs import JOBS, parse_month


class Command(BaseCommand):
    help = "Run a periodic job by name, now. Jobs: " + ", ".join(JOBS)

    def add_arguments(self, parser):
        parser.add_argument("name", help="one of: " + ", ".join(JOBS))
        parser.add_argument("--month", help="YYYY-MM, for jobs that check a month")

    def handle(self, *args, name, month=None, **options):
        job = JOBS.get(name)
        if job is None:
            listing = "\n".join(f"  {key}: {value.about}" for key, value in JOBS.items())
            raise CommandError(f"Unknown job {name!r}. The jobs are:\n{listing}")
        kwargs = {}
        if month is not None:
            if "month" not in job.options:
                raise CommandError(f"The job {name!r} takes no --month.")
            try:
                parse_month(month)
            except ValueError as error:
                raise CommandError(str(error)) from None
            kwargs["month"] = month.strip()
        task = import_string(job.task)
        # Calling the task object runs its function here and now, not through the broker.
        try:
            result = task(**kwargs)
        except ValueError as error:  # a job refusing its arguments (a month not yet ended)
            raise CommandError(str(error)) from None
        self.stdout.write(f"{name}: {result}")
