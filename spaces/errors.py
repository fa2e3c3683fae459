"""The one domain error of the spaces app. Each refusal has a stable code (for the API and
for tests) and a translated message (for people)."""

from django.utils.translation import gettext_lazy as _

from lixiong.errors import DomainError

MESSAGES = {
    "space_not_bookable": _("这个服务阵地不接受预约（随时到访或已停用）。"),
    "invalid_range": _("结束时间必须晚于开始时间。"),
    "in_past": _("开始时间已经过去。"),
    "too_soon": _("请至少提前 %(minutes)s 分钟预约。"),
    "too_far_ahead": _("最多只能提前 %(days)s 天预约。"),
    "not_aligned": _("预约须按 %(minutes)s 分钟的时段开始和结束。"),
    "too_short": _("预约至少 %(minutes)s 分钟。"),
    "too_long": _("预约最多 %(minutes)s 分钟。"),
    "outside_hours": _("所选时间不在开放时间内。"),
    "closed": _("所选时间暂停开放：%(reason)s"),
    "partner_window": _("所选时间是机构错峰使用时段，居民不能预约。"),
    "invalid_attendees": _("人数至少为 1。"),
    "over_capacity": _("人数超过容纳上限（%(capacity)s 人）。"),
    "booking_limit": _("您已有 %(limit)s 个未结束的预约，请先使用或取消后再预约。"),
    "slot_taken": _("这个时段已被预约，请选择其他时段。"),
    "not_pending": _("只有待审批的预约可以审批或驳回。"),
    "not_active": _("这个预约已结束、被驳回或已取消。"),
    "already_started": _("预约已开始，不能再取消。"),
    "reason_required": _("请填写原因。"),
    "not_yours": _("您无权操作这个预约。"),
    "purpose_required": _("请填写用途。"),
    "expired": _("预约时间已过，不能再审批。"),
    "held_for_activity": _("这个时段由活动占用，请到组织方页面取消活动。"),
    "not_a_hold": _("这不是活动占用的场地预约。"),
    "not_walk_in": _("这个服务阵地需要预约，不登记随时到访。"),
    "space_closed_now": _("现在不在开放时间内。"),
    "invalid_head_count": _("人数须在 1 到 %(max)s 之间。"),
}


class BookingError(DomainError):
    messages = MESSAGES
    conflict_codes = frozenset({"slot_taken"})
    forbidden_codes = frozenset({"not_yours"})
