"""The demo programs: `seed_demo` loads the ground (seed_spaces) and then the government-led
force (seed_programs) on it."""

from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from conftest import NOW
from lixiong.timeutil import LOCAL_TZ
from notifications.models import Message
from programs import selectors, services
from programs.models import (
    Activity,
    Department,
    Organiser,
    Program,
    Registration,
    Series,
    ServiceCategory,
)
from spaces.models import Booking

pytestmark = pytest.mark.django_db

PASSWORD = "lixiong-demo"

# organiser name -> (department kind, brand, officer)
DEPARTMENTS = {
    "大沥镇总工会": ("trade_union", "职工家", "officer_union"),
    "大沥镇妇联": ("womens_federation", "暖心驿站", "officer_fulian"),
    "团大沥镇委员会": ("youth_league", "青年夜校", "officer_youth"),
    "双百社工站": ("social_work", "双百社工", "officer_shebai"),
}

CATEGORIES = {
    "职业技能培训",
    "亲子",
    "青少年",
    "养老",
    "托育",
    "社区助餐",
    "家政就业",
    "康养保健",
    "体育休闲",
    "儿童游乐",
    "文化",
    "心理健康",
    "便民服务",
}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    models = [
        ServiceCategory,
        Organiser,
        Organiser.members.through,
        Department,
        Program,
        Program.compounds.through,
        Series,
        Activity,
        Registration,
        Message,
        Booking,
        EmailAddress,
        get_user_model(),
    ]
    result = {model._meta.label: model.objects.count() for model in models}
    result["active registrations"] = Registration.objects.active().count()
    return result


def is_open(space, start, end) -> bool:
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    return any(
        h.weekday == local_start.weekday()
        and h.bounds_on(local_start.date())[0] <= local_start
        and local_end <= h.bounds_on(local_start.date())[1]
        for h in space.opening_hours.all()
    )


def test_the_four_departments_have_officers_who_can_sign_in_and_manage_only_their_own(frozen):
    seed()
    departments = Department.objects.select_related("organiser")
    assert {d.organiser.name for d in departments} == set(DEPARTMENTS)
    for department in departments:
        kind, brand, username = DEPARTMENTS[department.organiser.name]
        assert (department.kind, department.brand) == (kind, brand)
        assert department.organiser.kind == Organiser.Kind.DEPARTMENT
        officer = authenticate(username=username, password=PASSWORD)
        assert officer is not None and not officer.is_staff
        assert list(department.organiser.members.all()) == [officer]
        address = EmailAddress.objects.get(user=officer)
        assert address.email == f"{username}@lixiong.example"
        assert address.verified and address.primary
        for other in departments:
            assert services.can_manage(officer, other.organiser) == (other == department)


def test_service_categories_are_data(frozen):
    seed()
    assert CATEGORIES <= set(ServiceCategory.objects.values_list("name", flat=True))


def test_every_department_runs_programs_that_serve_compounds(frozen):
    seed()
    today = NOW.date()
    for department in Department.objects.all():
        programs = list(department.programs.all())
        assert programs, department
        for program in programs:
            assert program.status == Program.Status.ACTIVE
            assert program.description and program.audience and program.funded_by
            assert program.starts_on <= today <= program.ends_on
            assert program.compounds.exists(), program
    served = {
        p.title: set(p.compounds.values_list("name", flat=True)) for p in Program.objects.all()
    }
    assert "时代招商天禧" in served["双百社工心理健康服务"]
    assert "碧桂园华府" in served["妇儿成长基地手工坊"]
    assert "国华新都" in served["青年夜校短视频与电商夜校"]


def test_upcoming_activities_are_published_and_hold_their_room(frozen):
    seed()
    upcoming = Activity.objects.filter(start__gt=NOW).select_related("booking", "space")
    assert upcoming.count() >= 15
    for program in Program.objects.all():
        assert program.activities.filter(start__gt=NOW).count() >= 2, program
    for activity in upcoming:
        booking = activity.booking
        assert activity.status == Activity.Status.PUBLISHED
        assert booking.status == Booking.Status.APPROVED and booking.for_activity
        assert (booking.space, booking.start, booking.end) == (
            activity.space,
            activity.start,
            activity.end,
        )
        assert activity.organiser.members.filter(pk=booking.booked_by_id).exists()
        assert activity.capacity <= activity.space.capacity
        assert is_open(activity.space, activity.start, activity.end), activity
        horizon = 22 if activity.series_id else 15  # a series runs three weeks from tomorrow
        assert activity.start < NOW + timedelta(days=horizon), activity
        assert activity.registration_is_open(NOW)
    assert {a.space.compound.name for a in upcoming} >= {"国华新都", "碧桂园华府", "时代招商天禧"}


def test_no_two_active_bookings_of_a_room_overlap_anywhere(frozen):
    seed()
    active = list(Booking.objects.active())
    assert any(b.for_activity for b in active) and any(not b.for_activity for b in active)
    for a in active:
        for b in active:
            if a.pk != b.pk and a.space_id == b.space_id:
                assert not (a.start < b.end and b.start < a.end), (a, b)


def test_an_activity_is_full_with_a_waitlist_and_one_offers_a_freed_seat(frozen):
    seed()
    upcoming = list(selectors.with_seat_counts(Activity.objects.filter(start__gt=NOW)))
    assert all(a.seats_taken <= a.capacity for a in upcoming)
    full = [a for a in upcoming if a.seats_taken == a.capacity and a.waitlist_length]
    assert full
    policies = [a.waitlist_policy for a in upcoming]
    assert policies.count(Activity.WaitlistPolicy.OFFER) == 1
    assert policies.count(Activity.WaitlistPolicy.PROMOTE) == len(policies) - 1
    offer = Registration.objects.get(status=Registration.Status.OFFERED)
    assert offer.activity.waitlist_policy == Activity.WaitlistPolicy.OFFER
    assert offer.offer_expires_at > NOW
    # Parents sign up with their children as one party.
    parties = Registration.objects.filter(party_size__gt=1, activity__start__gt=NOW)
    assert parties.exists()
    assert all(2 <= r.activity.max_party_size <= 3 for r in parties)
    # The demo residents of seed_spaces take part too, and a dozen invented neighbours.
    usernames = set(Registration.objects.values_list("resident__username", flat=True))
    assert {"ahua", "xiaomei", "laochen"} <= usernames
    assert {f"demo_resident_{n:02d}" for n in range(1, 13)} <= usernames
    neighbour = get_user_model().objects.get(username="demo_resident_01")
    assert neighbour.get_full_name() == "街坊01"
    assert authenticate(username="demo_resident_01", password=PASSWORD) == neighbour


def test_the_weekly_series_lists_the_evening_it_had_to_skip(frozen):
    output = seed()
    series = Series.objects.get()
    assert series.weekdays == [1, 3]
    occurrences = list(series.activities.all())
    assert len(occurrences) >= 4
    for activity in occurrences:
        local = activity.start.astimezone(LOCAL_TZ)
        assert local.weekday() in (1, 3) and (local.hour, local.minute) == (19, 30)
    talk = Activity.objects.get(title="电商直播带货实战分享会")
    talk_day = talk.start.astimezone(LOCAL_TZ).date()
    assert talk_day not in {a.start.astimezone(LOCAL_TZ).date() for a in occurrences}
    assert f"skipped {talk_day:%Y-%m-%d}" in output


def test_past_activities_are_finished_with_attendance_and_walk_ins(frozen):
    seed()
    past = Activity.objects.filter(start__lt=NOW).select_related("booking")
    assert past.count() >= 8
    for department in Department.objects.all():
        assert past.filter(organiser=department.organiser).exists(), department
    partly = 0
    for activity in past:
        assert activity.status == Activity.Status.FINISHED
        # Departments' go back about a month; partners' (seed_partners) two calendar months.
        assert NOW - timedelta(days=62) <= activity.start and activity.end <= NOW
        assert activity.booking.status == Booking.Status.APPROVED and activity.booking.for_activity
        assert is_open(activity.space, activity.start, activity.end), activity
        registrations = list(activity.registrations.all())
        assert registrations and all(
            r.status == Registration.Status.CONFIRMED for r in registrations
        )
        assert sum(r.party_size for r in registrations) <= activity.capacity
        attended = sum(r.attended_count for r in registrations)
        assert activity.final_count == attended + activity.walk_in_attendees
        partly += sum(0 < r.attended_count < r.party_size for r in registrations)
    assert partly >= 1
    total = past.aggregate(n=Sum("final_count"))["n"]
    assert selectors.total_beneficiaries() == total > 0


def test_running_seed_demo_twice_creates_nothing_new(frozen):
    output = seed()
    first = counts()
    assert "note:" not in output
    again = seed()
    assert counts() == first
    assert "note:" not in again and "(0 new)" in again


def test_a_rerun_keeps_what_staff_officers_and_residents_changed(frozen):
    seed()
    program = Program.objects.get(title="双百社工便民服务日")
    program.description = "工作人员改过的介绍"
    program.save()
    program.compounds.clear()
    officer = get_user_model().objects.get(username="officer_youth")
    officer.set_password("changed-by-officer-1")
    officer.save()
    activity = Activity.objects.get(title="亲子科学小实验")
    services.activity_cancel(activity=activity, by=activity.created_by, reason="场地另有安排")
    union = Organiser.objects.get(name="大沥镇总工会")
    union.members.clear()
    seed()
    program.refresh_from_db()
    assert program.description == "工作人员改过的介绍" and not program.compounds.exists()
    assert authenticate(username="officer_youth", password="changed-by-officer-1") is not None
    cancelled = Activity.objects.get(title="亲子科学小实验")
    assert cancelled.status == Activity.Status.CANCELLED
    assert not union.members.exists()


def test_it_prints_a_summary_and_the_officer_logins(frozen):
    output = seed()
    assert "Demo programs" in output and "人次" in output
    for _kind, _brand, username in DEPARTMENTS.values():
        assert f"{username} / {PASSWORD}" in output


def test_seed_programs_needs_the_ground_first(db):
    with pytest.raises(CommandError, match="seed_spaces"):
        call_command("seed_programs", stdout=StringIO())
