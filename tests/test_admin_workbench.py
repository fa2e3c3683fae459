"""Staff at a desk: a pending request names the person, and its page approves or rejects it
through the same services as the list's actions."""

import pytest
from django.urls import reverse

from conftest import at, make_user, plain_staff
from notifications.models import Message
from residents.models import Profile
from spaces.models import Booking, Closure
from spaces.services import booking_create

pytestmark = pytest.mark.django_db

PENDING = reverse("admin:spaces_pendingbooking_changelist")


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


# --- closures over bookings ------------------------------------------------------------------


def room_form(client, room, closures: list[dict] | None = None) -> dict:
    """The room's admin form as staff would send it, unchanged, with `closures` (dicts of
    the inline's fields; an "id" marks an existing one) as its closure rows."""
    form = (
        client.get(reverse("admin:spaces_space_change", args=[room.pk])).context["adminform"].form
    )
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["compound"] = room.compound_id
    for prefix, related in (
        ("opening_hours", room.opening_hours.all()),
        ("partner_windows", room.partner_windows.all()),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = related.count()
        data[f"{prefix}-INITIAL_FORMS"] = related.count()
        for i, row in enumerate(related):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-space"] = room.pk
            data[f"{prefix}-{i}-weekday"] = row.weekday
            data[f"{prefix}-{i}-opens"] = row.opens.strftime("%H:%M")
            data[f"{prefix}-{i}-closes"] = row.closes.strftime("%H:%M")
            if prefix == "partner_windows":
                data[f"{prefix}-{i}-holder"] = row.holder
    closures = closures or []
    data["closures-TOTAL_FORMS"] = len(closures)
    data["closures-INITIAL_FORMS"] = sum(1 for c in closures if "id" in c)
    for i, closure in enumerate(closures):
        for key, value in closure.items():
            data[f"closures-{i}-{key}"] = value
        data[f"closures-{i}-space"] = room.pk
    return data


def closure_row(day: int, opens: int, closes: int, reason: str, pk=None) -> dict:
    start, end = at(day, opens), at(day, closes)
    row = {
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M}",
        "reason": reason,
    }
    if pk is not None:
        row["id"] = pk
    return row


@pytest.fixture
def week_of_bookings(frozen, dance_room, resident, other_resident, compound, make_activity):
    """Tomorrow in the dance room: ahua's approved 9-10, xiaomei's pending 10-11, an activity
    at 14-16, and ahua's approved booking the day after, which no closure below touches."""
    Profile.objects.create(user=resident, display_name="阿华姐", phone="13800138000")
    made = {
        "ahua": booking_create(
            space=dance_room,
            booked_by=resident,
            start=at(1, 9),
            end=at(1, 10),
            purpose="广场舞排练",
            attendees=6,
        ),
        "xiaomei": booking_create(
            space=dance_room,
            booked_by=other_resident,
            start=at(1, 10),
            end=at(1, 11),
            purpose="合唱",
            attendees=4,
        ),
        "later": booking_create(
            space=dance_room,
            booked_by=resident,
            start=at(2, 9),
            end=at(2, 10),
            purpose="广场舞排练",
            attendees=6,
        ),
    }
    for key in ("ahua", "later"):
        made[key].status = "approved"
        made[key].save(update_fields=["status"])
    made["activity"] = make_activity(day_offset=1, hour=14, hours=2, title="亲子手工坊")
    return made


def save_room(client, room, closures):
    return client.post(
        reverse("admin:spaces_space_change", args=[room.pk]), room_form(client, room, closures)
    )


def test_a_new_closure_over_bookings_shows_exactly_the_bookings_it_hits(
    client, staff, dance_room, week_of_bookings
):
    client.force_login(staff)
    response = save_room(client, dance_room, [closure_row(1, 8, 16, "地板维修")])
    closure = Closure.objects.get(reason="地板维修")
    review = reverse("admin:spaces_space_closure_bookings", args=[dance_room.pk])
    assert response.status_code == 302
    assert response.url == f"{review}?closures={closure.pk}&saved=1"
    page = client.get(response.url)
    hits = page.context["hits"]
    assert [b.pk for b in hits[0].bookings] == [
        week_of_bookings["ahua"].pk,
        week_of_bookings["xiaomei"].pk,
    ]
    assert [b.pk for b in hits[0].holds] == [week_of_bookings["activity"].booking_id]
    html = page.content.decode()
    assert "阿华姐" in html and "13800138000" in html and "地板维修" in html
    assert html.count('type="checkbox" name="booking"') == 2
    assert html.count("checked") == 2
    # The activity is listed with a link to it, not a checkbox.
    assert reverse("admin:programs_activity_change", args=[week_of_bookings["activity"].pk]) in html
    assert f'value="{week_of_bookings["later"].pk}"' not in html


def test_cancelling_them_tells_each_resident_the_closures_reason_once(
    client, staff, dance_room, week_of_bookings
):
    client.force_login(staff)
    review = save_room(client, dance_room, [closure_row(1, 8, 16, "地板维修")]).url
    before = Message.objects.count()
    ahua, xiaomei = week_of_bookings["ahua"], week_of_bookings["xiaomei"]
    response = client.post(review, {"booking": [ahua.pk, xiaomei.pk]}, follow=True)
    assert "已取消 2 个预约" in response.content.decode()
    for booking in (ahua, xiaomei):
        booking.refresh_from_db()
        assert (booking.status, booking.reason, booking.decided_by) == (
            "cancelled",
            "地板维修",
            staff,
        )
        mail = Message.objects.filter(recipient=booking.booked_by, subject__contains="已取消")
        assert mail.count() == 1
        assert "地板维修" in mail.get().body
    assert Message.objects.count() - before == 2
    # The activity's hold and the untouched booking stay.
    assert Booking.objects.get(pk=week_of_bookings["activity"].booking_id).status == "approved"
    week_of_bookings["later"].refresh_from_db()
    assert week_of_bookings["later"].status == "approved"


def test_unticked_bookings_and_forged_ids_are_left_alone(
    client, staff, dance_room, week_of_bookings
):
    client.force_login(staff)
    review = save_room(client, dance_room, [closure_row(1, 8, 12, "地板维修")]).url
    later = week_of_bookings["later"]
    client.post(review, {"booking": [week_of_bookings["ahua"].pk, later.pk, "x", "-1"]})
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[week_of_bookings["ahua"].pk] == "cancelled"
    assert statuses[week_of_bookings["xiaomei"].pk] == "pending"
    assert statuses[later.pk] == "approved"


def test_a_later_save_of_the_room_does_not_show_the_bookings_again(
    client, staff, dance_room, week_of_bookings
):
    client.force_login(staff)
    save_room(client, dance_room, [closure_row(1, 8, 12, "地板维修")])
    closure = Closure.objects.get(reason="地板维修")
    # Staff leave the bookings for now, then change the room's name and save again.
    data = room_form(client, dance_room, [closure_row(1, 8, 12, "地板维修", pk=closure.pk)])
    data["name"] = "舞蹈室（二楼）"
    response = client.post(reverse("admin:spaces_space_change", args=[dance_room.pk]), data)
    assert response.status_code == 302
    assert "closure-bookings" not in response.url
    page = client.get(response.url, follow=True).content.decode()
    assert "暂停开放时段上的预约" not in page


def test_changing_a_closure_over_bookings_shows_them_again(
    client, staff, dance_room, week_of_bookings
):
    client.force_login(staff)
    save_room(client, dance_room, [closure_row(1, 8, 9, "地板维修")])
    closure = Closure.objects.get(reason="地板维修")
    response = client.post(
        reverse("admin:spaces_space_change", args=[dance_room.pk]),
        room_form(client, dance_room, [closure_row(1, 8, 11, "地板维修", pk=closure.pk)]),
    )
    assert "closure-bookings" in response.url


def test_bookings_already_cancelled_are_not_shown_twice(
    client, staff, dance_room, week_of_bookings
):
    client.force_login(staff)
    review = save_room(client, dance_room, [closure_row(1, 8, 10, "地板维修")]).url
    client.post(review, {"booking": [week_of_bookings["ahua"].pk]})
    response = client.get(review, follow=True)
    assert "已没有需要处理的预约" in response.content.decode()


def test_a_closure_over_no_booking_saves_as_before(client, staff, dance_room, week_of_bookings):
    client.force_login(staff)
    response = save_room(client, dance_room, [closure_row(3, 8, 12, "消防检查")])
    assert response.url == reverse("admin:spaces_space_changelist")


def test_staff_without_the_booking_permission_cannot_cancel_from_the_closure_page(
    client, dance_room, week_of_bookings
):
    clerk = plain_staff(
        "clerk",
        "spaces.view_space",
        "spaces.change_space",
        "spaces.add_closure",
        "spaces.view_booking",
    )
    client.force_login(clerk)
    closure = Closure.objects.create(
        space=dance_room, start=at(1, 8), end=at(1, 12), reason="地板维修"
    )
    review = reverse("admin:spaces_space_closure_bookings", args=[dance_room.pk])
    page = client.get(f"{review}?closures={closure.pk}").content.decode()
    assert "阿华姐" in page
    assert 'name="booking"' not in page
    assert "您没有取消预约的权限" in page
    ahua = week_of_bookings["ahua"]
    response = client.post(f"{review}?closures={closure.pk}", {"booking": [ahua.pk]})
    assert response.status_code == 403
    ahua.refresh_from_db()
    assert ahua.status == "approved"


def test_staff_with_a_rooms_permissions_alone_see_no_residents_names_or_phones(
    client, dance_room, week_of_bookings
):
    clerk = plain_staff("clerk", "spaces.view_space", "spaces.change_space", "spaces.add_closure")
    client.force_login(clerk)
    closure = Closure.objects.create(
        space=dance_room, start=at(1, 8), end=at(1, 12), reason="地板维修"
    )
    review = reverse("admin:spaces_space_closure_bookings", args=[dance_room.pk])
    assert client.get(f"{review}?closures={closure.pk}").status_code == 403
    calendar = reverse("admin:spaces_space_calendar", args=[dance_room.pk])
    assert client.get(calendar).status_code == 403
    room_page = client.get(reverse("admin:spaces_space_change", args=[dance_room.pk]))
    assert calendar not in room_page.content.decode()


def test_another_rooms_closure_id_shows_nothing(
    client, staff, dance_room, meeting_room, week_of_bookings
):
    client.force_login(staff)
    closure = Closure.objects.create(
        space=dance_room, start=at(1, 8), end=at(1, 12), reason="地板维修"
    )
    review = reverse("admin:spaces_space_closure_bookings", args=[meeting_room.pk])
    response = client.get(f"{review}?closures={closure.pk},abc,")
    assert response.status_code == 302


def test_forged_ids_on_the_closure_page_are_ignored_not_a_server_error(
    client, staff, dance_room, week_of_bookings
):
    client.force_login(staff)
    review = reverse("admin:spaces_space_closure_bookings", args=[dance_room.pk])
    for forged in ("²", "9" * 40, "-1", "1e3"):
        assert client.get(f"{review}?closures={forged}").status_code == 302
        response = client.post(f"{review}?closures={forged}", {"booking": [forged]})
        assert response.status_code == 302


# --- a room's week ---------------------------------------------------------------------------


def test_a_rooms_page_links_to_its_week(client, staff, dance_room):
    client.force_login(staff)
    page = client.get(reverse("admin:spaces_space_change", args=[dance_room.pk])).content
    assert reverse("admin:spaces_space_calendar", args=[dance_room.pk]) in page.decode()


def test_a_rooms_week_shows_bookings_activities_closures_and_partner_windows(
    client, staff, dance_room, week_of_bookings
):
    Closure.objects.create(space=dance_room, start=at(3, 8), end=at(3, 12), reason="消防检查")
    client.force_login(staff)
    url = reverse("admin:spaces_space_calendar", args=[dance_room.pk])
    page = client.get(url).content.decode()
    assert "阿华姐" in page and "6 人" in page and "已通过" in page
    assert "xiaomei" in page and "待审批" in page
    assert "亲子手工坊" in page
    assert "消防检查" in page
    assert "青少宫培训机构" in page  # Wednesday evening's partner window
    assert "2026-11-30 – 2026-12-06" in page
    assert "?week=2026-11-23" in page and "?week=2026-12-07" in page


def test_a_rooms_next_week_shows_that_weeks_bookings_only(
    client, staff, dance_room, week_of_bookings
):
    client.force_login(staff)
    url = reverse("admin:spaces_space_calendar", args=[dance_room.pk])
    page = client.get(url, {"week": "2026-12-09"}).content.decode()
    assert "2026-12-07 – 2026-12-13" in page
    assert "阿华姐" not in page and "亲子手工坊" not in page


def test_a_rooms_week_costs_the_same_queries_however_full_it_is(
    client, staff, dance_room, week_of_bookings, django_assert_max_num_queries
):
    client.force_login(staff)
    url = reverse("admin:spaces_space_calendar", args=[dance_room.pk])
    # Session, user, the room, its hours, windows, closures and bookings.
    with django_assert_max_num_queries(7):
        client.get(url)
    for day in range(3, 7):
        Closure.objects.create(space=dance_room, start=at(day, 8), end=at(day, 9), reason="检修")
    with django_assert_max_num_queries(7):
        client.get(url)


@pytest.mark.parametrize("week", ["2026-13-01", "abc", "9999-12-31"])
def test_a_bad_week_shows_this_week_with_a_message(client, staff, dance_room, frozen, week):
    client.force_login(staff)
    url = reverse("admin:spaces_space_calendar", args=[dance_room.pk])
    response = client.get(url, {"week": week})
    assert response.status_code == 200
    page = response.content.decode()
    assert "日期格式不对" in page
    assert "2026-11-30 – 2026-12-06" in page


def test_a_missing_room_is_a_404(client, staff, db):
    client.force_login(staff)
    assert client.get(reverse("admin:spaces_space_calendar", args=[999999])).status_code == 404


def test_a_booking_inside_a_closure_is_marked_on_the_rooms_week_with_a_way_to_handle_it(
    client, staff, dance_room, week_of_bookings
):
    closure = Closure.objects.create(
        space=dance_room, start=at(1, 8), end=at(1, 10), reason="地板维修"
    )
    client.force_login(staff)
    page = client.get(reverse("admin:spaces_space_calendar", args=[dance_room.pk])).content
    review = reverse("admin:spaces_space_closure_bookings", args=[dance_room.pk])
    # Ahua's 9-10 falls inside; xiaomei's 10-11 does not.
    assert page.decode().count(f"{review}?closures={closure.pk}") == 1


def test_the_closure_page_costs_the_same_queries_however_many_bookings_it_lists(
    client, staff, dance_room, week_of_bookings, django_assert_max_num_queries
):
    client.force_login(staff)
    closure = Closure.objects.create(
        space=dance_room, start=at(1, 8), end=at(2, 22), reason="地板维修"
    )
    review = reverse("admin:spaces_space_closure_bookings", args=[dance_room.pk])
    url = f"{review}?closures={closure.pk}"
    # Session, user, the room, the closures, the bookings with their people and activities.
    with django_assert_max_num_queries(5):
        assert len(client.get(url).context["hits"][0].bookings) == 3
    for hour in (14, 16, 18):
        Booking.objects.create(
            space=dance_room,
            booked_by=make_user(f"neighbour{hour}"),
            purpose="合唱",
            attendees=3,
            start=at(2, hour),
            end=at(2, hour + 1),
            status="approved",
        )
    with django_assert_max_num_queries(5):
        assert len(client.get(url).context["hits"][0].bookings) == 6
