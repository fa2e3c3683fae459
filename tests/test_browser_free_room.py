"""The issue's resident journey in real Chromium on a 390 px phone: find a free room for
"tomorrow 19:00, 90 minutes, 8 people" and book it in one more tap (plus the purpose)."""

import os
import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lixiong.timeutil import local_today
from residents.models import Profile
from spaces.models import Compound, OpeningHours, Space
from tests.conftest import CHROMIUM
from tests.test_browser_journey import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def evening_rooms(db):
    """Two compounds with a half-hour-slot room open every evening; 阿华 lives in the second."""
    rooms = {}
    for position, (compound_name, room_name) in enumerate(
        [("国华新都", "暖心驿站活动室"), ("绿地香颂公馆", "妇儿成长基地活动室")]
    ):
        compound = Compound.objects.create(name=compound_name, position=position)
        space = Space.objects.create(
            compound=compound,
            name=room_name,
            kind=Space.Kind.ACTIVITY_ROOM,
            capacity=30,
            slot_minutes=30,
            min_minutes=60,
            max_minutes=180,
        )
        for weekday in range(7):
            OpeningHours.objects.create(
                space=space, weekday=weekday, opens=time(14), closes=time(21, 30)
            )
        rooms[compound_name] = space
    ahua = make_user("ahua")
    Profile.objects.create(user=ahua, display_name="阿华", compound=rooms["绿地香颂公馆"].compound)
    return rooms


def test_a_resident_on_a_phone_finds_a_free_room_for_tomorrow_evening_and_books_it(
    evening_rooms,
    live_server,
    browser,  # noqa: F811 (the fixture imported above)
):
    base = live_server.url
    tomorrow = local_today() + timedelta(days=1)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    sign_in(page, base, "ahua")

    page.click("header nav a:has-text('找空闲场地')")
    page.wait_for_url(f"{base}/spaces/free/")
    # "Tomorrow" is one tap, not a date picker.
    page.click(".free-days button:has-text('明天')")
    expect(page.locator("input[name=date]")).to_have_value(tomorrow.isoformat())
    expect(page.locator(".free-days button:has-text('明天')")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.select_option("select[name=start]", "19:00")
    page.select_option("select[name=minutes]", "90")
    page.fill("input[name=attendees]", "8")
    page.click("button.free-submit")

    # The phone lands on the results, not on the form it just filled in.
    expect(page).to_have_url(re.compile(r"/spaces/free/\?.*#free-results$"))
    expect(page.locator(".free-results h2")).to_have_text("找到 2 个空闲场地")
    expect(page.locator(".free-results h2")).to_be_in_viewport()
    first = page.locator(".free-room").first
    # Her own compound's room comes first, marked as hers.
    expect(first.locator("h3")).to_have_text("妇儿成长基地活动室")
    expect(first.locator(".badge")).to_have_text("您的小区")
    book = first.locator("a.free-book")
    box = book.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 200  # a thumb's target
    book.click()

    # The booking form is filled in: only the purpose is left.
    page.wait_for_url(f"{base}/spaces/{evening_rooms['绿地香颂公馆'].pk}/book/*")
    expect(page.locator("input[name=start]")).to_have_value(f"{tomorrow.isoformat()}T19:00")
    expect(page.locator("select[name=duration]")).to_have_value("90")
    expect(page.locator("input[name=attendees]")).to_have_value("8")
    page.fill("input[name=purpose]", "合唱排练")
    page.click("button[type=submit]:has-text('提交预约')")

    page.wait_for_url(f"{base}/bookings/")
    expect(page.locator("text=预约已提交，等待工作人员审批。")).to_be_visible()
    expect(page.locator("main")).to_contain_text("妇儿成长基地活动室")
    expect(page.locator("main")).to_contain_text("19:00")
    expect(page.locator(".badge.pending")).to_have_text("待审批")
    # No sideways scrolling on the phone anywhere along the way.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
