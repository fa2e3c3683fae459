"""A staff member at a desk opens the day board from the admin index, finds tomorrow's pending
request, approves it from the board (in place, by htmx) and sees it approved."""

import os
import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lixiong.timeutil import LOCAL_TZ, local_today
from residents.models import Profile
from spaces.models import Booking, Compound, OpeningHours, Space
from tests.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def tomorrows_request(db):
    # Every write before the browser starts (see test_browser_journey).
    make_user("staff", staff=True)
    resident = make_user("ahua")
    Profile.objects.create(user=resident, display_name="阿华姐")
    compound = Compound.objects.create(name="绿地香颂公馆")
    room = Space.objects.create(
        compound=compound, name="舞蹈室", kind=Space.Kind.DANCE_ROOM, capacity=20
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=room, weekday=weekday, opens=time(8), closes=time(21))
    start = datetime.combine(local_today() + timedelta(days=1), time(10), tzinfo=LOCAL_TZ)
    return Booking.objects.create(
        space=room,
        booked_by=resident,
        purpose="广场舞排练",
        attendees=12,
        start=start,
        end=start + timedelta(hours=1),
        status=Booking.Status.PENDING,
    )


def test_staff_approve_a_pending_request_from_the_day_board(
    tomorrows_request,
    live_server,
    browser,
):
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.goto(f"{base}/admin/")
    page.fill("input[name=login]", "staff")
    page.fill("input[name=password]", "pass-for-tests-1")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    expect(page.locator("#staff-board-module")).to_contain_text("1 个预约待审批")

    page.click("#staff-board-module a:has-text('场地日程看板')")
    page.click("a[rel=next]")  # the request is tomorrow's
    block = page.locator("td.c.pending")
    expect(block).to_contain_text("阿华姐 · 12人")
    expect(block).to_contain_text("待审批")
    request = page.locator(f"#request-{tomorrows_request.pk}")
    expect(request).to_contain_text("广场舞排练")

    request.locator("button:has-text('通过')").click()

    expect(page.locator("#day-board [role=status]")).to_contain_text("已通过：舞蹈室")
    expect(page.locator("td.c.booking")).to_contain_text("阿华姐 · 12人 已通过")
    assert page.locator("td.c.pending").count() == 0
    expect(page.locator(".board-requests h2")).to_contain_text("0 个")
    expect(page.locator("#pending-requests-badge")).to_be_empty()
    # Stored, not only drawn: a reload shows it approved (no database read from this thread,
    # see test_browser_journey).
    page.reload()
    expect(page.locator("td.c.booking")).to_contain_text("已通过")

    # It prints on A4 landscape: 297 x 210 mm is 842 x 595 points.
    pdf = page.pdf(prefer_css_page_size=True)
    assert re.search(rb"/MediaBox \[0 0 841\.9\d* 594\.9\d*\]", pdf)
