"""The main journey in real Chromium: a resident books a dance-room slot, staff approve it in
the admin, the resident sees it approved."""

import os
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lixiong.timeutil import local_today
from spaces.models import Compound, OpeningHours, Space

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def dance_room_open_all_week(db):
    compound = Compound.objects.create(name="绿地香颂公馆")
    space = Space.objects.create(
        compound=compound,
        name="舞蹈室",
        kind=Space.Kind.DANCE_ROOM,
        capacity=20,
        slot_minutes=60,
        min_minutes=60,
        max_minutes=120,
        bookable_days_ahead=21,
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(21))
    return space


def sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", "pass-for-tests-1")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.fixture
def people(db):
    return make_user("ahua"), make_user("staff", staff=True)


def test_a_resident_books_a_slot_staff_approve_it_and_the_resident_sees_it(
    people, dance_room_open_all_week, live_server, browser
):
    # Every database write happens in fixtures before the browser starts: Playwright's sync
    # API runs the test in its own context, where Django would open a second connection that
    # nothing closes (and PostgreSQL then refuses to drop the test database).
    base = live_server.url
    space = dance_room_open_all_week
    next_monday = local_today() + timedelta(days=7 - local_today().weekday())

    # A phone set to Chinese, as most residents' are.
    resident = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    sign_in(resident, base, "ahua")
    resident.goto(f"{base}/spaces/{space.pk}/?week={next_monday.isoformat()}")
    resident.locator(".week a.slot.free").first.click()
    resident.fill("input[name=attendees]", "6")
    resident.fill("input[name=purpose]", "广场舞排练")
    resident.click("button[type=submit]:has-text('提交预约')")
    resident.wait_for_url(f"{base}/bookings/")
    expect(resident.locator("text=预约已提交，等待工作人员审批。")).to_be_visible()
    expect(resident.locator(".badge.pending")).to_have_text("待审批")

    staff = browser.new_context(locale="zh-CN").new_page()
    staff.goto(f"{base}/admin/login/")
    staff.fill("input[name=username]", "staff")
    staff.fill("input[name=password]", "pass-for-tests-1")
    staff.click("input[type=submit]")
    staff.goto(f"{base}/admin/spaces/pendingbooking/")
    staff.check("input.action-select")
    staff.select_option("select[name=action]", "approve")
    staff.click("button[name=index]")
    expect(staff.locator("text=已通过 1 个预约。")).to_be_visible()

    resident.goto(f"{base}/bookings/")
    expect(resident.locator(".badge.approved")).to_have_text("已通过")
    assert resident.locator(".badge.pending").count() == 0
