"""The residents' activity pages: the calendar, an activity's page with sign-up and waitlist,
the ticket, the short link, the calendar file and "my activities"."""

from datetime import UTC, time

import icalendar
import pytest
from django.urls import reverse

from conftest import at, make_user
from programs.models import Activity, Organiser, Registration, ServiceCategory
from programs.services import activity_cancel, registration_cancel, registration_create
from spaces.models import Compound, OpeningHours, Space

pytestmark = pytest.mark.django_db


def detail_url(activity) -> str:
    return reverse("activity_detail", args=[activity.pk])


def sign_up(client, activity, party_size=None):
    data = {} if party_size is None else {"party_size": party_size}
    return client.post(reverse("activity_register", args=[activity.pk]), data, follow=True)


def act(client, registration, what, **data):
    return client.post(reverse("registration_act", args=[registration.pk, what]), data, follow=True)


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- the calendar ----------------------------------------------------------------------------


@pytest.fixture
def second_place(db):
    compound = Compound.objects.create(name="国华新都")
    space = Space.objects.create(
        compound=compound, name="会议室", kind=Space.Kind.MEETING_ROOM, capacity=30
    )
    for weekday in range(7):
        OpeningHours.objects.create(space=space, weekday=weekday, opens=time(8), closes=time(22))
    return space


@pytest.fixture
def calendar(frozen, make_activity, second_place, officer, department):
    """A free parent-child class tomorrow, a paid class in another compound the day after by
    another organiser, and a draft nobody outside should see."""
    from programs.services import activity_create

    handicraft = make_activity(title="亲子手工坊")
    union = Organiser.objects.create(name="大沥镇总工会", kind=Organiser.Kind.DEPARTMENT)
    union.members.add(officer)
    training = ServiceCategory.objects.create(name="职业技能")
    video = activity_create(
        organiser=union,
        by=officer,
        space=second_place,
        start=at(2, 19),
        end=at(2, 21),
        title="短视频剪辑夜校",
        category=training,
        capacity=20,
        price_fen=2500,
        market_price_fen=5000,
    )
    draft = make_activity(day_offset=3, title="还没发布的活动", publish=False)
    return handicraft, video, draft


def test_the_calendar_lists_published_activities_grouped_by_day(client, calendar):
    text = page(client, reverse("activity_list"))
    assert "亲子手工坊" in text and "短视频剪辑夜校" in text
    assert "还没发布的活动" not in text
    assert "2026-12-02" in text and "2026-12-03" in text
    assert text.index("2026-12-02") < text.index("亲子手工坊") < text.index("2026-12-03")
    assert "¥25.00" in text
    assert "免费" in text
    assert "09:00–11:00" in text
    assert "绿地香颂公馆·舞蹈室" in text


def test_the_calendar_filters_by_compound_category_organiser_date_and_price(
    client, calendar, second_place
):
    handicraft, video, _ = calendar
    url = reverse("activity_list")

    def titles(**params) -> set[str]:
        text = page(client, url, **params)
        return {title for title in ("亲子手工坊", "短视频剪辑夜校") if title in text}

    assert titles(compound=second_place.compound_id) == {"短视频剪辑夜校"}
    assert titles(category=handicraft.category_id) == {"亲子手工坊"}
    assert titles(organiser=video.organiser_id) == {"短视频剪辑夜校"}
    assert titles(free="1") == {"亲子手工坊"}
    assert titles(free="0") == {"短视频剪辑夜校"}
    assert titles(**{"from": "2026-12-03"}) == {"短视频剪辑夜校"}
    assert titles(to="2026-12-02") == {"亲子手工坊"}
    assert titles(**{"from": "2026-12-10"}) == set()


def test_the_calendar_starts_today_by_default_and_hides_past_activities(
    client, frozen, make_activity
):
    make_activity(day_offset=1, title="明天的活动")
    frozen.move_to(at(3, 9))
    text = page(client, reverse("activity_list"))
    assert "明天的活动" not in text
    assert "明天的活动" in page(client, reverse("activity_list"), **{"from": "2026-12-01"})


def test_garbage_filters_are_ignored_not_an_error(client, calendar):
    text = page(
        client,
        reverse("activity_list"),
        compound="x",
        category="99999",
        organiser="1;drop",
        to="2026-13-45",
        free="maybe",
        **{"from": "yesterday"},
    )
    assert "亲子手工坊" in text and "短视频剪辑夜校" in text


def test_the_calendar_runs_a_fixed_number_of_queries(
    client, calendar, make_activity, other_resident, django_assert_max_num_queries
):
    for day in range(4, 10):
        activity = make_activity(day_offset=day)
        registration_create(activity=activity, resident=other_resident)
    # The activities with their seat counts, then the filter's three select lists.
    with django_assert_max_num_queries(4):
        page(client, reverse("activity_list"))
    # Each chosen filter value is looked up once to validate it.
    handicraft = calendar[0]
    filters = {
        "compound": handicraft.space.compound_id,
        "category": handicraft.category_id,
        "organiser": handicraft.organiser_id,
    }
    with django_assert_max_num_queries(7):
        assert "亲子手工坊" in page(client, reverse("activity_list"), **filters)


# --- an activity's page ----------------------------------------------------------------------


def test_the_activity_page_shows_seats_left_and_the_waitlist(
    client, frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1, description="带孩子一起做灯笼。")
    registration_create(activity=activity, resident=resident)
    registration_create(activity=activity, resident=other_resident)
    registration_create(activity=activity, resident=make_user("third"))
    text = page(client, detail_url(activity))
    assert "已满" in text
    assert "2 人候补" in text
    assert "带孩子一起做灯笼。" in text
    assert reverse("space_detail", args=[activity.space_id]) in text

    roomy = make_activity(day_offset=2, capacity=5)
    registration_create(activity=roomy, resident=resident)
    assert "剩 4 个名额" in page(client, detail_url(roomy))


def test_the_activity_page_and_my_activities_run_a_fixed_number_of_queries(
    client, frozen, make_activity, resident, other_resident, django_assert_max_num_queries
):
    activity = make_activity(capacity=1)
    registration_create(activity=activity, resident=other_resident)
    registration_create(activity=activity, resident=resident)
    # The activity with its seat counts, in one query.
    with django_assert_max_num_queries(1):
        page(client, detail_url(activity))
    client.force_login(resident)
    # Plus the session, the user, the nav's organiser check and count of offered seats, the
    # resident's registration, their waitlist position and whether they may manage the activity.
    with django_assert_max_num_queries(8):
        page(client, detail_url(activity))
    for day in range(2, 6):
        registration_create(activity=make_activity(day_offset=day), resident=resident)
    with django_assert_max_num_queries(6):  # 5, and the nav's count of offered seats
        page(client, reverse("my_activities"))


def test_an_anonymous_visitor_is_asked_to_log_in_to_sign_up(client, frozen, make_activity):
    activity = make_activity()
    text = page(client, detail_url(activity))
    assert "登录后报名" in text
    assert f"{reverse('account_login')}?next={detail_url(activity)}" in text
    response = client.post(reverse("activity_register", args=[activity.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Registration.objects.exists()


def test_signing_up_confirms_then_the_next_resident_lands_on_the_waitlist(
    client, frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1)
    client.force_login(resident)
    text = sign_up(client, activity).content.decode()
    assert "报名成功" in text
    assert "我的签到二维码" in text
    assert Registration.objects.get(resident=resident).status == "confirmed"

    client.force_login(other_resident)
    assert "加入候补" in page(client, detail_url(activity))
    text = sign_up(client, activity).content.decode()
    assert "您已进入候补名单，排第 1 位" in text
    assert "您在候补名单第 1 位" in text
    assert Registration.objects.get(resident=other_resident).status == "waitlisted"


def test_signing_up_twice_says_so(client, frozen, make_activity, resident):
    activity = make_activity()
    client.force_login(resident)
    sign_up(client, activity)
    text = sign_up(client, activity).content.decode()
    assert "您已经报名（或在候补名单中）了。" in text
    assert Registration.objects.count() == 1


def test_a_family_signs_up_as_one_party(client, frozen, make_activity, resident):
    activity = make_activity(capacity=4, max_party_size=3)
    client.force_login(resident)
    assert 'name="party_size"' in page(client, detail_url(activity))
    sign_up(client, activity, party_size=3)
    assert Registration.objects.get(resident=resident).party_size == 3
    assert "剩 1 个名额" in page(client, detail_url(activity))


@pytest.mark.parametrize("party_size", ["abc", "0", "4", "-1", "1.5", ""])
def test_a_bad_party_size_is_a_message_not_an_error(
    client, frozen, make_activity, resident, party_size
):
    activity = make_activity(max_party_size=3)
    client.force_login(resident)
    response = sign_up(client, activity, party_size=party_size)
    assert response.status_code == 200
    if party_size == "":  # an empty choice means the resident alone
        assert Registration.objects.get().party_size == 1
    else:
        assert "每次报名人数须在 1 到 3 之间。" in response.content.decode()
        assert not Registration.objects.exists()


def test_a_cancellation_promotes_the_waiting_resident_who_then_sees_it(
    client, frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1)
    mine = registration_create(activity=activity, resident=resident)
    registration_create(activity=activity, resident=other_resident)
    client.force_login(resident)
    text = act(client, mine, "cancel").content.decode()
    assert "已取消「亲子手工坊」的报名。" in text
    client.force_login(other_resident)
    text = page(client, detail_url(activity))
    assert 'class="badge confirmed">已报名' in text
    assert "我的签到二维码" in text


def test_a_resident_accepts_an_offered_seat(
    client, frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1, waitlist_policy="offer")
    first = registration_create(activity=activity, resident=resident)
    waiting = registration_create(activity=activity, resident=other_resident)
    registration_cancel(registration=first, by=resident)
    client.force_login(other_resident)
    text = page(client, detail_url(activity))
    assert "名额为您保留到 2026-12-01 21:00" in text  # offer_hours=12 from 09:00
    assert "确认参加" in text and "放弃名额" in text
    text = act(client, waiting, "accept").content.decode()
    assert "已确认名额，报名成功！" in text
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_a_resident_declines_an_offered_seat_and_it_passes_on(
    client, frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1, waitlist_policy="offer")
    first = registration_create(activity=activity, resident=resident)
    waiting = registration_create(activity=activity, resident=other_resident)
    third = registration_create(activity=activity, resident=make_user("third"))
    registration_cancel(registration=first, by=resident)
    client.force_login(other_resident)
    text = act(client, waiting, "decline", next=reverse("my_activities")).content.decode()
    assert "已放弃「亲子手工坊」为您保留的名额。" in text
    assert "<h1>我的活动</h1>" in text
    third.refresh_from_db()
    assert third.status == "offered"


def test_an_unsafe_next_falls_back_to_the_activity_page(client, frozen, make_activity, resident):
    activity = make_activity()
    mine = registration_create(activity=activity, resident=resident)
    client.force_login(resident)
    response = client.post(
        reverse("registration_act", args=[mine.pk, "cancel"]),
        {"next": "https://evil.example.com/"},
    )
    assert response["Location"] == detail_url(activity)


def test_someone_elses_registration_and_unknown_acts_are_not_found(
    client, frozen, make_activity, resident, other_resident
):
    activity = make_activity()
    theirs = registration_create(activity=activity, resident=other_resident)
    client.force_login(resident)
    for what in ("cancel", "accept", "decline"):
        response = client.post(reverse("registration_act", args=[theirs.pk, what]))
        assert response.status_code == 404
    assert client.get(reverse("registration_ticket", args=[theirs.pk])).status_code == 404
    client.force_login(other_resident)
    response = client.post(reverse("registration_act", args=[theirs.pk, "delete"]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


def test_a_draft_is_not_found_for_residents_but_visible_to_its_officer(
    client, frozen, make_activity, resident, officer
):
    draft = make_activity(publish=False, title="草稿活动")
    assert client.get(detail_url(draft)).status_code == 404
    assert client.get(reverse("activity_ics", args=[draft.pk])).status_code == 404
    client.force_login(resident)
    assert client.get(detail_url(draft)).status_code == 404
    assert sign_up(client, draft).status_code == 404
    client.force_login(officer)
    text = page(client, detail_url(draft))
    assert "草稿活动" in text
    assert reverse("organiser_roster", args=[draft.pk]) in text


def test_a_cancelled_activity_says_so_and_takes_no_sign_ups(
    client, frozen, make_activity, officer, resident
):
    activity = make_activity()
    activity_cancel(activity=activity, by=officer, reason="暴雨预警")
    client.force_login(resident)
    text = page(client, detail_url(activity))
    assert "已取消" in text and "暴雨预警" in text
    text = sign_up(client, activity).content.decode()
    assert "这个活动已取消。" in text


# --- sharing ---------------------------------------------------------------------------------


def test_the_activity_page_carries_share_metadata_with_absolute_urls(client, frozen, make_activity):
    activity = make_activity(description="做灯笼。" * 40)
    text = page(client, detail_url(activity))
    short = f"http://testserver/a/{activity.share_code}/"
    assert '<meta property="og:title" content="亲子手工坊">' in text
    assert f'<meta property="og:description" content="{"做灯笼。" * 25}">' in text
    assert f'<meta name="description" content="{"做灯笼。" * 25}">' in text
    assert (
        '<meta property="og:image" content="http://testserver/static/img/activity-share.png">'
        in text
    )
    assert f'<meta property="og:url" content="{short}">' in text
    assert "复制链接" in text


def test_the_share_image_is_a_real_png_for_wechat(settings):
    from pathlib import Path

    image = Path(settings.BASE_DIR) / "static/img/activity-share.png"
    header = image.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(header[16:20], "big") == 1200
    assert int.from_bytes(header[20:24], "big") == 630


def test_the_short_url_redirects_to_the_activity(client, frozen, make_activity):
    activity = make_activity()
    response = client.get(reverse("activity_short", args=[activity.share_code]))
    assert response.status_code == 302
    assert response["Location"] == detail_url(activity)
    assert client.get(reverse("activity_short", args=["nope"])).status_code == 404


def test_the_calendar_file_has_the_activity_in_utc(client, frozen, make_activity):
    activity = make_activity(day_offset=1, hour=9, hours=2, description="带上剪刀")
    response = client.get(reverse("activity_ics", args=[activity.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert f'filename="activity-{activity.pk}.ics"' in response["Content-Disposition"]
    assert b"DTSTART:20261202T010000Z" in response.content
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["UID"]) == f"activity-{activity.pk}@lixiong"
    assert event.decoded("DTSTART") == at(1, 9).astimezone(UTC)
    assert event.decoded("DTEND") == at(1, 11).astimezone(UTC)
    assert str(event["SUMMARY"]) == "亲子手工坊"
    assert str(event["LOCATION"]) == "绿地香颂公馆 · 舞蹈室"
    assert str(event["DESCRIPTION"]) == "带上剪刀"
    assert str(event["URL"]) == f"http://testserver{detail_url(activity)}"


# --- ticket and my activities ----------------------------------------------------------------


def test_the_ticket_shows_a_qr_code_for_the_check_in_path(client, frozen, make_activity, resident):
    activity = make_activity(max_party_size=2)
    mine = registration_create(activity=activity, resident=resident, party_size=2)
    client.force_login(resident)
    text = page(client, reverse("registration_ticket", args=[mine.pk]))
    assert "<svg" in text
    assert "报名人数：2 人" in text
    assert "亲子手工坊" in text and "舞蹈室" in text

    import segno

    check_in = f"http://testserver{reverse('organiser_check_in', args=[mine.checkin_token])}"
    expected = segno.make(check_in, error="m").svg_inline(scale=6, dark="#1f2937", omitsize=True)
    assert expected in text


def test_a_waitlisted_resident_has_no_ticket_yet(
    client, frozen, make_activity, resident, other_resident
):
    activity = make_activity(capacity=1)
    registration_create(activity=activity, resident=other_resident)
    mine = registration_create(activity=activity, resident=resident)
    client.force_login(resident)
    text = page(client, reverse("registration_ticket", args=[mine.pk]))
    assert "<svg" not in text


def test_my_activities_lists_upcoming_and_past_with_waitlist_positions(
    client, frozen, make_activity, resident, other_resident
):
    full = make_activity(capacity=1, title="满员的活动")
    registration_create(activity=full, resident=other_resident)
    waiting = registration_create(activity=full, resident=resident)
    open_one = make_activity(day_offset=2, title="有空位的活动")
    confirmed = registration_create(activity=open_one, resident=resident)
    client.force_login(resident)
    text = page(client, reverse("my_activities"))
    assert "满员的活动" in text and "候补第 1 位" in text
    assert reverse("registration_ticket", args=[confirmed.pk]) in text
    assert reverse("registration_ticket", args=[waiting.pk]) not in text
    assert "退出候补" in text and "取消报名" in text

    frozen.move_to(at(5, 9))
    text = page(client, reverse("my_activities"))
    upcoming, past = text.split("过去的活动")
    assert "满员的活动" in past and "有空位的活动" in past
    assert "取消报名" not in text


def test_my_activities_needs_a_login(client):
    response = client.get(reverse("my_activities"))
    assert response.status_code == 302


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_activity_pages_render_in_both_languages(
    client, frozen, make_activity, resident, language
):
    activity = make_activity(min_age=3, max_age=12, price_fen=1000, market_price_fen=3000)
    mine = registration_create(activity=activity, resident=resident)
    client.cookies["django_language"] = language
    client.force_login(resident)
    for url in [
        reverse("activity_list"),
        detail_url(activity),
        reverse("registration_ticket", args=[mine.pk]),
        reverse("my_activities"),
    ]:
        text = page(client, url)
        assert f'lang="{language}"' in text
    assert "3–12" in page(client, detail_url(activity))
    assert "¥10.00" in page(client, detail_url(activity))
    assert Activity.objects.count() == 1
