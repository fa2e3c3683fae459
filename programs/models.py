"""The government-led force: departments run free programs, and every organiser (a department
now; partners and associations later, through `Organiser`) runs activities residents sign up
for, instead of a WeChat chain (接龙)."""

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lixiong.timeutil import LOCAL_TZ
from lixiong.validators import contact_number, validate_contact_number, validate_single_line
from spaces.models import Booking, Compound, Space


class ServiceCategory(models.Model):
    """A kind of service (vocational training, elderly care, ...). Data, not code: a new
    service needs no release."""

    name = models.CharField(
        _("名称"), max_length=50, unique=True, validators=[validate_single_line]
    )
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("服务类别")
        verbose_name_plural = _("服务类别")

    def __str__(self) -> str:
        return self.name


class Organiser(models.Model):
    """Whoever runs activities. Departments link here now; partner agencies and residents'
    associations will link here too, so this app never imports theirs."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("政府部门")
        PARTNER = "partner", _("进驻机构")
        ASSOCIATION = "association", _("居民组织")

    name = models.CharField(
        _("名称"), max_length=100, unique=True, validators=[validate_single_line]
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="organisers",
        verbose_name=_("可管理活动的账号"),
        help_text=_("这些账号可以创建和管理该组织方的活动、点名。"),
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("组织方")
        verbose_name_plural = _("组织方")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    class Kind(models.TextChoices):
        TRADE_UNION = "trade_union", _("工会")
        WOMENS_FEDERATION = "womens_federation", _("妇联")
        YOUTH_LEAGUE = "youth_league", _("团委")
        SOCIAL_WORK = "social_work", _("社工项目")
        OTHER = "other", _("其他")

    organiser = models.OneToOneField(
        Organiser, on_delete=models.PROTECT, related_name="department", verbose_name=_("组织方")
    )
    kind = models.CharField(_("部门类型"), max_length=20, choices=Kind.choices)
    brand = models.CharField(
        _("服务品牌"),
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text=_("例如“职工家”“暖心驿站”。"),
    )
    contact_name = models.CharField(
        _("联系人"), max_length=50, blank=True, validators=[validate_single_line]
    )
    # A department answers at its office as often as on a mobile, so a landline with its area
    # code (0757-...) is as good as a mobile number here; residents give a mobile number.
    contact_phone = models.CharField(
        _("联系电话"), max_length=30, blank=True, validators=[validate_contact_number]
    )

    class Meta:
        ordering = ["organiser__name"]
        verbose_name = _("政府部门")
        verbose_name_plural = _("政府部门")

    def __str__(self) -> str:
        return self.organiser.name

    def clean(self):
        # One spelling however it was typed ("+86 138-0013-8000", "0757 8612 3456").
        if self.contact_phone:
            self.contact_phone = contact_number(self.contact_phone) or self.contact_phone


class Program(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("筹备中")
        ACTIVE = "active", _("进行中")
        FINISHED = "finished", _("已结束")

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="programs", verbose_name=_("部门")
    )
    title = models.CharField(_("名称"), max_length=100, validators=[validate_single_line])
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="programs", verbose_name=_("类别")
    )
    description = models.TextField(_("介绍"), max_length=5000, blank=True)
    audience = models.CharField(
        _("服务对象"), max_length=100, blank=True, validators=[validate_single_line]
    )
    funded_by = models.CharField(
        _("资金来源"), max_length=100, blank=True, validators=[validate_single_line]
    )
    starts_on = models.DateField(_("开始日期"), null=True, blank=True)
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    compounds = models.ManyToManyField(
        Compound, blank=True, related_name="programs", verbose_name=_("服务小区")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        ordering = ["department__organiser__name", "title"]
        verbose_name = _("公益项目")
        verbose_name_plural = _("公益项目")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "title"],
                name="program_unique_title",
                violation_error_message=_("这个部门已有同名的项目。"),
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(starts_on__lte=models.F("ends_on")),
                name="program_period_order",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


def new_share_code() -> str:
    return secrets.token_urlsafe(6)


def new_checkin_token() -> str:
    return secrets.token_urlsafe(16)


class Series(models.Model):
    """A weekly series: the same activity on chosen weekdays between two dates."""

    organiser = models.ForeignKey(
        Organiser, on_delete=models.PROTECT, related_name="series", verbose_name=_("组织方")
    )
    title = models.CharField(_("名称"), max_length=100, validators=[validate_single_line])
    weekdays = models.JSONField(_("星期"), default=list)
    first_date = models.DateField(_("首次日期"))
    last_date = models.DateField(_("末次日期"))
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("结束时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The dates series_create could not hold, each {"date", "code", "params"} of the
    # refusal, so the series' page can say why in its reader's language, long after the form.
    skipped = models.JSONField(_("跳过的日期"), default=list, blank=True, editable=False)

    class Meta:
        ordering = ["-first_date"]
        verbose_name = _("系列活动")
        verbose_name_plural = _("系列活动")

    def __str__(self) -> str:
        return self.title


class ActivityQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Activity.Status.PUBLISHED)

    def public(self):
        return self.filter(status__in=[Activity.Status.PUBLISHED, Activity.Status.FINISHED])


class Activity(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CANCELLED = "cancelled", _("已取消")
        FINISHED = "finished", _("已结束")

    class WaitlistPolicy(models.TextChoices):
        NONE = "none", _("不设候补")
        PROMOTE = "promote", _("有空位立即递补")
        OFFER = "offer", _("有空位时通知候补者限时确认")

    organiser = models.ForeignKey(
        Organiser, on_delete=models.PROTECT, related_name="activities", verbose_name=_("组织方")
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("所属项目"),
    )
    series = models.ForeignKey(
        Series,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("系列"),
    )
    title = models.CharField(_("名称"), max_length=100, validators=[validate_single_line])
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("类别"),
    )
    description = models.TextField(_("介绍"), max_length=5000, blank=True)
    space = models.ForeignKey(
        Space, on_delete=models.PROTECT, related_name="activities", verbose_name=_("场地")
    )
    booking = models.OneToOneField(
        Booking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activity",
        verbose_name=_("场地预约"),
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    capacity = models.PositiveIntegerField(_("名额"))
    price_fen = models.PositiveIntegerField(_("价格（分）"), default=0)
    market_price_fen = models.PositiveIntegerField(_("市场价（分）"), default=0)
    is_public_welfare = models.BooleanField(_("公益活动"), default=True)
    min_age = models.PositiveSmallIntegerField(_("最小年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最大年龄"), null=True, blank=True)
    audience = models.CharField(
        _("适合人群"), max_length=100, blank=True, validators=[validate_single_line]
    )
    registration_opens = models.DateTimeField(_("报名开始"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("报名截止"), null=True, blank=True)
    max_party_size = models.PositiveSmallIntegerField(
        _("每次报名最多人数"), default=1, help_text=_("例如家长带孩子一起报名算一组。")
    )
    waitlist_policy = models.CharField(
        _("候补方式"),
        max_length=10,
        choices=WaitlistPolicy.choices,
        default=WaitlistPolicy.PROMOTE,
    )
    offer_hours = models.PositiveSmallIntegerField(_("候补确认时限（小时）"), default=12)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    share_code = models.CharField(
        _("短链接代码"), max_length=16, unique=True, default=new_share_code, editable=False
    )
    walk_in_attendees = models.PositiveIntegerField(_("现场参加人数（无账号）"), default=0)
    final_count = models.PositiveIntegerField(_("最终参加人数"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("取消原因"), max_length=300, blank=True, validators=[validate_single_line]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        indexes = [models.Index(fields=["status", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="activity_order",
                violation_error_message=_("结束时间必须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="activity_capacity",
                violation_error_message=_("名额至少为 1。"),
            ),
            models.CheckConstraint(
                condition=Q(max_party_size__gte=1),
                name="activity_party_size",
                violation_error_message=_("每次报名最多人数至少为 1。"),
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="activity_age_order",
                violation_error_message=_("最小年龄不能大于最大年龄。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.start.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"

    @property
    def is_free(self) -> bool:
        return self.price_fen == 0

    @property
    def has_waitlist(self) -> bool:
        return self.waitlist_policy != self.WaitlistPolicy.NONE

    def registration_is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and now < self.start
            and (self.registration_opens is None or self.registration_opens <= now)
            and (self.registration_closes is None or now < self.registration_closes)
        )


class RegistrationQuerySet(models.QuerySet):
    def holding_seats(self, now: datetime | None = None):
        return self.filter(Registration.holding_seats_q(now))

    def active(self):
        return self.filter(status__in=Registration.ACTIVE_STATUSES)


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("已报名")
        WAITLISTED = "waitlisted", _("候补中")
        OFFERED = "offered", _("候补待确认")
        DECLINED = "declined", _("已放弃")
        CANCELLED = "cancelled", _("已取消")

    ACTIVE_STATUSES = (Status.CONFIRMED, Status.WAITLISTED, Status.OFFERED)

    activity = models.ForeignKey(
        Activity,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("活动"),
        db_index=False,  # the unique (activity, position) index leads with it
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("居民"),
    )
    party_size = models.PositiveSmallIntegerField(_("人数"), default=1)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    # Order of joining; the waitlist is served in this order.
    position = models.PositiveIntegerField(_("排序号"))
    offer_expires_at = models.DateTimeField(_("候补确认截止"), null=True, blank=True)
    attended_count = models.PositiveSmallIntegerField(_("实到人数"), null=True, blank=True)
    # For a paid class: when the organiser (a partner) recorded that the resident paid. The
    # portal takes no money; residents pay the partner directly.
    paid_at = models.DateTimeField(_("付款记录时间"), null=True, blank=True)
    checkin_token = models.CharField(
        max_length=32, unique=True, default=new_checkin_token, editable=False
    )
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE, editable=False)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["activity", "position"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        # The admin's registration list, newest first (40,000 rows sorted on each view
        # without it).
        indexes = [models.Index(fields=["created_at"])]
        constraints = [
            # One live registration per resident per activity; after cancelling they may
            # sign up again (a new row, at the back of the queue).
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=Q(status__in=["confirmed", "waitlisted", "offered"]),
                name="registration_one_per_resident",
                violation_error_message=_("这位居民已经报名了这个活动。"),
            ),
            models.UniqueConstraint(
                fields=["activity", "position"],
                name="registration_unique_position",
                violation_error_message=_("同一活动的报名排序号不能重复。"),
            ),
            models.CheckConstraint(
                condition=Q(party_size__gte=1),
                name="registration_party",
                violation_error_message=_("报名人数至少为 1。"),
            ),
            models.CheckConstraint(
                condition=Q(attended_count__isnull=True)
                | Q(attended_count__lte=models.F("party_size")),
                name="registration_attended_within_party",
                violation_error_message=_("实到人数不能超过报名人数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.resident} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @classmethod
    def holding_seats_q(cls, now: datetime | None = None, prefix: str = "") -> Q:
        """The one rule for who holds a seat: confirmed registrations and offers not yet
        expired. `prefix` reaches registrations from another model ("registrations__")."""
        now = now or timezone.now()
        return Q(**{f"{prefix}status": cls.Status.CONFIRMED}) | Q(
            **{f"{prefix}status": cls.Status.OFFERED, f"{prefix}offer_expires_at__gt": now}
        )
