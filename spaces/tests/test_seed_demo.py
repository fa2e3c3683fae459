from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory

from conftest import NOW, at
from lixiong.timeutil import LOCAL_TZ
from spaces.models import (
    Booking,
    Closure,
    Compound,
    OpeningHours,
    PartnerWindow,
    Space,
    Visit,
)
from spaces.services import booking_rules_check

pytestmark = pytest.mark.django_db

SIX = ["国华新都", "绿地香颂公馆", "碧桂园华府", "万科金域华庭", "时代招商天禧", "领地·海纳君庭"]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    """The whole demo community (seed_spaces, then seed_programs)."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    models = [Compound, Space, OpeningHours, PartnerWindow, Closure, Visit, EmailAddress]
    result = {model.__name__: model.objects.count() for model in models}
    # Residents' and staff's bookings; rooms held for activities are seed_programs' business.
    result["Booking"] = Booking.objects.filter(for_activity=False).count()
    result["Booking for activities"] = Booking.objects.filter(for_activity=True).count()
    result["User"] = get_user_model().objects.count()
    result["Profile"] = get_user_model().objects.filter(profile__isnull=False).count()
    return result


def test_seeding_creates_the_six_compounds_in_order_with_their_brands(frozen):
    seed()
    compounds = list(Compound.objects.all())
    assert [c.name for c in compounds] == SIX
    assert all(c.brand and "大沥镇" in c.address for c in compounds)
    assert "社区青少宫" in Compound.objects.get(name="绿地香颂公馆").brand


def test_reading_rooms_and_the_library_are_walk_in_with_opening_hours(frozen):
    seed()
    walk_in = Space.objects.filter(access_mode=Space.AccessMode.WALK_IN)
    assert {(s.compound.name, s.name) for s in walk_in} == {
        ("国华新都", "阅览室"),
        ("万科金域华庭", "图书室"),
        ("时代招商天禧", "阅览室"),
    }
    for space in walk_in:
        assert space.kind in {Space.Kind.READING_ROOM, Space.Kind.LIBRARY}
        assert space.opening_hours.exists()
        assert not space.bookings.exists()


def test_bookable_rooms_have_several_opening_ranges_a_day_and_sensible_rules(frozen):
    seed()
    bookable = Space.objects.filter(access_mode=Space.AccessMode.BOOKABLE)
    assert bookable.count() >= 10
    for space in bookable:
        hours = list(space.opening_hours.all())
        assert hours, space
        assert space.slot_minutes in (30, 60)
        assert space.slot_minutes <= space.min_minutes <= space.max_minutes
        assert space.capacity > 0 and space.area_m2 > 0
        assert space.description and space.equipment_list
        # Several ranges a day, and each range holds whole slots.
        assert any(sum(h.weekday == d for h in hours) >= 2 for d in range(7)), space
        for h in hours:
            start, end = h.bounds_on(NOW.date())
            assert start < end
            assert (end - start) % timedelta(minutes=space.slot_minutes) == timedelta(0), h


def test_the_youth_palace_rooms_leave_evenings_and_weekend_mornings_to_the_partner(frozen):
    seed()
    rooms = Space.objects.filter(
        compound__name="绿地香颂公馆", name__in=["舞蹈室", "书法教室", "编程教室"]
    )
    assert rooms.count() == 3
    for room in rooms:
        windows = list(room.partner_windows.all())
        assert {w.holder for w in windows} == {"青少宫培训机构"}
        assert any(w.weekday < 5 and w.opens.hour >= 18 for w in windows)
        assert any(w.weekday >= 5 and w.opens.hour < 12 for w in windows)


def test_there_is_one_upcoming_closure(frozen):
    seed()
    closure = Closure.objects.get()
    assert closure.start > NOW and closure.reason
    clashes = Booking.objects.active().filter(
        space=closure.space, start__lt=closure.end, end__gt=closure.start
    )
    assert not clashes.exists()


def test_the_demo_users_can_sign_in_by_username_and_by_email(frozen):
    seed()
    staff = authenticate(username="staff", password="lixiong-staff")
    assert staff is not None and staff.is_staff and staff.is_superuser
    request = RequestFactory().post("/accounts/login/")
    for username, name in [("ahua", "阿华"), ("xiaomei", "小梅"), ("laochen", "老陈")]:
        user = authenticate(username=username, password="lixiong-demo")
        assert user is not None and not user.is_staff
        assert user.profile.display_name == name
        assert user.profile.compound is not None
        assert user.profile.phone.startswith("138-0000-")
        address = EmailAddress.objects.get(user=user)
        assert address.email == f"{username}@lixiong.example"
        assert address.verified and address.primary
        assert authenticate(request, email=address.email, password="lixiong-demo") == user


def test_running_it_twice_creates_nothing_new(frozen):
    seed()
    first = counts()
    assert first["Booking"] > 0 and first["Visit"] > 0 and first["User"] >= 4
    seed()
    assert counts() == first


def test_a_rerun_weeks_later_books_again_but_duplicates_nothing_else(frozen):
    seed()
    first = counts()
    frozen.move_to(NOW + timedelta(days=21))
    output = seed()
    again = counts()
    assert "note:" not in output
    assert again.pop("Booking") == first.pop("Booking") + 4  # the upcoming ones, anew
    del again["Booking for activities"], first["Booking for activities"]
    assert again == first
    assert Booking.objects.active().upcoming().filter(for_activity=False).count() == 4


def test_a_rerun_does_not_reset_a_changed_password_or_hours_staff_edited(frozen):
    seed()
    user = get_user_model().objects.get(username="ahua")
    user.set_password("changed-by-ahua-1")
    user.save()
    room = Space.objects.get(compound__name="国华新都", name="职工家培训教室")
    room.opening_hours.filter(weekday=6).delete()
    seed()
    assert authenticate(username="ahua", password="changed-by-ahua-1") is not None
    assert not room.opening_hours.filter(weekday=6).exists()


def test_demo_bookings_obey_the_rules_and_never_overlap(frozen):
    seed()
    active = list(Booking.objects.active().select_related("space", "booked_by"))
    upcoming = [b for b in active if b.start > b.created_at]
    past = [b for b in active if b.start <= b.created_at]
    assert len(upcoming) >= 3 and len(past) >= 3
    for a in active:
        for b in active:
            if a.pk != b.pk and a.space_id == b.space_id:
                assert not (a.start < b.end and b.start < a.end), (a, b)
    for booking in upcoming:
        booking_rules_check(
            space=booking.space,
            start=booking.start,
            end=booking.end,
            attendees=booking.attendees,
            as_staff=booking.booked_by.is_staff,
            for_activity=booking.for_activity,
            now=NOW,
        )
    for booking in past:
        assert booking.status == Booking.Status.APPROVED
        if not booking.for_activity:  # activities go back a month, for the 人次 figures
            assert booking.created_at - timedelta(days=8) <= booking.start
        booking_rules_check(
            space=booking.space,
            start=booking.start,
            end=booking.end,
            attendees=booking.attendees,
            as_staff=booking.booked_by.is_staff,
            for_activity=booking.for_activity,
            now=booking.start - timedelta(days=1),
        )


def test_one_demo_booking_is_approved_and_one_still_waits(frozen):
    seed()
    upcoming = Booking.objects.active().upcoming()
    residents = upcoming.filter(booked_by__is_staff=False)
    assert residents.filter(status=Booking.Status.APPROVED, decided_by__username="staff").exists()
    assert residents.filter(status=Booking.Status.PENDING).exists()


def test_walk_in_visits_cover_the_past_week_and_today_so_far_in_opening_hours(frozen):
    evening = at(0, 20)
    frozen.move_to(evening)
    seed()
    visits = list(Visit.objects.select_related("space"))
    assert visits
    for visit in visits:
        assert visit.space.is_walk_in
        assert visit.space.is_open_at(visit.visited_at)
        assert evening - timedelta(days=8) <= visit.visited_at <= evening
    days = {v.visited_at.astimezone(LOCAL_TZ).date() for v in visits}
    assert len(days) == 8  # the past seven days and today
    assert any(v.head_count > 1 for v in visits)
    assert any(v.visitor is not None for v in visits)


def test_it_prints_a_summary_and_the_demo_logins(frozen):
    output = seed()
    assert "Demo community" in output
    assert "staff / lixiong-staff (admin at http://127.0.0.1:8000/admin/)" in output
    for username in ("ahua", "xiaomei", "laochen"):
        assert f"{username} / lixiong-demo" in output


@pytest.mark.django_db(transaction=True)
def test_booking_mails_stay_in_memory_instead_of_flooding_the_console(frozen, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    output = seed()
    assert "note:" not in output  # no refusals, no failed notification
    assert "Subject:" not in capsys.readouterr().out
    assert mail.outbox and all(m.to for m in mail.outbox)


def test_a_rerun_keeps_what_staff_and_residents_changed(frozen):
    from residents.models import Profile

    seed()
    room = Space.objects.get(name="舞蹈室")
    Space.objects.filter(pk=room.pk).update(is_active=False, capacity=12)
    Profile.objects.filter(user__username="ahua").update(phone="139-0000-9999")
    seed()
    room.refresh_from_db()
    assert (room.is_active, room.capacity) == (False, 12)
    assert Profile.objects.get(user__username="ahua").phone == "139-0000-9999"
