"""What residents see of partners: the public list and page (terms in plain words, rooms,
classes, six months of compliance), partner prices in the activity calendar, and the API."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from conftest import make_user
from partners import services
from partners.models import Agreement, ComplianceResult
from partners.tests import test_compliance as compliance_tests
from programs.models import Activity

pytestmark = pytest.mark.django_db

# The compliance tests' fixtures, shared without a conftest of their own.
partner_user = compliance_tests.partner_user
partner = compliance_tests.partner
agreement = compliance_tests.agreement
partner_activity = compliance_tests.partner_activity
local = compliance_tests.local
paid_report = compliance_tests.paid_report
NOVEMBER, OCTOBER = compliance_tests.NOVEMBER, compliance_tests.OCTOBER


@pytest.fixture
def upcoming_class(partner_activity):
    return partner_activity(
        local(2026, 12, 5, 10),
        title="少儿书法",
        price_fen=4000,
        market_price_fen=8000,
        attended=0,
        status=Activity.Status.PUBLISHED,
    )


def text(response) -> str:
    return response.content.decode()


def test_the_partner_page_says_its_terms_in_plain_words(frozen, client, agreement, partner):
    page = text(client.get(f"/partners/{partner.pk}/"))

    assert "课程价格不超过市场价的 50%" in page
    assert "营收的 5% 缴入社区基金" in page
    assert "每月至少开展 2 场免费公益活动" in page
    assert "绿地香颂公馆 · 舞蹈室" in page


def test_the_partner_page_in_english(frozen, client, agreement, partner):
    page = text(client.get(f"/partners/{partner.pk}/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "at most 50% of the market price" in page


def test_the_partner_page_lists_its_upcoming_classes_with_both_prices(
    frozen, client, agreement, partner, upcoming_class
):
    page = text(client.get(f"/partners/{partner.pk}/"))

    assert "少儿书法" in page
    assert "普惠价 ¥40.00" in page and "市场价 ¥80.00" in page


def test_the_partner_page_shows_six_months_of_compliance_in_words(
    frozen, client, agreement, partner, partner_activity
):
    services.compliance_month_run(month=OCTOBER)
    partner_activity(local(2026, 11, 5, 10))
    partner_activity(local(2026, 11, 6, 10))
    paid_report(partner, NOVEMBER)
    services.compliance_month_run(month=NOVEMBER)
    # Older than six months: not shown.
    ComplianceResult.objects.create(
        agreement=agreement,
        month=date(2026, 5, 1),
        welfare_held=0,
        welfare_required=2,
        report_submitted=False,
        contribution_paid=False,
    )

    page = text(client.get(f"/partners/{partner.pk}/"))

    assert page.index("2026-11") < page.index("2026-10")
    assert "2026-05" not in page
    assert "✓ 达标" in page and "✗ 未达标" in page
    assert "2/2" in page and "0/2" in page
    assert "✗ 未提交" in page


def test_an_unknown_partner_page_is_404(client, db):
    assert client.get("/partners/999999/").status_code == 404


def test_the_partner_list_names_each_partner_in_few_queries(
    frozen, client, agreement, partner, django_assert_max_num_queries
):
    services.compliance_month_run(month=NOVEMBER)

    with django_assert_max_num_queries(8):
        page = text(client.get("/partners/"))

    assert partner.name in page
    assert "每月至少开展 2 场免费公益活动" in page
    assert "✗ 未达标" in page


def test_the_calendar_shows_a_partner_class_with_both_prices_and_the_partner(
    frozen, client, agreement, partner, upcoming_class
):
    page = text(client.get("/activities/"))

    assert "普惠价 ¥40.00" in page and "市场价 ¥80.00" in page
    assert "进驻机构 青少宫培训机构" in page

    detail = text(client.get(f"/activities/{upcoming_class.pk}/"))
    assert "普惠价 ¥40.00" in detail
    assert f'href="/partners/{partner.pk}/"' in detail


def test_the_free_only_filter_keeps_welfare_activities_and_drops_classes(
    frozen, client, agreement, partner, upcoming_class, partner_activity
):
    partner_activity(
        local(2026, 12, 6, 10), title="免费亲子阅读", attended=0, status=Activity.Status.PUBLISHED
    )

    page = text(client.get("/activities/", {"free": "1"}))

    assert "免费亲子阅读" in page
    assert "少儿书法" not in page


def test_the_public_partners_api_gives_terms_and_compliance(frozen, agreement, partner):
    services.compliance_month_run(month=NOVEMBER)

    body = APIClient().get("/api/v1/partners/").json()

    row = body["results"][0]
    assert row["name"] == partner.name
    assert row["terms"]["price_cap"] == "0.500"
    assert row["terms"]["welfare_minimum"] == 2
    assert row["compliance"][0]["month"] == "2026-11"
    assert row["compliance"][0]["is_compliant"] is False


def test_a_partner_reads_its_own_compliance_newest_first(frozen, agreement, partner_user):
    services.compliance_month_run(month=OCTOBER)
    services.compliance_month_run(month=NOVEMBER)
    client = APIClient()
    client.force_authenticate(partner_user)

    body = client.get("/api/v1/partner/compliance/").json()

    assert [row["month"] for row in body["results"]] == ["2026-11", "2026-10"]


def test_the_own_compliance_api_is_for_partners_only(frozen, agreement):
    anonymous = APIClient().get("/api/v1/partner/compliance/")
    client = APIClient()
    client.force_authenticate(make_user("resident_x"))
    resident = client.get("/api/v1/partner/compliance/")

    assert anonymous.status_code in (401, 403)
    assert resident.status_code == 404
    assert resident.json()["code"] == "not_found"


def test_a_second_partner_does_not_see_the_first_s_compliance(frozen, agreement, partner):
    from partners.models import Partner
    from programs.models import Organiser

    services.compliance_month_run(month=NOVEMBER)
    other_user = make_user("partner_second")
    organiser = Organiser.objects.create(name="第二机构", kind=Organiser.Kind.PARTNER)
    organiser.members.add(other_user)
    other = Partner.objects.create(
        organiser=organiser,
        name="第二机构",
        credit_code="911100007109288314",
        legal_representative="张三",
        contact_name="张三",
        contact_phone="13900000000",
    )
    Agreement.objects.create(
        partner=other,
        signed_on=date(2026, 12, 1),
        valid_from=date(2026, 12, 1),
        valid_to=date(2027, 12, 1),
    )
    client = APIClient()
    client.force_authenticate(other_user)

    assert client.get("/api/v1/partner/compliance/").json()["results"] == []


def test_the_partner_page_reads_in_few_queries_however_many_months_and_classes(
    frozen, client, agreement, partner, partner_activity, django_assert_max_num_queries
):
    for day in (5, 6, 7):
        partner_activity(
            local(2026, 12, day, 10),
            price_fen=4000,
            market_price_fen=8000,
            attended=0,
            status=Activity.Status.PUBLISHED,
        )
    for month in (date(2026, 9, 1), OCTOBER, NOVEMBER):
        services.compliance_month_run(month=month)

    with django_assert_max_num_queries(9):
        page = text(client.get(f"/partners/{partner.pk}/"))

    assert page.count("普惠价 ¥40.00") == 3
    assert page.count("✗ 未达标") == 3


def test_the_calendar_leads_to_the_partners_page(client, db):
    page = text(client.get("/activities/"))

    assert 'href="/partners/"' in page
