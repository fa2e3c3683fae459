"""No one-tap loss: cancelling a registration, leaving a waitlist or declining an offered seat
first shows what would be lost (GET changes nothing), and the message names what was done."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from programs.models import Registration
from programs.services import registration_cancel, registration_create

pytestmark = pytest.mark.django_db


def act_url(registration, what) -> str:
    return reverse("registration_act", args=[registration.pk, what])


def csrf_client(user) -> Client:
    """A browser that must send the form's CSRF token, as real ones do."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def token_of(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.fixture
def full_class(make_activity, other_resident):
    activity = make_activity(capacity=1, title="亲子手工坊")
    registration_create(activity=activity, resident=other_resident)
    return activity


def test_leaving_the_waitlist_says_the_place_in_line_and_asks_first(frozen, full_class, resident):
    mine = registration_create(activity=full_class, resident=resident)
    client = csrf_client(resident)
    page = client.get(act_url(mine, "cancel")).content.decode()
    assert "退出候补？" in page
    assert "您是候补第 1 位。" in page
    assert "退出后会失去这个位置" in page
    assert "确认退出候补" in page and "返回，不做改动" in page
    mine.refresh_from_db()
    assert mine.status == "waitlisted"  # the question changed nothing
    response = client.post(
        act_url(mine, "cancel"), {"csrfmiddlewaretoken": token_of(page)}, follow=True
    )
    text = response.content.decode()
    assert "已退出「亲子手工坊」的候补名单。" in text
    assert "已取消「亲子手工坊」的报名。" not in text
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_cancelling_a_seat_says_it_goes_to_the_next_person(
    frozen, full_class, resident, other_resident
):
    theirs = Registration.objects.get(resident=other_resident)
    registration_create(activity=full_class, resident=resident)
    client = csrf_client(other_resident)
    page = client.get(act_url(theirs, "cancel")).content.decode()
    assert "取消报名？" in page
    assert "取消后，您的名额会让给候补名单上的下一位。" in page
    response = client.post(
        act_url(theirs, "cancel"), {"csrfmiddlewaretoken": token_of(page)}, follow=True
    )
    assert "已取消「亲子手工坊」的报名。" in response.content.decode()
    assert Registration.objects.get(resident=resident).status == "confirmed"


def test_cancelling_a_seat_nobody_waits_for_says_so(frozen, make_activity, resident):
    mine = registration_create(activity=make_activity(), resident=resident)
    client = csrf_client(resident)
    page = client.get(act_url(mine, "cancel")).content.decode()
    assert "取消后，您的名额会让给其他居民。" in page


def test_declining_an_offered_seat_shows_the_deadline_and_asks_first(
    frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1, waitlist_policy="offer", title="长者智能手机课")
    first = registration_create(activity=activity, resident=other_resident)
    mine = registration_create(activity=activity, resident=resident)
    after_me = registration_create(activity=activity, resident=make_user("third"))
    registration_cancel(registration=first, by=other_resident)
    client = csrf_client(resident)
    page = client.get(act_url(mine, "decline") + "?next=/").content.decode()
    assert "放弃保留的名额？" in page
    assert "名额为您保留到 12月1日 星期二 21:00" in page and "还剩 12 小时 0 分" in page
    assert "放弃后，名额会让给候补的下一位，不能撤回。" in page
    assert '<input type="hidden" name="next" value="/">' in page
    mine.refresh_from_db()
    assert mine.status == "offered"
    response = client.post(
        act_url(mine, "decline"), {"csrfmiddlewaretoken": token_of(page), "next": "/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    mine.refresh_from_db()
    after_me.refresh_from_db()
    assert mine.status == "declined" and after_me.status == "offered"
    page = client.get("/").content.decode()
    assert "已放弃「长者智能手机课」为您保留的名额。" in page


def test_the_confirming_post_needs_the_csrf_token(frozen, make_activity, resident):
    mine = registration_create(activity=make_activity(), resident=resident)
    client = csrf_client(resident)
    assert client.post(act_url(mine, "cancel")).status_code == 403
    mine.refresh_from_db()
    assert mine.status == "confirmed"


def test_the_pages_link_to_the_question_not_to_a_one_tap_form(frozen, full_class, resident):
    mine = registration_create(activity=full_class, resident=resident)
    client = csrf_client(resident)
    detail = client.get(reverse("activity_detail", args=[full_class.pk])).content.decode()
    assert f'href="{act_url(mine, "cancel")}"' in detail
    assert f'action="{act_url(mine, "cancel")}"' not in detail
    mine_page = client.get(reverse("my_activities")).content.decode()
    assert f'href="{act_url(mine, "cancel")}?next=/me/activities/"' in mine_page
    assert f'action="{act_url(mine, "cancel")}"' not in mine_page


def test_a_registration_already_left_is_said_so_without_a_form(frozen, make_activity, resident):
    mine = registration_create(activity=make_activity(), resident=resident)
    registration_cancel(registration=mine, by=resident)
    client = csrf_client(resident)
    page = client.get(act_url(mine, "cancel")).content.decode()
    assert "这个报名已取消或已放弃。" in page
    assert "确认取消报名" not in page
    page = client.get(act_url(mine, "decline")).content.decode()
    assert "现在没有给您保留的名额。" in page


def test_a_forged_next_on_the_question_goes_back_to_the_activity(frozen, make_activity, resident):
    activity = make_activity()
    mine = registration_create(activity=activity, resident=resident)
    client = csrf_client(resident)
    page = client.get(act_url(mine, "cancel") + "?next=https://evil.example.com/").content.decode()
    main = page[page.index("<main") :]
    assert 'href="https://evil.example.com/"' not in main
    assert 'name="next" value="https://evil.example.com/"' not in main
    assert f'href="{reverse("activity_detail", args=[activity.pk])}"' in page


def test_leaving_with_a_next_that_is_not_a_path_lands_on_the_activity_not_an_error(
    frozen, make_activity, resident
):
    activity = make_activity()
    mine = registration_create(activity=activity, resident=resident)
    client = csrf_client(resident)
    page = client.get(act_url(mine, "cancel")).content.decode()
    response = client.post(
        act_url(mine, "cancel"), {"csrfmiddlewaretoken": token_of(page), "next": "abc"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("activity_detail", args=[activity.pk])
    mine.refresh_from_db()
    assert mine.status == "cancelled"


def test_accepting_is_a_post_and_other_peoples_questions_are_not_found(
    client, frozen, full_class, resident, other_resident
):
    theirs = Registration.objects.get(resident=other_resident)
    mine = registration_create(activity=full_class, resident=resident)
    client.force_login(resident)
    assert client.get(act_url(mine, "accept")).status_code == 405
    for what in ("cancel", "decline"):
        assert client.get(act_url(theirs, what)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


def test_the_question_is_in_english_for_english_readers(frozen, full_class, resident):
    mine = registration_create(activity=full_class, resident=resident)
    client = csrf_client(resident)
    client.cookies["django_language"] = "en"
    page = client.get(act_url(mine, "cancel")).content.decode()
    assert "You are number 1 on the waitlist." in page
    assert "Yes, leave the waitlist" in page
    response = client.post(
        act_url(mine, "cancel"), {"csrfmiddlewaretoken": token_of(page)}, follow=True
    )
    assert "You have left the waitlist for “亲子手工坊”." in response.content.decode()
