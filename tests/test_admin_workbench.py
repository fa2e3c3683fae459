"""Staff at a desk: a pending request names the person, and its page approves or rejects it
through the same services as the list's actions."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from conftest import at, make_user
from notifications.models import Message
from residents.models import Profile
from spaces.services import booking_create

pytestmark = pytest.mark.django_db

PENDING = reverse("admin:spaces_pendingbooking_changelist")


def plain_staff(username: str, *permissions: str):
    """A staff account (admin login) with just these permissions, not a superuser."""
    user = make_user(username)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def ahuas_request(frozen, dance_room, resident, compound):
    Profile.objects.create(
        user=resident,
        display_name="阿华姐",
        phone="13800138000",
        compound=compound,
        building_unit="3栋2单元",
    )
    return booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="广场舞排练",
        attendees=6,
    )


def page_of(booking, admin="pendingbooking"):
    return reverse(f"admin:spaces_{admin}_change", args=[booking.pk])


def decide(booking, decision, admin="pendingbooking"):
    return reverse(f"admin:spaces_{admin}_decide", args=[booking.pk, decision])


def test_the_pending_list_shows_the_residents_name_phone_compound_and_building(
    client, staff, ahuas_request
):
    client.force_login(staff)
    page = client.get(PENDING).content.decode()
    assert "阿华姐" in page
    assert "13800138000" in page
    assert "绿地香颂公馆 3栋2单元" in page


def test_the_pending_list_finds_a_request_by_the_residents_name_or_phone(
    client, staff, ahuas_request, other_resident, dance_room
):
    booking_create(
        space=dance_room,
        booked_by=other_resident,
        start=at(1, 10),
        end=at(1, 11),
        purpose="合唱",
        attendees=3,
    )
    client.force_login(staff)
    for term in ("阿华姐", "13800138000"):
        found = client.get(PENDING, {"q": term}).context["cl"].result_list
        assert [b.pk for b in found] == [ahuas_request.pk]


def test_a_resident_without_a_profile_is_named_by_their_account(
    client, staff, frozen, dance_room, other_resident
):
    booking_create(
        space=dance_room,
        booked_by=other_resident,
        start=at(1, 10),
        end=at(1, 11),
        purpose="合唱",
        attendees=3,
    )
    client.force_login(staff)
    page = client.get(PENDING).content.decode()
    assert "xiaomei" in page


def test_a_bookings_page_shows_the_person_and_the_approve_and_reject_buttons(
    client, staff, ahuas_request
):
    client.force_login(staff)
    page = client.get(page_of(ahuas_request)).content.decode()
    assert "阿华姐" in page and "13800138000" in page and "3栋2单元" in page
    assert f'action="{decide(ahuas_request, "approve")}"' in page
    assert f'action="{decide(ahuas_request, "reject")}"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_approving_from_a_bookings_page_calls_the_service_and_returns_to_the_queue(
    client, staff, ahuas_request
):
    client.force_login(staff)
    response = client.post(decide(ahuas_request, "approve"))
    assert response.status_code == 302 and response.url == PENDING
    ahuas_request.refresh_from_db()
    assert (ahuas_request.status, ahuas_request.decided_by) == ("approved", staff)
    assert Message.objects.filter(
        recipient=ahuas_request.booked_by, subject__contains="已通过"
    ).exists()
    page = client.get(PENDING).content.decode()
    assert "已通过预约" in page


def test_rejecting_from_a_bookings_page_needs_a_reason(client, staff, ahuas_request):
    client.force_login(staff)
    response = client.post(decide(ahuas_request, "reject"), {"reason": "  "}, follow=True)
    assert "驳回须填写原因" in response.content.decode()
    ahuas_request.refresh_from_db()
    assert ahuas_request.status == "pending"
    client.post(decide(ahuas_request, "reject"), {"reason": "当天场地另有安排"})
    ahuas_request.refresh_from_db()
    assert (ahuas_request.status, ahuas_request.reason) == ("rejected", "当天场地另有安排")


def test_a_refused_decision_is_shown_as_an_admin_message(client, staff, ahuas_request):
    client.force_login(staff)
    client.post(decide(ahuas_request, "reject", admin="booking"), {"reason": "另有安排"})
    response = client.post(decide(ahuas_request, "approve", admin="booking"), follow=True)
    assert "只有待审批的预约可以审批或驳回" in response.content.decode()
    ahuas_request.refresh_from_db()
    assert ahuas_request.status == "rejected"


def test_a_decision_needs_a_post(client, staff, ahuas_request):
    client.force_login(staff)
    response = client.get(decide(ahuas_request, "approve"))
    assert response.status_code == 302
    ahuas_request.refresh_from_db()
    assert ahuas_request.status == "pending"


def test_a_decision_needs_the_csrf_token(staff, ahuas_request):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    assert strict.post(decide(ahuas_request, "approve")).status_code == 403
    ahuas_request.refresh_from_db()
    assert ahuas_request.status == "pending"


def test_staff_without_the_booking_permission_see_no_buttons_and_cannot_decide(
    client, ahuas_request
):
    clerk = plain_staff("clerk", "spaces.view_booking")
    client.force_login(clerk)
    page = client.get(page_of(ahuas_request, admin="booking")).content.decode()
    assert "阿华姐" in page
    assert "decide/approve" not in page and "decide/reject" not in page
    assert client.post(decide(ahuas_request, "approve", admin="booking")).status_code == 403
    assert (
        client.post(decide(ahuas_request, "reject", admin="booking"), {"reason": "x"}).status_code
        == 403
    )
    ahuas_request.refresh_from_db()
    assert ahuas_request.status == "pending"


def test_a_decided_booking_has_no_buttons(client, staff, ahuas_request):
    client.force_login(staff)
    client.post(decide(ahuas_request, "approve"))
    page = client.get(page_of(ahuas_request, admin="booking")).content.decode()
    assert "decide/approve" not in page
    assert "阿华姐" in page


def test_a_forged_booking_id_is_a_404(client, staff, ahuas_request):
    client.force_login(staff)
    url = reverse("admin:spaces_booking_decide", args=[ahuas_request.pk + 999, "approve"])
    assert client.post(url).status_code == 404
