"""Fixtures chained like the domain: compound -> space -> booking, with personas."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from lixiong.timeutil import LOCAL_TZ
from spaces.models import Compound, OpeningHours, PartnerWindow, Space

# A Tuesday morning in the community; every test that books starts from here.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A community (Asia/Shanghai) time `day_offset` days after NOW's date."""
    day = NOW.date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # PBKDF2 at production strength costs ~0.3 s per user on a 2-core machine; tests that
    # exercise hashing itself set their own.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    from lixiong.celery import app

    app.conf.task_always_eager = True
    cache.clear()  # throttle counters must not leak from one test (or run) to the next
    from spaces.messages import forget_staff_deciders

    forget_staff_deciders()  # each test has its own staff accounts


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path_factory):
    # Uploads (and the demo seed's licence PDF) go to a tmp dir, never into the checkout.
    settings.PRIVATE_MEDIA_ROOT = tmp_path_factory.mktemp("private-media")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_user(username: str, *, staff: bool = False, email: str | None = None):
    """A person who has confirmed their email, as email verification is mandatory."""
    from allauth.account.models import EmailAddress

    user = get_user_model().objects.create_user(
        username=username,
        email=email if email is not None else f"{username}@example.com",
        password="pass-for-tests-1",
        is_staff=staff,
        is_superuser=staff,
    )
    if user.email:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def book_directly(space, user, start, hours=1, **fields):
    """A booking row written straight to the database (approved unless `status=` says
    otherwise), for tests that need the room's state, not the booking rules."""
    from spaces.models import Booking

    return Booking.objects.create(
        space=space,
        booked_by=user,
        purpose=fields.pop("purpose", "排练"),
        attendees=fields.pop("attendees", 5),
        start=start,
        end=start + timedelta(hours=hours),
        status=fields.pop("status", Booking.Status.APPROVED),
        **fields,
    )


def plain_staff(username: str, *permissions: str):
    """A staff account (admin login) with just these permissions ("app.codename"), not a
    superuser: what the portal and the admin let such an account do is the permissions'."""
    from django.contrib.auth.models import Permission

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
def resident(db):
    return make_user("ahua")


@pytest.fixture
def other_resident(db):
    return make_user("xiaomei")


@pytest.fixture
def staff(db):
    return make_user("staff", staff=True)


@pytest.fixture
def compound(db):
    return Compound.objects.create(name="绿地香颂公馆", address="大沥镇", brand="社区青少宫")


@pytest.fixture
def dance_room(compound):
    space = Space.objects.create(
        compound=compound,
        name="舞蹈室",
        kind=Space.Kind.DANCE_ROOM,
        access_mode=Space.AccessMode.BOOKABLE,
        capacity=20,
        slot_minutes=60,
        min_minutes=60,
        max_minutes=180,
        bookable_days_ahead=14,
        min_notice_minutes=60,
        requires_approval=True,
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(12))
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(14), closes=time(22))
    # Wednesday evenings belong to the partner agency's classes.
    PartnerWindow.objects.create(
        space=space, weekday=2, opens=time(18), closes=time(20), holder="青少宫培训机构"
    )
    return space


@pytest.fixture
def reading_room(compound):
    space = Space.objects.create(
        compound=compound,
        name="阅览室",
        kind=Space.Kind.READING_ROOM,
        access_mode=Space.AccessMode.WALK_IN,
        capacity=30,
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(21))
    return space


@pytest.fixture
def meeting_room(compound):
    space = Space.objects.create(
        compound=compound, name="会议室", kind=Space.Kind.MEETING_ROOM, capacity=30
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(22))
    return space


# --- programs ------------------------------------------------------------------------------


@pytest.fixture
def officer(db):
    return make_user("officer_fulian")


@pytest.fixture
def department(officer):
    from programs.models import Department, Organiser

    organiser = Organiser.objects.create(name="大沥镇妇联", kind=Organiser.Kind.DEPARTMENT)
    organiser.members.add(officer)
    return Department.objects.create(
        organiser=organiser, kind=Department.Kind.WOMENS_FEDERATION, brand="暖心驿站"
    )


@pytest.fixture
def category(db):
    from programs.models import ServiceCategory

    return ServiceCategory.objects.create(name="亲子")


@pytest.fixture
def make_activity(department, officer, category, dance_room):
    """Publish an activity in the dance room, `day_offset` days after NOW, from `hour`."""
    from programs.services import activity_create

    def make(day_offset=1, hour=9, hours=2, **fields):
        fields.setdefault("title", "亲子手工坊")
        fields.setdefault("category", category)
        fields.setdefault("capacity", 4)
        return activity_create(
            organiser=department.organiser,
            by=officer,
            space=dance_room,
            start=at(day_offset, hour),
            end=at(day_offset, hour + hours),
            **fields,
        )

    return make
