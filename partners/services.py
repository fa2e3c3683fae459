"""Operations of the partners app. Each part of issue 8 keeps its own section."""

# --- partner portal ---------------------------------------------------------------------------

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lixiong.timeutil import LOCAL_TZ, as_aware, local_today
from programs.errors import ActivityError
from programs.models import Organiser
from spaces.models import WeeklyRange

from .models import Agreement, Partner


def yuan(fen: int | Decimal) -> str:
    """Fen as yuan with two decimals, exactly (¥40.00)."""
    return f"{Decimal(fen) / 100:.2f}"


def cap_percent(cap: Decimal) -> str:
    """A cap ratio as a percentage without trailing zeros: 0.500 -> "50", 0.375 -> "37.5"."""
    text = f"{cap * 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def max_price_fen(*, cap: Decimal, market_price_fen: int) -> int:
    """The highest price the cap allows, in whole fen (rounded down: never above the cap)."""
    return int((cap * Decimal(market_price_fen)).to_integral_value(rounding="ROUND_FLOOR"))


def price_within_cap(*, price_fen: int, market_price_fen: int, cap: Decimal) -> bool:
    """普惠定价: price at most cap × market price, in integer fen and Decimal (never float).
    Exactly the cap passes; a free activity always passes; a market price of 0 allows only 0."""
    return Decimal(price_fen) <= cap * Decimal(market_price_fen)


def agreement_governing(partner: Partner, day: date, *, today: date | None = None):
    """The agreement that governs a class on `day`: active, not expired today, and valid on
    that day. Returns (agreement or None, the agreements looked at, newest first)."""
    today = today or local_today()
    agreements = partner.agreements.prefetch_related("rooms", "windows")
    if transaction.get_connection().in_atomic_block:
        # Posting a class holds the agreement's rows until it commits, so a suspension
        # (agreement_suspend locks the row too) lands either before the class, which is then
        # refused, or after it: never a class posted under an agreement suspended meanwhile.
        agreements = agreements.select_for_update(no_key=True, of=("self",))
    agreements = list(agreements)
    for agreement in agreements:
        if (
            agreement.status == Agreement.Status.ACTIVE
            and agreement.valid_to >= today
            and agreement.valid_from <= day <= agreement.valid_to
        ):
            return agreement, agreements
    return None, agreements


def agreement_inactive_why(agreements: list[Agreement], today: date):
    """In plain words why no agreement is in force today (lazy: the reader's language)."""
    if not agreements:
        return _("还没有签订协议。")
    latest = agreements[0]
    if latest.status == Agreement.Status.SUSPENDED:
        return format_lazy(
            _("协议已暂停，原因：{reason}"), reason=latest.status_reason or _("未说明")
        )
    if latest.status == Agreement.Status.EXPIRED or latest.valid_to < today:
        return format_lazy(_("协议已于 {date} 到期。"), date=f"{latest.valid_to:%Y-%m-%d}")
    return format_lazy(_("协议 {date} 起生效。"), date=f"{latest.valid_from:%Y-%m-%d}")


def partner_activity_check(
    *,
    organiser: Organiser,
    space: int,
    start: datetime,
    end: datetime,
    price_fen: int,
    market_price_fen: int,
    is_public_welfare: bool,
    **extra,
) -> None:
    """The agreement's rules on a partner's activity, registered in programs.rules (see
    PartnersConfig.ready), so every door to posting a class (the portal, the organiser area,
    the API, a weekly series) keeps them. The room's own rules (hours, closures, clashes)
    come after, from the booking service, when the activity holds its room."""
    if organiser.kind != Organiser.Kind.PARTNER:
        return
    today = local_today()
    local_start, local_end = (
        as_aware(start).astimezone(LOCAL_TZ),
        as_aware(end).astimezone(LOCAL_TZ),
    )
    day = local_start.date()
    partner = Partner.objects.filter(organiser_id=organiser.pk).first()
    if partner is None:
        # A partner-kind organiser nobody admitted: no agreement, no classes.
        raise ActivityError("agreement_inactive", why=_("还没有签订协议。"))
    agreement, agreements = agreement_governing(partner, day, today=today)
    if agreement is None:
        in_force = [
            a
            for a in agreements
            if a.status == Agreement.Status.ACTIVE and a.valid_from <= today <= a.valid_to
        ]
        if in_force:
            raise ActivityError(
                "outside_agreement_dates",
                field="start",
                date=f"{day:%Y-%m-%d}",
                valid_from=f"{in_force[0].valid_from:%Y-%m-%d}",
                valid_to=f"{in_force[0].valid_to:%Y-%m-%d}",
            )
        raise ActivityError("agreement_inactive", why=agreement_inactive_why(agreements, today))

    rooms = list(agreement.rooms.all())
    if not any(room.pk == space for room in rooms):
        names = " / ".join(room.name for room in rooms) or _("暂无")
        raise ActivityError("room_not_assigned", field="space", rooms=names)

    windows = [
        w for w in agreement.windows.all() if w.space_id == space and w.weekday == day.weekday()
    ]
    inside = any(
        w_start <= local_start and local_end <= w_end
        for w_start, w_end in (w.bounds_on(day) for w in windows)
    )
    if not inside:
        shown = ", ".join(f"{w.opens:%H:%M}–{w.closes:%H:%M}" for w in windows)
        raise ActivityError(
            "outside_partner_window",
            field="start",
            weekday=WeeklyRange.Weekday(day.weekday()).label,
            windows=shown or _("没有"),
        )

    if is_public_welfare and price_fen > 0:
        raise ActivityError("welfare_not_free", field="price_fen")
    cap = agreement.price_cap
    if not price_within_cap(price_fen=price_fen, market_price_fen=market_price_fen, cap=cap):
        raise ActivityError(
            "price_above_cap",
            field="price_fen",
            price=yuan(price_fen),
            market=yuan(market_price_fen),
            cap=cap_percent(cap),
            max_price=yuan(max_price_fen(cap=cap, market_price_fen=market_price_fen)),
        )


def agreement_suspend(*, agreement: Agreement | int, by, reason: str) -> Agreement:
    """Staff suspend an agreement: the partner can post no new class, and is told why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a suspension needs a reason")
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(
            pk=agreement.pk if isinstance(agreement, Agreement) else agreement
        )
        agreement.status = Agreement.Status.SUSPENDED
        agreement.status_reason = reason[:300]
        agreement.save(update_fields=["status", "status_reason"])
    return agreement


def agreement_reactivate(*, agreement: Agreement | int, by) -> Agreement:
    """Staff lift a suspension (the reason is cleared; the admin's history keeps who did)."""
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(
            pk=agreement.pk if isinstance(agreement, Agreement) else agreement
        )
        agreement.status = Agreement.Status.ACTIVE
        agreement.status_reason = ""
        agreement.save(update_fields=["status", "status_reason"])
    return agreement
