"""The Content Security Policy in real Chromium: the portal's pages, the Django admin and the API
docs load with nothing refused (Chromium reports each refusal as a console error)."""

import os
from datetime import datetime, time, timedelta

import pytest

from conftest import make_user
from lixiong.timeutil import LOCAL_TZ, local_today
from spaces.models import Compound, OpeningHours, Space
from tests.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def community(db):
    """A room and an activity in it, written before Playwright starts (see the journey test)."""
    from programs.models import Department, Organiser, ServiceCategory
    from programs.services import activity_create

    staff = make_user("staff", staff=True)
    compound = Compound.objects.create(name="碧桂园华府")
    space = Space.objects.create(
        compound=compound, name="舞蹈室", kind=Space.Kind.DANCE_ROOM, capacity=20
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(21))
    reading_room = Space.objects.create(
        compound=compound,
        name="阅览室",
        kind=Space.Kind.READING_ROOM,
        access_mode=Space.AccessMode.WALK_IN,
        capacity=30,
    )
    organiser = Organiser.objects.create(name="大沥镇妇联", kind=Organiser.Kind.DEPARTMENT)
    organiser.members.add(staff)
    Department.objects.create(organiser=organiser, kind=Department.Kind.WOMENS_FEDERATION)
    day = local_today() + timedelta(days=3)
    activity = activity_create(
        organiser=organiser,
        by=staff,
        space=space,
        start=datetime.combine(day, time(10), tzinfo=LOCAL_TZ),
        end=datetime.combine(day, time(12), tzinfo=LOCAL_TZ),
        title="亲子手工坊",
        category=ServiceCategory.objects.create(name="亲子"),
        capacity=8,
    )
    return space, activity, reading_room


def test_pages_admin_and_api_docs_load_without_a_content_security_policy_refusal(
    community,
    live_server,
    browser,
):
    space, activity, reading_room = community
    base = live_server.url
    context = browser.new_context(locale="zh-CN", base_url=base)
    page = context.new_page()
    refusals: dict[str, list[str]] = {}

    def visit(path: str, ready: str):
        messages: list[str] = []
        listener = lambda message: messages.append(f"{message.type}: {message.text}")  # noqa: E731
        page.on("console", listener)
        response = page.goto(path)
        assert response.status < 400, (path, response.status)
        assert response.headers.get("content-security-policy"), path
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        page.remove_listener("console", listener)
        refused = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
        if refused:
            refusals[path] = refused

    visit("/", "main")
    visit(f"/spaces/{space.pk}/", "#week")
    visit(f"/activities/{activity.pk}/", "main h1")
    visit("/api/docs/", ".swagger-ui .info .title")
    visit("/accounts/login/", "form")
    visit("/accounts/signup/", "form")

    page.goto("/admin/")  # the admin's login sends staff to the portal's
    page.fill("input[name=login]", "staff")
    page.fill("input[name=password]", "pass-for-tests-1")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    visit("/admin/", "#content-main")
    visit(f"/admin/spaces/space/{space.pk}/change/", "#space_form")
    visit(f"/admin/programs/activity/{activity.pk}/change/", "#activity_form")
    visit("/", "main")  # signed in: the staff links in the navigation
    visit("/accounts/email/", "form")
    visit("/me/profile/", "form")
    visit(f"/spaces/{reading_room.pk}/qr/", ".qr-poster svg")  # only walk-in rooms have one
    visit("/organiser/", "main h1")

    context.close()
    assert refusals == {}
