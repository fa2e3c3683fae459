"""Every model change ships with its migration: a field's validators, length or a constraint's
message changes nothing in the database, yet a missing migration leaves the next
`makemigrations` to pick it up inside someone else's change."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration(capsys):
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=1)
    except SystemExit:
        pytest.fail("Model changes without a migration:\n" + capsys.readouterr().out)
