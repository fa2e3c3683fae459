"""The main journey in real Chromium: a resident books a dance-room slot, staff approve it in
the admin, the resident sees it approved."""

import os
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from conftest import make_user
from lixiong.timeutil import local_today
from spaces.models import Compound, OpeningHours, Space
from tests.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


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
    resident.goto(f"{base}/spaces/{space.pk}/?date={next_monday.isoformat()}")
    # On a phone the room page shows one day: tap a free slot as the start, then continue.
    resident.locator("a.slot-btn.free").first.click()
    resident.locator("[data-pick-continue]").click()
    resident.fill("input[name=attendees]", "6")
    resident.fill("input[name=purpose]", "广场舞排练")
    resident.click("button[type=submit]:has-text('提交预约')")
    resident.wait_for_url(f"{base}/bookings/")
    expect(resident.locator("text=预约已提交，等待工作人员审批。")).to_be_visible()
    expect(resident.locator(".badge.pending")).to_have_text("待审批")

    staff = browser.new_context(locale="zh-CN").new_page()
    # Staff sign in through the portal's login (the admin's own form sends them there).
    staff.goto(f"{base}/admin/")
    staff.fill("input[name=login]", "staff")
    staff.fill("input[name=password]", "pass-for-tests-1")
    staff.click("form button[type=submit]")
    staff.wait_for_url(f"{base}/admin/")
    staff.goto(f"{base}/admin/spaces/pendingbooking/")
    staff.check("input.action-select")
    staff.select_option("select[name=action]", "approve")
    staff.click("button[name=index]")
    expect(staff.locator("text=已通过 1 个预约。")).to_be_visible()

    resident.goto(f"{base}/bookings/")
    expect(resident.locator(".badge.approved")).to_have_text("已通过")
    assert resident.locator(".badge.pending").count() == 0


@pytest.fixture
def full_activity(db, dance_room_open_all_week):
    """A parent-child class whose only seat is taken, with a waitlist that promotes at once."""
    from datetime import datetime

    from lixiong.timeutil import LOCAL_TZ
    from programs.models import Department, Organiser, ServiceCategory
    from programs.services import activity_create, registration_create

    officer = make_user("officer")
    organiser = Organiser.objects.create(name="大沥镇妇联", kind=Organiser.Kind.DEPARTMENT)
    organiser.members.add(officer)
    Department.objects.create(organiser=organiser, kind=Department.Kind.WOMENS_FEDERATION)
    day = local_today() + timedelta(days=3)
    activity = activity_create(
        organiser=organiser,
        by=officer,
        space=dance_room_open_all_week,
        start=datetime.combine(day, time(10), tzinfo=LOCAL_TZ),
        end=datetime.combine(day, time(12), tzinfo=LOCAL_TZ),
        title="亲子手工坊",
        category=ServiceCategory.objects.create(name="亲子"),
        capacity=1,
    )
    registration_create(activity=activity, resident=make_user("xiaomei"))
    make_user("ahua")
    return activity


def test_a_resident_joins_the_waitlist_of_a_full_activity_and_is_promoted_when_a_seat_frees(
    full_activity, live_server, browser
):
    base = live_server.url
    ahua = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    sign_in(ahua, base, "ahua")
    ahua.goto(f"{base}/activities/")
    ahua.click("text=亲子手工坊")
    expect(ahua.locator(".badge.closed")).to_have_text("已满")
    ahua.click("button:has-text('加入候补')")
    expect(ahua.locator("text=您在候补名单第 1 位")).to_be_visible()

    xiaomei = browser.new_context(locale="zh-CN").new_page()
    sign_in(xiaomei, base, "xiaomei")
    xiaomei.goto(f"{base}/activities/{full_activity.pk}/")
    xiaomei.click("a:has-text('取消报名')")
    # It asks first, saying what is lost, and then names what was done.
    expect(xiaomei.locator("text=取消后，您的名额会让给候补名单上的下一位。")).to_be_visible()
    xiaomei.click("button:has-text('确认取消报名')")
    expect(xiaomei.locator("text=已取消「亲子手工坊」的报名。")).to_be_visible()

    ahua.goto(f"{base}/me/activities/")
    expect(ahua.locator(".badge.confirmed")).to_have_text("已报名")
    ahua.goto(f"{base}/activities/{full_activity.pk}/")
    expect(ahua.locator("text=我的签到二维码")).to_be_visible()
