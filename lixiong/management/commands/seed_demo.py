"""`python manage.py seed_demo`: the whole demo community of 沥雄社区, safe to run again.

Each app seeds its own part, in the order the apps depend on each other: the ground first
(`seed_spaces`: compounds, rooms, residents, bookings, visits), then the government-led force
(`seed_programs`: departments, programs, activities, registrations, attendance), which looks up
the compounds, rooms and residents the ground created, then the market force (`seed_partners`:
partner agencies, their agreements, classes, revenue reports, the community fund, compliance).
The project package may call every app; the apps never call each other's seeds upwards.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

SEEDS = ("seed_spaces", "seed_programs", "seed_partners")


class Command(BaseCommand):
    help = "Load the whole demo community (rooms and bookings, then programs and activities)."

    def handle(self, *args, **options):
        for name in SEEDS:
            call_command(
                name,
                stdout=self.stdout,
                stderr=self.stderr,
                no_color=options["no_color"],
                force_color=options["force_color"],
            )
