# ruff: noqa: F811 (the fixtures imported from fund_fixtures are used as arguments)
"""Two people at once: the month's report, an entry's reversal and the fund's last yuan are
each taken once, whoever comes second is told why."""

import threading
from datetime import date

import pytest
from django.db import connections

from conftest import make_user
from partners.models import FundEntry, RevenueReport
from partners.selectors import fund_balance_fen
from partners.services import (
    FundError,
    fund_contribution_receive,
    fund_entry_reverse,
    fund_spend,
    revenue_report_submit,
)
from partners.tests.fund_fixtures import member_of, partner  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
DAY = date(2026, 12, 1)


def _race(*calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: dict[int, str] = {}

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except FundError as error:
            outcomes[index] = error.code
        except Exception as error:  # a deadlock or an IntegrityError that slipped through
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


def test_two_submissions_of_one_month_make_one_report_and_one_due(frozen, partner):
    by = member_of(partner)
    outcomes = _race(
        *(
            lambda r=r: revenue_report_submit(
                partner=partner, month=date(2026, 11, 1), revenue_fen=r, by=by
            )
            for r in (1000, 2000, 3000)
        )
    )
    assert sorted(outcomes) == ["ok", "report_exists", "report_exists"], outcomes
    assert RevenueReport.objects.count() == FundEntry.objects.filter(kind="due").count() == 1


def test_two_staff_reversing_one_entry_reverse_it_once(frozen, partner):
    staff = make_user("staff", staff=True)
    entry = fund_contribution_receive(partner=partner, amount_fen=500, entry_date=DAY, by=staff)
    outcomes = _race(
        *(lambda: fund_entry_reverse(entry=entry, by=staff, reason="记错了") for _ in range(3))
    )
    assert sorted(outcomes) == ["already_reversed", "already_reversed", "ok"], outcomes
    assert fund_balance_fen() == 0


def test_two_spendings_cannot_together_overdraw_the_fund(frozen, partner):
    staff = make_user("staff", staff=True)
    fund_contribution_receive(partner=partner, amount_fen=1000, entry_date=DAY, by=staff)
    outcomes = _race(
        *(
            lambda: fund_spend(
                amount_fen=600, purpose="购书", approved_by="居委会", entry_date=DAY, by=staff
            )
            for _ in range(2)
        )
    )
    assert sorted(outcomes) == ["balance_too_low", "ok"], outcomes
    assert fund_balance_fen() == 400
