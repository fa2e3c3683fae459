"""The monthly compliance job: what it counts, where a month ends (Asia/Shanghai), that it runs
once per agreement and month, whom it mails, and the two-months-in-a-row flag."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from conftest import make_user, plain_staff
from lixiong.jobs import JOBS, beat_schedule
from lixiong.timeutil import LOCAL_TZ
from notifications.models import Message
from partners import selectors, services
from partners.models import Agreement, ComplianceResult, FundEntry, Partner, RevenueReport
from programs.models import Activity, Organiser, Registration

pytestmark = pytest.mark.django_db

NOVEMBER = date(2026, 11, 1)
OCTOBER = date(2026, 10, 1)


@pytest.fixture
def partner_user(db):
    return make_user("partner_qsg", email="qsg@example.com")


@pytest.fixture
def partner(partner_user, compound):
    organiser = Organiser.objects.create(name="青少宫培训机构", kind=Organiser.Kind.PARTNER)
    organiser.members.add(partner_user)
    return Partner.objects.create(
        organiser=organiser,
        name="青少宫培训机构",
        credit_code="91350100M000100Y43",
        legal_representative="李明",
        contact_name="王芳",
        contact_phone="13800000000",
        compound=compound,
    )


@pytest.fixture
def agreement(partner, dance_room):
    agreement = Agreement.objects.create(
        partner=partner,
        signed_on=date(2026, 1, 1),
        valid_from=date(2026, 1, 1),
        valid_to=date(2027, 12, 31),
    )
    agreement.rooms.add(dance_room)
    return agreement


@pytest.fixture
def deciding_staff(db):
    user = plain_staff("fund_officer", "partners.change_agreement")
    user.email = "fund@example.com"
    user.save()
    return user


@pytest.fixture
def partner_activity(partner, partner_user, category, dance_room):
    """An activity of the partner starting at `start` (a community time), written straight to
    the database: the month's past is what the job reads."""

    def make(start: datetime, *, price_fen=0, market_price_fen=0, attended=1, **fields):
        fields.setdefault("status", Activity.Status.FINISHED)
        activity = Activity.objects.create(
            organiser=partner.organiser,
            title=fields.pop("title", "公益书法课"),
            category=category,
            space=dance_room,
            start=start,
            end=start + timedelta(hours=1),
            capacity=10,
            price_fen=price_fen,
            market_price_fen=market_price_fen,
            is_public_welfare=price_fen == 0,
            created_by=partner_user,
            **fields,
        )
        if attended:
            resident = make_user(f"r{activity.pk}")
            Registration.objects.create(
                activity=activity,
                resident=resident,
                status=Registration.Status.CONFIRMED,
                party_size=attended,
                attended_count=attended,
                position=1,
            )
        return activity

    return make


def local(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def paid_report(partner, month, revenue_fen=100000):
    report = RevenueReport.objects.create(
        partner=partner, month=month, revenue_fen=revenue_fen, contribution_fen=revenue_fen // 20
    )
    FundEntry.objects.create(
        kind=FundEntry.Kind.DUE,
        partner=partner,
        report=report,
        amount_fen=report.contribution_fen,
        entry_date=month,
    )
    FundEntry.objects.create(
        kind=FundEntry.Kind.RECEIVED,
        partner=partner,
        amount_fen=report.contribution_fen,
        entry_date=month,
    )
    return report


def test_an_activity_at_23_30_on_the_last_day_belongs_to_that_month(
    frozen, agreement, partner, partner_activity
):
    # 23:30 on 30 November local is 15:30 UTC on the 30th: November.
    late = partner_activity(local(2026, 11, 30, 23, 30))
    assert late.start.astimezone(UTC) == datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    # 00:30 on 1 December local is 16:30 UTC on 30 November, but it is December's.
    partner_activity(local(2026, 12, 1, 0, 30))

    services.compliance_month_run(month=NOVEMBER)

    result = ComplianceResult.objects.get(agreement=agreement, month=NOVEMBER)
    assert result.welfare_held == 1
    assert selectors.welfare_held(partner, date(2026, 12, 1)) == 1


def test_the_job_checks_the_month_that_just_ended_by_default(frozen, agreement):
    counts = services.compliance_month_run()

    assert counts == {"checked": 1, "created": 1, "missed": 1}
    assert ComplianceResult.objects.get().month == NOVEMBER


def test_a_compliant_month_is_stored_and_mails_nobody(
    frozen, agreement, partner, partner_activity, deciding_staff
):
    partner_activity(local(2026, 11, 5, 10))
    partner_activity(local(2026, 11, 20, 10))
    partner_activity(local(2026, 11, 21, 10), price_fen=4000, market_price_fen=8000)
    paid_report(partner, NOVEMBER)

    services.compliance_month_run(month=NOVEMBER)

    result = ComplianceResult.objects.get()
    assert (result.welfare_held, result.welfare_required) == (2, 2)
    assert result.report_submitted and result.contribution_paid
    assert result.classes_above_cap == 0
    assert result.is_compliant
    assert not Message.objects.exists()


def test_running_the_job_twice_keeps_one_row_and_sends_no_second_mail(
    frozen, agreement, partner_user, deciding_staff
):
    first = services.compliance_month_run(month=NOVEMBER)
    messages = list(Message.objects.order_by("key").values_list("key", flat=True))
    sent = len(mail.outbox)

    second = services.compliance_month_run(month=NOVEMBER)

    assert first["created"] == 1 and second == {"checked": 1, "created": 0, "missed": 0}
    assert ComplianceResult.objects.count() == 1
    assert list(Message.objects.order_by("key").values_list("key", flat=True)) == messages
    assert len(mail.outbox) == sent
    assert messages == [
        f"compliance:{agreement.pk}:2026-11:partner:{partner_user.pk}",
        f"compliance:{agreement.pk}:2026-11:staff:{deciding_staff.pk}",
    ]


def test_a_missed_month_mails_the_partner_and_staff_saying_what_was_missed(
    frozen, agreement, partner, partner_activity, deciding_staff
):
    partner_activity(local(2026, 11, 5, 10))

    services.compliance_month_run(month=NOVEMBER)

    to_partner = Message.objects.get(address="qsg@example.com")
    assert "2026-11" in to_partner.subject
    assert "已开展 1 场，协议要求至少 2 场" in to_partner.body
    assert "未提交本月营收报告" in to_partner.body
    assert Message.objects.filter(address="fund@example.com").exists()


def test_the_partner_is_mailed_in_the_language_it_applied_in(
    frozen, agreement, partner, partner_user
):
    from partners.models import Application

    Application.objects.create(
        applicant=partner_user,
        company_name=partner.name,
        credit_code=partner.credit_code,
        legal_representative="李明",
        contact_name="王芳",
        contact_phone="13800000000",
        business_scope="培训",
        social_responsibility="-",
        welfare_commitment="-",
        partner=partner,
        welfare_per_month=2,
        language="en",
    )

    services.compliance_month_run(month=NOVEMBER)

    body = Message.objects.get(address="qsg@example.com").body
    assert "revenue report" in body.lower()


def test_an_agreement_not_in_force_that_month_is_not_checked(frozen, partner):
    Agreement.objects.create(
        partner=partner,
        signed_on=date(2025, 1, 1),
        valid_from=date(2025, 1, 1),
        valid_to=date(2026, 10, 31),
        status=Agreement.Status.EXPIRED,
    )
    Agreement.objects.create(
        partner=partner,
        signed_on=date(2026, 11, 20),
        valid_from=date(2026, 12, 1),
        valid_to=date(2027, 11, 30),
    )

    assert services.compliance_month_run(month=NOVEMBER)["checked"] == 0
    assert not ComplianceResult.objects.exists()


def test_an_agreement_that_expired_within_the_month_is_checked(frozen, partner):
    ended = Agreement.objects.create(
        partner=partner,
        signed_on=date(2025, 1, 1),
        valid_from=date(2025, 1, 1),
        valid_to=date(2026, 11, 15),
        status=Agreement.Status.EXPIRED,
    )

    services.compliance_month_run(month=NOVEMBER)

    assert ComplianceResult.objects.get().agreement == ended


def test_a_welfare_activity_counts_only_once_someone_attended(
    frozen, agreement, partner, partner_activity
):
    partner_activity(local(2026, 11, 5, 10), attended=0)
    partner_activity(local(2026, 11, 6, 10), attended=0, walk_in_attendees=3)
    partner_activity(local(2026, 11, 7, 10), status=Activity.Status.CANCELLED)
    partner_activity(local(2026, 11, 8, 10), price_fen=4000, market_price_fen=8000)

    assert selectors.welfare_held(partner, NOVEMBER) == 1


def test_a_class_above_a_lowered_cap_is_counted(frozen, agreement, partner, partner_activity):
    partner_activity(local(2026, 11, 5, 10), price_fen=4000, market_price_fen=8000)
    partner_activity(local(2026, 11, 6, 10), price_fen=3000, market_price_fen=8000)
    agreement.price_cap = Decimal("0.400")
    agreement.save()

    # 40.00 is above 40% of 80.00 (32.00); 30.00 is not.
    assert selectors.classes_above_cap(agreement, NOVEMBER) == 1


def test_a_contribution_is_paid_only_when_received_covers_the_dues(frozen, agreement, partner):
    report = RevenueReport.objects.create(
        partner=partner, month=NOVEMBER, revenue_fen=100000, contribution_fen=5000
    )
    FundEntry.objects.create(
        kind=FundEntry.Kind.DUE,
        partner=partner,
        report=report,
        amount_fen=5000,
        entry_date=NOVEMBER,
    )
    assert not selectors.contribution_paid(partner, NOVEMBER)
    FundEntry.objects.create(
        kind=FundEntry.Kind.RECEIVED, partner=partner, amount_fen=4999, entry_date=NOVEMBER
    )
    assert not selectors.contribution_paid(partner, NOVEMBER)
    FundEntry.objects.create(
        kind=FundEntry.Kind.RECEIVED, partner=partner, amount_fen=1, entry_date=NOVEMBER
    )
    assert selectors.contribution_paid(partner, NOVEMBER)


def test_a_partner_missing_terms_two_months_in_a_row_is_flagged_on_the_admin_index(
    frozen, agreement, partner, client
):
    services.compliance_month_run(month=OCTOBER)
    assert selectors.partners_flagged() == []
    services.compliance_month_run(month=NOVEMBER)

    flagged = selectors.partners_flagged()
    assert [row["partner"] for row in flagged] == [partner]

    client.force_login(make_user("boss", staff=True))
    page = client.get("/admin/").content.decode()
    assert "连续两个月未达标" in page
    assert partner.name in page
    assert "每日工作" in page  # the day board's box stays


def test_a_compliant_month_between_misses_clears_the_flag(
    frozen, agreement, partner, partner_activity
):
    services.compliance_month_run(month=OCTOBER)
    partner_activity(local(2026, 11, 5, 10))
    partner_activity(local(2026, 11, 6, 10))
    paid_report(partner, NOVEMBER)
    services.compliance_month_run(month=NOVEMBER)

    assert selectors.partners_flagged() == []


def test_compliance_is_scheduled_the_first_at_two_in_the_community_s_time(settings):
    from lixiong.celery import app

    schedule = app.conf.beat_schedule["compliance"]["schedule"]
    assert app.conf.timezone == "Asia/Shanghai"
    assert schedule.hour == {2} and schedule.minute == {0} and schedule.day_of_month == {1}
    assert set(beat_schedule()) == set(JOBS) == {"offers_expire", "outbox_resend", "compliance"}


def test_runjob_compliance_checks_the_month_asked_for(frozen, agreement, capsys):
    call_command("runjob", "compliance", "--month", "2026-10")

    assert ComplianceResult.objects.get().month == OCTOBER
    assert "'created': 1" in capsys.readouterr().out


def test_runjob_runs_the_other_jobs_by_name(frozen):
    call_command("runjob", "outbox_resend")
    call_command("runjob", "offers_expire")


def test_runjob_refuses_an_unknown_job_and_lists_the_jobs():
    with pytest.raises(CommandError) as error:
        call_command("runjob", "nightly")
    assert "offers_expire" in str(error.value) and "compliance" in str(error.value)


@pytest.mark.parametrize("month", ["2026-13", "2026/11", "Nov", "2026-1", "1999-12", "2026-11\x00"])
def test_runjob_refuses_a_bad_month_clearly(month):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("runjob", "compliance", "--month", month)


def test_runjob_refuses_a_month_for_a_job_without_one():
    with pytest.raises(CommandError, match="no --month"):
        call_command("runjob", "outbox_resend", "--month", "2026-11")


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_the_beat_task_is_the_function_runjob_calls(frozen, agreement):
    from partners.tasks import compliance_monthly

    compliance_monthly.delay()

    assert ComplianceResult.objects.get().month == NOVEMBER


def test_staff_without_the_agreement_permission_see_no_flag_box(frozen, agreement, client):
    services.compliance_month_run(month=OCTOBER)
    services.compliance_month_run(month=NOVEMBER)
    client.force_login(plain_staff("desk_only", "spaces.change_booking"))

    assert "连续两个月未达标" not in client.get("/admin/").content.decode()


def test_the_admin_lists_results_by_month_and_offers_no_editing(frozen, agreement, client):
    services.compliance_month_run(month=NOVEMBER)
    client.force_login(make_user("boss", staff=True))

    page = client.get("/admin/partners/complianceresult/").content.decode()
    result = ComplianceResult.objects.get()

    assert "2026-11" in page and "0/2" in page
    assert client.get("/admin/partners/complianceresult/add/").status_code == 403
    assert client.post(f"/admin/partners/complianceresult/{result.pk}/delete/").status_code == 403


def test_a_month_not_yet_ended_is_refused_and_stores_nothing(frozen, agreement):
    # NOW is 1 December 2026: December is still running, June 2027 has not begun.
    for month in ("2026-12", "2027-06"):
        with pytest.raises(CommandError, match="还没结束"):
            call_command("runjob", "compliance", "--month", month)
    assert not ComplianceResult.objects.exists()


def test_an_agreement_suspended_after_its_month_is_still_checked_for_it(
    frozen, agreement, deciding_staff
):
    services.agreement_suspend(agreement=agreement, by=deciding_staff, reason="连续未达标")
    counts = services.compliance_month_run(month=date(2026, 11, 1))
    assert counts["checked"] == 1
    assert ComplianceResult.objects.filter(agreement=agreement, month=date(2026, 11, 1)).exists()
