"""A staff member at a desk closes a room over a resident's approved booking, cancels that
booking with the closure's reason in one step, and the resident then sees why, in real
Chromium."""

import os
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
def approved_booking(db):
    """Ahua's approved dance-room booking the day after tomorrow, 10:00-11:00. Every write
    happens here, before the browser starts (see tests/test_browser_journey.py)."""
    compound = Compound.objects.create(name="绿地香颂公馆")
    room = Space.objects.create(
        compound=compound,
        name="舞蹈室",
        kind=Space.Kind.DANCE_ROOM,
        capacity=20,
        bookable_days_ahead=21,
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=room, weekday=weekday, opens=time(8), closes=time(21))
    ahua = make_user("ahua")
    Profile.objects.create(user=ahua, display_name="阿华姐", phone="13800138000", compound=compound)
    make_user("staff", staff=True)
    day = local_today() + timedelta(days=2)
    return Booking.objects.create(
        space=room,
        booked_by=ahua,
        purpose="广场舞排练",
        attendees=8,
        start=datetime.combine(day, time(10), tzinfo=LOCAL_TZ),
        end=datetime.combine(day, time(11), tzinfo=LOCAL_TZ),
        status=Booking.Status.APPROVED,
    )


def test_staff_close_a_room_over_a_booking_cancel_it_with_the_reason_and_the_resident_sees_it(
    approved_booking, live_server, browser
):
    base = live_server.url
    room = approved_booking.space
    day = approved_booking.start.astimezone(LOCAL_TZ).date()

    staff = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff.goto(f"{base}/admin/")
    staff.fill("input[name=login]", "staff")
    staff.fill("input[name=password]", "pass-for-tests-1")
    staff.click("form button[type=submit]")
    staff.wait_for_url(f"{base}/admin/")
    staff.goto(f"{base}/admin/spaces/space/")
    staff.click(f"a[href='/admin/spaces/space/{room.pk}/change/']")
    staff.wait_for_url(f"{base}/admin/spaces/space/{room.pk}/change/")

    # A new closure row over the morning of the booking's day.
    staff.click("#closures-group .add-row a")
    staff.fill("input[name='closures-0-start_0']", f"{day:%Y-%m-%d}")
    staff.fill("input[name='closures-0-start_1']", "08:00")
    staff.fill("input[name='closures-0-end_0']", f"{day:%Y-%m-%d}")
    staff.fill("input[name='closures-0-end_1']", "12:00")
    staff.fill("input[name='closures-0-reason']", "地板维修")
    staff.click("input[name=_continue]")

    # Shown the booking the closure falls on, ticked, with the person and the reason.
    staff.wait_for_url(f"{base}/admin/spaces/space/{room.pk}/closure-bookings/*")
    expect(staff.locator("h1")).to_have_text("暂停开放时段上的预约")
    expect(staff.locator(".workbench-hit")).to_contain_text("阿华姐")
    expect(staff.locator(".workbench-hit")).to_contain_text("13800138000")
    expect(staff.locator(".workbench-hit")).to_contain_text("地板维修")
    expect(staff.locator(f"input[name=booking][value='{approved_booking.pk}']")).to_be_checked()
    staff.click("input[type=submit]:has-text('取消所选预约并通知预约人')")
    staff.wait_for_url(f"{base}/admin/spaces/space/{room.pk}/change/")
    expect(staff.locator("text=已取消 1 个预约")).to_be_visible()

    # Saving the room again does not bring the warning back.
    staff.click("input[name=_continue]")
    staff.wait_for_url(f"{base}/admin/spaces/space/{room.pk}/change/")
    assert staff.locator("text=暂停开放时段上的预约").count() == 0

    resident = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    resident.goto(f"{base}/accounts/login/")
    resident.fill("input[name=login]", "ahua")
    resident.fill("input[name=password]", "pass-for-tests-1")
    resident.click("form button[type=submit]")
    resident.wait_for_url(f"{base}/")
    resident.goto(f"{base}/bookings/")
    booking_on_page = resident.locator("main")
    expect(booking_on_page).to_contain_text("已取消")
    expect(booking_on_page).to_contain_text("地板维修")
    expect(booking_on_page).to_contain_text("舞蹈室")
