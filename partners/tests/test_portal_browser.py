"""In real Chromium: a partner posts a class over the cap on a phone, is told why at the top of
the form, lowers the price, and the class appears on its portal."""

import os
from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lixiong.timeutil import local_today
from partners.models import Agreement
from partners.tests.portal_fixtures import make_partner
from programs.models import ServiceCategory
from spaces.models import Compound, OpeningHours, PartnerWindow, Space
from tests.conftest import CHROMIUM, browser  # noqa: F401 (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def partner_with_room(db):
    compound = Compound.objects.create(name="绿地香颂公馆")
    room = Space.objects.create(
        compound=compound, name="书法教室", kind=Space.Kind.CLASSROOM, capacity=20
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=room, weekday=weekday, opens=time(8), closes=time(21))
        PartnerWindow.objects.create(space=room, weekday=weekday, opens=time(18), closes=time(20))
    partner = make_partner("青少宫培训机构", "partner_qsg", "91350100M000100Y43")
    agreement = Agreement.objects.create(
        partner=partner,
        signed_on=date(2026, 1, 1),
        valid_from=local_today() - timedelta(days=30),
        valid_to=local_today() + timedelta(days=365),
    )
    agreement.rooms.add(room)
    agreement.windows.add(*room.partner_windows.all())
    ServiceCategory.objects.create(name="书法")
    make_user("ahua")
    return partner, room


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", "pass-for-tests-1")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_partner_is_refused_over_the_cap_then_posts_a_half_price_class(
    partner_with_room,
    live_server,
    browser,  # noqa: F811
):
    base = live_server.url
    day = local_today() + timedelta(days=3)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    sign_in(page, base, "partner_qsg")
    page.goto(f"{base}/partner/")
    expect(page.locator(".agreement-card")).to_contain_text("市场价的 50%")
    page.click("text=发布课程")
    page.fill("#id_title", "少儿书法")
    page.select_option("#id_category", label="书法")
    page.fill("#id_price_yuan", "40.01")
    page.fill("#id_market_price_yuan", "80")
    page.select_option("#id_space", index=1)
    page.fill("#id_date", day.isoformat())
    page.fill("#id_start_time", "18:00")
    page.fill("#id_end_time", "19:30")
    page.fill("#id_capacity", "10")
    page.click("form.portal-form button[type=submit]")
    refusal = page.locator(".not-saved")
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text("最多 ¥40.00")
    assert refusal.bounding_box()["y"] < 844  # seen without scrolling

    page.fill("#id_price_yuan", "40")
    page.click("form.portal-form button[type=submit]")
    page.wait_for_url(f"{base}/partner/")
    expect(page.locator(".portal-activity")).to_contain_text("普惠价 ¥40.00 · 市场价 ¥80.00")
