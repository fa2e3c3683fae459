# ruff: noqa: F811 (the fixtures imported from fund_fixtures are used as arguments)
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from conftest import make_user, plain_staff
from partners.models import FundEntry, RevenueReport
from partners.selectors import fund_balance_fen, months_with_status, partner_dues
from partners.services import (
    FundError,
    fund_contribution_receive,
    fund_entry_reverse,
    fund_spend,
    revenue_report_correct,
    revenue_report_submit,
)
from partners.tests.fund_fixtures import member_of, other_partner, partner  # noqa: F401

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 1)


def dues_of(p) -> tuple[int, int, int]:
    row = partner_dues().get(pk=p.pk)
    return row.dues_fen, row.received_fen, row.outstanding_fen


def report(p, month: int, revenue_fen: int):
    return revenue_report_submit(
        partner=p, month=date(2026, month, 1), revenue_fen=revenue_fen, by=member_of(p)
    )


def test_dues_do_not_move_the_balance_until_they_are_paid(frozen, partner, staff):
    report(partner, 10, 200_000)  # due 10,000
    report(partner, 11, 100_010)  # due 5,000.5 -> 5,001
    assert fund_balance_fen() == 0
    assert dues_of(partner) == (15_001, 0, 15_001)

    fund_contribution_receive(partner=partner, amount_fen=12_000, entry_date=DAY, by=staff)
    assert fund_balance_fen() == 12_000
    assert dues_of(partner) == (15_001, 12_000, 3_001)


def test_the_ledger_adds_up_across_received_spending_and_reversals(
    frozen, partner, other_partner, staff
):
    report(partner, 11, 1_000_000)  # due 50,000
    report(other_partner, 11, 400_000)  # due 20,000
    paid = fund_contribution_receive(partner=partner, amount_fen=50_000, entry_date=DAY, by=staff)
    wrong = fund_contribution_receive(
        partner=other_partner, amount_fen=2_000, entry_date=DAY, by=staff, note="记错了"
    )
    fund_contribution_receive(partner=other_partner, amount_fen=20_000, entry_date=DAY, by=staff)
    spent = fund_spend(
        amount_fen=30_000,
        purpose="长者饭堂餐具",
        approved_by="社区居委会",
        entry_date=DAY,
        by=staff,
    )
    assert spent.amount_fen == -30_000
    assert fund_balance_fen() == 50_000 + 2_000 + 20_000 - 30_000

    fund_entry_reverse(entry=wrong, by=staff, reason="重复登记")
    fund_entry_reverse(entry=spent, by=staff, reason="活动取消，款项退回")
    assert fund_balance_fen() == 70_000
    assert dues_of(partner) == (50_000, 50_000, 0)
    assert dues_of(other_partner) == (20_000, 20_000, 0)

    fund_entry_reverse(entry=paid, by=staff, reason="银行退票")
    assert fund_balance_fen() == 20_000
    assert dues_of(partner) == (50_000, 0, 50_000)
    # A report corrected by staff (its due reversed, none left) lowers what the partner owes.
    revenue_report_correct(
        report=RevenueReport.objects.get(partner=partner), revenue_fen=0, by=staff, reason="更正"
    )
    assert dues_of(partner) == (0, 0, 0)
    assert fund_balance_fen() == 20_000


def test_an_entry_is_reversed_once_and_a_reversal_never(frozen, partner, staff):
    entry = fund_contribution_receive(partner=partner, amount_fen=100, entry_date=DAY, by=staff)
    reversal = fund_entry_reverse(entry=entry, by=staff, reason="记错了")
    assert (reversal.kind, reversal.amount_fen, reversal.reverses) == ("reversal", -100, entry)
    for target, code in ((entry, "already_reversed"), (reversal, "cannot_reverse_reversal")):
        with pytest.raises(FundError) as exc:
            fund_entry_reverse(entry=target, by=staff, reason="再来一次")
        assert exc.value.code == code
    with pytest.raises(FundError) as exc:
        fund_entry_reverse(entry=entry, by=staff, reason="  ")
    assert exc.value.code == "reason_required"
    assert FundEntry.objects.count() == 2


def test_spending_needs_a_purpose_an_approver_and_the_money(frozen, partner, staff):
    fund_contribution_receive(partner=partner, amount_fen=1_000, entry_date=DAY, by=staff)
    cases = [
        (dict(amount_fen=100, purpose="", approved_by="居委会"), "purpose_required"),
        (dict(amount_fen=100, purpose="购书", approved_by=" "), "approver_required"),
        (dict(amount_fen=0, purpose="购书", approved_by="居委会"), "amount_not_positive"),
        (dict(amount_fen=-5, purpose="购书", approved_by="居委会"), "invalid_amount"),
        (dict(amount_fen=1_001, purpose="购书", approved_by="居委会"), "balance_too_low"),
    ]
    for fields, code in cases:
        with pytest.raises(FundError) as exc:
            fund_spend(entry_date=DAY, by=staff, **fields)
        assert exc.value.code == code
    fund_spend(amount_fen=1_000, purpose="购书", approved_by="居委会", entry_date=DAY, by=staff)
    assert fund_balance_fen() == 0


def test_a_staff_correction_reverses_the_old_due_and_records_the_right_one(frozen, partner, staff):
    wrong = report(partner, 11, 1_000_000)  # due 50,000
    revenue_report_correct(report=wrong, revenue_fen=100_000, by=staff, reason="多写了一个 0")
    wrong.refresh_from_db()
    assert (wrong.revenue_fen, wrong.contribution_fen) == (100_000, 5_000)
    assert dues_of(partner) == (5_000, 0, 5_000)
    assert FundEntry.objects.filter(kind="reversal").count() == 1


def test_two_corrections_leave_only_the_last_due_standing(frozen, partner, staff):
    first = report(partner, 11, 200_000)  # due 10,000
    revenue_report_correct(report=first, revenue_fen=20_000, by=staff, reason="少一个 0")
    revenue_report_correct(report=first, revenue_fen=40_000, by=staff, reason="再核对")
    first.refresh_from_db()
    assert first.contribution_fen == 2_000
    assert dues_of(partner) == (2_000, 0, 2_000)
    assert FundEntry.objects.filter(kind="reversal").count() == 2


def test_a_reports_due_is_corrected_through_the_report_not_reversed_alone(frozen, partner, staff):
    month = report(partner, 11, 100_000)
    due = FundEntry.objects.get(report=month, kind="due")
    with pytest.raises(FundError) as exc:
        fund_entry_reverse(entry=due, by=staff, reason="想冲掉")
    assert exc.value.code == "due_of_report"
    assert dues_of(partner) == (5_000, 0, 5_000)


def test_months_are_due_submitted_or_paid_with_payments_covering_the_oldest_first(
    frozen, partner, staff
):
    report(partner, 9, 100_000)  # 5,000
    report(partner, 10, 100_000)  # 5,000
    fund_contribution_receive(partner=partner, amount_fen=7_000, entry_date=DAY, by=staff)
    months = [date(2026, 11, 1), date(2026, 10, 1), date(2026, 9, 1)]
    statuses = {r["month"].month: r["status"] for r in months_with_status(partner, months)}
    assert statuses == {11: "due", 10: "submitted", 9: "paid"}


# --- the staff page and its exports -------------------------------------------------------------


@pytest.fixture
def ledger(frozen, partner, other_partner, staff):
    report(partner, 11, 1_234_567)  # due 61,728
    report(other_partner, 11, 10)  # due 1
    paid = fund_contribution_receive(partner=partner, amount_fen=60_000, entry_date=DAY, by=staff)
    fund_spend(
        amount_fen=12_345, purpose="=HYPERLINK(1)", approved_by="居委会", entry_date=DAY, by=staff
    )
    fund_entry_reverse(entry=paid, by=staff, reason="退票")
    fund_contribution_receive(partner=partner, amount_fen=61_728, entry_date=DAY, by=staff)
    return staff


def test_the_staff_page_shows_the_balance_dues_and_every_entry(client, ledger, partner):
    client.force_login(ledger)
    html = client.get("/staff/fund/").content.decode()
    assert "¥493.83" in html  # 617.28 − 123.45
    assert "¥0.01" in html  # the second partner's outstanding due
    assert html.count('<span class="badge fund-') == FundEntry.objects.count() == 6
    assert "退票" in html and "导出 Excel" in html
    # The reversed receipt says by which entry, and offers no second reversal.
    paid = FundEntry.objects.get(kind="received", amount_fen=60_000)
    assert f"已被 #{paid.reversed_by.pk} 冲销" in html
    assert f"/staff/fund/entries/{paid.pk}/reverse/" not in html


def test_the_fund_page_needs_the_permission_and_recording_needs_add(client, ledger, partner):
    client.force_login(make_user("ahua"))
    assert client.get("/staff/fund/").status_code == 403
    client.force_login(member_of(partner))
    assert client.get("/staff/fund/ledger.xlsx").status_code == 403
    viewer = plain_staff("viewer", "partners.view_fundentry")
    client.force_login(viewer)
    html = client.get("/staff/fund/").content.decode()
    assert "¥493.83" in html and "登记支出" not in html
    response = client.post(
        "/staff/fund/record/spending/",
        {
            "spend-amount": "1",
            "spend-purpose": "x",
            "spend-approved_by": "y",
            "spend-entry_date": "2026-12-01",
        },
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"/staff/fund/entries/{FundEntry.objects.first().pk}/reverse/", {"reason": "x"}
        ).status_code
        == 403
    )


def test_staff_record_and_reverse_through_the_page(client, ledger, partner):
    client.force_login(ledger)
    response = client.post(
        "/staff/fund/record/spending/",
        {
            "spend-amount": "100.50",
            "spend-purpose": "读书角图书",
            "spend-approved_by": "沥雄社区居委会",
            "spend-entry_date": "2026-12-01",
        },
    )
    assert response.status_code == 302
    spent = FundEntry.objects.get(purpose="读书角图书")
    assert spent.amount_fen == -10_050
    too_much = client.post(
        "/staff/fund/record/spending/",
        {
            "spend-amount": "99999",
            "spend-purpose": "x",
            "spend-approved_by": "y",
            "spend-entry_date": "2026-12-01",
        },
    )
    assert too_much.status_code == 400 and "不够支出" in too_much.content.decode()
    bad = client.post(
        "/staff/fund/record/received/",
        {
            "receive-partner": "999999",
            "receive-amount": "1.001",
            "receive-entry_date": "2026-13-01",
        },
    )
    assert bad.status_code == 400
    assert "小数点后两位" in bad.content.decode()

    assert (
        client.post(f"/staff/fund/entries/{spent.pk}/reverse/", {"reason": "买重了"}).status_code
        == 302
    )
    again = client.post(f"/staff/fund/entries/{spent.pk}/reverse/", {"reason": "再冲"})
    assert again.status_code == 400 and "已经冲销过了" in again.content.decode()
    assert client.post("/staff/fund/entries/999999/reverse/", {"reason": "x"}).status_code == 404


def test_the_admin_lets_nobody_edit_or_delete_an_entry(client, ledger):
    client.force_login(ledger)
    entry = FundEntry.objects.first()
    assert client.get("/admin/partners/fundentry/").status_code == 200
    assert client.get("/admin/partners/fundentry/add/").status_code == 403
    page = client.get(f"/admin/partners/fundentry/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(f"/admin/partners/fundentry/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert FundEntry.objects.filter(pk=entry.pk).exists()


def test_the_xlsx_export_holds_the_same_figures_as_the_page(client, ledger, partner, other_partner):
    client.force_login(ledger)
    response = client.get("/staff/fund/ledger.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    entries = list(FundEntry.objects.order_by("-entry_date", "-pk"))
    body = rows[1 : 1 + len(entries)]
    assert [r[0] for r in body] == [e.pk for e in entries]
    assert [Decimal(str(r[4])) for r in body] == [Decimal(e.amount_fen) / 100 for e in entries]
    # A text that looks like a formula stays text.
    assert "'=HYPERLINK(1)" in [r[5] for r in body]
    summary = {(r[0], r[3]): Decimal(str(r[4])) for r in rows[2 + len(entries) :]}
    assert summary[("社区基金余额（元）", None)] == Decimal("493.83")
    assert summary[("待缴社区基金（元）", partner.name)] == Decimal("0.00")
    assert summary[("待缴社区基金（元）", other_partner.name)] == Decimal("0.01")
    page = client.get("/staff/fund/").content.decode()
    assert "¥493.83" in page and "¥0.01" in page


def test_the_csv_export_holds_the_same_figures_as_the_page(client, ledger, other_partner):
    client.force_login(ledger)
    response = client.get("/staff/fund/ledger.csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["编号", "日期", "类型", "进驻机构", "金额（元）"]
    amounts = [r[4] for r in rows[1:7]]
    assert sorted(amounts) == sorted(
        f"{Decimal(e.amount_fen) / 100:.2f}" for e in FundEntry.objects.all()
    )
    assert ["社区基金余额（元）", "", "", "", "493.83"] in rows
    assert ["待缴社区基金（元）", "", "", other_partner.name, "0.01"] in rows
    assert client.get("/staff/fund/ledger.pdf").status_code == 404


def test_the_staff_page_makes_a_fixed_number_of_queries(
    client, ledger, partner, django_assert_max_num_queries
):
    for _ in range(30):
        fund_contribution_receive(partner=partner, amount_fen=1, entry_date=DAY, by=ledger)
    client.force_login(ledger)
    with django_assert_max_num_queries(15):
        assert client.get("/staff/fund/").status_code == 200


def test_staff_correct_a_report_through_its_page_and_partners_cannot(client, ledger, partner):
    wrong = partner.revenue_reports.get()
    url = f"/staff/fund/reports/{wrong.pk}/correct/"
    client.force_login(member_of(partner))
    assert client.post(url, {"revenue": "1", "reason": "x"}).status_code == 403
    client.force_login(ledger)
    assert "12,345.67" in client.get(url).content.decode()
    bad = client.post(url, {"revenue": "-1", "reason": "多写了"})
    assert bad.status_code == 400 and "不能为负数" in bad.content.decode()
    assert client.post(url, {"revenue": "10000.00", "reason": "多写了"}).status_code == 302
    wrong.refresh_from_db()
    assert (wrong.revenue_fen, wrong.contribution_fen) == (1_000_000, 50_000)
    assert dues_of(partner) == (50_000, 61_728, -11_728)  # paid more than now due: a credit
    html = client.get("/admin/partners/revenuereport/").content.decode()
    assert url in html
