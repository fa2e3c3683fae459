"""The staff's day board: every room of a day at a glance, pending requests decided in place,
and the count of requests that wait, beside the staff's links."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import at, plain_staff
from notifications.models import Message
from residents.models import Profile
from spaces.models import Booking, Closure, OpeningHours, Space, Visit

pytestmark = pytest.mark.django_db

BOARD = reverse("staff_day")
WEDNESDAY = at(1, 0).date()  # NOW is a Tuesday; the dance room's partner window is Wednesday


def _book(space, user, start, hours=1, **fields):
    return Booking.objects.create(
        space=space,
        booked_by=user,
        purpose=fields.pop("purpose", "排练"),
        attendees=fields.pop("attendees", 8),
        start=start,
        end=start + timedelta(hours=hours),
        status=fields.pop("status", Booking.Status.APPROVED),
        **fields,
    )


def _board(client, **query):
    query.setdefault("date", WEDNESDAY.isoformat())
    return client.get(BOARD, query)


@pytest.fixture
def named_resident(resident):
    Profile.objects.create(user=resident, display_name="阿华姐")
    return resident


@pytest.fixture
def pending(dance_room, named_resident):
    return _book(dance_room, named_resident, at(1, 15), status=Booking.Status.PENDING)


def test_the_board_shows_each_kind_of_block_with_its_words(
    client, frozen, staff, dance_room, reading_room, named_resident, officer
):
    _book(dance_room, named_resident, at(1, 9), attendees=12)
    _book(dance_room, named_resident, at(1, 15), status=Booking.Status.PENDING, attendees=6)
    _book(dance_room, officer, at(1, 10), purpose="社区合唱排练", for_activity=True)
    _book(dance_room, named_resident, at(1, 16), status=Booking.Status.CANCELLED)
    Closure.objects.create(space=dance_room, start=at(1, 20), end=at(1, 22), reason="地板维修")
    Visit.objects.create(space=reading_room, visited_at=at(1, 10), head_count=3)
    Visit.objects.create(space=reading_room, visited_at=at(2, 10), head_count=40)  # not that day
    client.force_login(staff)

    html = _board(client).content.decode()

    assert "绿地香颂公馆" in html and "舞蹈室" in html
    assert '09:00–10:00</span> 阿华姐 · 12人 <span class="state">已通过</span>' in html
    assert '阿华姐 · 6人</a> <strong class="state">待审批</strong>' in html
    assert "活动：社区合唱排练" in html
    assert "暂停开放：地板维修" in html
    assert "机构课程：青少宫培训机构" in html
    assert "随时到访 · 到访 3 人次" in html
    assert html.count("阿华姐") == 3  # the approved block, the pending block and its request
    # The time axis runs from the earliest opening to the latest closing, hour by hour.
    assert ">08:00</th>" in html and ">21:00</th>" in html and ">22:00</th>" not in html
    assert 'class="c shut"' in html  # 12:00-14:00, the dance room's lunch break


def test_the_board_in_english_says_the_same(client, frozen, staff, dance_room, named_resident):
    _book(dance_room, named_resident, at(1, 15), status=Booking.Status.PENDING, attendees=6)
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    html = _board(client).content.decode()
    assert "Day board" in html
    assert "Pending" in html and "Partner classes: 青少宫培训机构" in html
    assert "Approve" in html and "Reject" in html


def test_a_pending_request_is_approved_from_the_board_and_the_board_says_so(
    client, frozen, staff, pending
):
    client.force_login(staff)
    assert "阿华姐" in _board(client).content.decode()

    response = client.post(
        reverse("staff_day_decide", args=[pending.pk]),
        {"date": WEDNESDAY.isoformat(), "decision": "approve"},
        follow=True,
    )

    assert response.redirect_chain == [(f"{BOARD}?date={WEDNESDAY.isoformat()}", 302)]
    pending.refresh_from_db()
    assert pending.status == Booking.Status.APPROVED and pending.decided_by == staff
    html = response.content.decode()
    assert "已通过：舞蹈室 12-02 15:00–16:00" in html
    assert "这一天待审批的请求：0 个" in html
    assert Message.objects.filter(recipient=pending.booked_by, key__endswith=":approved").exists()


def test_htmx_approval_answers_with_the_board_alone(client, frozen, staff, pending):
    client.force_login(staff)
    response = client.post(
        reverse("staff_day_decide", args=[pending.pk]),
        {"date": WEDNESDAY.isoformat(), "decision": "approve"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="day-board"')
    assert "已通过：舞蹈室" in html and '阿华姐 · 8人 <span class="state">已通过</span>' in html
    # The nav's count follows, out of band: no request waits any more.
    assert '<span id="pending-requests-badge" hx-swap-oob="true"></span>' in html


def test_rejecting_without_a_reason_says_so_and_leaves_the_request_waiting(
    client, frozen, staff, pending
):
    client.force_login(staff)
    response = client.post(
        reverse("staff_day_decide", args=[pending.pk]),
        {"date": WEDNESDAY.isoformat(), "decision": "reject", "reason": "  "},
        follow=True,
    )
    assert "请填写原因。" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Booking.Status.PENDING


def test_rejecting_with_a_reason_rejects_it_and_queues_the_residents_mail(
    client, frozen, staff, pending
):
    client.force_login(staff)
    response = client.post(
        reverse("staff_day_decide", args=[pending.pk]),
        {"date": WEDNESDAY.isoformat(), "decision": "reject", "reason": "当天有消防检查"},
        HTTP_HX_REQUEST="true",
    )
    assert "已驳回：舞蹈室 12-02 15:00–16:00。已通知居民。" in response.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == (Booking.Status.REJECTED, "当天有消防检查")
    mail = Message.objects.get(recipient=pending.booked_by, key__endswith=":rejected")
    assert "当天有消防检查" in mail.body


def test_a_decision_the_service_refuses_is_shown_as_a_message(client, frozen, staff, pending):
    client.force_login(staff)
    Closure.objects.create(space=pending.space, start=at(1, 14), end=at(1, 18), reason="停电")
    response = client.post(
        reverse("staff_day_decide", args=[pending.pk]),
        {"date": "2026-12-02", "decision": "approve"},
        follow=True,
    )
    assert "所选时间暂停开放：停电" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Booking.Status.PENDING


def test_a_decision_on_a_booking_that_does_not_exist_is_not_found(client, frozen, staff):
    client.force_login(staff)
    assert (
        client.post(reverse("staff_day_decide", args=[999999]), {"decision": "approve"}).status_code
        == 404
    )


def test_staff_who_cannot_decide_and_residents_get_the_403_page(client, frozen, resident, pending):
    for user in (plain_staff("clerk", "spaces.view_booking"), resident):
        client.force_login(user)
        response = _board(client)
        assert response.status_code == 403
        assert "没有权限" in response.content.decode()
        refused = client.post(
            reverse("staff_day_decide", args=[pending.pk]), {"decision": "approve"}
        )
        assert refused.status_code == 403
    pending.refresh_from_db()
    assert pending.status == Booking.Status.PENDING


def test_staff_with_only_the_booking_permission_may_use_the_board(client, frozen, pending):
    client.force_login(plain_staff("desk", "spaces.change_booking"))
    assert "阿华姐" in _board(client).content.decode()


def test_the_board_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(BOARD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ({"date": "2026-13-45"}, "日期无效，已显示今天。"),
        ({"date": "12/02/2026"}, "日期无效，已显示今天。"),
        ({"date": "9999-12-31"}, "日期超出范围，已显示今天。"),
        ({"compound": "abc"}, "没有这个小区，已显示全部小区。"),
        ({"compound": "9" * 40}, "没有这个小区，已显示全部小区。"),
    ],
)
def test_a_bad_date_or_compound_falls_back_with_a_word_not_an_error(
    client, frozen, staff, dance_room, query, notice
):
    client.force_login(staff)
    response = client.get(BOARD, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert notice in html and "舞蹈室" in html


def test_a_forged_decision_is_refused_with_a_message(client, frozen, staff, pending):
    client.force_login(staff)
    url = reverse("staff_day_decide", args=[pending.pk])
    response = client.post(url, {"decision": "delete", "date": "2026-12-02"}, follow=True)
    assert response.status_code == 200 and "delete" in response.content.decode()
    response = client.post(url, {"decision": "reject", "reason": "x" * 301}, follow=True)
    assert "300" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Booking.Status.PENDING


def test_a_name_or_purpose_with_markup_or_braces_is_shown_as_text(
    client, frozen, staff, dance_room, resident
):
    Profile.objects.create(user=resident, display_name="<b>{n}</b>")
    _book(dance_room, resident, at(1, 9), purpose="{0}<script>", status=Booking.Status.PENDING)
    client.force_login(staff)
    html = _board(client).content.decode()
    assert "&lt;b&gt;{n}&lt;/b&gt; · 8人" in html and "{0}&lt;script&gt;" in html
    assert "<script>" not in html.split("</head>")[1]


def test_a_nul_byte_in_the_query_is_refused_as_bad_input(client, frozen, staff):
    client.force_login(staff)
    assert client.get(BOARD, {"date": "2026-12-02\x00"}).status_code == 400


def test_the_compound_filter_shows_only_that_compounds_rooms(
    client, frozen, staff, dance_room, compound
):
    other = Space.objects.create(
        compound=type(compound).objects.create(name="国华新都"),
        name="职工家培训教室",
        kind=Space.Kind.CLASSROOM,
        capacity=30,
    )
    client.force_login(staff)
    html = _board(client, compound=compound.pk).content.decode()
    assert "舞蹈室" in html and other.name not in html
    assert "前一天" in html and f"compound={compound.pk}" in html


def _rooms(compound, n, resident, first=0):
    for i in range(first, first + n):
        room = Space.objects.create(
            compound=compound, name=f"活动室{i}", kind=Space.Kind.ACTIVITY_ROOM, capacity=10
        )
        OpeningHours.objects.create(
            space=room, weekday=WEDNESDAY.weekday(), opens=time(8), closes=time(22)
        )
        _book(room, resident, at(1, 9 + i % 10), status=Booking.Status.PENDING)
        _book(room, resident, at(1, 20))
        Closure.objects.create(space=room, start=at(1, 12), end=at(1, 13), reason="清洁")


def test_the_board_costs_the_same_queries_for_5_rooms_as_for_50(
    client, frozen, staff, compound, named_resident, django_assert_max_num_queries
):
    client.force_login(staff)
    _rooms(compound, 5, named_resident)
    _board(client)  # sessions, permissions and the like settle
    with CaptureQueriesContext(connection) as five:
        assert _board(client).content.decode().count("待审批</strong>") == 5
    _rooms(compound, 45, named_resident, first=5)
    with django_assert_max_num_queries(len(five)):
        assert _board(client).content.decode().count("待审批</strong>") == 50
    assert len(five) <= 12


def test_the_nav_and_the_admin_index_count_the_requests_that_wait(
    client, frozen, staff, pending, dance_room, named_resident
):
    _book(dance_room, named_resident, at(2, 9), status=Booking.Status.PENDING)
    _book(dance_room, named_resident, at(-1, 9), status=Booking.Status.PENDING)  # too late now
    client.force_login(staff)
    home = client.get("/").content.decode()
    assert reverse("staff_day") in home and "2 个待审批" in home
    admin = client.get(reverse("admin:index")).content.decode()
    assert "场地日程看板" in admin and "2 个预约待审批" in admin

    client.post(reverse("staff_day_decide", args=[pending.pk]), {"decision": "approve"})

    assert "1 个待审批" in client.get("/").content.decode()


def test_people_who_cannot_decide_see_no_board_link_and_no_count(client, frozen, pending):
    for user in (plain_staff("clerk"), pending.booked_by):
        client.force_login(user)
        home = client.get("/").content.decode()
        # (A resident's home lists their own request as 待审批: the nav's count is what matters.)
        assert reverse("staff_day") not in home and "个待审批" not in home


def test_a_busy_days_requests_fold_away_and_a_quiet_days_stay_open(
    client, frozen, staff, compound, named_resident
):
    client.force_login(staff)
    _rooms(compound, 3, named_resident)
    assert '<details class="board-requests no-print" open>' in _board(client).content.decode()
    _rooms(compound, 9, named_resident, first=3)
    html = _board(client).content.decode()
    assert '<details class="board-requests no-print">' in html
    assert "这一天待审批的请求：12 个" in html
