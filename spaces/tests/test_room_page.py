"""The room page on a phone: the bookable days as chips, the day's slots each saying what it
is or why not, and the booking form prefilled from the chosen slots."""

import re

import pytest
from django.urls import reverse

from conftest import at, book_directly, make_user
from spaces.models import Booking, Closure

pytestmark = pytest.mark.django_db


def _page(client, space, **params):
    return client.get(reverse("space_detail", args=[space.pk]), params).content.decode()


def _chips(page: str) -> list[str]:
    nav = re.search(r'<nav class="date-chips".*?</nav>', page, flags=re.S).group(0)
    return re.findall(r'href="\?date=([\d-]+)"', nav)


def _chosen_chip(page: str) -> str:
    nav = re.search(r'<nav class="date-chips".*?</nav>', page, flags=re.S).group(0)
    return re.search(r'href="\?date=([\d-]+)"[^>]*aria-current="date"', nav).group(1)


def _rows(page: str) -> list[str]:
    """The day's rows as text: "08:00–09:00 可预约"."""
    day = re.search(r'<ol class="day-slots".*?</ol>', page, flags=re.S).group(0)
    rows = re.findall(r"<li>(.*?)</li>", day, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_the_day_view_offers_a_chip_for_each_bookable_day_and_no_other(client, frozen, dance_room):
    chips = _chips(_page(client, dance_room))
    # NOW is Tuesday 2026-12-01 09:00 and the window is 14 days: its last day is the 15th.
    assert chips[0] == "2026-12-01" and chips[-1] == "2026-12-15"
    assert len(chips) == 15
    dance_room.bookable_days_ahead = 3
    dance_room.save()
    assert _chips(_page(client, dance_room)) == [
        "2026-12-01",
        "2026-12-02",
        "2026-12-03",
        "2026-12-04",
    ]


def test_a_chip_says_how_many_slots_are_free_that_day(client, frozen, dance_room, resident):
    Closure.objects.create(space=dance_room, start=at(2, 0), end=at(3, 0), reason="地板维修")
    page = _page(client, dance_room)
    chip = re.search(r'href="\?date=2026-12-03".*?</a>', page, flags=re.S).group(0)
    assert "已无空位" in chip
    chip = re.search(r'href="\?date=2026-12-04".*?</a>', page, flags=re.S).group(0)
    assert "12 个空位" in chip  # 08-12 and 14-22


def test_each_slot_of_the_day_says_what_it_is_or_why_it_cannot_be_booked(
    client, frozen, dance_room, resident
):
    neighbour = make_user("laozhang")
    book_directly(dance_room, resident, at(1, 8))
    book_directly(dance_room, neighbour, at(1, 9))
    Closure.objects.create(space=dance_room, start=at(1, 14), end=at(1, 16), reason="地板维修")
    client.force_login(resident)
    page = _page(client, dance_room, date="2026-12-02")  # a Wednesday: the partner's evening
    rows = _rows(page)
    assert rows[0] == "08:00–09:00 您的预约 ›"
    assert rows[1] == "09:00–10:00 已被预约"
    assert rows[2] == "10:00–11:00 可预约"
    assert "12:00–14:00 不开放" in rows  # the lunch break is one row
    assert "14:00–16:00 暂停开放：地板维修" in rows  # one row for the whole closure
    assert "18:00–20:00 机构课程时段：青少宫培训机构" in rows
    # The resident's own booking leads to their bookings; a free slot to the booking form.
    assert f'class="slot-btn mine" href="{reverse("my_bookings")}"' in page
    book = reverse("booking_new", args=[dance_room.pk])
    assert f'href="{book}?start=2026-12-02T10%3A00%3A00%2B08%3A00"' in page


def test_the_last_day_of_the_window_says_which_slots_are_beyond_it(client, frozen, dance_room):
    rows = _rows(_page(client, dance_room, date="2026-12-15"))
    assert rows[0] == "08:00–09:00 可预约"  # the window ends at 09:00, fourteen days from now
    assert rows[1] == "09:00–12:00 超出可预约的日期"


def test_today_says_which_slots_are_past_and_which_too_soon(client, frozen, dance_room):
    rows = _rows(_page(client, dance_room))
    assert rows[:3] == [
        "08:00–09:00 已过",
        "09:00–10:00 离开始太近，已不能预约",
        "10:00–11:00 可预约",
    ]


def test_slots_say_why_in_english_too(client, frozen, dance_room, resident):
    book_directly(dance_room, resident, at(1, 8))
    Closure.objects.create(space=dance_room, start=at(1, 14), end=at(1, 16), reason="repairs")
    client.force_login(resident)
    client.cookies["django_language"] = "en"
    rows = _rows(_page(client, dance_room, date="2026-12-02"))
    assert rows[0] == "08:00–09:00 Your booking ›"
    assert "14:00–16:00 Closed: repairs" in rows


@pytest.mark.parametrize(
    "forged",
    [
        "garbage",
        "0001-01-01",
        "9999-12-31",
        "2026-11-30",
        "2026-12-16",
        "2026-02-30",
        "2" * 5000,
    ],
)
def test_a_forged_date_falls_back_to_today_with_a_word_and_no_500(
    client, frozen, dance_room, forged
):
    response = client.get(reverse("space_detail", args=[dance_room.pk]), {"date": forged})
    assert response.status_code == 200
    page = response.content.decode()
    assert _chosen_chip(page) == "2026-12-01"
    assert "所选日期不在可预约的范围内，已显示今天。" in page


def test_a_nul_in_the_date_or_length_is_refused_with_a_message(
    client, frozen, dance_room, resident
):
    client.force_login(resident)
    for url, params in [
        (reverse("space_detail", args=[dance_room.pk]), {"date": "2026-12-02\x00"}),
        (reverse("booking_new", args=[dance_room.pk]), {"minutes": "60\x00"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 400
        assert "空字符" in response.content.decode()


def test_a_date_in_the_window_is_the_chosen_day(client, frozen, dance_room):
    page = _page(client, dance_room, date="2026-12-09")
    assert _chosen_chip(page) == "2026-12-09"
    assert "12月9日 星期三" in page
    assert "所选日期不在" not in page


def test_a_chip_loads_the_booking_part_alone_for_htmx(client, frozen, dance_room):
    response = client.get(
        reverse("space_detail", args=[dance_room.pk]),
        {"date": "2026-12-03"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert "<html" not in page and "关于这个场地" not in page
    assert _chosen_chip(page) == "2026-12-03"
    assert "HX-Request" in response["Vary"]


def test_week_navigation_stays_inside_the_booking_window(client, frozen, dance_room):
    this_week = _page(client, dance_room)
    assert "上一周" not in this_week
    assert 'href="?date=2026-12-07"' in this_week and "下一周" in this_week
    middle = _page(client, dance_room, date="2026-12-08")
    assert "上一周" in middle and 'href="?date=2026-12-01"' in middle  # back to today, not Monday
    assert 'href="?date=2026-12-14"' in middle
    last = _page(client, dance_room, date="2026-12-14")  # the week of the window's last day
    assert "下一周" not in last and "上一周" in last
    assert 'href="?date=2026-12-21"' not in last


def test_the_description_hours_and_equipment_come_after_the_booking_folded(
    client, frozen, dance_room
):
    dance_room.description = "木地板，整面镜墙"
    dance_room.equipment = "音响\n把杆"
    dance_room.save()
    page = _page(client, dance_room)
    booking = page.index('id="booking"')
    for topic in (
        "<summary>开放时间</summary>",
        "<summary>设备</summary>",
        "<summary>介绍</summary>",
        "<summary>机构错峰时段</summary>",
    ):
        assert page.index(topic) > booking
    assert page.count('<details class="fold">') == 4


def test_the_accessible_list_says_why_for_each_slot(client, frozen, dance_room):
    Closure.objects.create(space=dance_room, start=at(1, 14), end=at(1, 15), reason="地板维修")
    page = _page(client, dance_room)
    listing = re.search(r'<section class="slot-list".*?</section>', page, flags=re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", listing).split())
    assert "14:00–15:00: 暂停开放：地板维修" in text
    assert "18:00–19:00: 机构课程时段：青少宫培训机构" in text
    assert "08:00–09:00: 已过" in text


def test_the_room_page_costs_the_same_queries_however_many_bookings(
    client, frozen, dance_room, resident, other_resident, django_assert_num_queries
):
    book_directly(dance_room, other_resident, at(1, 9))
    client.force_login(resident)
    url = reverse("space_detail", args=[dance_room.pk])
    client.get(url)  # the session's first read
    # session, user, the nav's organiser check and offered-seat badge, room (+ hours), partner
    # windows, and the slots' four reads (hours, partner windows, closures, bookings)
    with django_assert_num_queries(11):
        client.get(url)
    for day in range(2, 12):
        book_directly(dance_room, resident if day % 2 else other_resident, at(day, 10))
        Closure.objects.create(space=dance_room, start=at(day, 15), end=at(day, 16), reason="清洁")
    with django_assert_num_queries(11):
        client.get(url, {"date": "2026-12-09"})


# --- the booking form ---------------------------------------------------------------------


def _form(client, space, **params):
    return client.get(reverse("booking_new", args=[space.pk]), params).content.decode()


def test_the_booking_form_is_prefilled_with_the_start_and_length_it_was_sent(
    client, frozen, dance_room, resident
):
    client.force_login(resident)
    page = _form(client, dance_room, start="2026-12-02T10:00:00+08:00", minutes="120")
    assert 'value="2026-12-02T10:00"' in page
    assert '<option value="120" selected>' in page
    summary = re.search(r'<section class="booking-summary".*?</section>', page, flags=re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", summary).split())
    assert "开始 12月2日 星期三 10:00" in text
    assert "结束 12:00" in text
    assert "时长 共 120 分钟" in text


@pytest.mark.parametrize("minutes", ["90", "0", "-60", "abc", "99999999999999999999", "240"])
def test_a_length_the_room_does_not_offer_is_ignored(client, frozen, dance_room, resident, minutes):
    client.force_login(resident)
    response = client.get(
        reverse("booking_new", args=[dance_room.pk]),
        {"start": "2026-12-02T10:00", "minutes": minutes},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert '<option value="60" selected>' in page  # the room's shortest booking
    assert 'value="2026-12-02T10:00"' in page  # and the start is kept


def test_the_summary_shows_what_was_sent_when_the_form_comes_back(
    client, frozen, dance_room, resident
):
    client.force_login(resident)
    response = client.post(
        reverse("booking_new", args=[dance_room.pk]),
        {"start": "2026-12-03T15:00", "duration": "180", "attendees": "3", "purpose": ""},
    )
    page = response.content.decode()
    summary = re.search(r'<section class="booking-summary".*?</section>', page, flags=re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", summary).split())
    assert "开始 12月3日 星期四 15:00 结束 18:00 时长 共 180 分钟" in text
    assert Booking.objects.count() == 0


def test_a_form_without_a_start_asks_for_one_in_the_summary(client, frozen, dance_room, resident):
    client.force_login(resident)
    page = _form(client, dance_room)
    assert "请选择开始时间" in page


# --- the door poster ----------------------------------------------------------------------


def test_a_bookable_room_has_no_walk_in_poster(client, frozen, dance_room, staff):
    client.force_login(staff)
    assert client.get(reverse("space_qr", args=[dance_room.pk])).status_code == 404
    assert reverse("space_qr", args=[dance_room.pk]) not in _page(client, dance_room)


def test_a_reading_rooms_poster_is_linked_for_staff_and_speaks_chinese_and_english(
    client, frozen, reading_room, staff
):
    client.force_login(staff)
    page = _page(client, reading_room)
    assert reverse("space_qr", args=[reading_room.pk]) in page
    client.cookies["django_language"] = "en"
    poster = client.get(reverse("space_qr", args=[reading_room.pk])).content.decode()
    assert '<p class="poster-call" lang="zh-Hans">扫码签到</p>' in poster
    assert "Scan to check in" in poster
    assert 'viewBox="0 0' in poster  # sized by CSS for A4


def test_late_in_the_evening_the_page_opens_on_tomorrow(client, frozen, dance_room):
    frozen.move_to(at(0, 21, 30))  # the last slot of today is past its notice
    page = _page(client, dance_room)
    assert _chosen_chip(page) == "2026-12-02"
    assert "明天 · 12月2日 星期三" in page


def test_a_day_without_a_free_slot_says_to_choose_another(client, frozen, dance_room):
    Closure.objects.create(space=dance_room, start=at(2, 0), end=at(3, 0), reason="地板维修")
    page = _page(client, dance_room, date="2026-12-03")
    assert "这一天已没有可预约的时段，请点上面的其他日期。" in page
    assert _rows(page) == [
        "08:00–12:00 暂停开放：地板维修",
        "12:00–14:00 不开放",
        "14:00–22:00 暂停开放：地板维修",
    ]


def test_a_long_booking_window_shows_its_far_days_slots_too(client, frozen, dance_room):
    dance_room.bookable_days_ahead = 40
    dance_room.save()
    page = _page(client, dance_room, date="2027-01-08")  # 38 days ahead, past one read
    assert _chosen_chip(page) == "2027-01-08"
    assert _rows(page)[0] == "08:00–09:00 可预约"
    assert _chips(page)[-1] == "2027-01-10"
