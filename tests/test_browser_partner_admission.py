"""Issue 8's journey in real Chromium: an agency's person signs in on the way to the application
form and applies with a licence PDF; staff screen the three dimensions and approve in the admin;
the applicant sees "已通过"; once the agreement has its room and windows, the agency posts a
half-price class and a free public-welfare activity on its portal; and a resident signs up for
the class, seeing both prices and the partner's name."""

import os
from datetime import time, timedelta

import pytest
from django.db import connections
from playwright.sync_api import expect

from conftest import make_user
from lixiong.timeutil import local_today
from partners.credit_code import check_character
from partners.models import Agreement
from programs.models import ServiceCategory
from spaces.models import Compound, OpeningHours, PartnerWindow, Space
from tests.conftest import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FIRST17 = "91440606MA4UQG001"


@pytest.fixture
def agency_and_staff(db, settings, tmp_path):
    # The live server runs in this process, so the uploads land in the test's own folder.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    compound = Compound.objects.create(name="绿地香颂公馆")
    room = Space.objects.create(
        compound=compound, name="书法教室", kind=Space.Kind.CLASSROOM, capacity=20
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=room, weekday=weekday, opens=time(8), closes=time(21))
        PartnerWindow.objects.create(
            space=room, weekday=weekday, opens=time(18), closes=time(20), holder="青少宫培训机构"
        )
    ServiceCategory.objects.create(name="书法")
    make_user("ahua")
    return make_user("qsg_chen"), make_user("staff", staff=True)


def sign_in(page, username):
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", "pass-for-tests-1")
    page.click("form button[type=submit]")


def test_an_agency_is_admitted_posts_a_class_and_a_welfare_activity_and_a_resident_signs_up(
    agency_and_staff, live_server, browser, tmp_path
):
    base = live_server.url
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(PDF)
    code = FIRST17 + check_character(FIRST17)

    agency = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    agency.goto(f"{base}/partners/apply/")
    # Not signed in: to the sign-in page, and back to the form after it.
    expect(agency).to_have_url(f"{base}/accounts/login/?next=/partners/apply/")
    sign_in(agency, "qsg_chen")
    agency.wait_for_url(f"{base}/partners/apply/")
    agency.fill("input[name=company_name]", "青少宫培训机构")
    agency.fill("input[name=credit_code]", f"{code[:8].lower()} {code[8:].lower()}")
    agency.fill("input[name=legal_representative]", "李明")
    agency.fill("textarea[name=business_scope]", "文化艺术培训")
    agency.set_input_files("input[name=licence]", str(licence))
    agency.fill("input[name=contact_name]", "陈老师")
    agency.fill("input[name=contact_phone]", "138 0013 8000")
    agency.fill("textarea[name=social_responsibility]", "每月为长者开设免费书法课")
    agency.fill("textarea[name=welfare_commitment]", "每月两场免费少儿书法课")
    agency.fill("input[name=welfare_per_month]", "2")
    agency.fill("textarea[name=proposed_classes]", "少儿书法 每节 80 元")
    agency.select_option("select[name=compound]", label="绿地香颂公馆")
    agency.click("form.admission-form button[type=submit]")
    agency.wait_for_url(f"{base}/partners/application/")
    expect(agency.locator("text=申请已提交，社区工作人员审核后会通知您。")).to_be_visible()
    expect(agency.locator(".badge.admission-submitted")).to_have_text("待审核")

    staff = browser.new_context(locale="zh-CN").new_page()
    staff.goto(f"{base}/admin/")
    sign_in(staff, "staff")
    staff.wait_for_url(f"{base}/admin/")
    staff.goto(f"{base}/admin/partners/application/")
    staff.click("text=青少宫培训机构")
    # The licence opens for staff.
    href = staff.get_attribute("a:has-text('打开上传的文件')", "href")
    opened = staff.request.get(base + href if href.startswith("/") else href)
    assert opened.status == 200 and opened.body() == PDF
    for dimension in ("qualification", "responsibility", "commitment"):
        staff.check(f"input[name={dimension}_passed][value=True]")
        staff.fill(f"textarea[name={dimension}_notes]", "符合")
    staff.fill("textarea[name=decision_reason]", "欢迎进驻，请尽快与社区对接场地。")
    staff.click("input[name=_approve]")
    expect(staff.locator("text=已批准“青少宫培训机构”进驻")).to_be_visible()

    agency.reload()
    expect(agency.locator(".badge.admission-approved")).to_have_text("已通过")
    expect(agency.locator("text=欢迎进驻，请尽快与社区对接场地。")).to_be_visible()
    agency.click("text=进入组织方页面")
    expect(agency.locator("h1")).to_have_text("组织方工作台")

    # Staff give the partner its room and weekly windows (the admin's agreement form, tested in
    # partners/tests/test_portal_admin.py); done directly here to keep the journey short.
    agreement = Agreement.objects.get(partner__name="青少宫培训机构")
    room = Space.objects.get(name="书法教室")
    agreement.rooms.add(room)
    agreement.windows.add(*room.partner_windows.all())
    # While Playwright's event loop runs, asgiref gives these writes a connection of their
    # own; close it, or the test database cannot be dropped at the end of the session.
    connections.close_all()

    day = local_today() + timedelta(days=3)
    agency.goto(f"{base}/partner/")
    expect(agency.locator(".agreement-card")).to_contain_text("市场价的 50%")
    agency.click("text=发布课程")
    agency.fill("#id_title", "少儿书法")
    agency.select_option("#id_category", label="书法")
    agency.fill("#id_price_yuan", "40")
    agency.fill("#id_market_price_yuan", "80")
    agency.select_option("#id_space", index=1)
    agency.fill("#id_date", day.isoformat())
    agency.fill("#id_start_time", "18:00")
    agency.fill("#id_end_time", "19:00")
    agency.fill("#id_capacity", "10")
    agency.click("form.portal-form button[type=submit]")
    agency.wait_for_url(f"{base}/partner/")
    expect(agency.locator(".portal-activity").first).to_contain_text(
        "普惠价 ¥40.00 · 市场价 ¥80.00"
    )

    agency.goto(f"{base}/partner/welfare/new/")
    agency.fill("#id_title", "长者书法公益课")
    agency.select_option("#id_category", label="书法")
    agency.select_option("#id_space", index=1)
    agency.fill("#id_date", day.isoformat())
    agency.fill("#id_start_time", "19:00")
    agency.fill("#id_end_time", "20:00")
    agency.fill("#id_capacity", "10")
    agency.click("form.portal-form button[type=submit]")
    agency.wait_for_url(f"{base}/partner/")
    expect(agency.locator("text=长者书法公益课").first).to_be_visible()

    resident = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN"
    ).new_page()
    resident.goto(f"{base}/accounts/login/")
    sign_in(resident, "ahua")
    resident.wait_for_url(f"{base}/")
    resident.goto(f"{base}/activities/")
    resident.click("text=少儿书法")
    expect(resident.locator("main")).to_contain_text("普惠价 ¥40.00 · 市场价 ¥80.00")
    expect(resident.locator("main")).to_contain_text("青少宫培训机构")
    resident.click("main form button[type=submit]:has-text('报名')")
    expect(resident.locator(".messages")).to_contain_text("报名成功")
