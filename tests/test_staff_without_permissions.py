"""is_staff opens the admin and nothing else: a staff account without permissions is a resident
on every page, and the permission (not the flag) opens the organiser area and the head count."""

import pytest
from django.urls import reverse

from conftest import plain_staff
from programs.models import Organiser
from spaces.models import Visit

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("organiser_dashboard")


@pytest.fixture
def clerk(db):
    return plain_staff("clerk")


@pytest.fixture
def activity(frozen, make_activity):
    return make_activity(day_offset=1, hour=9)


# --- the organiser area ----------------------------------------------------------------------


def test_a_staff_user_without_permissions_gets_the_residents_403_in_the_organiser_area(
    client, clerk, activity
):
    client.force_login(clerk)
    for url in (
        DASHBOARD,
        reverse("organiser_activity_new"),
        reverse("organiser_series_new"),
        reverse("organiser_activity_edit", args=[activity.pk]),
        reverse("organiser_roster", args=[activity.pk]),
        reverse("organiser_registrations_csv", args=[activity.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "组织方页面只对" in response.content.decode()


def test_a_staff_user_without_permissions_sees_no_organiser_link(client, clerk):
    client.force_login(clerk)
    assert f'href="{DASHBOARD}"' not in client.get("/").content.decode()


def test_a_staff_user_with_the_activity_permission_runs_every_organisers_activities(
    client, frozen, activity
):
    client.force_login(plain_staff("coordinator", "programs.change_activity"))
    page = client.get("/").content.decode()
    assert f'href="{DASHBOARD}"' in page
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 200
    assert activity in dashboard.context["upcoming"]
    edit = reverse("organiser_activity_edit", args=[activity.pk])
    assert client.get(edit).status_code == 200


def test_a_staff_user_who_is_an_officer_sees_only_their_own_organisers_activities(
    client, frozen, activity
):
    user = plain_staff("union_clerk")
    Organiser.objects.create(name="大沥镇总工会", kind=Organiser.Kind.DEPARTMENT).members.add(user)
    client.force_login(user)
    dashboard = client.get(DASHBOARD)
    assert dashboard.status_code == 200
    assert activity not in dashboard.context["upcoming"]
    assert client.get(reverse("organiser_roster", args=[activity.pk])).status_code == 404


# --- the head count of a reading room --------------------------------------------------------


def test_a_staff_user_without_permissions_cannot_enter_a_head_count(
    client, frozen, clerk, reading_room
):
    client.force_login(clerk)
    page = client.get(reverse("space_detail", args=[reading_room.pk])).content.decode()
    assert 'name="head_count"' not in page
    response = client.post(reverse("space_head_count", args=[reading_room.pk]), {"head_count": 5})
    assert response.status_code == 403
    assert not Visit.objects.exists()


@pytest.mark.parametrize("is_staff", [True, False], ids=["staff", "resident_on_library_duty"])
def test_the_visit_permission_lets_its_holder_enter_a_head_count(
    client, frozen, reading_room, is_staff
):
    user = plain_staff("duty", "spaces.add_visit")
    user.is_staff = is_staff
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    page = client.get(reverse("space_detail", args=[reading_room.pk])).content.decode()
    assert 'name="head_count"' in page
    response = client.post(reverse("space_head_count", args=[reading_room.pk]), {"head_count": 5})
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.head_count, visit.recorded_by) == (5, user)


def test_a_visitor_is_sent_to_log_in_before_entering_a_head_count(client, frozen, reading_room):
    response = client.post(reverse("space_head_count", args=[reading_room.pk]), {"head_count": 5})
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Visit.objects.exists()


def test_a_refused_head_count_is_the_portals_403_page_in_the_users_language(
    client, frozen, clerk, reading_room, settings
):
    settings.DEBUG = False
    client.force_login(clerk)
    url = reverse("space_head_count", args=[reading_room.pk])
    response = client.post(url, {"head_count": 5})
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()
    client.cookies["django_language"] = "en"
    assert "Not allowed" in client.post(url, {"head_count": 5}).content.decode()
