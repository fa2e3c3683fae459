import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from conftest import at
from spaces.models import Booking, Closure
from spaces.services import booking_create

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:spaces_booking_changelist"
PENDING = "admin:spaces_pendingbooking_changelist"


@pytest.fixture
def requests_(frozen, dance_room, resident, other_resident):
    return [
        booking_create(
            space=dance_room,
            booked_by=user,
            start=at(1, hour),
            end=at(1, hour + 1),
            purpose="排练",
            attendees=3,
        )
        for user, hour in ((resident, 9), (other_resident, 10))
    ]


def act(client, action, bookings, url=CHANGELIST, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [b.pk for b in bookings], **extra}
    return client.post(reverse(url), data, follow=True)


def test_staff_approve_requests_from_the_pending_list(client, staff, requests_):
    client.force_login(staff)
    page = client.get(reverse(PENDING)).content.decode()
    assert "排练" in page
    response = act(client, "approve", requests_, url=PENDING)
    assert "已通过 2 个预约" in response.content.decode()
    assert set(Booking.objects.values_list("status", flat=True)) == {"approved"}
    assert client.get(reverse(PENDING)).context["cl"].result_count == 0


def test_approval_reports_a_conflict_and_approves_the_rest(client, staff, requests_, dance_room):
    Closure.objects.create(space=dance_room, start=at(1, 9), end=at(1, 10), reason="消防检查")
    client.force_login(staff)
    page = act(client, "approve", requests_).content.decode()
    assert "消防检查" in page
    assert "已通过 1 个预约" in page
    statuses = dict(Booking.objects.values_list("start", "status"))
    assert statuses == {at(1, 9): "pending", at(1, 10): "approved"}


def test_reject_asks_for_a_reason_before_it_rejects(client, staff, requests_):
    client.force_login(staff)
    first = act(client, "reject", requests_[:1]).content.decode()
    assert "驳回预约" in first and 'name="reason"' in first
    assert Booking.objects.get(pk=requests_[0].pk).status == "pending"
    empty = act(client, "reject", requests_[:1], apply="1", reason="").content.decode()
    assert "errorlist" in empty
    act(client, "reject", requests_[:1], apply="1", reason="场地另有安排")
    rejected = Booking.objects.get(pk=requests_[0].pk)
    assert (rejected.status, rejected.reason, rejected.decided_by) == (
        "rejected",
        "场地另有安排",
        staff,
    )


def test_cancel_from_the_admin_needs_a_reason_and_calls_the_service(client, staff, requests_):
    client.force_login(staff)
    act(client, "cancel", requests_[1:], apply="1", reason="停电")
    assert Booking.objects.get(pk=requests_[1].pk).status == "cancelled"


def test_bookings_are_read_only_and_cannot_be_deleted_in_the_admin(client, staff, requests_):
    client.force_login(staff)
    url = reverse("admin:spaces_booking_change", args=[requests_[0].pk])
    page = client.get(url).content.decode()
    assert 'name="start"' not in page
    assert (
        client.get(reverse("admin:spaces_booking_delete", args=[requests_[0].pk])).status_code
        == 403
    )


def test_the_booking_list_filters_by_status_compound_and_date(client, staff, requests_, compound):
    client.force_login(staff)
    url = reverse(CHANGELIST)
    assert client.get(url, {"status__exact": "pending"}).status_code == 200
    assert client.get(url, {"space__compound__id__exact": compound.pk}).status_code == 200
    assert client.get(url, {"q": "排练"}).status_code == 200
    assert client.get(url, {"start__year": 2026, "start__month": 12}).status_code == 200


def test_the_booking_list_has_a_fixed_number_of_queries(
    client, staff, requests_, django_assert_max_num_queries
):
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        client.get(reverse(CHANGELIST))


def test_a_closure_over_existing_bookings_warns_staff(client, staff, requests_, dance_room):
    client.force_login(staff)
    url = reverse("admin:spaces_space_change", args=[dance_room.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["compound"] = dance_room.compound_id
    for prefix, related in (
        ("opening_hours", dance_room.opening_hours.all()),
        ("partner_windows", dance_room.partner_windows.all()),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = related.count()
        data[f"{prefix}-INITIAL_FORMS"] = related.count()
        for i, row in enumerate(related):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-space"] = dance_room.pk
            data[f"{prefix}-{i}-weekday"] = row.weekday
            data[f"{prefix}-{i}-opens"] = row.opens.strftime("%H:%M")
            data[f"{prefix}-{i}-closes"] = row.closes.strftime("%H:%M")
            if prefix == "partner_windows":
                data[f"{prefix}-{i}-holder"] = row.holder
    data.update(
        {
            "closures-TOTAL_FORMS": 1,
            "closures-INITIAL_FORMS": 0,
            "closures-0-start_0": "2026-12-02",
            "closures-0-start_1": "08:00",
            "closures-0-end_0": "2026-12-02",
            "closures-0-end_1": "12:00",
            "closures-0-reason": "地板维修",
        }
    )
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert Closure.objects.filter(space=dance_room, reason="地板维修").exists()
    # Staff are shown the bookings the closure falls on, to cancel with its reason
    # (tests/test_admin_workbench.py has the rest).
    assert "暂停开放时段上的预约" in response.content.decode()
    assert "排练" in response.content.decode()


def test_residents_cannot_reach_the_admin(client, resident):
    client.force_login(resident)
    assert client.get(reverse(CHANGELIST)).status_code == 302
