from django.utils.translation import gettext_lazy as _

from lixiong.errors import DomainError

MESSAGES = {
    "not_organiser": _("您不是这个活动的组织方，不能管理它。"),
    "invalid_capacity": _("名额至少为 1。"),
    "capacity_below_confirmed": _("已有 %(taken)s 个名额被占用，名额不能少于这个数。"),
    "invalid_party_size": _("每次报名人数须在 1 到 %(max)s 之间。"),
    "invalid_registration_window": _("报名截止时间必须晚于报名开始时间，且不晚于活动开始。"),
    "invalid_age_range": _("最小年龄不能大于最大年龄。"),
    "invalid_price": _("价格不能为负数。"),
    "title_required": _("请填写活动名称。"),
    "registration_closed": _("这个活动现在不接受报名。"),
    "registration_not_open_yet": _("报名还没开始：%(opens)s 开始报名。"),
    "already_registered": _("您已经报名（或在候补名单中）了。"),
    "activity_full": _("名额已满，这个活动不设候补。"),
    "not_yours": _("这不是您的报名。"),
    "not_active": _("这个报名已取消或已放弃。"),
    "already_started": _("活动已经开始。"),
    "not_offered": _("现在没有给您保留的名额。"),
    "offer_expired": _("保留名额的确认时间已过，名额已让给下一位。"),
    "not_confirmed": _("只有已报名的居民可以签到。"),
    "invalid_attended_count": _("实到人数须在 0 到 %(max)s 之间。"),
    "activity_cancelled": _("这个活动已取消。"),
    "not_cancellable": _("这个活动已取消或已结束。"),
    "not_started": _("活动还没开始，不能结束点名。"),
    "not_editable": _("已取消或已结束的活动不能修改。"),
    "invalid_walk_ins": _("现场参加人数不能为负数。"),
    "invalid_series": _("请选择星期，并让末次日期不早于首次日期（最多 %(max)s 次）。"),
    "no_occurrences": _("所选日期范围内没有符合的日期。"),
    "all_dates_skipped": _("所选的日期都无法安排，系列没有创建。每个日期的原因见下方。"),
    "invalid_time_range": _("结束时间必须晚于开始时间。"),
    "attendance_not_open": _("活动开始前两小时起才能点名签到。"),
    "not_paid_class": _("这是免费活动，不需要记录付款。"),
    # A partner's agreement (《公益服务协议》), checked through programs.rules by the partners
    # app whenever a partner's activity is posted or changed. Stable codes for the API.
    "agreement_inactive": _("贵机构的公益服务协议目前无效，不能发布或修改课程：%(why)s"),
    "outside_agreement_dates": _(
        "%(date)s 不在协议有效期内（%(valid_from)s 至 %(valid_to)s），不能安排课程。"
    ),
    "room_not_assigned": _("这个场地没有分配给贵机构。协议分配的场地：%(rooms)s。"),
    "outside_partner_window": _(
        "课程时间须在协议给贵机构的错峰时段内。这个场地%(weekday)s的时段：%(windows)s。"
    ),
    "price_above_cap": _(
        "价格 ¥%(price)s 超过了协议的限价：不能高于市场价 ¥%(market)s 的 %(cap)s%%，"
        "即最多 ¥%(max_price)s。"
    ),
    "welfare_not_free": _("公益活动须免费：请把价格设为 0，或取消勾选“公益活动”。"),
}

# Refusals that depend on the date: a weekly series skips that date (and says why), like a
# room that is taken, instead of refusing the whole series.
OCCURRENCE_CODES = frozenset({"outside_agreement_dates", "outside_partner_window"})


class ActivityError(DomainError):
    messages = MESSAGES
    conflict_codes = frozenset({"activity_full", "already_registered"})
    forbidden_codes = frozenset({"not_organiser", "not_yours"})
