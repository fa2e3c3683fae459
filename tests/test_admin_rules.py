"""The admin changes bookings, activities and attendance only through the services, and a
service's refusal comes back as a form error, never a 500."""

import pytest
from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from conftest import at, make_user
from programs.models import Activity, Registration
from programs.services import registration_create
from spaces.models import Booking
from spaces.services import booking_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def activity(frozen, make_activity):
    """Tomorrow 09:00–11:00 in the dance room, with one resident signed up."""
    activity = make_activity(day_offset=1, hour=9)
    registration_create(activity=activity, resident=make_user("a1"))
    return activity


def posted_back(response) -> dict:
    """What the browser posts back from an admin change page when nothing is edited."""
    data = {}
    all_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({f"{formset.prefix}-{k}": v for k, v in management.initial.items()})
        all_forms.extend(formset.forms)
    for form in all_forms:
        for field in form:
            value, widget = field.value(), field.field.widget
            if isinstance(widget, forms.MultiWidget):  # the admin's date + time boxes
                for i, part in enumerate(widget.decompress(value)):
                    data[f"{field.html_name}_{i}"] = str(part)
            elif value is True:
                data[field.html_name] = "on"
            elif value not in (None, False):
                data[field.html_name] = value
    return data


def edit_activity(client, activity, **changes):
    url = reverse("admin:programs_activity_change", args=[activity.pk])
    return client.post(url, posted_back(client.get(url)) | changes)


def local_parts(moment) -> dict:
    return {"_0": f"{moment:%Y-%m-%d}", "_1": f"{moment:%H:%M}"}


def times(start, end) -> dict:
    return {
        **{f"start{k}": v for k, v in local_parts(start).items()},
        **{f"end{k}": v for k, v in local_parts(end).items()},
    }


# --- bookings --------------------------------------------------------------------------------


def test_a_booking_page_in_the_admin_offers_no_field_to_edit(
    staff_client, frozen, dance_room, resident
):
    booking = booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="排练",
        attendees=3,
    )
    page = staff_client.get(reverse("admin:spaces_booking_change", args=[booking.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("for_activity", "status", "space", "start", "booked_by", "language", "_save"):
        assert f'name="{field}"' not in html


def test_ticking_for_activity_on_a_residents_booking_is_refused_and_staff_can_still_cancel_it(
    staff_client, frozen, dance_room, resident
):
    booking = booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="排练",
        attendees=3,
    )
    url = reverse("admin:spaces_booking_change", args=[booking.pk])
    response = staff_client.post(url, {"for_activity": "on", "status": "approved"})
    assert response.status_code == 403
    booking.refresh_from_db()
    assert (booking.for_activity, booking.status) == (False, "pending")
    data = {
        "action": "cancel",
        ACTION_CHECKBOX_NAME: [booking.pk],
        "apply": "1",
        "reason": "场地维修",
    }
    staff_client.post(reverse("admin:spaces_booking_changelist"), data, follow=True)
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"


# --- activities ------------------------------------------------------------------------------


def test_editing_the_title_in_the_admin_renames_the_room_hold(staff_client, activity):
    response = edit_activity(staff_client, activity, title="亲子灯笼手工坊")
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "亲子灯笼手工坊"
    assert activity.booking.purpose == "亲子灯笼手工坊"


def test_moving_the_time_to_a_taken_slot_in_the_admin_is_a_form_error_and_changes_nothing(
    staff_client, activity, dance_room, resident
):
    booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 14),
        end=at(1, 15),
        purpose="排练",
        attendees=3,
    )
    hold = activity.booking
    response = edit_activity(staff_client, activity, title="改名", **times(at(1, 14), at(1, 16)))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "这个时段已被预约" in " ".join(errors["start"])
    activity.refresh_from_db()
    hold.refresh_from_db()
    assert (activity.title, activity.start, activity.booking_id) == (
        "亲子手工坊",
        at(1, 9),
        hold.pk,
    )
    assert (hold.status, hold.start, hold.purpose) == ("approved", at(1, 9), "亲子手工坊")


def test_moving_the_room_in_the_admin_moves_the_hold(
    staff_client, activity, dance_room, meeting_room
):
    response = edit_activity(staff_client, activity, space=meeting_room.pk)
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.space == meeting_room
    assert (activity.booking.space, activity.booking.status) == (meeting_room, "approved")
    assert activity.booking.for_activity
    assert not Booking.objects.active().filter(space=dance_room).exists()


def test_an_end_before_the_start_is_a_form_error_in_the_admin(staff_client, activity):
    response = edit_activity(staff_client, activity, **times(at(1, 11), at(1, 10)))
    assert response.status_code == 200
    assert "结束时间必须晚于开始时间" in " ".join(response.context["adminform"].form.errors["end"])
    assert Activity.objects.get(pk=activity.pk).start == at(1, 9)


def test_a_cancelled_activity_cannot_be_edited_in_the_admin(staff_client, activity):
    Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.CANCELLED)
    response = edit_activity(staff_client, activity, title="改名")
    assert response.status_code == 200
    assert "已取消或已结束的活动不能修改" in response.content.decode()
    assert Activity.objects.get(pk=activity.pk).title == "亲子手工坊"


def test_the_activity_list_links_to_creating_an_activity_in_the_organiser_area(
    staff_client, activity
):
    page = staff_client.get(reverse("admin:programs_activity_changelist")).content.decode()
    assert reverse("organiser_activity_new") in page


# --- registrations ---------------------------------------------------------------------------


def test_attendance_in_the_admin_before_the_roster_opens_is_a_form_error(staff_client, activity):
    registration = activity.registrations.get()
    url = reverse("admin:programs_registration_change", args=[registration.pk])
    response = staff_client.post(url, {"attended_count": "1"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["attended_count"]
    assert "活动开始前两小时起才能点名签到" in " ".join(errors)
    assert Registration.objects.get(pk=registration.pk).attended_count is None
