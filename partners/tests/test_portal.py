"""The partner's portal (/partner/): its agreement in plain words, posting classes and free
welfare activities, and the "paid" ticks; each partner sees only its own."""

import pytest
from django.urls import reverse

from conftest import at
from partners.services import agreement_suspend
from partners.tests.portal_fixtures import *  # noqa: F403 (the fixtures)
from programs.errors import ActivityError
from programs.models import Activity
from programs.services import registration_create, registration_mark_paid

pytestmark = pytest.mark.django_db


def class_form(dance_room, category, **overrides):
    data = {
        "title": "少儿书法",
        "category": category.pk,
        "description": "",
        "space": dance_room.pk,
        "date": "2026-12-02",
        "start_time": "18:00",
        "end_time": "19:30",
        "capacity": "10",
        "max_party_size": "1",
        "waitlist_policy": "promote",
        "offer_hours": "12",
        "price_yuan": "40",
        "market_price_yuan": "80",
        "publish": "on",
    }
    return data | overrides


def test_the_portal_explains_the_agreement_in_plain_words(
    frozen, client, partner_member, agreement, post_class
):
    post_class()
    client.force_login(partner_member)
    response = client.get(reverse("partner_portal"))
    page = response.content.decode()
    assert "青少宫培训机构" in page
    assert "市场价的 50%" in page and "5%" in page and "2 场免费公益活动" in page
    assert "2026-01-01 至 2027-12-31" in page
    assert "舞蹈室" in page and "星期三 18:00–20:00" in page
    assert "少儿书法" in page and "普惠价 ¥40.00 · 市场价 ¥80.00" in page


def test_a_suspended_agreement_says_why_on_the_portal(
    frozen, client, partner_member, agreement, staff
):
    agreement_suspend(agreement=agreement, by=staff, reason="三月公益活动未开展")
    client.force_login(partner_member)
    page = client.get(reverse("partner_portal")).content.decode()
    assert "已暂停" in page and "三月公益活动未开展" in page


def test_residents_officers_and_staff_get_a_404(
    client, frozen, resident, officer, department, staff
):
    for user in (resident, officer, staff):
        client.force_login(user)
        assert client.get(reverse("partner_portal")).status_code == 404
    client.logout()
    assert client.get(reverse("partner_portal")).status_code == 302  # to sign in


def test_a_partner_posts_a_half_price_class_in_yuan(
    frozen, client, partner_member, agreement, dance_room, category_art
):
    client.force_login(partner_member)
    response = client.post(
        reverse("partner_class_new"), class_form(dance_room, category_art, price_yuan="39.99")
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.price_fen, activity.market_price_fen) == (3999, 8000)
    assert not activity.is_public_welfare
    assert activity.organiser == agreement.partner.organiser


def test_a_class_over_the_cap_is_refused_on_the_form_with_the_reason(
    frozen, client, partner_member, agreement, dance_room, category_art
):
    client.force_login(partner_member)
    response = client.post(
        reverse("partner_class_new"), class_form(dance_room, category_art, price_yuan="40.01")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "超过了协议的限价" in page and "¥40.00" in page
    assert not Activity.objects.exists()


def test_a_partner_posts_a_free_welfare_activity(
    frozen, client, partner_member, agreement, dance_room, category_art
):
    client.force_login(partner_member)
    data = class_form(dance_room, category_art, title="亲子阅读公益课")
    del data["price_yuan"], data["market_price_yuan"]
    response = client.post(reverse("partner_welfare_new"), data)
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.is_public_welfare and activity.price_fen == 0


def test_a_weekly_series_skips_days_outside_the_window(
    frozen, client, partner_member, agreement, dance_room, category_art
):
    client.force_login(partner_member)
    data = class_form(dance_room, category_art) | {
        "weekdays": ["2", "3"],
        "first_date": "2026-12-02",
        "last_date": "2026-12-10",
    }
    response = client.post(reverse("partner_series_new"), data)
    assert response.status_code == 302
    assert Activity.objects.count() == 2


def test_another_partners_room_is_not_offered_on_the_form(
    frozen, client, partner_member, agreement, second_partner, meeting_room, category_art
):
    client.force_login(partner_member)
    response = client.post(reverse("partner_class_new"), class_form(meeting_room, category_art))
    assert response.status_code == 400
    assert not Activity.objects.exists()


# --- paid ticks -------------------------------------------------------------------------------


@pytest.fixture
def signed_up(frozen, post_class, resident):
    activity = post_class()
    return registration_create(activity=activity, resident=resident)


def test_the_partner_ticks_a_registration_as_paid_and_back(client, partner_member, signed_up):
    client.force_login(partner_member)
    url = reverse("partner_mark_paid", args=[signed_up.pk])
    assert client.post(url, {"paid": "1"}).status_code == 302
    signed_up.refresh_from_db()
    assert signed_up.paid_at is not None
    page = client.get(reverse("partner_payments", args=[signed_up.activity_id])).content
    assert "已付款 1 / 1" in page.decode() and "改为未付款" in page.decode()
    client.post(url, {"paid": "0"})
    signed_up.refresh_from_db()
    assert signed_up.paid_at is None


def test_marking_paid_twice_keeps_the_first_time(partner_member, signed_up, frozen):
    first = registration_mark_paid(registration=signed_up, by=partner_member, paid=True).paid_at
    frozen.shift(3600)
    again = registration_mark_paid(registration=signed_up, by=partner_member, paid=True)
    assert again.paid_at == first


def test_only_the_activitys_organiser_may_mark_paid(signed_up, resident):
    with pytest.raises(ActivityError) as exc:
        registration_mark_paid(registration=signed_up, by=resident, paid=True)
    assert exc.value.code == "not_organiser"


def test_a_free_activity_has_nothing_to_mark_paid(frozen, post_class, resident, partner_member):
    activity = post_class(price_fen=0, market_price_fen=0, is_public_welfare=True)
    registration = registration_create(activity=activity, resident=resident)
    with pytest.raises(ActivityError) as exc:
        registration_mark_paid(registration=registration, by=partner_member, paid=True)
    assert exc.value.code == "not_paid_class"


def test_another_partner_sees_and_changes_nothing_of_this_one(client, second_partner, signed_up):
    client.force_login(second_partner.organiser.members.get())
    assert client.get(reverse("partner_payments", args=[signed_up.activity_id])).status_code == 404
    url = reverse("partner_mark_paid", args=[signed_up.pk])
    assert client.post(url, {"paid": "1"}).status_code == 404
    signed_up.refresh_from_db()
    assert signed_up.paid_at is None
    page = client.get(reverse("partner_portal")).content.decode()
    assert "第二培训机构" in page and "少儿书法" not in page


def test_a_forged_paid_value_changes_nothing(client, partner_member, signed_up):
    client.force_login(partner_member)
    client.post(reverse("partner_mark_paid", args=[signed_up.pk]), {"paid": "yes\x00"})
    signed_up.refresh_from_db()
    assert signed_up.paid_at is None


def test_the_portal_home_costs_a_fixed_number_of_queries(
    client, partner_member, post_class, frozen, django_assert_max_num_queries
):
    for day in (1, 8, 15):
        post_class(start=at(day, 18), end=at(day, 19))
    client.force_login(partner_member)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("partner_portal"))
    assert response.content.decode().count("少儿书法") == 3


# --- the other doors: the organiser area keeps the same rule ----------------------------------


def test_the_organiser_area_refuses_a_partners_class_above_the_cap_too(
    frozen, client, partner_member, agreement, dance_room, category_art, partner
):
    client.force_login(partner_member)
    data = class_form(dance_room, category_art, price_yuan="60") | {
        "organiser": partner.organiser_id,
        "program": "",
    }
    response = client.post(reverse("organiser_activity_new"), data)
    assert response.status_code == 200
    assert "超过了协议的限价" in response.content.decode()
    assert not Activity.objects.exists()


def test_the_organiser_area_edit_refuses_a_room_outside_the_agreement(
    frozen, client, partner_member, post_class, meeting_room, category_art
):
    activity = post_class()
    client.force_login(partner_member)
    data = class_form(meeting_room, category_art)
    response = client.post(reverse("organiser_activity_edit", args=[activity.pk]), data)
    assert "没有分配给贵机构" in response.content.decode()
    activity.refresh_from_db()
    assert activity.space_id != meeting_room.pk


def test_the_organiser_dashboard_links_a_partner_to_its_portal(client, partner_member, agreement):
    client.force_login(partner_member)
    page = client.get(reverse("organiser_dashboard")).content.decode()
    assert reverse("partner_portal") in page
