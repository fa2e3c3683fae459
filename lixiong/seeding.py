"""What every app's demo seed command shares: one transaction, mails kept off the console,
eager tasks' log lines kept out of the summary, and "N (M new)" bookkeeping."""

import logging
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings

# Every demo login but staff's has this password; their addresses are at this domain.
DEMO_PASSWORD = "lixiong-demo"
EMAIL_DOMAIN = "lixiong.example"


@contextmanager
def quiet_loggers(*names: str):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class SeedCommand(BaseCommand):
    """Subclasses implement `seed()` and `print_summary()`; `self.report` and `self.notes`
    are theirs to fill. Notifications are after-commit and robust: a failing one is logged
    and never undoes the seed."""

    def handle(self, *args, **options):
        self.report = {}
        self.notes = []
        self.prepare()
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            quiet_loggers("celery.app.trace", "kombu.connection"),
            transaction.atomic(),
        ):
            self.seed()
        self.print_summary()

    def prepare(self) -> None:
        """Extra state a seed keeps while it runs."""

    def count(self, key: str, created: bool) -> None:
        total, new = self.report.get(key, (0, 0))
        self.report[key] = (total + 1, new + int(created))

    def seed_demo_person(self, username: str, first_name: str):
        """A demo account with the demo password and a verified address (email verification
        is mandatory): (user, created). An existing account is left as staff edited it."""
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model

        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@{EMAIL_DOMAIN}",
                "first_name": first_name,
                "is_active": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if user.email and not EmailAddress.objects.filter(user=user).exists():
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        self.count("users", created)
        return user, created
