"""The shared ground: compounds, their rooms, when rooms open, and who holds them when."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Func, Q, Value
from django.db.models.functions import Cast, Mod
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lixiong.timeutil import LOCAL_TZ
from lixiong.validators import validate_single_line


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint where the database has them (PostgreSQL), nothing elsewhere.

    The embedded SQLite mode of `make run` has no EXCLUDE; it relies on its serialised write
    transactions instead (see settings.DATABASES). Returning no SQL also keeps SQLite's table
    rebuilds (any AddField on Booking) from writing the constraint back in.
    """

    @staticmethod
    def _here(schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._here(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._here(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._here(schema_editor) else None

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Compound(models.Model):
    name = models.CharField(
        _("名称"), max_length=100, unique=True, validators=[validate_single_line]
    )
    address = models.CharField(
        _("地址"), max_length=200, blank=True, validators=[validate_single_line]
    )
    brand = models.TextField(
        _("特色品牌"),
        max_length=2000,
        blank=True,
        help_text=_("一小区一特色：这个小区的特色与服务品牌。"),
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("小区")
        verbose_name_plural = _("小区")

    def __str__(self) -> str:
        return self.name


class Space(models.Model):
    class Kind(models.TextChoices):
        READING_ROOM = "reading_room", _("阅览室")
        LIBRARY = "library", _("图书室")
        DANCE_ROOM = "dance_room", _("舞蹈室")
        MEETING_ROOM = "meeting_room", _("会议室")
        CLASSROOM = "classroom", _("教室")
        ACTIVITY_ROOM = "activity_room", _("活动室")
        OTHER = "other", _("其他")

    class AccessMode(models.TextChoices):
        WALK_IN = "walk_in", _("随时到访")
        BOOKABLE = "bookable", _("预约使用")

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="spaces", verbose_name=_("小区")
    )
    name = models.CharField(_("名称"), max_length=100, validators=[validate_single_line])
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    access_mode = models.CharField(
        _("使用方式"), max_length=10, choices=AccessMode.choices, default=AccessMode.BOOKABLE
    )
    capacity = models.PositiveIntegerField(_("容纳人数"))
    area_m2 = models.DecimalField(
        _("面积（平方米）"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    description = models.TextField(_("介绍"), max_length=5000, blank=True)
    equipment = models.TextField(_("设备"), max_length=2000, blank=True, help_text=_("每行一项。"))
    is_active = models.BooleanField(_("启用"), default=True)
    requires_approval = models.BooleanField(_("预约需审批"), default=True)
    slot_minutes = models.PositiveSmallIntegerField(_("时段长度（分钟）"), default=60)
    min_minutes = models.PositiveSmallIntegerField(_("最短预约（分钟）"), default=60)
    max_minutes = models.PositiveSmallIntegerField(_("最长预约（分钟）"), default=180)
    bookable_days_ahead = models.PositiveSmallIntegerField(_("可提前预约天数"), default=14)
    min_notice_minutes = models.PositiveIntegerField(_("最少提前（分钟）"), default=60)

    class Meta:
        ordering = ["compound__position", "compound__name", "name"]
        verbose_name = _("服务阵地")
        verbose_name_plural = _("服务阵地")
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "name"],
                name="space_unique_name",
                violation_error_message=_("这个小区已有同名的服务阵地。"),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gt=0) & Q(slot_minutes__lte=240),
                name="space_slot_minutes_range",
                violation_error_message=_("时段长度须在 1 到 240 分钟之间。"),
            ),
            models.CheckConstraint(
                condition=Q(min_minutes__gte=models.F("slot_minutes"))
                & Q(max_minutes__gte=models.F("min_minutes")),
                name="space_booking_length_order",
                violation_error_message=_("须满足：时段长度 ≤ 最短预约 ≤ 最长预约。"),
            ),
            # Bookings are whole slots, so the length limits must be too.
            models.CheckConstraint(
                condition=Exact(Mod("min_minutes", "slot_minutes"), 0)
                & Exact(Mod("max_minutes", "slot_minutes"), 0),
                name="space_lengths_in_whole_slots",
                violation_error_message=_("最短和最长预约须是时段长度的整数倍。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound.name} · {self.name}"

    @property
    def is_walk_in(self) -> bool:
        return self.access_mode == self.AccessMode.WALK_IN

    @property
    def equipment_list(self) -> list[str]:
        return [line.strip() for line in self.equipment.splitlines() if line.strip()]

    def opening_ranges_on(self, day, hours=None) -> list[tuple[datetime, datetime]]:
        """The day's opening hours as aware ranges, touching or overlapping ones merged, so
        09:00-12:00 and 12:00-18:00 is one stretch a booking may span."""
        hours = self.opening_hours.all() if hours is None else hours
        ranges = sorted(h.bounds_on(day) for h in hours if h.weekday == day.weekday())
        merged: list[list[datetime]] = []
        for start, end in ranges:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return [(start, end) for start, end in merged]

    def is_open_at(self, moment: datetime, hours=None) -> bool:
        """Whether the opening hours cover `moment` (ignores closures)."""
        local = moment.astimezone(LOCAL_TZ)
        hours = self.opening_hours.all() if hours is None else hours
        return any(
            h.weekday == local.weekday() and h.opens <= local.time() < h.closes for h in hours
        )


class WeeklyRange(models.Model):
    """A range of local (Asia/Shanghai) wall-clock time on one weekday, every week."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("星期一")
        TUESDAY = 1, _("星期二")
        WEDNESDAY = 2, _("星期三")
        THURSDAY = 3, _("星期四")
        FRIDAY = 4, _("星期五")
        SATURDAY = 5, _("星期六")
        SUNDAY = 6, _("星期日")

    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    opens = models.TimeField(_("开始"))
    closes = models.TimeField(_("结束"))

    class Meta:
        abstract = True
        ordering = ["weekday", "opens"]

    def bounds_on(self, day) -> tuple[datetime, datetime]:
        """The range on a given local date, as aware datetimes."""
        start = datetime.combine(day, self.opens, tzinfo=LOCAL_TZ)
        end = datetime.combine(day, self.closes, tzinfo=LOCAL_TZ)
        return start, end


class OpeningHours(WeeklyRange):
    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("服务阵地")
    )

    class Meta(WeeklyRange.Meta):
        verbose_name = _("开放时间")
        verbose_name_plural = _("开放时间")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")),
                name="opening_hours_order",
                violation_error_message=_("结束时间必须晚于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class PartnerWindow(WeeklyRange):
    """A weekly range given to partner agencies' classes (错峰使用); residents can't book it."""

    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, related_name="partner_windows", verbose_name=_("服务阵地")
    )
    holder = models.CharField(
        _("使用机构"),
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text=_("例如进驻的培训机构名称。"),
    )

    class Meta(WeeklyRange.Meta):
        verbose_name = _("机构错峰时段")
        verbose_name_plural = _("机构错峰时段")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")),
                name="partner_window_order",
                violation_error_message=_("结束时间必须晚于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Closure(models.Model):
    """A stretch of time the room is not available: maintenance, a community event.

    Staff blocks are closures: one idea for "nobody may book this", shown as closed.
    """

    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, related_name="closures", verbose_name=_("服务阵地")
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    reason = models.CharField(_("原因"), max_length=200, validators=[validate_single_line])

    class Meta:
        ordering = ["start"]
        verbose_name = _("暂停开放")
        verbose_name_plural = _("暂停开放")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="closure_order",
                violation_error_message=_("结束时间必须晚于开始时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space} {self.reason}"


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Booking.ACTIVE_STATUSES)

    def overlapping(self, start: datetime, end: datetime, space=None):
        """Bookings that share time with the half-open range [start, end); with `space` (a
        room or its id), that room's only.

        On PostgreSQL, with `space`, this is the exclusion constraint's own expression:
        space_id = %s::bigint AND tstzrange(start, end) && tstzrange(%s, %s), so after
        `.active()` the planner answers it from the constraint's GiST index in a few index
        pages, where `space_id = %s AND start < %s AND end > %s` walks every earlier booking of
        the room (a year of them at community size). The cast matters: psycopg2 sends an id
        as an integer, and btree_gist has no bigint = integer operator to search with.
        Pass the room here rather than filtering on it first for the same reason.
        Elsewhere (SQLite, the embedded mode) and without a room: plain comparisons."""
        if start >= end:
            return self.none()  # an empty range overlaps nothing (and tstzrange refuses it)
        bookings = self
        if space is None or connections[self.db].vendor != "postgresql":
            if space is not None:
                bookings = bookings.filter(space=space)
            return bookings.filter(start__lt=end, end__gt=start)
        space_id = space.pk if isinstance(space, Space) else space
        return (
            bookings.alias(_span=TsTzRange("start", "end", RangeBoundary()))
            .filter(space_id=Cast(Value(space_id), models.BigIntegerField()))
            .filter(_span__overlap=DateTimeTZRange(start, end, "[)"))
        )

    def upcoming(self):
        return self.filter(end__gt=timezone.now())


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        CANCELLED = "cancelled", _("已取消")

    # A pending request holds its slot as firmly as an approved one.
    ACTIVE_STATUSES = (Status.PENDING, Status.APPROVED)

    space = models.ForeignKey(
        Space,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("服务阵地"),
        db_index=False,  # Meta.indexes: (space, start)
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("预约人"),
        db_index=False,  # Meta.indexes: (booked_by, start)
    )
    purpose = models.CharField(_("用途"), max_length=200, validators=[validate_single_line])
    attendees = models.PositiveIntegerField(_("人数"))
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(
        _("驳回或取消原因"), max_length=300, blank=True, validators=[validate_single_line]
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    language = models.CharField(
        _("通知语言"), max_length=10, default=settings.LANGUAGE_CODE, editable=False
    )
    for_activity = models.BooleanField(
        _("活动占用"), default=False, help_text=_("为组织方的活动占用场地。")
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        # Each index serves an ordering someone reads (the admin appends "-pk" itself). The
        # foreign keys to the room and the booker make none of their own: these lead with
        # them, and the exclusion constraint's GiST index answers the overlap check.
        indexes = [
            # A room's week, the admin's room filter, the API's ?space=.
            models.Index(fields=["space", "start"]),
            # My bookings, the API for residents, the personal limit.
            models.Index(fields=["booked_by", "start"]),
            # The admin booking list and the staff API: all bookings, newest first.
            models.Index(fields=["start"]),
            # The pending queue (oldest first) and the status filter.
            models.Index(fields=["status", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="booking_order",
                violation_error_message=_("结束时间必须晚于开始时间。"),
            ),
            # The last word on double booking: even a code path that forgets the row lock
            # cannot store two active bookings of one room that overlap. PostgreSQL only.
            PostgresExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    ("space", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["pending", "approved"]),
                violation_error_code="slot_taken",
                violation_error_message=_("这个时段已被预约，请选择其他时段。"),
            ),
        ]

    def __str__(self) -> str:
        local = self.start.astimezone(LOCAL_TZ)
        return f"{self.space} {local:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def can_be_cancelled_by_owner(self, now: datetime | None = None) -> bool:
        return self.is_active and self.start > (now or timezone.now())


class Visit(models.Model):
    """A walk-in visit to a reading room or library, counted for the usage report."""

    space = models.ForeignKey(
        Space, on_delete=models.PROTECT, related_name="visits", verbose_name=_("服务阵地")
    )
    visited_at = models.DateTimeField(_("到访时间"), default=timezone.now)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("到访居民"),
    )
    head_count = models.PositiveSmallIntegerField(_("人数"), default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        ordering = ["-visited_at"]
        verbose_name = _("到访记录")
        verbose_name_plural = _("到访记录")
        indexes = [models.Index(fields=["space", "visited_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(head_count__gte=1),
                name="visit_head_count",
                violation_error_message=_("人数至少为 1。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space} {self.visited_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"


class PendingBooking(Booking):
    """The staff's queue: requests waiting for a decision, as their own admin page."""

    class Meta:
        proxy = True
        verbose_name = _("待审批预约")
        verbose_name_plural = _("待审批预约")
