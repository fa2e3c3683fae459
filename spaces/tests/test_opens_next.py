"""A closed reading room says when it opens next: opening hours, then closures."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from conftest import NOW, at
from lixiong.timeutil import LOCAL_TZ
from spaces import selectors
from spaces.models import Closure, OpeningHours, Space

pytestmark = pytest.mark.django_db


def test_after_closing_time_it_opens_at_eight_the_next_morning(reading_room):
    # 08:00-21:00 every day; 22:00 on Tuesday.
    assert selectors.opens_next(reading_room, at(0, 22)) == at(1, 8)


def test_across_midnight_it_is_the_same_next_opening(reading_room):
    assert selectors.opens_next(reading_room, at(0, 23, 59)) == at(1, 8)
    assert selectors.opens_next(reading_room, at(1, 0, 30)) == at(1, 8)


def test_in_the_lunch_break_it_opens_in_the_afternoon(dance_room):
    # 08:00-12:00 and 14:00-22:00: a walk-in room with a lunch break.
    assert selectors.opens_next(dance_room, at(0, 12, 30)) == at(0, 14)


def test_a_closure_that_ends_inside_opening_hours_opens_the_room_when_it_ends(reading_room):
    friday_noon = at(3, 12)  # NOW is a Tuesday
    Closure.objects.create(space=reading_room, start=at(0, 0), end=friday_noon, reason="翻新")
    assert selectors.opens_next(reading_room, at(0, 10)) == friday_noon


def test_a_multi_day_closure_that_ends_after_closing_opens_at_the_next_opening_time(
    reading_room,
):
    Closure.objects.create(space=reading_room, start=at(0, 0), end=at(3, 22), reason="翻新")
    assert selectors.opens_next(reading_room, at(0, 10)) == at(4, 8)  # Saturday 08:00


def test_back_to_back_closures_are_followed_to_their_end(reading_room):
    Closure.objects.create(space=reading_room, start=at(0, 0), end=at(1, 12), reason="消杀")
    Closure.objects.create(space=reading_room, start=at(1, 12), end=at(1, 18), reason="讲座")
    assert selectors.opens_next(reading_room, at(0, 10)) == at(1, 18)


def test_a_room_open_one_day_a_week_opens_on_that_day(compound):
    room = Space.objects.create(
        compound=compound,
        name="图书室",
        kind=Space.Kind.LIBRARY,
        access_mode=Space.AccessMode.WALK_IN,
        capacity=10,
    )
    OpeningHours.objects.create(space=room, weekday=0, opens=time(9), closes=time(11))
    assert selectors.opens_next(room, at(0, 10)) == at(6, 9)  # next Monday


def test_a_room_with_no_opening_hours_has_no_next_opening(compound):
    room = Space.objects.create(
        compound=compound,
        name="图书室",
        kind=Space.Kind.LIBRARY,
        access_mode=Space.AccessMode.WALK_IN,
        capacity=10,
    )
    state = selectors.walk_in_state(room, now=NOW)
    assert (state["open_now"], state["has_hours"], state["opens_next"]) == (False, False, None)


def test_a_closure_to_the_end_of_the_calendar_has_no_next_opening(reading_room):
    end_of_time = datetime(9999, 12, 31, 23, 0, tzinfo=LOCAL_TZ)
    Closure.objects.create(space=reading_room, start=at(0, 0), end=end_of_time, reason="拆除")
    assert selectors.opens_next(reading_room, at(0, 10)) is None


def test_an_open_room_needs_no_next_opening(reading_room):
    state = selectors.walk_in_state(reading_room, now=NOW)
    assert state["open_now"] and state["opens_next"] is None


@pytest.mark.parametrize(
    "language, closed, opens",
    [
        ("zh-hans", "现在关闭", "下次开放：<strong>明天 08:00"),
        ("en", "Closed now", "Opens next: <strong>Tomorrow 08:00"),
    ],
)
def test_the_page_of_a_closed_reading_room_says_when_it_opens_next(
    client, frozen, reading_room, language, closed, opens
):
    frozen.move_to(at(0, 22))
    client.cookies["django_language"] = language
    page = client.get(reverse("space_detail", args=[reading_room.pk])).content.decode()
    assert closed in page and opens in page


def test_the_page_of_a_closed_room_names_the_closure_and_its_end(client, frozen, reading_room):
    Closure.objects.create(space=reading_room, start=at(0, 0), end=at(3, 22), reason="书架翻新")
    page = client.get(reverse("space_detail", args=[reading_room.pk])).content.decode()
    assert "暂停开放：书架翻新" in page
    assert "下次开放：<strong>12月5日 星期六 08:00" in page


def test_the_page_of_a_room_without_hours_says_it_has_none(client, frozen, reading_room):
    OpeningHours.objects.filter(space=reading_room).delete()
    page = client.get(reverse("space_detail", args=[reading_room.pk])).content.decode()
    assert "这里暂未公布开放时间" in page
    assert "下次开放" not in page


def test_a_compound_page_says_when_its_closed_reading_room_opens_next(client, compound):
    reading_room = Space.objects.create(
        compound=compound,
        name="阅览室",
        kind=Space.Kind.READING_ROOM,
        access_mode=Space.AccessMode.WALK_IN,
        capacity=30,
    )
    for weekday in range(7):
        OpeningHours.objects.create(
            space=reading_room, weekday=weekday, opens=time(8), closes=time(21)
        )
    late_evening = datetime(2026, 12, 1, 22, 0, tzinfo=LOCAL_TZ)  # a Tuesday, after closing
    with time_machine.travel(late_evening, tick=False):
        page = client.get(reverse("compound_detail", args=[compound.pk])).content.decode()
        assert "下次开放：<strong>明天 08:00</strong>" in page
        Closure.objects.create(
            space=reading_room,
            start=late_evening,
            end=late_evening + timedelta(days=3),
            reason="翻新",
        )
        page = client.get(reverse("compound_detail", args=[compound.pk])).content.decode()
        assert "下次开放：<strong>12月5日 星期六 08:00</strong>" in page
