"""Staff's admin for programs: lists with filters, and every change to rooms, seats or status
goes through programs.services."""

from datetime import date, time

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse

from conftest import make_user
from programs.models import Activity, Program, Registration
from programs.services import registration_create, series_create
from spaces.models import Compound, Space

pytestmark = pytest.mark.django_db

ACTIVITIES = "admin:programs_activity_changelist"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def activity(frozen, make_activity, department, category, compound):
    program = Program.objects.create(department=department, title="暖心亲子", category=category)
    program.compounds.add(compound)
    activity = make_activity(program=program, capacity=2)
    for name in ("a1", "a2", "a3"):
        registration_create(activity=activity, resident=make_user(name))
    return activity


@pytest.mark.parametrize(
    "model", ["servicecategory", "organiser", "department", "program", "activity", "registration"]
)
def test_every_list_page_renders_with_its_filters(staff_client, activity, model):
    response = staff_client.get(reverse(f"admin:programs_{model}_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_the_series_list_renders(staff_client, frozen, department, officer, category, dance_room):
    series_create(
        organiser=department.organiser,
        by=officer,
        title="周五瑜伽",
        space=dance_room,
        weekdays=[4],
        first_date=date(2026, 12, 1),
        last_date=date(2026, 12, 12),
        starts_at=time(19),
        ends_at=time(20),
        category=category,
        capacity=10,
    )
    page = staff_client.get(reverse("admin:programs_series_changelist")).content.decode()
    assert "周五瑜伽" in page and "星期五" in page and "19:00–20:00" in page


def test_the_activity_list_shows_local_times_and_filters_by_compound(
    staff_client, activity, compound
):
    elsewhere = Compound.objects.create(name="国华新都")
    Space.objects.create(compound=elsewhere, name="活动室", kind=Space.Kind.OTHER, capacity=9)
    for pk, found in ((elsewhere.pk, 0), (compound.pk, 1)):
        response = staff_client.get(reverse(ACTIVITIES), {"space__compound__id__exact": pk})
        assert response.context["cl"].result_count == found
    page = staff_client.get(reverse(ACTIVITIES)).content.decode()
    assert "2026-12-02 09:00–11:00" in page


def test_activities_cannot_be_added_or_deleted_and_their_seats_and_status_are_read_only(
    staff_client, activity
):
    assert staff_client.get(reverse("admin:programs_activity_add")).status_code == 403
    url = reverse("admin:programs_activity_change", args=[activity.pk])
    page = staff_client.get(url).content.decode()
    for field in ("booking", "capacity", "status", "registration_opens", "walk_in_attendees"):
        assert f'name="{field}"' not in page
    # Title, room and time change through programs.services (tests/test_admin_rules.py).
    for field in ("title", "space", "start_0", "end_1"):
        assert f'name="{field}"' in page
    assert reverse("organiser_roster", args=[activity.pk]) in page
    assert (
        staff_client.get(reverse("admin:programs_activity_delete", args=[activity.pk])).status_code
        == 403
    )


def test_cancel_asks_for_a_reason_then_cancels_and_notifies(
    staff_client, activity, make_activity, django_capture_on_commit_callbacks
):
    other = make_activity(day_offset=2)
    data = {"action": "cancel_activities", ACTION_CHECKBOX_NAME: [activity.pk, other.pk]}
    first = staff_client.post(reverse(ACTIVITIES), data).content.decode()
    assert "取消活动" in first and 'name="reason"' in first
    assert not Activity.objects.filter(status="cancelled").exists()
    empty = staff_client.post(reverse(ACTIVITIES), data | {"apply": "1", "reason": ""})
    assert "errorlist" in empty.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse(ACTIVITIES), data | {"apply": "1", "reason": "场地维修"}, follow=True
        )
    assert "已取消 2 个活动" in response.content.decode()
    activity.refresh_from_db()
    assert (activity.status, activity.cancel_reason) == ("cancelled", "场地维修")
    assert activity.booking.status == "cancelled"
    assert len(mail.outbox) == 3 and "场地维修" in mail.outbox[0].body


def test_cancelling_an_already_cancelled_activity_reports_the_error(staff_client, activity):
    activity.status = Activity.Status.CANCELLED
    activity.save()
    data = {
        "action": "cancel_activities",
        ACTION_CHECKBOX_NAME: [activity.pk],
        "apply": "1",
        "reason": "重复",
    }
    page = staff_client.post(reverse(ACTIVITIES), data, follow=True).content.decode()
    assert "这个活动已取消或已结束" in page


def test_attendance_in_the_admin_goes_through_the_service(staff_client, activity, frozen):
    frozen.move_to(activity.start)
    confirmed = activity.registrations.filter(status="confirmed").first()
    waitlisted = activity.registrations.get(status="waitlisted")
    url = reverse("admin:programs_registration_change", args=[confirmed.pk])
    response = staff_client.post(url, {"attended_count": "1"})
    assert response.status_code == 302
    assert Registration.objects.get(pk=confirmed.pk).attended_count == 1
    url = reverse("admin:programs_registration_change", args=[waitlisted.pk])
    response = staff_client.post(url, {"attended_count": "1"})
    assert "只有已报名的居民可以签到" in response.content.decode()
    assert Registration.objects.get(pk=waitlisted.pk).attended_count is None
    assert staff_client.get(reverse("admin:programs_registration_add")).status_code == 403
