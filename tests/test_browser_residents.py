"""A resident in their sixties on a 390 px phone: my bookings and my activities are cards with
44 px buttons, an offered seat counts down, leaving asks first, and the elder-friendly mode
makes text about 21 px and targets 48 px, remembered from page to page."""

import os
import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lixiong.timeutil import LOCAL_TZ, local_today
from tests.conftest import CHROMIUM
from tests.test_browser_journey import dance_room_open_all_week, sign_in

__all__ = ["dance_room_open_all_week"]  # a fixture used here

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def ahua_with_plans(dance_room_open_all_week):
    """ahua has a booking and a seat offered from a waitlist (held 12 hours)."""
    from programs.models import Organiser, ServiceCategory
    from programs.services import activity_create, registration_cancel, registration_create
    from spaces.services import booking_create

    ahua, xiaomei = make_user("ahua"), make_user("xiaomei")
    day = local_today() + timedelta(days=3)
    booking_create(
        space=dance_room_open_all_week,
        booked_by=ahua,
        start=datetime.combine(day, time(15), tzinfo=LOCAL_TZ),
        end=datetime.combine(day, time(17), tzinfo=LOCAL_TZ),
        purpose="广场舞排练",
        attendees=12,
    )
    officer = make_user("officer")
    organiser = Organiser.objects.create(name="大沥镇妇联", kind=Organiser.Kind.DEPARTMENT)
    organiser.members.add(officer)
    activity = activity_create(
        organiser=organiser,
        by=officer,
        space=dance_room_open_all_week,
        start=datetime.combine(day, time(9), tzinfo=LOCAL_TZ),
        end=datetime.combine(day, time(11), tzinfo=LOCAL_TZ),
        title="长者智能手机课",
        category=ServiceCategory.objects.create(name="长者"),
        capacity=1,
        waitlist_policy="offer",
    )
    first = registration_create(activity=activity, resident=xiaomei)
    registration_create(activity=activity, resident=ahua)
    registration_cancel(registration=first, by=xiaomei)
    return activity


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def heights(locator) -> list[float]:
    return [box["height"] for box in (e.bounding_box() for e in locator.all()) if box]


def test_on_a_phone_rows_are_cards_with_big_buttons_and_elder_mode_enlarges_everything(
    ahua_with_plans, live_server, browser
):
    base = live_server.url
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    sign_in(page, base, "ahua")
    # Home: the offered seat first, counting down, and the badge in the nav.
    expect(page.locator(".home-alert.offers")).to_contain_text("长者智能手机课")
    assert re.search(
        r"还剩 (11 小时 5\d|12 小时 0) 分", page.locator(".countdown").first.inner_text()
    )
    expect(page.locator("nav .nav-badge")).to_contain_text("1")

    page.goto(f"{base}/bookings/")
    row = page.locator("table.card-table tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "flex"
    assert min(heights(page.locator("table.card-table .btn"))) >= 44
    assert no_sideways_scroll(page)

    page.goto(f"{base}/me/activities/")
    assert min(heights(page.locator("table.card-table .btn"))) >= 44
    assert no_sideways_scroll(page)

    # Elder mode, switched from the header without script and remembered on the next page.
    page.click(".elder-switch button")
    expect(page.locator("html")).to_have_class("elder")
    assert page.url.endswith("/me/activities/")
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert 20 <= size <= 22
    assert min(heights(page.locator("table.card-table .btn"))) >= 48
    assert no_sideways_scroll(page)
    page.goto(f"{base}/")
    expect(page.locator("html")).to_have_class("elder")
    assert min(heights(page.locator("main .btn"))) >= 48
    assert no_sideways_scroll(page)

    # Declining the seat asks first and then says what was done.
    page.click(".home-alert.offers a:has-text('放弃名额')")
    expect(page.locator("h1")).to_have_text("放弃保留的名额？")
    expect(page.locator(".confirm-loss")).to_contain_text("名额会让给候补的下一位")
    page.click("button:has-text('确认放弃名额')")
    expect(page.locator(".messages")).to_contain_text("已放弃「长者智能手机课」为您保留的名额。")
    assert page.locator("nav .nav-badge").count() == 0
