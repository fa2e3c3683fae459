from datetime import timedelta

import pytest

from conftest import at, make_user
from programs.errors import ActivityError
from programs.models import Activity, Department, Organiser, ServiceCategory
from programs.selectors import beneficiaries, total_beneficiaries
from programs.services import (
    activity_cancel,
    activity_close,
    activity_create,
    activity_set_walk_ins,
    attendance_check_in,
    attendance_mark,
    registration_create,
)
from spaces.models import Booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def families(db):
    return [make_user(f"family{i}") for i in range(3)]


def test_person_visits_count_party_members_and_walk_ins_once_per_activity(
    frozen, make_activity, families, officer
):
    activity = make_activity(capacity=10, max_party_size=3)
    a = registration_create(activity=activity, resident=families[0], party_size=3)
    b = registration_create(activity=activity, resident=families[1], party_size=2)
    c = registration_create(activity=activity, resident=families[2], party_size=1)
    frozen.shift(timedelta(days=1, hours=1))  # the activity is under way
    attendance_mark(registration=a, by=officer, count=2)  # one child stayed home
    attendance_check_in(token=b.checkin_token, by=officer)  # the whole party, at the door
    attendance_mark(registration=c, by=officer, count=0)
    activity_set_walk_ins(activity=activity, by=officer, count=4)
    closed = activity_close(activity=activity, by=officer)
    assert closed.final_count == 2 + 2 + 0 + 4
    assert closed.status == Activity.Status.FINISHED
    assert total_beneficiaries() == 8


def test_attendance_cannot_exceed_the_party(frozen, make_activity, families, officer):
    activity = make_activity(max_party_size=2)
    registration = registration_create(activity=activity, resident=families[0], party_size=2)
    frozen.move_to(activity.start)
    with pytest.raises(ActivityError) as exc:
        attendance_mark(registration=registration, by=officer, count=3)
    assert exc.value.code == "invalid_attended_count"


def test_only_the_organiser_takes_attendance(frozen, make_activity, families):
    activity = make_activity()
    registration = registration_create(activity=activity, resident=families[0])
    with pytest.raises(ActivityError) as exc:
        attendance_mark(registration=registration, by=families[1], count=1)
    assert exc.value.code == "not_organiser"
    with pytest.raises(ActivityError):
        attendance_check_in(token=registration.checkin_token, by=families[0])


def test_an_activity_cannot_be_closed_before_it_starts(frozen, make_activity, officer):
    with pytest.raises(ActivityError) as exc:
        activity_close(activity=make_activity(), by=officer)
    assert exc.value.code == "not_started"


def test_beneficiaries_are_grouped_by_department_compound_category_and_month(
    frozen, make_activity, families, officer, dance_room, category
):
    union = Organiser.objects.create(name="大沥镇总工会", kind=Organiser.Kind.DEPARTMENT)
    union.members.add(officer)
    Department.objects.create(organiser=union, kind=Department.Kind.TRADE_UNION)
    training = ServiceCategory.objects.create(name="职业技能培训")
    first = make_activity(day_offset=1, hour=9)
    second = activity_create(
        organiser=union,
        by=officer,
        space=dance_room,
        start=at(40, 9),  # January
        end=at(40, 11),
        title="技能提升班",
        category=training,
        capacity=5,
    )
    cancelled = make_activity(day_offset=2, hour=9)
    registration = registration_create(activity=first, resident=families[0])
    activity_cancel(activity=cancelled, by=officer, reason="台风")
    Activity.objects.filter(pk=cancelled.pk).update(walk_in_attendees=9)  # must not count
    frozen.shift(timedelta(days=41))
    for activity, walk_ins in ((first, 3), (second, 5)):
        activity_set_walk_ins(activity=activity, by=officer, count=walk_ins)
    attendance_mark(registration=registration, by=officer, count=1)

    by_department = {
        row["label"]: row["person_visits"] for row in beneficiaries(group_by="department")
    }
    assert by_department == {"大沥镇妇联": 4, "大沥镇总工会": 5}
    by_month = {row["label"]: row["person_visits"] for row in beneficiaries(group_by="month")}
    assert by_month == {"2026-12": 4, "2027-01": 5}
    by_category = {row["label"]: row["activities"] for row in beneficiaries(group_by="category")}
    assert by_category == {category.name: 1, "职业技能培训": 1}
    assert beneficiaries(group_by="compound")[0]["person_visits"] == 9


def test_cancelling_an_activity_frees_its_room_and_tells_everyone(
    frozen, make_activity, families, officer, django_capture_on_commit_callbacks
):
    from django.core import mail

    activity = make_activity(capacity=1)
    registration_create(activity=activity, resident=families[0])
    registration_create(activity=activity, resident=families[1])  # waitlisted
    with django_capture_on_commit_callbacks(execute=True):
        activity_cancel(activity=activity, by=officer, reason="场地漏水")
    activity.booking.refresh_from_db()
    assert activity.booking.status == Booking.Status.CANCELLED
    told = sorted(m.to[0] for m in mail.outbox if "活动取消" in m.subject)
    assert told == ["family0@example.com", "family1@example.com"]
    assert all("场地漏水" in m.body for m in mail.outbox if "活动取消" in m.subject)


def test_the_roster_opens_two_hours_before_the_start(frozen, make_activity, families, officer):
    activity = make_activity(day_offset=1, hour=9)
    registration = registration_create(activity=activity, resident=families[0])
    with pytest.raises(ActivityError) as exc:
        attendance_check_in(token=registration.checkin_token, by=officer)
    assert exc.value.code == "attendance_not_open"
    frozen.move_to(at(1, 7))
    assert attendance_check_in(token=registration.checkin_token, by=officer).attended_count == 1


def test_a_late_correction_to_a_closed_roster_updates_the_final_count(
    frozen, make_activity, families, officer
):
    activity = make_activity(day_offset=1, hour=9)
    registration = registration_create(activity=activity, resident=families[0])
    frozen.move_to(at(1, 12))
    assert activity_close(activity=activity, by=officer).final_count == 0
    attendance_mark(registration=registration, by=officer, count=1)
    activity_set_walk_ins(activity=activity, by=officer, count=2)
    activity.refresh_from_db()
    assert activity.final_count == 3 == total_beneficiaries()


def test_an_activity_that_has_happened_cannot_be_cancelled(frozen, make_activity, officer):
    activity = make_activity(day_offset=1, hour=9)
    frozen.move_to(at(1, 10))
    with pytest.raises(ActivityError) as exc:
        activity_cancel(activity=activity, by=officer)
    assert exc.value.code == "already_started"


def test_drafts_count_no_beneficiaries(frozen, make_activity, officer):
    activity = make_activity(day_offset=1, hour=9, publish=False)
    activity_set_walk_ins(activity=activity, by=officer, count=0)
    Activity.objects.filter(pk=activity.pk).update(walk_in_attendees=5)
    frozen.move_to(at(1, 12))
    assert total_beneficiaries() == 0
