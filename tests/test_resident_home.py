"""A home of one's own: what is the resident's first (bookings, activities, an offered seat
with its deadline, closures over their bookings), then a card per compound; compound pages;
the nav's badge for offered seats."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import at, make_user
from programs.services import registration_cancel, registration_create
from programs.templatetags.resident_activities import time_left
from spaces.models import Closure, Compound, OpeningHours, Space
from spaces.services import booking_create

pytestmark = pytest.mark.django_db


def booked(space, user, day, hour, hours=1, purpose="排练"):
    return booking_create(
        space=space,
        booked_by=user,
        start=at(day, hour),
        end=at(day, hour + hours),
        purpose=purpose,
        attendees=4,
    )


def html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def offered(make_activity, resident, other_resident):
    """ahua waits for a seat on a full class; the seat frees at 09:00 and is held 12 hours."""
    activity = make_activity(capacity=1, waitlist_policy="offer", title="长者智能手机课")
    first = registration_create(activity=activity, resident=other_resident)
    mine = registration_create(activity=activity, resident=resident)
    registration_cancel(registration=first, by=other_resident)
    mine.refresh_from_db()
    assert mine.status == "offered"
    return mine


# --- the home page ---------------------------------------------------------------------------


def test_a_visitor_sees_the_compounds_as_links_and_an_invitation_to_sign_in(
    client, frozen, dance_room, reading_room
):
    page = html(client, "/")
    assert f'href="{reverse("compound_detail", args=[dance_room.compound_id])}"' in page
    assert "绿地香颂公馆" in page and "社区青少宫" in page
    assert "1 间随时到访 · 1 间可预约" in page
    assert "登录后可以预约场地、报名活动" in page
    # The rooms themselves are on the compound's page, not listed here.
    assert f'href="{reverse("space_detail", args=[dance_room.pk])}"' not in page
    assert "我的近况" not in page


def test_a_resident_sees_their_bookings_activities_offer_and_closure_first(
    client, frozen, dance_room, resident, other_resident, make_activity, offered
):
    booked(dance_room, resident, 2, 15, hours=2, purpose="广场舞排练")
    booked(dance_room, other_resident, 3, 15, purpose="别人的排练")
    Closure.objects.create(space=dance_room, start=at(2, 14), end=at(2, 18), reason="地板维修")
    Closure.objects.create(space=dance_room, start=at(5, 8), end=at(5, 12), reason="与我无关")
    waiting_on = make_activity(day_offset=4, capacity=1, title="亲子手工坊")
    registration_create(activity=waiting_on, resident=make_user("third"))
    registration_create(activity=waiting_on, resident=resident)
    client.force_login(resident)
    page = html(client, "/")
    assert "我的近况" in page
    # The offered seat, its deadline (12 hours from 09:00) and the time left, ticking.
    assert "有空位了，请您确认" in page and "长者智能手机课" in page
    assert "名额为您保留到 12月1日 星期二 21:00" in page
    assert 'class="countdown" data-deadline="2026-12-01T21:00:00+08:00"' in page
    assert "还剩 12 小时 0 分" in page
    assert reverse("registration_act", args=[offered.pk, "decline"]) in page
    # The closure over their booking, with its reason; not one over nobody's booking.
    assert "您预约的场地暂停开放" in page and "地板维修" in page
    assert "与我无关" not in page
    # Their next booking and activities, with the place in line.
    assert "即将到来的预约" in page and "舞蹈室" in page
    assert "别人的排练" not in page
    assert "亲子手工坊" in page and "候补第 1 位" in page
    # And then the compounds.
    assert page.index("我的近况") < page.index("各小区的服务阵地")


def test_a_booking_staff_cancelled_stays_on_the_home_page_with_the_reason(
    client, frozen, dance_room, resident, staff
):
    from spaces.services import booking_cancel

    booking = booked(dance_room, resident, 2, 15)
    booking_cancel(booking=booking, by=staff, reason="社区活动占用")
    client.force_login(resident)
    page = html(client, "/")
    assert "已取消" in page and "社区活动占用" in page
    assert "您预约的场地暂停开放" not in page


def test_the_residents_own_compound_comes_first(client, frozen, dance_room, resident):
    from residents.models import Profile

    home = Compound.objects.create(name="碧桂园华府", position=9)
    Profile.objects.create(user=resident, compound=home)
    page = html(client, "/")
    assert page.index("绿地香颂公馆") < page.index("碧桂园华府")
    assert "我的小区" not in page
    client.force_login(resident)
    page = html(client, "/")
    compounds = page[page.index("各小区的服务阵地") :]
    assert compounds.index("碧桂园华府") < compounds.index("绿地香颂公馆")
    assert "我的小区" in compounds


def test_a_resident_with_nothing_yet_is_told_where_to_start(client, frozen, dance_room, resident):
    client.force_login(resident)
    page = html(client, "/")
    assert "您还没有即将到来的预约" in page
    assert "您还没有报名即将举行的活动" in page
    assert "有空位了" not in page


def test_the_home_page_needs_a_fixed_number_of_queries(
    client,
    frozen,
    dance_room,
    reading_room,
    meeting_room,
    resident,
    make_activity,
    offered,
    django_assert_max_num_queries,
):
    for n in range(4):
        compound = Compound.objects.create(name=f"小区{n}", brand="特色")
        Space.objects.create(compound=compound, name="活动室", kind="activity_room", capacity=9)
    with django_assert_max_num_queries(1):  # the compounds with their room counts
        html(client, "/")
    for day in range(1, 6):
        if day <= 3:  # a resident holds at most three bookings at a time
            booked(meeting_room, resident, day, 15)
        registration_create(activity=make_activity(day_offset=day, hour=14), resident=resident)
    Closure.objects.create(space=meeting_room, start=at(1, 8), end=at(3, 22), reason="装修")
    client.force_login(resident)
    # Session, user, the nav's organiser check and offered seats, compounds, bookings,
    # closures over them, registrations.
    with django_assert_max_num_queries(8):
        page = html(client, "/")
    assert "装修" in page and page.count('class="badge confirmed"') == 5


# --- compound pages --------------------------------------------------------------------------


def test_a_compound_page_shows_its_brand_rooms_and_coming_activities(
    client, frozen, dance_room, reading_room, make_activity
):
    dance_room.compound.address = "大沥镇沥雄路 1 号"
    dance_room.compound.save()
    make_activity(day_offset=2, title="亲子手工坊")
    page = html(client, reverse("compound_detail", args=[dance_room.compound_id]))
    assert "<h1>绿地香颂公馆</h1>" in page
    assert "一小区一特色" in page and "社区青少宫" in page
    assert "大沥镇沥雄路 1 号" in page
    assert f'href="{reverse("space_detail", args=[dance_room.pk])}"' in page
    assert "可容纳 20 人" in page and "预约使用" in page
    assert "现在开放" in page and "随时到访" in page
    assert "亲子手工坊" in page and "剩 4 个名额" in page
    assert f"?compound={dance_room.compound_id}" in page


def test_a_compound_page_leaves_out_inactive_rooms_and_other_compounds(
    client, frozen, dance_room, meeting_room, make_activity
):
    meeting_room.is_active = False
    meeting_room.save()
    elsewhere = Compound.objects.create(name="国华新都")
    Space.objects.create(compound=elsewhere, name="职工家培训教室", kind="classroom", capacity=9)
    page = html(client, reverse("compound_detail", args=[dance_room.compound_id]))
    assert "舞蹈室" in page
    assert "会议室" not in page and "职工家培训教室" not in page


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999"])
def test_an_unknown_compound_is_not_found(client, db, pk):
    response = client.get(f"/compounds/{pk}/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_compound_page_needs_a_fixed_number_of_queries(
    client, frozen, dance_room, reading_room, make_activity, django_assert_max_num_queries
):
    url = reverse("compound_detail", args=[dance_room.compound_id])
    for n in range(6):
        space = Space.objects.create(
            compound=dance_room.compound, name=f"教室{n}", kind="classroom", capacity=9
        )
        OpeningHours.objects.create(
            space=space, weekday=1, opens=at(0, 8).time(), closes=at(0, 20).time()
        )
        make_activity(day_offset=n + 1, title=f"活动{n}")
    # The compound, its rooms, their hours, their closures now, the coming activities.
    with django_assert_max_num_queries(5):
        page = html(client, url)
    assert page.count('class="card room-card"') == 8


# --- the nav's badge for offered seats -------------------------------------------------------


def test_the_nav_shows_how_many_offered_seats_wait_on_every_page(client, frozen, resident, offered):
    client.force_login(resident)
    for url in ("/", reverse("activity_list"), reverse("my_bookings"), reverse("profile")):
        page = html(client, url)
        assert (
            '<span class="nav-badge">1<span class="visually-hidden">（1 个保留名额待您确认）'
            in page
        ), url
    page = html(client, reverse("my_activities"))
    assert "确认参加" in page and "还剩 12 小时 0 分" in page


def test_no_badge_for_visitors_without_offers_or_once_the_offer_is_gone(
    client, frozen, resident, other_resident, offered
):
    assert "nav-badge" not in html(client, reverse("activity_list"))
    client.force_login(other_resident)
    assert "nav-badge" not in html(client, reverse("activity_list"))
    client.force_login(resident)
    frozen.shift(timedelta(hours=13))  # past the deadline, before offers_expire has run
    assert "nav-badge" not in html(client, reverse("activity_list"))


def test_a_failing_badge_count_never_breaks_the_page(client, frozen, resident, monkeypatch):
    from programs import selectors

    def broken(user, now=None):
        raise RuntimeError("database gone away")

    monkeypatch.setattr(selectors, "offered_seat_count", broken)
    client.force_login(resident)
    page = html(client, reverse("activity_list"))
    assert "nav-badge" not in page and "我的活动" in page


def test_the_countdown_reads_in_days_hours_or_minutes():
    now = at(0, 9)
    assert time_left(now + timedelta(hours=3, minutes=20, seconds=59), now) == "还剩 3 小时 20 分"
    assert time_left(now + timedelta(days=1, hours=2), now) == "还剩 1 天 2 小时"
    assert time_left(now + timedelta(minutes=7), now) == "还剩 7 分钟"
    assert time_left(now + timedelta(seconds=20), now) == "还剩 1 分钟"
    assert time_left(now - timedelta(seconds=1), now) == "已过期"
    assert time_left(None, now) == ""
