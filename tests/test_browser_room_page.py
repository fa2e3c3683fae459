"""The room page on a phone in real Chromium: a resident picks a day, taps a start and an end,
continues to the form with both filled in, books, and finds the booking marked as theirs."""

import os
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lixiong.timeutil import local_today
from spaces.models import Compound, OpeningHours, PartnerWindow, Space
from tests.conftest import CHROMIUM
from tests.test_browser_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def activity_room(db):
    """Half-hour slots, bookings of one to two hours; written before Playwright starts."""
    make_user("ahua")
    compound = Compound.objects.create(name="碧桂园华府")
    space = Space.objects.create(
        compound=compound,
        name="妇儿成长基地",
        kind=Space.Kind.ACTIVITY_ROOM,
        capacity=20,
        slot_minutes=30,
        min_minutes=60,
        max_minutes=120,
        requires_approval=False,
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(21))
    tomorrow = local_today() + timedelta(days=1)
    PartnerWindow.objects.create(
        space=space, weekday=tomorrow.weekday(), opens=time(16), closes=time(18), holder="青少宫"
    )
    return space


def test_a_resident_picks_a_day_a_start_and_an_end_books_and_sees_it_as_theirs(
    activity_room,
    live_server,
    browser,
):
    base = live_server.url
    tomorrow = local_today() + timedelta(days=1)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    sign_in(page, base, "ahua")
    page.goto(f"{base}/spaces/{activity_room.pk}/")

    # Booking comes first: the chips are on the first screen, and the page is no wider than it.
    chip = page.locator("a.chip", has_text="明天")
    expect(chip).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    chip.click()
    expect(page.locator(".chip[aria-current=date]")).to_contain_text("明天")
    expect(page).to_have_url(f"{base}/spaces/{activity_room.pk}/?date={tomorrow.isoformat()}")
    expect(page.locator(".slot-btn.partner_window")).to_contain_text("机构课程时段：青少宫")

    slot = lambda start: page.locator(f"a.slot-btn.free[data-from='{start}']")  # noqa: E731
    assert slot("19:00").bounding_box()["height"] >= 44
    # An end that would make the booking too long is explained, and the start is kept...
    slot("18:00").click()
    expect(page.locator("[data-pick-message]")).to_contain_text("已选开始时间 18:00")
    slot("20:30").click()
    expect(page.locator("[data-pick-message]")).to_contain_text("一次最多 120 分钟")
    # ...and a second tap on the start lets go of it.
    slot("18:00").click()
    expect(page.locator("[data-pick-panel]")).to_be_hidden()
    slot("19:00").click()
    slot("20:00").click()
    expect(page.locator("[data-pick-summary]")).to_contain_text("19:00–20:30，共 90 分钟")
    page.locator("[data-pick-continue]").click()

    expect(page.locator("select[name=duration]")).to_have_value("90")
    expect(page.locator("[data-summary-end]")).to_have_text("20:30")
    expect(page.locator("[data-summary-length]")).to_have_text("共 90 分钟")
    page.fill("input[name=attendees]", "6")
    page.fill("input[name=purpose]", "亲子阅读会")
    page.click("button[type=submit]:has-text('提交预约')")
    page.wait_for_url(f"{base}/bookings/")
    expect(page.locator("text=预约成功。")).to_be_visible()

    page.goto(f"{base}/spaces/{activity_room.pk}/?date={tomorrow.isoformat()}")
    mine = page.locator("a.slot-btn.mine")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("19:00–20:30")
    expect(mine).to_contain_text("您的预约")
    mine.click()
    page.wait_for_url(f"{base}/bookings/")
