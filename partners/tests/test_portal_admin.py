"""Staff's admin for partners, agreements and investments: suspend and reactivate through the
services, rooms and windows that belong together, money typed in yuan and kept in fen."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from partners.models import Agreement, Investment
from partners.tests.portal_fixtures import *  # noqa: F403 (the fixtures)
from spaces.models import PartnerWindow

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:partners_agreement_changelist"


def test_staff_suspend_an_agreement_with_a_reason(client, staff, agreement):
    client.force_login(staff)
    url = reverse(CHANGELIST)
    ask = client.post(url, {"action": "suspend_agreements", ACTION_CHECKBOX_NAME: [agreement.pk]})
    assert "暂停原因" in ask.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE  # nothing until a reason is given
    client.post(
        url,
        {
            "action": "suspend_agreements",
            ACTION_CHECKBOX_NAME: [agreement.pk],
            "apply": "1",
            "reason": "连续两个月未开展公益活动",
        },
    )
    agreement.refresh_from_db()
    assert (agreement.status, agreement.status_reason) == ("suspended", "连续两个月未开展公益活动")
    client.post(url, {"action": "reactivate_agreements", ACTION_CHECKBOX_NAME: [agreement.pk]})
    agreement.refresh_from_db()
    assert (agreement.status, agreement.status_reason) == ("active", "")


def test_a_suspension_without_a_reason_is_asked_again(client, staff, agreement):
    client.force_login(staff)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "suspend_agreements", ACTION_CHECKBOX_NAME: [agreement.pk], "apply": "1"},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


def test_a_window_in_a_room_not_assigned_is_refused(client, staff, agreement, meeting_room):
    stray = PartnerWindow.objects.create(
        space=meeting_room, weekday=1, opens="18:00", closes="20:00"
    )
    client.force_login(staff)
    url = reverse("admin:partners_agreement_change", args=[agreement.pk])
    response = client.post(
        url,
        {
            "partner": agreement.partner_id,
            "signed_on": "2026-01-01",
            "valid_from": "2026-01-01",
            "valid_to": "2027-12-31",
            "price_cap": "0.5",
            "fund_share": "0.05",
            "welfare_minimum": "2",
            "rooms": [r.pk for r in agreement.rooms.all()],
            "windows": [stray.pk],
        },
    )
    assert response.status_code == 200
    assert "没有分配给机构" in response.content.decode()
    assert list(agreement.windows.all()) != [stray]


def test_an_investment_is_typed_in_yuan_and_kept_in_fen(client, staff, partner, dance_room):
    client.force_login(staff)
    response = client.post(
        reverse("admin:partners_investment_add"),
        {
            "partner": partner.pk,
            "space": dance_room.pk,
            "amount_yuan": "500000",
            "area_m2": "821",
            "made_on": "2025-06-01",
            "description": "改造社区青少宫",
        },
    )
    assert response.status_code == 302
    investment = Investment.objects.get()
    assert investment.amount_fen == 50_000_000
    listing = client.get(reverse("admin:partners_investment_changelist")).content.decode()
    assert "¥500,000.00" in listing
    edit = client.get(reverse("admin:partners_investment_change", args=[investment.pk]))
    assert 'value="500000.00"' in edit.content.decode()


def test_the_partner_and_agreement_lists_open(client, staff, agreement, second_partner):
    client.force_login(staff)
    for name in ("admin:partners_partner_changelist", CHANGELIST):
        page = client.get(reverse(name)).content.decode()
        assert "青少宫培训机构" in page and "第二培训机构" in page
