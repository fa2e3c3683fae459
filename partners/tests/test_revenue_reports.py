# ruff: noqa: F811 (the fixtures imported from fund_fixtures are used as arguments)
from datetime import date, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from conftest import make_user
from partners.models import FundEntry, RevenueReport
from partners.services import FundError, contribution_for, revenue_report_submit
from partners.tests.fund_fixtures import (  # noqa: F401 (fixtures)
    make_class,
    member_of,
    other_partner,
    partner,
    register,
)

pytestmark = pytest.mark.django_db
NOVEMBER = date(2026, 11, 1)  # NOW (conftest) is 2026-12-01 09:00 in the community


def code_of(**kwargs) -> str:
    with pytest.raises(FundError) as exc:
        revenue_report_submit(**kwargs)
    return exc.value.code


@pytest.mark.parametrize(
    ("revenue_fen", "share", "due"),
    [
        (10, "0.05", 1),  # 0.5 fen rounds up
        (9, "0.05", 0),  # 0.45 fen rounds down
        (30, "0.05", 2),  # 1.5 -> 2
        (50, "0.05", 3),  # 2.5 -> 3 (half up, not half even)
        (1_234_567, "0.05", 61_728),  # 61728.35
        (0, "0.05", 0),
        (999, "0.125", 125),  # 124.875
    ],
)
def test_the_contribution_is_rounded_to_the_fen_half_up(revenue_fen, share, due):
    assert contribution_for(revenue_fen, Decimal(share)) == due


def test_a_report_records_its_contribution_as_a_due_in_the_ledger(frozen, partner):
    report = revenue_report_submit(
        partner=partner, month=NOVEMBER, revenue_fen=800_010, by=member_of(partner)
    )
    assert (report.revenue_fen, report.contribution_fen) == (800_010, 40_001)  # 40000.5 -> up
    due = FundEntry.objects.get(report=report)
    assert (due.kind, due.amount_fen, due.partner) == ("due", 40_001, partner)


def test_implied_revenue_counts_paid_places_of_classes_starting_in_the_month_in_shanghai_time(
    frozen, partner, other_partner, make_class
):
    last_evening = make_class(partner, datetime(2026, 11, 30, 23, 30), price_fen=4000)
    register(last_evening, party_size=2)  # 8000
    register(last_evening, paid=False)  # not paid: not counted
    register(last_evening, status="cancelled")  # paid then cancelled: not counted
    first_morning = make_class(partner, datetime(2026, 11, 1, 0, 0), price_fen=1500)
    register(first_morning)  # 1500
    # 2026-12-01 00:00 in Shanghai is 2026-11-30 16:00 UTC: December's, not November's.
    register(make_class(partner, datetime(2026, 12, 1, 0, 0), price_fen=9999))
    register(make_class(partner, datetime(2026, 10, 31, 23, 59), price_fen=7777))
    register(make_class(other_partner, datetime(2026, 11, 15, 19), price_fen=5555))

    report = revenue_report_submit(
        partner=partner, month=NOVEMBER, revenue_fen=5000, by=member_of(partner)
    )
    assert report.implied_revenue_fen == 9500
    assert report.under_declared


def test_a_month_is_reported_once_and_never_in_advance(frozen, partner):
    by = member_of(partner)
    revenue_report_submit(partner=partner, month=NOVEMBER, revenue_fen=100, by=by)
    assert code_of(partner=partner, month=NOVEMBER, revenue_fen=200, by=by) == "report_exists"
    assert code_of(partner=partner, month=date(2026, 12, 1), revenue_fen=1, by=by) == (
        "month_in_future"
    )
    assert code_of(partner=partner, month=date(2027, 1, 1), revenue_fen=1, by=by) == (
        "month_in_future"
    )
    assert RevenueReport.objects.get().revenue_fen == 100
    assert FundEntry.objects.count() == 1


def test_only_a_member_of_the_partner_reports_for_it(frozen, partner, other_partner):
    for outsider in (member_of(other_partner), make_user("ahua")):
        assert code_of(partner=partner, month=NOVEMBER, revenue_fen=1, by=outsider) == (
            "not_a_partner"
        )
    assert not RevenueReport.objects.exists()


def test_negative_or_non_integer_revenue_is_refused(frozen, partner):
    by = member_of(partner)
    for bad in (-1, 1.5, "100", True, 10**13):
        assert code_of(partner=partner, month=NOVEMBER, revenue_fen=bad, by=by) == (
            "invalid_amount"
        )


def test_a_month_before_the_agreement_needs_no_report(frozen, partner):
    assert code_of(
        partner=partner, month=date(2025, 12, 1), revenue_fen=1, by=member_of(partner)
    ) == ("no_agreement")


# --- the partner's pages ---------------------------------------------------------------------


def test_the_revenue_page_lists_months_and_submits_yuan_exactly(frozen, client, partner):
    client.force_login(member_of(partner))
    page = client.get("/partner/revenue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2026-11" in html and "待申报" in html and "提交营收报告" in html

    response = client.post("/partner/revenue/", {"month": "2026-11", "revenue": "1234.56"})
    assert response.status_code == 302
    assert response["Location"] == "/partner/revenue/2026-11/"
    report = RevenueReport.objects.get()
    assert (report.revenue_fen, report.contribution_fen) == (123_456, 6_173)  # 6172.8
    html = client.get("/partner/revenue/").content.decode()
    assert "已申报，待缴款" in html and "61.73" in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.345", "小数点后两位"),
        ("-5", "不能为负数"),
        ("abc", "请输入金额数字"),
        ("1e5", "请输入金额数字"),
        ("", "必填"),
        ("99999999999999", "请输入金额数字"),
    ],
)
def test_a_bad_amount_is_refused_with_a_clear_message(frozen, client, partner, typed, message):
    client.force_login(member_of(partner))
    response = client.post("/partner/revenue/", {"month": "2026-11", "revenue": typed})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RevenueReport.objects.exists()


def test_a_nul_byte_in_the_amount_is_refused(frozen, client, partner):
    client.force_login(member_of(partner))
    response = client.post("/partner/revenue/", {"month": "2026-11", "revenue": "12\x00"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_second_report_of_a_month_is_refused_on_the_page(frozen, client, partner):
    client.force_login(member_of(partner))
    client.post("/partner/revenue/", {"month": "2026-11", "revenue": "10"})
    response = client.post("/partner/revenue/", {"month": "2026-11", "revenue": "20"})
    # November is no longer offered: the form says so instead of a second report.
    assert response.status_code in (200, 400)
    assert RevenueReport.objects.get().revenue_fen == 1000


def test_the_month_page_breaks_revenue_down_by_class(frozen, client, partner, make_class):
    calligraphy = make_class(partner, datetime(2026, 11, 12, 19), title="书法课", price_fen=4000)
    register(calligraphy, party_size=3)
    coding = make_class(partner, datetime(2026, 11, 30, 23, 30), title="编程课", price_fen=6050)
    register(coding)
    client.force_login(member_of(partner))
    html = client.get("/partner/revenue/2026-11/").content.decode()
    assert "书法课" in html and "120.00" in html
    assert "编程课" in html and "60.50" in html
    assert "180.50" in html  # the total


def test_another_partners_report_is_not_shown_and_residents_get_nothing(
    frozen, client, partner, other_partner
):
    revenue_report_submit(
        partner=partner, month=NOVEMBER, revenue_fen=777_777, by=member_of(partner)
    )
    client.force_login(member_of(other_partner))
    html = client.get("/partner/revenue/2026-11/").content.decode()
    assert "7,777.77" not in html and "7777.77" not in html and "还没有提交营收报告" in html
    client.force_login(make_user("ahua"))
    assert client.get("/partner/revenue/").status_code == 404
    assert client.get("/partner/revenue/2026-11/").status_code == 404
    client.logout()
    assert client.get("/partner/revenue/").status_code == 302


def test_a_future_or_malformed_month_page_is_not_found(frozen, client, partner):
    client.force_login(member_of(partner))
    for month in ("2026-12", "2027-01", "2026-13", "abcd-ef", "1999-01"):
        assert client.get(f"/partner/revenue/{month}/").status_code == 404


def test_the_revenue_page_makes_a_fixed_number_of_queries(
    frozen, client, partner, django_assert_max_num_queries
):
    by = member_of(partner)
    for month in range(1, 11):
        revenue_report_submit(partner=partner, month=date(2026, month, 1), revenue_fen=1000, by=by)
    client.force_login(by)
    with django_assert_max_num_queries(12):
        assert client.get("/partner/revenue/").status_code == 200


# --- the API -----------------------------------------------------------------------------------


def test_the_api_creates_a_report_and_refuses_with_stable_codes(frozen, partner):
    api = APIClient()
    api.force_authenticate(member_of(partner))
    url = "/api/v1/partner/revenue-reports/"
    created = api.post(url, {"month": "2026-11", "revenue_fen": 10}, format="json")
    assert created.status_code == 201
    assert {k: created.json()[k] for k in ("month", "revenue_fen", "contribution_fen")} == {
        "month": "2026-11",
        "revenue_fen": 10,
        "contribution_fen": 1,
    }
    assert created.json()["implied_revenue_fen"] == 0
    again = api.post(url, {"month": "2026-11", "revenue_fen": 10}, format="json")
    assert (again.status_code, again.json()["code"]) == (400, "report_exists")
    future = api.post(url, {"month": "2026-12", "revenue_fen": 10}, format="json")
    assert (future.status_code, future.json()["code"]) == (400, "month_in_future")
    bad = api.post(url, {"month": "2026-1", "revenue_fen": -1}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"month", "revenue_fen"}

    api.force_authenticate(make_user("ahua"))
    resident = api.post(url, {"month": "2026-11", "revenue_fen": 10}, format="json")
    assert (resident.status_code, resident.json()["code"]) == (400, "not_a_partner")
    assert APIClient().post(url, {}, format="json").status_code in (401, 403)


def test_staff_see_under_declared_reports_flagged_and_filtered_in_the_admin(
    frozen, client, partner, other_partner, make_class
):
    register(make_class(partner, datetime(2026, 11, 5, 19), price_fen=10_000))
    revenue_report_submit(partner=partner, month=NOVEMBER, revenue_fen=500, by=member_of(partner))
    revenue_report_submit(
        partner=other_partner, month=NOVEMBER, revenue_fen=500, by=member_of(other_partner)
    )
    client.force_login(make_user("staff", staff=True))
    html = client.get("/admin/partners/revenuereport/?under_declared=yes").content.decode()
    assert html.count("field-month_shown") == 1
    assert 'field-revenue_shown">5.00' in html
    assert "低 95.00 元" in html  # the flag: 100.00 implied, 5.00 declared
