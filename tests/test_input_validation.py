"""Bad input is a clear message, never a 500 or a lost mail: one-line fields refuse line breaks,
free text has a length limit, phone numbers are checked, and the admin explains its
constraints in sentences and refuses overlapping opening ranges."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import at
from lixiong.validators import (
    contact_number,
    mobile_number,
    validate_contact_number,
    validate_mobile_number,
    validate_single_line,
)
from programs.models import Activity, Department, Program, Series
from residents.models import Profile
from spaces.models import Booking, Closure, Compound, OpeningHours, PartnerWindow, Space
from spaces.services import booking_create
from tests.test_organiser_area import NEW, activity_data

pytestmark = pytest.mark.django_db

ONE_MIB = "x" * (1024 * 1024)  # 1 MiB, under the 2.5 MB request limit
LINE_BREAK_MESSAGE = "只能填写一行，不能包含换行。"


# --- one line ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["亲子\n手工", "亲子\r手工", "亲子\r\n手工", "亲子\u2028手工"])
def test_a_line_break_of_any_kind_is_refused_in_a_one_line_value(value):
    with pytest.raises(ValidationError) as refused:
        validate_single_line(value)
    assert refused.value.messages == [LINE_BREAK_MESSAGE]


@pytest.mark.parametrize(
    "model, field",
    [
        (Compound, "name"),
        (Compound, "address"),
        (Space, "name"),
        (PartnerWindow, "holder"),
        (Closure, "reason"),
        (Booking, "purpose"),
        (Booking, "reason"),
        (Program, "title"),
        (Program, "audience"),
        (Program, "funded_by"),
        (Series, "title"),
        (Activity, "title"),
        (Activity, "audience"),
        (Activity, "cancel_reason"),
        (Department, "brand"),
        (Department, "contact_name"),
        (Profile, "display_name"),
        (Profile, "building_unit"),
    ],
)
def test_one_line_model_fields_refuse_line_breaks_wherever_they_are_edited(model, field):
    # Model forms, the admin and DRF ModelSerializers all take the field's validators.
    assert validate_single_line in model._meta.get_field(field).validators


def test_an_activity_title_with_a_line_break_is_refused_on_the_organiser_form(
    client, officer, frozen, department, category, dance_room
):
    client.force_login(officer)
    data = activity_data(department, category, dance_room, title="亲子手工坊\nBcc: x@example.com")
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [LINE_BREAK_MESSAGE]
    assert not Activity.objects.exists()


def test_a_booking_purpose_with_a_line_break_is_refused_on_the_booking_form(
    client, resident, frozen, dance_room
):
    client.force_login(resident)
    response = client.post(
        reverse("booking_new", args=[dance_room.pk]),
        {"start": "2026-12-02T09:00", "duration": "60", "attendees": "3", "purpose": "排练\n合唱"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["purpose"] == [LINE_BREAK_MESSAGE]
    assert not Booking.objects.exists()


def test_the_api_refuses_a_purpose_or_a_reason_with_a_line_break(resident, frozen, dance_room):
    client = APIClient()
    client.force_authenticate(resident)
    body = {
        "space": dance_room.pk,
        "start": "2026-12-02T09:00",
        "end": "2026-12-02T10:00",
        "purpose": "排练\r\n合唱",
        "attendees": 3,
    }
    response = client.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["purpose"] == [LINE_BREAK_MESSAGE]
    booking = client.post("/api/v1/bookings/", body | {"purpose": "排练"}, format="json").json()
    cancel = f"/api/v1/bookings/{booking['id']}/cancel/"
    response = client.post(cancel, {"reason": "有事\n改期"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["reason"] == [LINE_BREAK_MESSAGE]
    assert Booking.objects.get().status == "pending"


def test_a_reason_typed_over_two_lines_in_a_textarea_is_kept_as_one_line(
    client, resident, frozen, dance_room
):
    booking = booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 9),
        end=at(1, 10),
        purpose="排练",
        attendees=3,
    )
    client.force_login(resident)
    client.post(
        reverse("booking_cancel", args=[booking.pk]), {"reason": "孩子发烧\r\n\r\n改天再约"}
    )
    booking.refresh_from_db()
    assert (booking.status, booking.reason) == ("cancelled", "孩子发烧 改天再约")


def test_the_admin_refuses_a_room_name_with_a_line_break(admin_client, compound):
    response = admin_client.post(
        reverse("admin:spaces_space_add"), space_form(compound, name="舞蹈\n室")
    )
    assert response.status_code == 200
    assert LINE_BREAK_MESSAGE in response.content.decode()
    assert not Space.objects.exists()


# --- length limits -------------------------------------------------------------------------


def test_a_one_mebibyte_description_is_refused_on_the_organiser_activity_form(
    client, officer, frozen, department, category, dance_room
):
    client.force_login(officer)
    response = client.post(
        NEW, activity_data(department, category, dance_room, description=ONE_MIB)
    )
    assert response.status_code == 200
    [message] = response.context["form"].errors["description"]
    assert "5000" in message
    assert not Activity.objects.exists()


def test_the_api_refuses_a_one_mebibyte_purpose(resident, frozen, dance_room):
    client = APIClient()
    client.force_authenticate(resident)
    body = {
        "space": dance_room.pk,
        "start": "2026-12-02T09:00",
        "end": "2026-12-02T10:00",
        "purpose": ONE_MIB,
        "attendees": 3,
    }
    response = client.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 400
    assert "200" in response.json()["fields"]["purpose"][0]
    assert not Booking.objects.exists()


def test_the_admin_refuses_a_one_mebibyte_room_description(admin_client, compound):
    response = admin_client.post(
        reverse("admin:spaces_space_add"), space_form(compound, description=ONE_MIB)
    )
    assert response.status_code == 200
    assert "5000" in str(response.context["adminform"].form.errors["description"])
    assert not Space.objects.exists()


@pytest.mark.parametrize(
    "model, field",
    [
        (Compound, "brand"),
        (Space, "description"),
        (Space, "equipment"),
        (Program, "description"),
        (Activity, "description"),
    ],
)
def test_every_free_text_field_has_a_length_limit(model, field):
    assert 1000 <= model._meta.get_field(field).max_length <= 5000


# --- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "+86 138-0013-8000",
        "0086 13800138000",
        "１３８００１３８０００",
    ],
)
def test_a_mobile_number_is_read_however_it_is_typed(typed):
    assert mobile_number(typed) == "13800138000"
    validate_mobile_number(typed)


@pytest.mark.parametrize(
    "typed",
    ["12800138000", "1380013800", "138001380001", "+1 415 555 0100", "0757-86123456", "电话"],
)
def test_anything_but_a_mainland_mobile_number_is_refused_with_a_clear_message(typed):
    assert mobile_number(typed) is None
    with pytest.raises(ValidationError) as refused:
        validate_mobile_number(typed)
    assert refused.value.messages == ["请填写 11 位手机号，例如 138 0013 8000。"]


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("0757-8612 3456", "0757-86123456"),
        ("(0757) 8612-3456", "0757-86123456"),
        ("+86 757 8612 3456", "0757-86123456"),
        ("010 62345678", "010-62345678"),
        ("0757-8612345", "0757-8612345"),
        ("+86 138 0013 8000", "13800138000"),
    ],
)
def test_a_department_may_give_a_landline_with_its_area_code(typed, stored):
    assert contact_number(typed) == stored


@pytest.mark.parametrize("typed", ["86123456", "12345", "0757-0612345", "0757-861234567"])
def test_a_landline_without_an_area_code_or_of_the_wrong_length_is_refused(typed):
    assert contact_number(typed) is None
    with pytest.raises(ValidationError):
        validate_contact_number(typed)


def test_the_profile_page_stores_a_mobile_number_as_eleven_digits(client, resident):
    client.force_login(resident)
    response = client.post(
        reverse("profile"), {"display_name": "阿华", "phone": "+86 138-0013-8000"}
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=resident).phone == "13800138000"


def test_the_profile_page_refuses_a_number_that_is_not_a_mobile_number(client, resident):
    client.force_login(resident)
    response = client.post(reverse("profile"), {"display_name": "阿华", "phone": "8612 3456"})
    assert response.status_code == 200
    assert "请填写 11 位手机号" in response.content.decode()
    assert not Profile.objects.filter(user=resident).exclude(phone="").exists()


def test_the_admin_stores_a_department_landline_in_one_spelling_and_refuses_garbage(
    admin_client, department
):
    url = reverse("admin:programs_department_change", args=[department.pk])
    data = {
        "organiser": department.organiser.pk,
        "kind": department.kind,
        "brand": "暖心驿站",
        "contact_name": "陈主任",
    }
    response = admin_client.post(url, data | {"contact_phone": "电话待定"})
    assert response.status_code == 200
    assert "请填写手机号或带区号的固定电话" in response.content.decode()
    response = admin_client.post(url, data | {"contact_phone": "0757 8612 3456"})
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.contact_phone == "0757-86123456"


# --- the admin's constraints and opening ranges --------------------------------------------


def space_form(compound, *, hours=(), windows=(), **overrides) -> dict:
    """The admin's add-a-room form: the room and its opening hours and partner windows."""
    data = {
        "compound": compound.pk,
        "name": "会议室",
        "kind": "meeting_room",
        "access_mode": "bookable",
        "is_active": "on",
        "capacity": "30",
        "area_m2": "",
        "description": "",
        "equipment": "",
        "requires_approval": "on",
        "slot_minutes": "60",
        "min_minutes": "60",
        "max_minutes": "180",
        "bookable_days_ahead": "14",
        "min_notice_minutes": "60",
    }
    data.update(overrides)
    for prefix, rows in (("opening_hours", hours), ("partner_windows", windows), ("closures", ())):
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for i, (weekday, opens, closes) in enumerate(rows):
            data |= {
                f"{prefix}-{i}-weekday": str(weekday),
                f"{prefix}-{i}-opens": opens,
                f"{prefix}-{i}-closes": closes,
            }
    return data


def test_the_admin_explains_a_closing_time_before_the_opening_time_in_a_sentence(
    admin_client, compound
):
    data = space_form(compound, hours=[(0, "12:00", "08:00")])
    page = admin_client.post(reverse("admin:spaces_space_add"), data).content.decode()
    assert "结束时间必须晚于开始时间。" in page
    assert "opening_hours_order" not in page
    assert not Space.objects.exists()


def test_the_admin_explains_a_booking_length_outside_the_slot_limits_in_a_sentence(
    admin_client, compound
):
    data = space_form(compound, slot_minutes="300", min_minutes="300", max_minutes="300")
    page = admin_client.post(reverse("admin:spaces_space_add"), data).content.decode()
    assert "时段长度须在 1 到 240 分钟之间。" in page
    assert "space_slot_minutes_range" not in page


def test_the_admin_refuses_overlapping_opening_ranges_on_one_day(admin_client, compound):
    hours = [(0, "08:00", "12:00"), (0, "10:00", "14:00"), (1, "10:00", "14:00")]
    response = admin_client.post(
        reverse("admin:spaces_space_add"), space_form(compound, hours=hours)
    )
    assert response.status_code == 200
    assert "星期一的 08:00–12:00 与 10:00–14:00 重叠" in response.content.decode()
    assert not Space.objects.exists()


def test_a_range_inside_another_is_refused_even_after_one_that_does_not_overlap(
    admin_client, compound
):
    hours = [(2, "08:00", "18:00"), (2, "09:00", "10:00"), (2, "11:00", "12:00")]
    response = admin_client.post(
        reverse("admin:spaces_space_add"), space_form(compound, hours=hours)
    )
    page = response.content.decode()
    assert "星期三的 08:00–18:00 与 09:00–10:00 重叠" in page
    assert "星期三的 08:00–18:00 与 11:00–12:00 重叠" in page


def test_touching_opening_ranges_are_kept_since_they_merge(admin_client, compound):
    hours = [(0, "08:00", "12:00"), (0, "12:00", "18:00")]
    response = admin_client.post(
        reverse("admin:spaces_space_add"), space_form(compound, hours=hours)
    )
    assert response.status_code == 302
    assert OpeningHours.objects.count() == 2


def test_the_admin_refuses_overlapping_partner_windows(admin_client, compound):
    windows = [(2, "18:00", "20:00"), (2, "19:00", "21:00")]
    data = space_form(compound, windows=windows)
    response = admin_client.post(reverse("admin:spaces_space_add"), data)
    assert "星期三的 18:00–20:00 与 19:00–21:00 重叠" in response.content.decode()
    assert not PartnerWindow.objects.exists()


def test_a_range_deleted_in_the_same_save_no_longer_overlaps(admin_client, dance_room):
    # Monday has 08:00-12:00 and 14:00-22:00; the second is widened to 10:00 while the first
    # is deleted.
    monday = list(dance_room.opening_hours.filter(weekday=0).order_by("opens"))
    data = space_form(dance_room.compound, name=dance_room.name, kind="dance_room")
    data |= {
        "opening_hours-TOTAL_FORMS": "2",
        "opening_hours-INITIAL_FORMS": "2",
        "partner_windows-TOTAL_FORMS": "0",
    }
    for i, (hours, closes) in enumerate(zip(monday, ["12:00", "22:00"], strict=True)):
        data |= {
            f"opening_hours-{i}-id": str(hours.pk),
            f"opening_hours-{i}-space": str(dance_room.pk),
            f"opening_hours-{i}-weekday": "0",
            f"opening_hours-{i}-opens": "08:00" if i == 0 else "10:00",
            f"opening_hours-{i}-closes": closes,
        }
    url = reverse("admin:spaces_space_change", args=[dance_room.pk])
    refused = admin_client.post(url, data)
    assert "星期一的 08:00–12:00 与 10:00–22:00 重叠" in refused.content.decode()
    response = admin_client.post(url, data | {"opening_hours-0-DELETE": "on"})
    assert response.status_code == 302
    assert list(dance_room.opening_hours.filter(weekday=0).values_list("opens", "closes")) == [
        (time(10), time(22))
    ]


def test_a_closure_reason_with_a_line_break_is_refused(dance_room):
    closure = Closure(space=dance_room, reason="消防\n检查")
    with pytest.raises(ValidationError) as refused:
        closure.clean_fields(exclude=["start", "end"])
    assert refused.value.message_dict["reason"] == [LINE_BREAK_MESSAGE]


def test_the_token_endpoint_refuses_a_one_mebibyte_username_or_password(db):
    client = APIClient()
    for field in ("username", "password"):
        body = {"username": "ahua", "password": "pass-for-tests-1"} | {field: ONE_MIB}
        response = client.post("/api/v1/auth/token/", body, format="json")
        assert response.status_code == 400
        assert list(response.json()["fields"]) == [field]
