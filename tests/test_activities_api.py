"""The activities API at /api/v1/: its contract (shapes, codes, statuses). The seat and
waitlist rules themselves are covered through the services in programs/tests."""

from datetime import time

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from conftest import at, make_user
from programs.models import Activity, Organiser, Registration, ServiceCategory
from programs.services import (
    activity_cancel,
    activity_create,
    registration_cancel,
    registration_create,
)
from spaces.models import Compound, OpeningHours, Space
from tests.test_api import ERROR_KEYS, client_for, error, token_client

pytestmark = pytest.mark.django_db

ACTIVITY_KEYS = {
    "id",
    "title",
    "organiser",
    "program",
    "category",
    "space",
    "start",
    "end",
    "capacity",
    "seats_left",
    "waitlist_length",
    "price_fen",
    "market_price_fen",
    "is_free",
    "is_public_welfare",
    "min_age",
    "max_age",
    "audience",
    "registration_opens",
    "registration_closes",
    "max_party_size",
    "waitlist_policy",
    "status",
    "share_url",
}
REGISTRATION_KEYS = {
    "id",
    "activity",
    "party_size",
    "status",
    "position",
    "offer_expires_at",
    "attended_count",
    "created_at",
}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [activity["id"] for activity in response.json()["results"]]


def register(client, activity, **body):
    return client.post(f"/api/v1/activities/{activity.pk}/register/", body, format="json")


def act(client, registration_id: int, verb: str):
    return client.post(f"/api/v1/registrations/{registration_id}/{verb}/")


@pytest.fixture
def meeting_room(db):
    compound = Compound.objects.create(name="碧桂园", position=1)
    space = Space.objects.create(
        compound=compound, name="会议室", kind="meeting_room", capacity=30, requires_approval=False
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(20))
    return space


@pytest.fixture
def youth_league(staff):
    return Organiser.objects.create(name="大沥镇团委", kind=Organiser.Kind.DEPARTMENT)


@pytest.fixture
def calendar(frozen, make_activity, meeting_room, youth_league, staff, resident, other_resident):
    """Four published activities across compounds, categories, organisers and days, one
    paid, with registrations; a draft and a cancelled one that the list must not show."""
    sports = ServiceCategory.objects.create(name="体育")
    crafts = make_activity(day_offset=1, title="亲子手工坊", capacity=4)
    dance = make_activity(day_offset=3, title="广场舞", capacity=10, price_fen=1500)
    evening = activity_create(
        organiser=youth_league,
        by=staff,
        space=meeting_room,
        start=at(3, 14),
        end=at(3, 16),
        title="青年夜校",
        category=sports,
        capacity=2,
    )
    later = make_activity(day_offset=5, title="妇女健康讲座", capacity=8)
    make_activity(day_offset=2, title="草稿", publish=False)
    activity_cancel(activity=make_activity(day_offset=4, title="取消了"), by=staff)
    for user in (resident, other_resident):
        registration_create(activity=crafts, resident=user)
        registration_create(activity=evening, resident=user)
    registration_create(activity=evening, resident=make_user("third"))
    return {
        "crafts": crafts,
        "dance": dance,
        "evening": evening,
        "later": later,
        "sports": sports,
    }


# --- the list ------------------------------------------------------------------------------


def test_the_activity_list_shows_published_activities_with_exactly_its_fields(
    calendar, department, category, dance_room
):
    response = APIClient().get("/api/v1/activities/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [a["title"] for a in body["results"]] == [
        "亲子手工坊",
        "广场舞",
        "青年夜校",
        "妇女健康讲座",
    ]
    for activity in body["results"]:
        assert set(activity) == ACTIVITY_KEYS
    crafts = calendar["crafts"]
    assert body["results"][0] == {
        "id": crafts.pk,
        "title": "亲子手工坊",
        "organiser": {"id": department.organiser.pk, "name": "大沥镇妇联", "kind": "department"},
        "program": None,
        "category": {"id": category.pk, "name": "亲子"},
        "space": {
            "id": dance_room.pk,
            "name": "舞蹈室",
            "compound": {"id": dance_room.compound.pk, "name": "绿地香颂公馆"},
        },
        "start": "2026-12-02T09:00:00+08:00",
        "end": "2026-12-02T11:00:00+08:00",
        "capacity": 4,
        "seats_left": 2,
        "waitlist_length": 0,
        "price_fen": 0,
        "market_price_fen": 0,
        "is_free": True,
        "is_public_welfare": True,
        "min_age": None,
        "max_age": None,
        "audience": "",
        "registration_opens": None,
        "registration_closes": None,
        "max_party_size": 1,
        "waitlist_policy": "promote",
        "status": "published",
        "share_url": f"http://testserver/a/{crafts.share_code}/",
    }
    evening = body["results"][2]
    assert (evening["capacity"], evening["seats_left"], evening["waitlist_length"]) == (2, 0, 1)
    assert body["results"][1]["is_free"] is False


def test_the_activity_list_filters_by_compound_category_and_organiser(
    calendar, dance_room, meeting_room, youth_league, category
):
    client = APIClient()
    crafts, dance, evening, later = (calendar[k] for k in ("crafts", "dance", "evening", "later"))
    assert ids(client.get(f"/api/v1/activities/?compound={meeting_room.compound_id}")) == [
        evening.pk
    ]
    assert ids(client.get(f"/api/v1/activities/?compound={dance_room.compound_id}")) == [
        crafts.pk,
        dance.pk,
        later.pk,
    ]
    assert ids(client.get(f"/api/v1/activities/?category={calendar['sports'].pk}")) == [evening.pk]
    assert ids(client.get(f"/api/v1/activities/?category={category.pk}")) == [
        crafts.pk,
        dance.pk,
        later.pk,
    ]
    assert ids(client.get(f"/api/v1/activities/?organiser={youth_league.pk}")) == [evening.pk]
    assert ids(client.get("/api/v1/activities/?compound=999999")) == []


def test_the_activity_list_filters_by_local_dates(calendar):
    client = APIClient()
    crafts, dance, evening, later = (calendar[k] for k in ("crafts", "dance", "evening", "later"))
    assert ids(client.get("/api/v1/activities/?from=2026-12-04")) == [
        dance.pk,
        evening.pk,
        later.pk,
    ]
    assert ids(client.get("/api/v1/activities/?to=2026-12-04")) == [crafts.pk, dance.pk, evening.pk]
    assert ids(client.get("/api/v1/activities/?from=2026-12-04&to=2026-12-04")) == [
        dance.pk,
        evening.pk,
    ]
    assert ids(client.get("/api/v1/activities/?from=2026-12-05&to=2026-12-05")) == []


def test_the_activity_list_filters_free_or_paid(calendar):
    client = APIClient()
    crafts, dance, evening, later = (calendar[k] for k in ("crafts", "dance", "evening", "later"))
    assert ids(client.get("/api/v1/activities/?free=true")) == [crafts.pk, evening.pk, later.pk]
    assert ids(client.get("/api/v1/activities/?free=false")) == [dance.pk]
    assert len(ids(client.get("/api/v1/activities/?free="))) == 4


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2026-02-30", "from"),
        ("from=0001-01-01", "from"),
        ("to=tomorrow", "to"),
        ("to=2026-12-1x", "to"),
        ("compound=abc", "compound"),
        ("category=0", "category"),
        ("organiser=-3", "organiser"),
        ("free=maybe", "free"),
    ],
)
def test_it_refuses_a_bad_filter_value_naming_the_field(calendar, query, field):
    body = error(APIClient().get(f"/api/v1/activities/?{query}"), 400, "invalid")
    assert list(body["fields"]) == [field]
    assert all(isinstance(message, str) for message in body["fields"][field])


def test_the_activity_list_costs_two_queries_however_many_activities_and_registrations(
    calendar, make_activity, django_assert_max_num_queries
):
    for day in (6, 7, 8):
        activity = make_activity(day_offset=day, capacity=1)
        for number in range(3):
            registration_create(activity=activity, resident=make_user(f"r{day}{number}"))
    with django_assert_max_num_queries(2):  # count, page
        response = APIClient().get("/api/v1/activities/")
    results = response.json()["results"]
    assert len(results) == 7
    assert {a["space"]["compound"]["name"] for a in results} == {"绿地香颂公馆", "碧桂园"}
    assert [a["waitlist_length"] for a in results[-3:]] == [2, 2, 2]


# --- the detail ----------------------------------------------------------------------------


def test_the_activity_detail_adds_the_description_and_counts_seats(calendar):
    evening = calendar["evening"]
    Activity.objects.filter(pk=evening.pk).update(description="简历与面试")
    response = APIClient().get(f"/api/v1/activities/{evening.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ACTIVITY_KEYS | {"description"}
    assert body["description"] == "简历与面试"
    assert (body["capacity"], body["seats_left"], body["waitlist_length"]) == (2, 0, 1)
    assert body["organiser"]["name"] == "大沥镇团委"


def test_a_draft_is_not_found_for_residents_but_its_officer_sees_it(
    frozen, make_activity, resident, officer
):
    draft = make_activity(publish=False)
    url = f"/api/v1/activities/{draft.pk}/"
    assert error(APIClient().get(url), 404, "not_found")["fields"] == {}
    error(client_for(resident).get(url), 404, "not_found")
    error(register(client_for(resident), draft), 404, "not_found")
    response = client_for(officer).get(url)
    assert response.status_code == 200
    assert response.json()["status"] == "draft"


def test_a_cancelled_activity_stays_visible_as_cancelled(frozen, make_activity, officer):
    activity = activity_cancel(activity=make_activity(), by=officer)
    response = APIClient().get(f"/api/v1/activities/{activity.pk}/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    error(register(client_for(make_user("late")), activity), 400, "activity_cancelled")


def test_a_missing_activity_is_not_found(db):
    error(APIClient().get("/api/v1/activities/999999/"), 404, "not_found")


# --- registering ---------------------------------------------------------------------------


def test_residents_get_a_seat_then_join_the_waitlist_in_order(
    frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1)
    third = make_user("third")

    first = register(client_for(resident), activity)
    assert first.status_code == 201, first.content
    assert set(first.json()) == {"id", "status", "position"}
    assert first.json()["status"] == "confirmed"
    assert first.json()["position"] is None

    second = register(client_for(other_resident), activity, party_size=1)
    assert second.status_code == 201, second.content
    assert (second.json()["status"], second.json()["position"]) == ("waitlisted", 1)

    last = register(token_client(third), activity)
    assert (last.json()["status"], last.json()["position"]) == ("waitlisted", 2)

    assert Registration.objects.get(pk=last.json()["id"]).resident == third
    detail = APIClient().get(f"/api/v1/activities/{activity.pk}/").json()
    assert (detail["seats_left"], detail["waitlist_length"]) == (0, 2)


def test_the_registration_remembers_the_language_of_the_request(frozen, make_activity, resident):
    response = client_for(resident).post(
        f"/api/v1/activities/{make_activity().pk}/register/", {}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 201, response.content
    assert Registration.objects.get().language == "en"


def test_a_full_activity_without_a_waitlist_is_a_409_activity_full(
    frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1, waitlist_policy=Activity.WaitlistPolicy.NONE)
    assert register(client_for(resident), activity).status_code == 201
    body = error(register(client_for(other_resident), activity), 409, "activity_full")
    assert body["fields"] == {}
    assert Registration.objects.count() == 1


def test_registering_twice_is_a_409_already_registered(frozen, make_activity, resident):
    activity = make_activity()
    client = client_for(resident)
    assert register(client, activity).status_code == 201
    error(register(client, activity), 409, "already_registered")
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("party_size", [0, 3, -1])
def test_a_party_size_outside_the_limit_is_a_400_on_that_field(
    frozen, make_activity, resident, party_size
):
    activity = make_activity(max_party_size=2)
    response = register(client_for(resident), activity, party_size=party_size)
    body = error(response, 400, "invalid_party_size")
    assert body["fields"] == {"party_size": ["每次报名人数须在 1 到 2 之间。"]}
    assert not Registration.objects.exists()


@pytest.mark.parametrize("party_size", ["two", [2], None])
def test_a_party_size_that_is_not_a_number_is_invalid(frozen, make_activity, resident, party_size):
    response = register(client_for(resident), make_activity(), party_size=party_size)
    body = error(response, 400, "invalid")
    assert list(body["fields"]) == ["party_size"]


def test_a_party_takes_its_seats(frozen, make_activity, resident):
    activity = make_activity(capacity=3, max_party_size=3)
    response = register(client_for(resident), activity, party_size=3)
    assert response.json()["status"] == "confirmed"
    assert APIClient().get(f"/api/v1/activities/{activity.pk}/").json()["seats_left"] == 0


def test_registration_outside_its_window_is_refused_with_the_rules_code(
    frozen, make_activity, resident
):
    activity = make_activity(registration_opens=at(0, 12), registration_closes=at(1, 8))
    client = client_for(resident)
    body = error(register(client, activity), 400, "registration_not_open_yet")
    assert body["detail"] == "报名还没开始：2026-12-01 12:00 开始报名。"
    frozen.move_to(at(1, 8))
    error(register(client, activity), 400, "registration_closed")


def test_an_anonymous_registration_is_a_401(frozen, make_activity):
    response = register(APIClient(), make_activity())
    assert error(response, 401, "not_authenticated")["fields"] == {}
    assert response["WWW-Authenticate"] == "Token"
    error(APIClient().get("/api/v1/registrations/"), 401, "not_authenticated")
    assert not Registration.objects.exists()


# --- my registrations ----------------------------------------------------------------------


def test_a_resident_lists_only_their_own_registrations(calendar, resident, other_resident):
    response = client_for(resident).get("/api/v1/registrations/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {"count", "next", "previous", "results"} <= set(body)
    assert all(set(r) == REGISTRATION_KEYS for r in body["results"])
    # The latest activity first.
    assert [r["activity"]["title"] for r in body["results"]] == ["青年夜校", "亲子手工坊"]
    crafts = body["results"][1]
    registration = Registration.objects.get(resident=resident, activity=calendar["crafts"])
    assert crafts == {
        "id": registration.pk,
        "activity": {
            "id": calendar["crafts"].pk,
            "title": "亲子手工坊",
            "start": "2026-12-02T09:00:00+08:00",
            "end": "2026-12-02T11:00:00+08:00",
        },
        "party_size": 1,
        "status": "confirmed",
        "position": None,
        "offer_expires_at": None,
        "attended_count": None,
        "created_at": "2026-12-01T09:00:00+08:00",
    }


def test_my_registrations_cost_the_same_few_queries_however_many(
    calendar, make_activity, resident, django_assert_max_num_queries
):
    for day in (6, 7, 8):
        activity = make_activity(day_offset=day, capacity=1)
        registration_create(activity=activity, resident=make_user(f"first{day}"))
        registration_create(activity=activity, resident=resident)
    client = token_client(resident)
    with django_assert_max_num_queries(3):  # token+user, count, page
        response = client.get("/api/v1/registrations/")
    results = response.json()["results"]
    assert len(results) == 5
    assert [(r["status"], r["position"]) for r in results[:3]] == [("waitlisted", 1)] * 3


def test_someone_elses_registration_is_not_found(frozen, make_activity, resident, other_resident):
    activity = make_activity(waitlist_policy=Activity.WaitlistPolicy.OFFER)
    theirs = registration_create(activity=activity, resident=other_resident)
    client = client_for(resident)
    body = error(client.get(f"/api/v1/registrations/{theirs.pk}/"), 404, "not_found")
    assert body["fields"] == {}
    for verb in ("cancel", "accept", "decline"):
        error(act(client, theirs.pk, verb), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"
    assert client_for(resident).get("/api/v1/registrations/").json()["count"] == 0


# --- cancelling, offers --------------------------------------------------------------------


def test_cancelling_a_seat_promotes_the_first_waitlisted(
    frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1)
    third = make_user("third")
    mine = register(client_for(resident), activity).json()
    next_in_line = register(client_for(other_resident), activity).json()
    after = register(client_for(third), activity).json()
    assert (next_in_line["position"], after["position"]) == (1, 2)

    response = act(client_for(resident), mine["id"], "cancel")
    assert response.status_code == 200, response.content
    assert set(response.json()) == REGISTRATION_KEYS
    assert (response.json()["status"], response.json()["position"]) == ("cancelled", None)

    promoted = client_for(other_resident).get(f"/api/v1/registrations/{next_in_line['id']}/")
    assert (promoted.json()["status"], promoted.json()["position"]) == ("confirmed", None)
    waiting = client_for(third).get(f"/api/v1/registrations/{after['id']}/")
    assert (waiting.json()["status"], waiting.json()["position"]) == ("waitlisted", 1)

    assert error(act(client_for(resident), mine["id"], "cancel"), 400, "not_active")["fields"] == {}


def test_leaving_the_waitlist_moves_the_others_up(frozen, make_activity, resident, other_resident):
    activity = make_activity(capacity=1)
    registration_create(activity=activity, resident=make_user("first"))
    mine = register(client_for(resident), activity).json()
    theirs = register(client_for(other_resident), activity).json()
    assert act(client_for(resident), mine["id"], "cancel").json()["status"] == "cancelled"
    response = client_for(other_resident).get(f"/api/v1/registrations/{theirs['id']}/")
    assert response.json()["position"] == 1


def test_a_started_activity_can_no_longer_be_left(frozen, make_activity, resident):
    mine = register(client_for(resident), make_activity()).json()
    frozen.move_to(at(1, 9))
    error(act(client_for(resident), mine["id"], "cancel"), 400, "already_started")


@pytest.fixture
def offered(frozen, make_activity, resident, other_resident):
    """A seat freed in an activity that offers seats: other_resident holds the offer, a third
    resident waits behind them."""
    activity = make_activity(capacity=1, waitlist_policy=Activity.WaitlistPolicy.OFFER)
    first = registration_create(activity=activity, resident=resident)
    offer = registration_create(activity=activity, resident=other_resident)
    behind = registration_create(activity=activity, resident=make_user("third"))
    registration_cancel(registration=first, by=resident)
    return {"activity": activity, "offer": offer, "behind": behind}


def test_an_offered_seat_shows_its_deadline_and_can_be_accepted(offered, other_resident):
    client = client_for(other_resident)
    url = f"/api/v1/registrations/{offered['offer'].pk}/"
    body = client.get(url).json()
    assert (body["status"], body["position"]) == ("offered", None)
    assert body["offer_expires_at"] == "2026-12-01T21:00:00+08:00"  # twelve hours

    response = act(client, offered["offer"].pk, "accept")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["offer_expires_at"]) == ("confirmed", None)
    error(act(client, offered["offer"].pk, "accept"), 400, "not_offered")
    error(act(client, offered["offer"].pk, "decline"), 400, "not_offered")


def test_declining_an_offer_passes_the_seat_to_the_next(offered, other_resident):
    response = act(client_for(other_resident), offered["offer"].pk, "decline")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined"
    offered["behind"].refresh_from_db()
    assert offered["behind"].status == "offered"


def test_an_expired_offer_cannot_be_accepted(offered, other_resident, frozen):
    frozen.move_to(at(0, 21))
    response = act(client_for(other_resident), offered["offer"].pk, "accept")
    body = error(response, 400, "offer_expired")
    assert body["fields"] == {}


def test_a_waitlisted_resident_cannot_accept(frozen, make_activity, resident, other_resident):
    activity = make_activity(capacity=1, waitlist_policy=Activity.WaitlistPolicy.OFFER)
    registration_create(activity=activity, resident=resident)
    waiting = register(client_for(other_resident), activity).json()
    error(act(client_for(other_resident), waiting["id"], "accept"), 400, "not_offered")


# --- the schema ----------------------------------------------------------------------------


def test_the_schema_documents_the_activity_endpoints_and_their_errors(tmp_path):
    GENERATOR_STATS.reset()  # warnings from elsewhere must not fail (or pass) this run
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    assert {
        "/api/v1/activities/",
        "/api/v1/activities/{id}/",
        "/api/v1/activities/{id}/register/",
        "/api/v1/registrations/",
        "/api/v1/registrations/{id}/",
        "/api/v1/registrations/{id}/cancel/",
        "/api/v1/registrations/{id}/accept/",
        "/api/v1/registrations/{id}/decline/",
    } <= set(schema["paths"])
    error_ref = {"$ref": "#/components/schemas/Error"}
    register_responses = schema["paths"]["/api/v1/activities/{id}/register/"]["post"]["responses"]
    for code in ("400", "401", "404", "409"):
        assert register_responses[code]["content"]["application/json"]["schema"] == error_ref
    parameters = schema["paths"]["/api/v1/activities/"]["get"]["parameters"]
    assert {"from", "to", "compound", "category", "organiser", "free"} <= {
        p["name"] for p in parameters
    }
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == ERROR_KEYS
