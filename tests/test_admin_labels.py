"""Every box of the room editor has a name a screen reader can read (lixiong.admin_labels):
the rows of its opening hours, partner windows and closures, and the date and time halves of
a date-and-time field."""

import re

import pytest
from django.urls import reverse

from conftest import at
from spaces.models import Closure

pytestmark = pytest.mark.django_db


def _aria_label(html: str, element_id: str) -> str:
    tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{element_id}"[^>]*>', html).group(0)
    return re.search(r'aria-label="([^"]*)"', tag).group(1)


def test_the_room_editors_rows_name_each_box_by_its_column_and_row(client, staff, dance_room):
    Closure.objects.create(space=dance_room, start=at(3, 9), end=at(3, 12), reason="检修空调")
    client.force_login(staff)

    html = client.get(reverse("admin:spaces_space_change", args=[dance_room.pk])).content.decode()

    assert _aria_label(html, "id_opening_hours-0-weekday") == "星期，第 1 行"
    assert _aria_label(html, "id_opening_hours-1-closes") == "结束，第 2 行"
    assert _aria_label(html, "id_opening_hours-0-DELETE") == "删除，第 1 行"
    assert _aria_label(html, "id_partner_windows-0-holder").endswith("，第 1 行")
    assert _aria_label(html, "id_closures-0-start_0") == "开始：日期，第 1 行"
    assert _aria_label(html, "id_closures-0-start_1") == "开始：时间，第 1 行"
    assert _aria_label(html, "id_closures-0-reason") == "原因，第 1 行"
    # The hidden row that "add another" copies is named without a number.
    assert _aria_label(html, "id_closures-__prefix__-end_0") == "结束：日期"


def test_the_names_are_english_for_english_staff(client, staff, dance_room):
    client.force_login(staff)
    client.cookies["django_language"] = "en"

    html = client.get(reverse("admin:spaces_space_change", args=[dance_room.pk])).content.decode()

    assert _aria_label(html, "id_opening_hours-0-weekday") == "Weekday, row 1"
    assert _aria_label(html, "id_closures-__prefix__-start_1") == "Start: time"
