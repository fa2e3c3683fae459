"""The agreement enforced when a class is posted: price cap, rooms, windows, status. The rule
lives once (partners.services.partner_activity_check) and programs calls it through
programs.rules, whichever door the class comes in by."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.utils import translation

from conftest import at
from partners.models import Agreement
from partners.services import (
    agreement_reactivate,
    agreement_suspend,
    max_price_fen,
    price_within_cap,
)
from partners.tests.portal_fixtures import *  # noqa: F403 (the fixtures)
from programs.errors import ActivityError
from programs.models import Activity
from programs.services import activity_update, series_create, series_update
from spaces.errors import BookingError
from spaces.models import Booking, Closure

pytestmark = pytest.mark.django_db


def refusal(call) -> ActivityError:
    with pytest.raises(ActivityError) as exc:
        call()
    return exc.value


# --- the arithmetic ---------------------------------------------------------------------------


def test_exactly_half_the_market_price_is_within_the_cap():
    assert price_within_cap(price_fen=4000, market_price_fen=8000, cap=Decimal("0.50"))


def test_one_fen_over_half_is_above_the_cap():
    assert not price_within_cap(price_fen=4001, market_price_fen=8000, cap=Decimal("0.50"))


def test_an_odd_market_price_allows_the_half_fen_below_never_above():
    # ¥80.01 market: half is 4000.5 fen; 4000 passes, 4001 does not, and the most allowed
    # is shown rounded down.
    assert price_within_cap(price_fen=4000, market_price_fen=8001, cap=Decimal("0.5"))
    assert not price_within_cap(price_fen=4001, market_price_fen=8001, cap=Decimal("0.5"))
    assert max_price_fen(cap=Decimal("0.5"), market_price_fen=8001) == 4000


def test_huge_prices_are_compared_exactly_not_as_floats():
    market = 2**53 + 2
    assert price_within_cap(price_fen=market // 2, market_price_fen=market, cap=Decimal("0.5"))
    assert not price_within_cap(
        price_fen=market // 2 + 1, market_price_fen=market, cap=Decimal("0.5")
    )


# --- posting a class --------------------------------------------------------------------------


def test_a_half_price_class_is_posted_and_holds_its_room(frozen, post_class):
    activity = post_class(price_fen=4000, market_price_fen=8000)
    assert activity.status == Activity.Status.PUBLISHED
    assert activity.booking.status == Booking.Status.APPROVED


def test_a_class_one_fen_over_the_cap_is_refused_and_holds_nothing(frozen, post_class):
    error = refusal(lambda: post_class(price_fen=4001, market_price_fen=8000))
    assert error.code == "price_above_cap"
    assert error.field == "price_fen"
    assert "¥40.01" in error.message and "¥40.00" in error.message and "50%" in error.message
    assert not Activity.objects.exists() and not Booking.objects.exists()


def test_a_paid_class_without_a_market_price_is_refused(frozen, post_class):
    assert refusal(lambda: post_class(price_fen=1, market_price_fen=0)).code == "price_above_cap"


def test_a_free_welfare_activity_passes_the_cap_without_a_market_price(frozen, post_class):
    activity = post_class(price_fen=0, market_price_fen=0, is_public_welfare=True)
    assert activity.is_free and activity.is_public_welfare


def test_a_welfare_activity_must_be_free(frozen, post_class):
    error = refusal(
        lambda: post_class(price_fen=100, market_price_fen=8000, is_public_welfare=True)
    )
    assert error.code == "welfare_not_free"


def test_the_refusal_is_told_in_english_too(frozen, post_class):
    with translation.override("en"):
        message = refusal(lambda: post_class(price_fen=5000, market_price_fen=8000)).message
    assert "¥50.00" in message and "¥40.00" in message and "50%" in message
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_a_room_not_assigned_to_the_partner_is_refused(frozen, post_class, meeting_room):
    error = refusal(lambda: post_class(space=meeting_room))
    assert error.code == "room_not_assigned"
    assert "舞蹈室" in error.message  # it says which rooms are the partner's


def test_a_class_outside_the_partner_window_is_refused(frozen, post_class):
    # Window: Wednesday 18:00-20:00. 19:00-20:30 runs past it; Thursday has none.
    error = refusal(lambda: post_class(start=at(1, 19), end=at(1, 20, 30)))
    assert error.code == "outside_partner_window"
    assert "18:00–20:00" in error.message
    error = refusal(lambda: post_class(start=at(2, 18), end=at(2, 19)))
    assert error.code == "outside_partner_window"


def test_a_class_filling_the_whole_window_is_allowed(frozen, post_class):
    assert post_class(start=at(1, 18), end=at(1, 20)).pk


def test_a_suspended_agreement_stops_new_classes_and_says_why(frozen, post_class, agreement, staff):
    agreement_suspend(agreement=agreement, by=staff, reason="未按时缴纳社区基金")
    error = refusal(lambda: post_class())
    assert error.code == "agreement_inactive"
    assert "未按时缴纳社区基金" in error.message and "暂停" in error.message
    agreement_reactivate(agreement=agreement, by=staff)
    assert post_class().pk


def test_a_draft_saved_before_a_suspension_cannot_be_published_after_it(
    frozen, post_class, agreement, partner_member, staff
):
    from programs.services import activity_publish

    draft = post_class(publish=False)
    agreement_suspend(agreement=agreement, by=staff, reason="未按时缴纳社区基金")
    error = refusal(lambda: activity_publish(activity=draft, by=partner_member))
    assert error.code == "agreement_inactive"
    draft.refresh_from_db()
    assert draft.status == Activity.Status.DRAFT


def test_a_draft_above_a_cap_lowered_since_cannot_be_published(
    frozen, post_class, agreement, partner_member
):
    from decimal import Decimal

    from programs.services import activity_publish

    draft = post_class(price_fen=4000, market_price_fen=8000, publish=False)
    agreement.price_cap = Decimal("0.25")
    agreement.save(update_fields=["price_cap"])
    assert refusal(lambda: activity_publish(activity=draft, by=partner_member)).code == (
        "price_above_cap"
    )


def test_an_expired_agreement_says_when_it_ended(frozen, post_class, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(valid_to=date(2026, 11, 30))
    error = refusal(lambda: post_class())
    assert error.code == "agreement_inactive"
    assert "2026-11-30" in error.message and "到期" in error.message
    Agreement.objects.filter(pk=agreement.pk).update(
        valid_to=date(2027, 12, 31), status=Agreement.Status.EXPIRED
    )
    assert refusal(lambda: post_class()).code == "agreement_inactive"


def test_a_partner_without_any_agreement_posts_nothing(frozen, post_class, agreement):
    agreement.rooms.clear()
    Agreement.objects.filter(pk=agreement.pk).delete()
    error = refusal(lambda: post_class())
    assert error.code == "agreement_inactive"
    assert "还没有签订协议" in error.message


def test_a_class_after_the_agreement_ends_is_refused(frozen, post_class, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(valid_to=date(2026, 12, 5))
    error = refusal(lambda: post_class(start=at(8, 18), end=at(8, 19)))
    assert error.code == "outside_agreement_dates"
    assert "2026-12-05" in error.message


def test_the_room_rules_still_come_from_the_booking_service(frozen, post_class, dance_room):
    Closure.objects.create(space=dance_room, start=at(1, 17), end=at(1, 21), reason="维修地板")
    with pytest.raises(BookingError) as exc:
        post_class()
    assert exc.value.code == "closed"


def test_a_department_is_not_held_to_any_partner_cap(frozen, make_activity):
    activity = make_activity(price_fen=9000, market_price_fen=100, is_public_welfare=False)
    assert activity.pk


def test_a_term_lowered_later_is_rechecked_when_the_class_changes(frozen, post_class, agreement):
    activity = post_class(price_fen=4000, market_price_fen=8000)
    Agreement.objects.filter(pk=agreement.pk).update(price_cap=Decimal("0.40"))
    error = refusal(
        lambda: activity_update(activity=activity, by=activity.created_by, title="少儿书法提高班")
    )
    assert error.code == "price_above_cap"
    assert "40%" in error.message and "¥32.00" in error.message
    activity.refresh_from_db()
    assert activity.title == "少儿书法"
    updated = activity_update(activity=activity, by=activity.created_by, price_fen=3200)
    assert updated.price_fen == 3200


def test_raising_the_price_above_the_cap_on_an_edit_is_refused(frozen, post_class):
    activity = post_class(price_fen=4000, market_price_fen=8000)
    error = refusal(
        lambda: activity_update(activity=activity, by=activity.created_by, price_fen=4001)
    )
    assert error.code == "price_above_cap"


def test_moving_a_class_out_of_its_window_is_refused(frozen, post_class):
    activity = post_class()
    error = refusal(
        lambda: activity_update(
            activity=activity, by=activity.created_by, start=at(1, 15), end=at(1, 16)
        )
    )
    assert error.code == "outside_partner_window"
    activity.refresh_from_db()
    assert activity.start == at(1, 18)


def test_the_organiser_of_another_partner_cannot_use_this_partners_room(
    frozen, second_partner, dance_room, category_art
):
    from programs.services import activity_create

    member = second_partner.organiser.members.get()
    error = refusal(
        lambda: activity_create(
            organiser=second_partner.organiser,
            by=member,
            space=dance_room,
            start=at(1, 18),
            end=at(1, 19),
            title="编程",
            category=category_art,
            capacity=5,
            price_fen=100,
            market_price_fen=200,
            is_public_welfare=False,
        )
    )
    assert error.code == "room_not_assigned"


# --- weekly series ----------------------------------------------------------------------------


def series(partner, member, dance_room, category, **overrides):
    args = dict(
        organiser=partner.organiser,
        by=member,
        title="少儿编程",
        space=dance_room,
        weekdays=[2, 3],  # Wednesday (in the window) and Thursday (no window)
        first_date=date(2026, 12, 2),
        last_date=date(2026, 12, 10),
        starts_at=time(18),
        ends_at=time(19, 30),
        category=category,
        capacity=8,
        price_fen=3000,
        market_price_fen=6000,
        is_public_welfare=False,
    )
    return series_create(**(args | overrides))


def test_a_series_skips_the_days_outside_the_window_and_says_why(
    frozen, partner, partner_member, agreement, dance_room, category_art
):
    made, created, skipped = series(partner, partner_member, dance_room, category_art)
    assert [a.start.date() for a in created] == [date(2026, 12, 2), date(2026, 12, 9)]
    assert {s["code"] for s in skipped} == {"outside_partner_window"}
    assert len(made.skipped) == 2


def test_a_series_above_the_cap_is_refused_as_a_whole(
    frozen, partner, partner_member, agreement, dance_room, category_art
):
    error = refusal(
        lambda: series(partner, partner_member, dance_room, category_art, price_fen=3001)
    )
    assert error.code == "price_above_cap"
    assert not Activity.objects.exists()


def test_a_series_edit_above_a_lowered_cap_keeps_each_class_as_it_was(
    frozen, partner, partner_member, agreement, dance_room, category_art
):
    made, created, _ = series(partner, partner_member, dance_room, category_art)
    Agreement.objects.filter(pk=agreement.pk).update(price_cap=Decimal("0.25"))
    _, updated, skipped = series_update(series=made, by=partner_member, capacity=9)
    assert updated == []
    assert {s["code"] for s in skipped} == {"price_above_cap"}
