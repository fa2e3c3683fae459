"""The demo partners of seed_partners, loaded as `make run` loads them: through seed_demo."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from conftest import NOW
from lixiong.timeutil import LOCAL_TZ
from partners.credit_code import validate_credit_code
from partners.models import (
    Agreement,
    Application,
    ComplianceResult,
    FundEntry,
    Investment,
    Partner,
    RevenueReport,
)
from programs.models import Activity, Organiser, Registration
from programs.services import can_manage
from spaces.models import Booking, PartnerWindow

pytestmark = pytest.mark.django_db

QSG, LEXUE = "青少宫培训机构", "乐学艺术培训中心"
LAST_MONTH, MONTH_BEFORE = date(2026, 11, 1), date(2026, 10, 1)  # NOW is 1 December 2026


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    models = [
        Partner,
        Agreement,
        Agreement.rooms.through,
        Agreement.windows.through,
        Investment,
        RevenueReport,
        FundEntry,
        ComplianceResult,
        Application,
        Organiser,
        Organiser.members.through,
        PartnerWindow,
        Activity,
        Registration,
        Booking,
        EmailAddress,
        get_user_model(),
    ]
    result = {model._meta.label: model.objects.count() for model in models}
    result["paid"] = Registration.objects.filter(paid_at__isnull=False).count()
    return result


def in_a_window(activity: Activity, windows) -> bool:
    start, end = activity.start.astimezone(LOCAL_TZ), activity.end.astimezone(LOCAL_TZ)
    for window in windows:
        if window.space_id != activity.space_id or window.weekday != start.weekday():
            continue
        opens, closes = window.bounds_on(start.date())
        if opens <= start and end <= closes:
            return True
    return False


def welfare_held(partner: Partner, month: date) -> int:
    activities = Activity.objects.filter(
        organiser=partner.organiser,
        is_public_welfare=True,
        status=Activity.Status.FINISHED,
        final_count__gt=0,
    )
    return sum(1 for a in activities if a.start.astimezone(LOCAL_TZ).date().replace(day=1) == month)


def test_the_seed_creates_both_partners_as_organisers_with_active_agreements(frozen):
    seed()
    for name, compound in [(QSG, "绿地香颂公馆"), (LEXUE, "领地·海纳君庭")]:
        partner = Partner.objects.select_related("organiser", "compound").get(name=name)
        assert partner.organiser.kind == Organiser.Kind.PARTNER
        assert partner.organiser.name == name
        assert partner.compound.name == compound
        validate_credit_code(partner.credit_code)  # a correct check character
        agreement = partner.agreements.get()
        assert agreement.status == Agreement.Status.ACTIVE
        assert agreement.valid_from <= NOW.date() <= agreement.valid_to
        # The community's default terms.
        assert agreement.price_cap == Decimal("0.5")
        assert agreement.fund_share == Decimal("0.05")
        assert agreement.welfare_minimum == 2
        assert agreement.rooms.exists() and agreement.windows.exists()
        assert {w.holder for w in agreement.windows.all()} == {name}
        assert set(agreement.windows.values_list("space", flat=True)) <= set(
            agreement.rooms.values_list("pk", flat=True)
        )


def test_the_youth_palace_partner_holds_its_three_rooms_windows_and_investment(frozen):
    seed()
    partner = Partner.objects.get(name=QSG)
    agreement = partner.agreements.get()
    assert agreement.signed_on.year == NOW.year - 1
    assert agreement.valid_to.year == NOW.year + 1
    assert {r.name for r in agreement.rooms.all()} == {"舞蹈室", "书法教室", "编程教室"}
    # Every window seed_spaces gave it on those rooms, and no other.
    windows = PartnerWindow.objects.filter(holder=QSG, space__compound__name="绿地香颂公馆")
    assert set(agreement.windows.all()) == set(windows) and windows.count() >= 6
    investment = partner.investments.get()
    assert investment.amount_fen == 50_000_000  # 500,000 yuan
    assert investment.area_m2 == Decimal("821")


def test_classes_are_at_exactly_half_the_market_price_and_inside_the_partner_windows(frozen):
    seed()
    for name in (QSG, LEXUE):
        partner = Partner.objects.get(name=name)
        agreement = partner.agreements.get()
        windows = list(agreement.windows.all())
        activities = Activity.objects.filter(organiser=partner.organiser)
        classes = activities.filter(is_public_welfare=False)
        upcoming = classes.filter(start__gt=NOW, status=Activity.Status.PUBLISHED)
        assert upcoming.exists() and classes.filter(status=Activity.Status.FINISHED).exists()
        for activity in classes:
            assert activity.price_fen > 0
            assert activity.price_fen * 2 == activity.market_price_fen, activity
        for activity in activities:
            assert in_a_window(activity, windows), activity
            assert agreement.rooms.filter(pk=activity.space_id).exists()
            assert activity.booking.for_activity and activity.booking.space_id == activity.space_id
        for activity in activities.filter(is_public_welfare=True):
            assert activity.price_fen == 0
    titles = set(Activity.objects.filter(start__gt=NOW).values_list("title", flat=True))
    assert {"少儿书法·楷书入门", "少儿编程·Scratch 创意编程"} <= titles
    calligraphy = Activity.objects.get(title="少儿书法·楷书入门")
    assert (calligraphy.price_fen, calligraphy.market_price_fen) == (4000, 8000)


def test_some_registrations_are_paid_and_the_welfare_activities_were_held_each_month(frozen):
    seed()
    qsg, lexue = Partner.objects.get(name=QSG), Partner.objects.get(name=LEXUE)
    paid = Registration.objects.filter(paid_at__isnull=False)
    assert paid.filter(activity__organiser=qsg.organiser, activity__start__gt=NOW).exists()
    assert not paid.filter(activity__is_public_welfare=True).exists()
    assert welfare_held(qsg, MONTH_BEFORE) == 2
    assert welfare_held(qsg, LAST_MONTH) == 2
    assert welfare_held(lexue, LAST_MONTH) == 1
    # Attendance was taken: the final count is who came plus walk-ins.
    for activity in Activity.objects.filter(organiser__kind="partner", start__lt=NOW):
        assert activity.status == Activity.Status.FINISHED
        attended = activity.registrations.aggregate(n=Sum("attended_count"))["n"]
        assert activity.final_count == attended + activity.walk_in_attendees


def test_revenue_reports_carry_the_contribution_rounded_half_up_due_and_received(frozen):
    seed()
    qsg = Partner.objects.get(name=QSG)
    reports = {r.month: r for r in qsg.revenue_reports.all()}
    assert set(reports) == {MONTH_BEFORE, LAST_MONTH}
    # 2,163,510 fen x 5% = 108,175.5 fen: half up, 108,176.
    assert reports[LAST_MONTH].revenue_fen == 2_163_510
    assert reports[LAST_MONTH].contribution_fen == 108_176
    for report in reports.values():
        assert not report.under_declared and report.implied_revenue_fen > 0
        assert report.due_entries.get().amount_fen == report.contribution_fen
    received = qsg.fund_entries.filter(kind=FundEntry.Kind.RECEIVED)
    assert received.aggregate(n=Sum("amount_fen"))["n"] == sum(
        r.contribution_fen for r in reports.values()
    )
    # The implied revenue is what the paid registrations of that month's classes come to.
    report = reports[LAST_MONTH]
    paid = Registration.objects.filter(
        activity__organiser=qsg.organiser,
        activity__start__gte=datetime(2026, 11, 1, tzinfo=LOCAL_TZ),
        activity__start__lt=datetime(2026, 12, 1, tzinfo=LOCAL_TZ),
        paid_at__isnull=False,
    )
    assert report.implied_revenue_fen == sum(r.party_size * r.activity.price_fen for r in paid)


def test_the_fund_has_a_spending_so_its_balance_is_not_only_contributions(frozen):
    seed()
    spending = FundEntry.objects.get(kind=FundEntry.Kind.SPENDING)
    assert spending.purpose == "长者助餐补贴" and spending.approved_by == "社区党委"
    assert spending.amount_fen < 0 and spending.entry_date.replace(day=1) == LAST_MONTH
    moves = FundEntry.objects.exclude(kind=FundEntry.Kind.DUE)
    balance = moves.aggregate(n=Sum("amount_fen"))["n"]
    received = moves.filter(kind=FundEntry.Kind.RECEIVED).aggregate(n=Sum("amount_fen"))["n"]
    assert 0 < balance < received


def test_last_month_the_youth_palace_kept_every_term_and_the_second_partner_did_not(frozen):
    seed()
    qsg = ComplianceResult.objects.get(agreement__partner__name=QSG)
    assert qsg.month == LAST_MONTH and qsg.is_compliant
    assert (qsg.welfare_held, qsg.welfare_required) == (2, 2)
    assert qsg.report_submitted and qsg.contribution_paid and not qsg.classes_above_cap
    lexue = ComplianceResult.objects.get(agreement__partner__name=LEXUE)
    assert lexue.month == LAST_MONTH and not lexue.is_compliant
    assert not lexue.welfare_met and (lexue.welfare_held, lexue.welfare_required) == (1, 2)


def test_the_pending_application_has_a_valid_code_and_a_readable_pdf_in_private_storage(
    frozen, settings
):
    seed()
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.qualification_passed is None and application.partner is None
    validate_credit_code(application.credit_code)
    application.full_clean()
    path = Path(application.licence.path)
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))  # the tmp dir, not the checkout
    with application.licence.open("rb") as licence:
        pdf = licence.read()
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.rstrip().endswith(b"%%EOF")
    # A reader finds every object where the cross-reference table says it is.
    startxref = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))
    assert pdf[startxref:].startswith(b"xref\n0 6\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", pdf[startxref:])
    assert len(offsets) == 5
    for number, offset in enumerate(offsets, start=1):
        assert pdf[int(offset) :].startswith(f"{number} 0 obj".encode())
    assert b"/Type /Catalog" in pdf and b"/Type /Page " in pdf


def test_the_partner_logins_sign_in_and_manage_only_their_own_organiser(frozen):
    seed()
    qsg, lexue = Partner.objects.get(name=QSG), Partner.objects.get(name=LEXUE)
    for username, mine, theirs in [("partner_qsg", qsg, lexue), ("partner_second", lexue, qsg)]:
        user = authenticate(username=username, password="lixiong-demo")
        assert user is not None and not user.is_staff
        address = EmailAddress.objects.get(user=user)
        assert address.verified and address.primary
        assert can_manage(user, mine.organiser)
        assert not can_manage(user, theirs.organiser)
    assert authenticate(username="partner_applicant", password="lixiong-demo") is not None


def test_running_it_twice_creates_nothing_new(frozen):
    output = seed()
    assert "note:" not in output
    first = counts()
    assert first["partners.Partner"] == 2 and first["paid"] > 0
    output = seed()
    assert counts() == first
    assert "partners: 2 (0 new)" in output


def test_a_rerun_next_month_adds_only_the_upcoming_activities_again(frozen):
    seed()
    first = counts()
    frozen.move_to(NOW + timedelta(days=35))
    output = seed()
    assert "note:" not in output
    again = counts()
    # The four upcoming partner activities have ended and are posted anew; the history (past
    # activities, reports, the fund, compliance) is kept as it was, not added for the new month.
    upcoming = Activity.objects.filter(organiser__kind="partner", start__gt=timezone.now())
    assert upcoming.count() == 4
    for label in ("partners.RevenueReport", "partners.FundEntry", "partners.ComplianceResult"):
        assert again[label] == first[label], label
    assert again["partners.Partner"] == 2 and again["partners.Application"] == 1


def test_a_rerun_keeps_what_staff_changed(frozen):
    seed()
    agreement = Agreement.objects.get(partner__name=QSG)
    Agreement.objects.filter(pk=agreement.pk).update(welfare_minimum=3, status_reason="复核")
    dropped = agreement.windows.first()
    agreement.windows.remove(dropped)
    partner_second = get_user_model().objects.get(username="partner_second")
    Partner.objects.get(name=LEXUE).organiser.members.remove(partner_second)
    Application.objects.update(status=Application.Status.REJECTED, decision_reason="材料不全")
    seed()
    agreement.refresh_from_db()
    assert (agreement.welfare_minimum, agreement.status_reason) == (3, "复核")
    assert not agreement.windows.filter(pk=dropped.pk).exists()
    assert not partner_second.organisers.exists()
    assert Application.objects.get().status == Application.Status.REJECTED


def test_it_prints_the_partner_logins(frozen):
    output = seed()
    assert "Demo partners" in output
    for username in ("partner_qsg", "partner_second", "partner_applicant"):
        assert f"{username} / lixiong-demo" in output


def test_seed_partners_needs_the_ground_first(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_partners", stdout=StringIO())
