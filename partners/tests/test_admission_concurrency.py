"""Two staff members deciding one application at the same moment: the row lock makes one
decision, and approving twice still makes one partner."""

import threading

import pytest
from django.db import connections

from conftest import make_user
from partners import services
from partners.models import Agreement, Application, Partner
from partners.tests.test_admission import screened, submitted
from programs.models import Organiser


def _race(*calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: dict[int, str] = {}

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except services.ApplicationError as error:
            outcomes[index] = error.code
        except Exception as error:  # a deadlock or any other database error
            outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return [outcomes[i] for i in range(len(calls))]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_at_once_make_one_partner():
    staff = [make_user("screener_a", staff=True), make_user("screener_b", staff=True)]
    application = screened(submitted(make_user("qsg")), staff[0])
    outcomes = _race(
        *(
            lambda by=by: services.application_approve(application=application.pk, by=by)
            for by in staff
        )
    )
    assert outcomes == ["ok", "ok"]
    assert Partner.objects.count() == 1
    assert Organiser.objects.filter(kind=Organiser.Kind.PARTNER).count() == 1
    assert Agreement.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_approval_and_a_rejection_at_once_leave_one_decision():
    staff = [make_user("screener_a", staff=True), make_user("screener_b", staff=True)]
    application = screened(submitted(make_user("qsg")), staff[0])
    outcomes = _race(
        lambda: services.application_approve(application=application.pk, by=staff[0]),
        lambda: services.application_reject(
            application=application.pk, by=staff[1], reason="资质不符"
        ),
    )
    application.refresh_from_db()
    if application.status == Application.Status.APPROVED:
        assert outcomes == ["ok", "already_decided"]
        assert Partner.objects.count() == 1
    else:
        assert outcomes == ["already_rejected", "ok"]
        assert Partner.objects.count() == 0
