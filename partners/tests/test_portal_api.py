"""POST/GET /api/v1/partner/activities/: a partner posts classes by API under the same
agreement rules as on its portal."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from partners.models import Agreement
from partners.tests.portal_fixtures import *  # noqa: F403 (the fixtures)
from programs.models import Activity

pytestmark = pytest.mark.django_db

URL = "/api/v1/partner/activities/"


@pytest.fixture
def api(partner_member):
    client = APIClient()
    token = Token.objects.create(user=partner_member)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def body(room, kind, **overrides):
    data = {
        "title": "少儿编程",
        "description": "Scratch 入门",
        "category": kind.pk,
        "space": room.pk,
        "start": "2026-12-02T18:00",
        "end": "2026-12-02T19:30",
        "capacity": 12,
        "price_fen": 4000,
        "market_price_fen": 8000,
        "is_public_welfare": False,
        "max_party_size": 1,
        "status": "published",
    }
    return data | overrides


def test_a_partner_posts_a_class_and_gets_it_as_the_activity_api_shows_it(
    frozen, api, agreement, dance_room, category_art
):
    response = api.post(URL, body(dance_room, category_art), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    shown = APIClient().get(f"/api/v1/activities/{created['id']}/").json()
    assert created == shown
    assert created["price_fen"] == 4000 and created["organiser"]["kind"] == "partner"
    assert created["start"] == "2026-12-02T18:00:00+08:00"


def test_a_draft_stays_a_draft(frozen, api, agreement, dance_room, category_art):
    response = api.post(URL, body(dance_room, category_art, status="draft"), format="json")
    assert response.json()["status"] == "draft"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"price_fen": 4001}, "price_above_cap"),
        ({"price_fen": 1, "market_price_fen": 0}, "price_above_cap"),
        ({"start": "2026-12-02T19:00", "end": "2026-12-02T20:30"}, "outside_partner_window"),
        ({"price_fen": 100, "is_public_welfare": True}, "welfare_not_free"),
    ],
)
def test_the_agreement_refuses_with_its_code(
    frozen, api, agreement, dance_room, category_art, overrides, code
):
    response = api.post(URL, body(dance_room, category_art, **overrides), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Activity.objects.exists()


def test_a_room_not_assigned_is_refused(frozen, api, agreement, meeting_room, category_art):
    response = api.post(URL, body(meeting_room, category_art), format="json")
    assert (response.status_code, response.json()["code"]) == (400, "room_not_assigned")


def test_a_suspended_agreement_is_refused_with_its_reason(
    frozen, api, agreement, dance_room, category_art
):
    Agreement.objects.filter(pk=agreement.pk).update(
        status=Agreement.Status.SUSPENDED, status_reason="营收报告逾期"
    )
    response = api.post(URL, body(dance_room, category_art), format="json")
    assert response.json()["code"] == "agreement_inactive"
    assert "营收报告逾期" in response.json()["detail"]


def test_a_cap_changed_later_applies_to_the_next_post(
    frozen, api, agreement, dance_room, category_art
):
    Agreement.objects.filter(pk=agreement.pk).update(price_cap=Decimal("0.30"))
    response = api.post(URL, body(dance_room, category_art), format="json")
    assert response.json()["code"] == "price_above_cap"


@pytest.mark.parametrize(
    "overrides",
    [
        {"price_fen": -1},
        {"price_fen": 2**40},
        {"space": 999999},
        {"category": "x"},
        {"start": "2026-12-02"},
        {"end": "2026-12-02T17:00"},
        {"title": "a\x00b"},
        {"status": "cancelled"},
    ],
)
def test_bad_input_is_a_400_with_the_field(
    frozen, api, agreement, dance_room, category_art, overrides
):
    response = api.post(URL, body(dance_room, category_art, **overrides), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    # A NUL byte is refused before the fields are read (the request as a whole).
    assert set(response.json()["fields"]) & set(overrides) or any(
        "\x00" in str(value) for value in overrides.values()
    )


def test_the_list_holds_only_the_partners_own_activities(
    frozen, api, agreement, post_class, second_partner, meeting_room, category_art
):
    mine = post_class()
    other = APIClient()
    other.force_authenticate(second_partner.organiser.members.get())
    theirs = other.post(URL, body(meeting_room, category_art, title="他们的课"), format="json")
    assert theirs.status_code == 201, theirs.json()
    listed = api.get(URL).json()["results"]
    assert [a["id"] for a in listed] == [mine.pk]
    assert "description" in listed[0]


def test_a_resident_and_an_anonymous_caller_are_refused(frozen, resident, agreement):
    client = APIClient()
    assert client.get(URL).status_code == 401
    client.force_authenticate(resident)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {}, format="json").status_code == 403
