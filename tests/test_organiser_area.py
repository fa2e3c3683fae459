"""The organiser area: officers create activities that hold rooms, run weekly series, take
attendance and export the registration list; nobody else sees their activities."""

import csv
import io
from datetime import time

import pytest
from django import forms
from django.core import mail
from django.urls import reverse

from conftest import at, make_user
from lixiong.timeutil import LOCAL_TZ
from programs.models import Activity, Department, Organiser, Program, Registration, Series
from programs.services import activity_update, registration_create, series_create
from residents.models import Profile
from spaces.models import Booking
from spaces.services import booking_create

pytestmark = pytest.mark.django_db

NEW = reverse("organiser_activity_new")
DASHBOARD = reverse("organiser_dashboard")


@pytest.fixture
def officer_client(client, officer, department):
    client.force_login(officer)
    return client


@pytest.fixture
def other_officer(db):
    """The trade union's officer: a different department."""
    user = make_user("officer_gonghui")
    organiser = Organiser.objects.create(name="大沥镇总工会", kind=Organiser.Kind.DEPARTMENT)
    organiser.members.add(user)
    Department.objects.create(organiser=organiser, kind=Department.Kind.TRADE_UNION)
    return user


def activity_data(department, category, space, **overrides) -> dict:
    data = {
        "organiser": department.organiser.pk,
        "title": "亲子手工坊",
        "category": category.pk,
        "description": "做灯笼",
        "space": space.pk,
        "date": "2026-12-02",
        "start_time": "14:00",
        "end_time": "16:00",
        "capacity": "10",
        "price_yuan": "0",
        "market_price_yuan": "0",
        "is_public_welfare": "on",
        "max_party_size": "3",
        "waitlist_policy": "promote",
        "offer_hours": "12",
        "publish": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def sign_up(activity, username, party=1, name="", phone=""):
    user = make_user(username)
    if name or phone:
        Profile.objects.create(user=user, display_name=name, phone=phone)
    return registration_create(activity=activity, resident=user, party_size=party)


# --- creating and editing activities ---------------------------------------------------------


def test_an_officer_creates_an_activity_that_holds_its_room(
    officer_client, frozen, department, category, dance_room, officer
):
    response = officer_client.post(
        NEW, activity_data(department, category, dance_room, price_yuan="12.50")
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.organiser, activity.created_by, activity.status) == (
        department.organiser,
        officer,
        "published",
    )
    assert (activity.start, activity.end) == (at(1, 14), at(1, 16))
    assert (activity.price_fen, activity.max_party_size) == (1250, 3)
    booking = activity.booking
    assert (booking.space, booking.status, booking.for_activity) == (dance_room, "approved", True)
    assert (booking.start, booking.end, booking.attendees) == (at(1, 14), at(1, 16), 10)


def test_an_unticked_publish_box_saves_a_draft_and_the_publish_button_publishes_it(
    officer_client, frozen, department, category, dance_room
):
    officer_client.post(NEW, activity_data(department, category, dance_room, publish=None))
    activity = Activity.objects.get()
    assert activity.status == "draft"
    assert "发布" in officer_client.get(DASHBOARD).content.decode()
    edit = reverse("organiser_activity_edit", args=[activity.pk])
    officer_client.post(edit, {"action": "publish"})
    activity.refresh_from_db()
    assert activity.status == "published"


def test_an_activity_cannot_take_a_booked_room(
    officer_client, frozen, department, category, dance_room, resident
):
    booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(1, 14),
        end=at(1, 15),
        purpose="排练",
        attendees=3,
    )
    response = officer_client.post(NEW, activity_data(department, category, dance_room))
    assert response.status_code == 200
    assert "这个时段已被预约" in response.content.decode()
    assert "start_time" in response.context["form"].errors
    assert not Activity.objects.exists()
    assert Booking.objects.count() == 1


def test_a_room_too_small_is_reported_on_the_capacity_field(
    officer_client, frozen, department, category, dance_room
):
    response = officer_client.post(
        NEW, activity_data(department, category, dance_room, capacity="50")
    )
    assert "人数超过容纳上限（20 人）" in response.context["form"].errors["capacity"][0]
    assert not Activity.objects.exists()


def test_only_the_officers_organisers_and_programs_are_offered(
    officer_client, frozen, department, category, other_officer
):
    theirs = Program.objects.create(
        department=Department.objects.get(organiser__name="大沥镇总工会"),
        title="职工技能培训",
        category=category,
    )
    mine = Program.objects.create(department=department, title="暖心亲子", category=category)
    form = officer_client.get(NEW).context["form"]
    assert list(form.fields["organiser"].queryset) == [department.organiser]
    assert list(form.fields["program"].queryset) == [mine]
    assert theirs not in form.fields["program"].queryset


def test_editing_the_room_moves_the_booking(
    officer_client, frozen, make_activity, department, category, meeting_room
):
    activity = make_activity(day_offset=1, hour=14)
    old_booking = activity.booking
    edit = reverse("organiser_activity_edit", args=[activity.pk])
    assert officer_client.get(edit).context["form"].initial["start_time"] == time(14)
    response = officer_client.post(
        edit, activity_data(department, category, meeting_room, capacity="4", organiser=None)
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.booking_id == old_booking.pk  # moved in place by the spaces service
    assert activity.space == meeting_room
    assert (activity.booking.space, activity.booking.status) == (meeting_room, "approved")
    assert activity.booking.for_activity


def test_an_edit_that_clashes_keeps_the_old_room(
    officer_client, frozen, make_activity, department, category, meeting_room, resident
):
    activity = make_activity(day_offset=1, hour=14)
    booking_create(
        space=meeting_room,
        booked_by=resident,
        start=at(1, 14),
        end=at(1, 15),
        purpose="开会",
        attendees=3,
    )
    edit = reverse("organiser_activity_edit", args=[activity.pk])
    response = officer_client.post(
        edit, activity_data(department, category, meeting_room, capacity="4", organiser=None)
    )
    assert "这个时段已被预约" in response.content.decode()
    activity.refresh_from_db()
    assert activity.booking.status == "approved"
    assert activity.space.name == "舞蹈室"


def test_cancelling_an_activity_tells_everyone_registered_and_frees_the_room(
    officer_client, frozen, make_activity, django_capture_on_commit_callbacks
):
    activity = make_activity(capacity=1)
    sign_up(activity, "a1")
    sign_up(activity, "a2")  # on the waitlist
    url = reverse("organiser_activity_cancel", args=[activity.pk])
    page = officer_client.get(url).content.decode()
    assert 'name="reason"' in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(url, {"reason": "台风停课"})
    activity.refresh_from_db()
    assert (activity.status, activity.cancel_reason) == ("cancelled", "台风停课")
    assert activity.booking.status == "cancelled"
    assert sorted(m.to[0] for m in mail.outbox) == ["a1@example.com", "a2@example.com"]
    assert "台风停课" in mail.outbox[0].body


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, method",
    [
        ("organiser_activity_edit", "get"),
        ("organiser_activity_edit", "post"),
        ("organiser_roster", "get"),
        ("organiser_roster", "post"),
        ("organiser_registrations_csv", "get"),
        ("organiser_activity_cancel", "get"),
        ("organiser_activity_cancel", "post"),
    ],
)
def test_an_officer_of_another_department_cannot_reach_the_activity(
    client, frozen, make_activity, other_officer, name, method
):
    activity = make_activity()
    client.force_login(other_officer)
    url = reverse(name, args=[activity.pk])
    data = {"reason": "x", "action": "publish", "walk_in_attendees": "9"}
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    assert response.status_code == 404
    activity.refresh_from_db()
    assert (activity.status, activity.walk_in_attendees) == ("published", 0)


def test_an_officer_of_another_department_cannot_cancel_the_series(
    client, frozen, department, officer, category, dance_room, other_officer
):
    series = make_series(department, officer, category, dance_room)[0]
    client.force_login(other_officer)
    url = reverse("organiser_series_cancel", args=[series.pk])
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert not Activity.objects.filter(status="cancelled").exists()


def test_an_officer_of_another_department_cannot_edit_the_series(
    client, frozen, department, officer, category, dance_room, other_officer
):
    series = make_series(department, officer, category, dance_room)[0]
    client.force_login(other_officer)
    url = reverse("organiser_series_edit", args=[series.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, series_data(department, category, dance_room, capacity="2"))
    assert response.status_code == 404
    assert set(Activity.objects.values_list("capacity", flat=True)) == {10}


def test_a_resident_gets_a_friendly_403_and_a_visitor_is_sent_to_log_in(client, resident):
    assert client.get(DASHBOARD).status_code == 302
    client.force_login(resident)
    for url in (DASHBOARD, NEW, reverse("organiser_series_new")):
        response = client.get(url)
        assert response.status_code == 403
        assert "组织方页面只对" in response.content.decode()


def test_the_organiser_link_shows_for_organisers_and_staff_only(
    client, frozen, resident, officer, department, staff
):
    link = f'href="{DASHBOARD}"'
    client.force_login(resident)
    assert link not in client.get("/").content.decode()
    client.force_login(officer)
    assert link in client.get("/").content.decode()
    client.force_login(staff)
    assert link in client.get("/").content.decode()
    assert client.get(DASHBOARD).status_code == 200


# --- the dashboard ---------------------------------------------------------------------------


def test_the_dashboard_lists_programs_activities_with_seats_and_series(
    officer_client, frozen, department, officer, category, dance_room, compound, make_activity
):
    program = Program.objects.create(department=department, title="暖心亲子", category=category)
    program.compounds.add(compound)
    activity = make_activity(capacity=2)
    sign_up(activity, "a1", party=1)
    sign_up(activity, "a2", party=1)
    sign_up(activity, "a3", party=1)
    make_series(department, officer, category, dance_room)
    page = officer_client.get(DASHBOARD).content.decode()
    assert "暖心亲子" in page and "绿地香颂公馆" in page
    assert "已报 2 / 2" in page and "候补 1" in page
    assert "周五瑜伽" in page and "取消整个系列" in page


def test_the_dashboard_needs_a_fixed_number_of_queries(
    officer_client,
    frozen,
    department,
    officer,
    category,
    dance_room,
    compound,
    make_activity,
    django_assert_max_num_queries,
):
    for i in range(3):
        program = Program.objects.create(department=department, title=f"项目{i}", category=category)
        program.compounds.add(compound)
    for day in range(1, 7):
        activity = make_activity(day_offset=day, capacity=2)
        sign_up(activity, f"r{day}")
    make_series(department, officer, category, dance_room)
    with django_assert_max_num_queries(11):  # 10, and the nav's count of offered seats
        response = officer_client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.content.decode().count("报名名单") >= 6


# --- weekly series ---------------------------------------------------------------------------


def make_series(department, officer, category, space):
    return series_create(
        organiser=department.organiser,
        by=officer,
        title="周五瑜伽",
        space=space,
        weekdays=[4],
        first_date=at(0, 0).date(),
        last_date=at(14, 0).date(),
        starts_at=time(19),
        ends_at=time(20),
        category=category,
        capacity=10,
    )


def series_data(department, category, space, **overrides):
    data = {
        "organiser": department.organiser.pk,
        "title": "亲子阅读",
        "category": category.pk,
        "space": space.pk,
        "weekdays": ["2", "4"],  # Wednesdays and Fridays
        "first_date": "2026-12-02",
        "last_date": "2026-12-11",
        "start_time": "14:00",
        "end_time": "15:00",
        "capacity": "10",
        "max_party_size": "2",
        "waitlist_policy": "promote",
        "offer_hours": "12",
        "price_yuan": "0",
        "market_price_yuan": "0",
        "is_public_welfare": "on",
        "publish": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_series_with_a_clash_lists_the_skipped_date_with_the_reason(
    officer_client, frozen, department, category, dance_room, resident
):
    booking_create(
        space=dance_room,
        booked_by=resident,
        start=at(8, 14),  # Wednesday 2026-12-09
        end=at(8, 15),
        purpose="排练",
        attendees=3,
    )
    response = officer_client.post(
        reverse("organiser_series_new"), series_data(department, category, dance_room)
    )
    series = Series.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("organiser_series_detail", args=[series.pk])
    response = officer_client.get(response.url)
    page = response.content.decode()
    assert "系列已创建：3 场，跳过 1 场" in page
    assert "跳过的日期" in page
    assert "2026-12-09" in page and "这个时段已被预约" in page
    starts = sorted(a.start for a in series.activities.all())
    assert starts == [at(1, 14), at(3, 14), at(10, 14)]
    assert [s["date"].isoformat() for s in response.context["skipped"]] == ["2026-12-09"]


def test_a_series_form_with_no_weekday_or_dates_in_the_wrong_order_saves_nothing(
    officer_client, frozen, department, category, dance_room
):
    url = reverse("organiser_series_new")
    response = officer_client.post(url, series_data(department, category, dance_room, weekdays=[]))
    assert "weekdays" in response.context["form"].errors
    response = officer_client.post(
        url, series_data(department, category, dance_room, last_date="2026-12-01")
    )
    assert "last_date" in response.context["form"].errors
    assert not Series.objects.exists()


def test_cancelling_a_series_cancels_its_upcoming_occurrences(
    officer_client, frozen, department, officer, category, dance_room
):
    series, created, skipped = make_series(department, officer, category, dance_room)
    assert (len(created), skipped) == (2, [])
    url = reverse("organiser_series_cancel", args=[series.pk])
    assert "19:00" in officer_client.get(url).content.decode()
    response = officer_client.post(url, {"reason": "老师请假"}, follow=True)
    assert "2 场活动" in response.content.decode()
    assert set(series.activities.values_list("status", flat=True)) == {"cancelled"}
    assert set(Booking.objects.values_list("status", flat=True)) == {"cancelled"}


def test_a_series_created_with_a_price_and_age_range_carries_them_to_every_occurrence(
    officer_client, frozen, department, category, dance_room
):
    data = series_data(
        department,
        category,
        dance_room,
        price_yuan="12.50",
        market_price_yuan="80",
        is_public_welfare=None,
        min_age="6",
        max_age="12",
        audience="小学生",
        offer_hours="6",
    )
    response = officer_client.post(reverse("organiser_series_new"), data, follow=True)
    assert len(response.context["occurrences"]) == 4
    stored = Activity.objects.values_list(
        "price_fen",
        "market_price_fen",
        "is_public_welfare",
        "min_age",
        "max_age",
        "audience",
        "offer_hours",
    )
    assert set(stored) == {(1250, 8000, False, 6, 12, "小学生", 6)}


def test_a_series_age_range_in_the_wrong_order_saves_nothing(
    officer_client, frozen, department, category, dance_room
):
    response = officer_client.post(
        reverse("organiser_series_new"),
        series_data(department, category, dance_room, min_age="12", max_age="6"),
    )
    assert "min_age" in response.context["form"].errors
    assert not Series.objects.exists()


def edit_data(form) -> dict:
    """What the browser sends back for the prefilled edit form."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


def test_editing_a_series_capacity_and_time_updates_every_upcoming_occurrence(
    officer_client, frozen, department, officer, category, dance_room
):
    series, created, _skipped = make_series(department, officer, category, dance_room)
    old_bookings = [a.booking_id for a in created]
    url = reverse("organiser_series_edit", args=[series.pk])
    form = officer_client.get(url).context["form"]
    assert (form.initial["start_time"], form.initial["capacity"]) == (time(19), 10)
    data = edit_data(form) | {"capacity": "12", "start_time": "20:00", "end_time": "21:30"}
    response = officer_client.post(url, data)
    assert response.url == reverse("organiser_series_detail", args=[series.pk])
    page = officer_client.get(response.url).content.decode()
    assert "系列已修改：2 场，未能修改 0 场" in page
    series.refresh_from_db()
    assert (series.starts_at, series.ends_at) == (time(20), time(21, 30))
    for activity in Activity.objects.select_related("booking"):
        local = activity.start.astimezone(LOCAL_TZ)
        assert (local.time(), activity.capacity) == (time(20), 12)
        assert (activity.booking.start, activity.booking.end) == (activity.start, activity.end)
        assert (activity.booking.status, activity.booking.attendees) == ("approved", 12)
    assert sorted(Booking.objects.filter(for_activity=True).values_list("pk", flat=True)) == sorted(
        old_bookings
    )  # every hold moved in place, none cancelled and re-created


def test_editing_a_series_leaves_what_the_officer_did_not_change(
    officer_client, frozen, department, officer, category, dance_room, meeting_room
):
    series, created, _skipped = make_series(department, officer, category, dance_room)
    # The second Friday was moved to the meeting room and described on its own.
    activity_update(activity=created[1], by=officer, space=meeting_room, description="改在会议室")
    url = reverse("organiser_series_edit", args=[series.pk])
    data = edit_data(officer_client.get(url).context["form"]) | {"capacity": "8"}
    officer_client.post(url, data)
    first, second = Activity.objects.order_by("start")
    assert (first.capacity, first.space, first.description) == (8, dance_room, "")
    assert (second.capacity, second.space, second.description) == (8, meeting_room, "改在会议室")


def test_an_occurrence_whose_room_is_taken_at_the_new_time_is_listed_and_keeps_its_time(
    officer_client, frozen, department, officer, category, dance_room, resident
):
    series, created, _skipped = make_series(department, officer, category, dance_room)
    booking_create(  # Friday 2026-12-11 20:00 is taken by a resident
        space=dance_room,
        booked_by=resident,
        start=at(10, 20),
        end=at(10, 21),
        purpose="排练",
        attendees=3,
    )
    url = reverse("organiser_series_edit", args=[series.pk])
    data = edit_data(officer_client.get(url).context["form"])
    response = officer_client.post(
        url, data | {"start_time": "20:00", "end_time": "21:00"}, follow=True
    )
    page = response.content.decode()
    assert "系列已修改：1 场，未能修改 1 场" in page
    assert "2026-12-11 这一场未能修改，保持原样：这个时段已被预约" in page
    kept = Activity.objects.get(pk=created[1].pk)
    assert (kept.start, kept.booking.start, kept.booking.status) == (
        at(10, 19),
        at(10, 19),
        "approved",
    )
    assert Activity.objects.get(pk=created[0].pk).start == at(3, 20)


def test_a_series_edit_that_changes_nothing_touches_nothing(
    officer_client, frozen, department, officer, category, dance_room
):
    series, created, _skipped = make_series(department, officer, category, dance_room)
    url = reverse("organiser_series_edit", args=[series.pk])
    data = edit_data(officer_client.get(url).context["form"])
    response = officer_client.post(url, data, follow=True)
    assert "没有修改任何内容" in response.content.decode()
    assert [a.booking_id for a in Activity.objects.order_by("start")] == [
        a.booking_id for a in created
    ]


def test_the_dashboard_links_to_editing_the_series(
    officer_client, frozen, department, officer, category, dance_room
):
    series = make_series(department, officer, category, dance_room)[0]
    page = officer_client.get(DASHBOARD).content.decode()
    assert reverse("organiser_series_edit", args=[series.pk]) in page
    assert "编辑系列" in page


# --- roster, attendance, check-in, CSV -------------------------------------------------------


@pytest.fixture
def started_activity(frozen, make_activity):
    """Today 10:00–12:00 with three parties signed up; the clock then moves to 10:30."""
    activity = make_activity(day_offset=0, hour=10, capacity=10, max_party_size=3)
    parties = [
        sign_up(activity, "mother", party=3, name="陈女士", phone="13800000001"),
        sign_up(activity, "grandpa", party=1, name="李伯"),
        sign_up(activity, "nobody", party=2),
    ]
    frozen.move_to(at(0, 10, 30))
    return activity, parties


def test_the_roster_marks_parties_and_walk_ins_and_closing_gives_the_final_count(
    officer_client, started_activity
):
    activity, (mother, grandpa, absent) = started_activity
    url = reverse("organiser_roster", args=[activity.pk])
    page = officer_client.get(url).content.decode()
    assert "陈女士" in page and "13800000001" in page and "李伯" in page and "nobody" in page
    assert f'type="checkbox" name="attended-{grandpa.pk}"' in page
    assert f'name="attended-{mother.pk}" min="0" max="3"' in page
    data = {
        f"row-{mother.pk}": "1",
        f"attended-{mother.pk}": "2",
        f"row-{grandpa.pk}": "1",
        f"attended-{grandpa.pk}": "1",
        f"row-{absent.pk}": "1",
        f"attended-{absent.pk}": "",
        "walk_in_attendees": "4",
        "action": "close",
    }
    response = officer_client.post(url, data, follow=True)
    assert "最终人次：7" in response.content.decode()
    activity.refresh_from_db()
    assert (activity.status, activity.final_count, activity.walk_in_attendees) == (
        "finished",
        7,
        4,
    )
    counts = dict(Registration.objects.values_list("pk", "attended_count"))
    assert counts == {mother.pk: 2, grandpa.pk: 1, absent.pk: None}

    # Unticking grandpa after closing, and closing again, updates the final count.
    del data[f"attended-{grandpa.pk}"]
    officer_client.post(url, data)
    activity.refresh_from_db()
    assert activity.final_count == 6


def test_a_bad_count_is_reported_on_its_row_and_the_rest_is_saved(officer_client, started_activity):
    activity, (mother, grandpa, absent) = started_activity
    url = reverse("organiser_roster", args=[activity.pk])
    response = officer_client.post(
        url,
        {
            f"attended-{mother.pk}": "5",
            f"row-{grandpa.pk}": "1",
            f"attended-{grandpa.pk}": "1",
            "walk_in_attendees": "-1",
            "action": "close",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "实到人数须在 0 到 3 之间" in page
    assert Registration.objects.get(pk=grandpa.pk).attended_count == 1
    activity.refresh_from_db()
    assert (activity.status, activity.walk_in_attendees) == ("published", 0)


def test_an_activity_cannot_be_closed_before_it_starts(officer_client, frozen, make_activity):
    activity = make_activity()
    url = reverse("organiser_roster", args=[activity.pk])
    assert "活动开始后可以结束点名" in officer_client.get(url).content.decode()
    response = officer_client.post(url, {"walk_in_attendees": "0", "action": "close"})
    assert "活动还没开始" in response.content.decode()
    activity.refresh_from_db()
    assert activity.status == "published"


def test_check_in_with_the_ticket_token_marks_the_whole_party(officer_client, started_activity):
    activity, (mother, *_rest) = started_activity
    url = reverse("organiser_check_in", args=[mother.checkin_token])
    page = officer_client.get(url).content.decode()
    assert "陈女士" in page and "一行 3 人" in page
    response = officer_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("organiser_roster", args=[activity.pk])
    assert "陈女士 已签到" in response.content.decode()
    assert Registration.objects.get(pk=mother.pk).attended_count == 3


def test_check_in_refuses_other_organisers_and_unknown_tokens(
    client, started_activity, other_officer, officer
):
    activity, (mother, *_rest) = started_activity
    client.force_login(other_officer)
    url = reverse("organiser_check_in", args=[mother.checkin_token])
    assert client.get(url).status_code == 403
    response = client.post(url)
    assert response.status_code == 403
    assert "只有这个活动的组织方" in response.content.decode()
    assert Registration.objects.get(pk=mother.pk).attended_count is None
    client.force_login(officer)
    assert client.get(reverse("organiser_check_in", args=["no-such-token"])).status_code == 404


def test_the_csv_export_has_a_bom_a_header_and_one_row_per_registration(
    officer_client, started_activity
):
    activity, (mother, grandpa, absent) = started_activity
    Profile.objects.filter(user=grandpa.resident).update(display_name="=HYPERLINK(1)")
    response = officer_client.get(reverse("organiser_registrations_csv", args=[activity.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert f"activity-{activity.pk}-registrations.csv" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0] == ["排序号", "状态", "用户名", "称呼", "手机号", "人数", "实到人数", "报名时间"]
    mother_row = ["1", "已报名", "mother", "陈女士", "13800000001", "3", "", "2026-12-01 09:00"]
    assert rows[1] == mother_row
    assert rows[2][3] == "'=HYPERLINK(1)"  # never a formula in Excel
    assert len(rows) == 4


def test_the_roster_needs_a_fixed_number_of_queries(
    officer_client, started_activity, django_assert_max_num_queries
):
    activity, _parties = started_activity
    for i in range(5):
        Registration.objects.create(
            activity=activity,
            resident=make_user(f"extra{i}"),
            party_size=1,
            status="waitlisted",
            position=10 + i,
        )
    with django_assert_max_num_queries(8):  # 7, and the nav's count of offered seats
        response = officer_client.get(reverse("organiser_roster", args=[activity.pk]))
    assert response.status_code == 200
    assert "候补名单（5 组" in response.content.decode()


# --- garbage in, never a 500 -----------------------------------------------------------------

GARBAGE = [
    {},
    {"capacity": "abc", "date": "2026-13-45", "start_time": "25:00", "end_time": "x"},
    {"capacity": "99999999999999999999", "price_yuan": "NaN", "max_party_size": "-3"},
    {"organiser": "999999", "space": "'; drop table", "category": "-1", "program": "1e9"},
    {"registration_opens": "tomorrow", "min_age": "9", "max_age": "3", "offer_hours": "0"},
    {"date": "2026-12-02", "start_time": "16:00", "end_time": "14:00"},
    {"date": "2020-01-01", "registration_closes": "2027-01-01T10:00"},
    {"date": "0001-01-01", "registration_opens": "0001-01-01T00:00", "last_date": "9999-12-31"},
    {"date": "9999-12-31", "start_time": "23:00", "end_time": "23:59", "first_date": "0001-01-01"},
    {"weekdays": ["9", "x"], "first_date": "2026-12-02", "last_date": "2036-12-02"},
    {f"attended-{n}": v for n, v in ((1, "x"), (2, "-1"), (99, "3"))} | {"action": "close"},
    {"walk_in_attendees": "1e99", "reason": "x" * 1000, "action": "??"},
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_input_never_gives_a_server_error(
    officer_client, frozen, make_activity, department, category, dance_room, garbage
):
    activity = make_activity()
    series = make_series(department, activity.created_by, category, dance_room)[0]
    edit_series = reverse("organiser_series_edit", args=[series.pk])
    posts = [
        (NEW, activity_data(department, category, dance_room) | garbage),
        (reverse("organiser_activity_edit", args=[activity.pk]), garbage),
        (reverse("organiser_series_new"), series_data(department, category, dance_room) | garbage),
        (reverse("organiser_roster", args=[activity.pk]), garbage),
        (reverse("organiser_activity_cancel", args=[activity.pk]), garbage),
        (reverse("organiser_series_cancel", args=[series.pk]), garbage),
        (edit_series, garbage),
        (edit_series, series_data(department, category, dance_room) | garbage),
    ]
    for url, data in posts:
        response = officer_client.post(url, data)
        assert response.status_code < 500, (url, data)
    assert officer_client.get(reverse("organiser_check_in", args=["nope"])).status_code == 404


# --- series pages follow post/redirect/get ---------------------------------------------------


def test_reloading_a_new_series_page_never_creates_a_second_series(
    officer_client, frozen, department, category, dance_room
):
    response = officer_client.post(
        reverse("organiser_series_new"), series_data(department, category, dance_room)
    )
    assert response.status_code == 302
    series_page = response.url
    for _reload in range(3):
        page = officer_client.get(series_page)
        assert page.status_code == 200
        assert "亲子阅读" in page.content.decode()
    assert Series.objects.count() == 1
    assert Activity.objects.count() == 4


def test_a_series_page_shows_its_skipped_dates_and_why_long_after_it_was_created(
    officer_client, frozen, department, category, dance_room, compound
):
    from spaces.models import Closure

    Closure.objects.create(space=dance_room, start=at(3, 8), end=at(3, 22), reason="地板维修")
    officer_client.post(
        reverse("organiser_series_new"), series_data(department, category, dance_room)
    )
    series = Series.objects.get()
    assert series.skipped == [
        {"date": "2026-12-04", "code": "closed", "params": {"reason": "地板维修"}}
    ]
    page = officer_client.get(reverse("organiser_series_detail", args=[series.pk]))
    html = page.content.decode()
    assert "2026-12-04" in html and "所选时间暂停开放：地板维修" in html
    # In the organiser's other language too: the reason is kept as its code, not as text.
    officer_client.cookies.load({"django_language": "en"})
    html = officer_client.get(reverse("organiser_series_detail", args=[series.pk])).content
    assert "地板维修" in html.decode() and "所选时间暂停开放" not in html.decode()


def test_a_series_whose_every_date_is_skipped_is_not_kept_and_says_why_for_each_date(
    officer_client, frozen, department, category, dance_room, resident
):
    from spaces.models import Closure

    Closure.objects.create(space=dance_room, start=at(1, 0), end=at(4, 0), reason="地板维修")
    booking_create(  # Wednesday 2026-12-09 14:00
        space=dance_room,
        booked_by=resident,
        start=at(8, 14),
        end=at(8, 15),
        purpose="排练",
        attendees=3,
    )
    booking_create(  # Friday 2026-12-11 14:00
        space=dance_room,
        booked_by=resident,
        start=at(10, 14),
        end=at(10, 15),
        purpose="排练",
        attendees=3,
    )
    response = officer_client.post(
        reverse("organiser_series_new"), series_data(department, category, dance_room)
    )
    assert response.status_code == 200
    assert not Series.objects.exists()
    assert not Activity.objects.exists()
    page = response.content.decode()
    assert "系列没有创建" in page
    for day, reason in (
        ("2026-12-02", "地板维修"),
        ("2026-12-04", "地板维修"),
        ("2026-12-09", "这个时段已被预约"),
        ("2026-12-11", "这个时段已被预约"),
    ):
        assert day in page
        assert reason in page
    assert [s["date"].isoformat() for s in response.context["skipped"]] == [
        "2026-12-02",
        "2026-12-04",
        "2026-12-09",
        "2026-12-11",
    ]
    # The form keeps what the officer typed, to try another time or room.
    assert response.context["form"]["title"].value() == "亲子阅读"


def test_another_organisers_series_page_is_a_404(
    client, frozen, department, officer, category, dance_room, other_officer
):
    series = make_series(department, officer, category, dance_room)[0]
    client.force_login(other_officer)
    assert client.get(reverse("organiser_series_detail", args=[series.pk])).status_code == 404


def test_staff_see_a_series_skipped_dates_in_the_admin(
    client, staff, frozen, department, officer, category, dance_room
):
    from spaces.models import Closure

    Closure.objects.create(space=dance_room, start=at(3, 8), end=at(3, 22), reason="地板维修")
    series = make_series(department, officer, category, dance_room)[0]
    client.force_login(staff)
    page = client.get(reverse("admin:programs_series_change", args=[series.pk])).content
    assert "2026-12-04 · 所选时间暂停开放：地板维修" in page.decode()
