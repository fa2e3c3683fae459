"""The market force (市场赋能): partner enterprises admitted after a three-part screening
(三维筛选), bound by a public-service agreement (《公益服务协议》), their monthly revenue reports,
the community fund they pay into, and each month's compliance.

A partner is one more organiser of activities: its classes are programs' activities, under its
`programs.Organiser`. Money is integer fen throughout (never float); ratios are Decimals."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lixiong.storage import private_files
from lixiong.validators import validate_single_line
from programs.models import Organiser
from spaces.models import Compound, PartnerWindow, Space

from .credit_code import validate_credit_code


class Application(models.Model):
    """An enterprise's application to be admitted, as it filled in the public form, and staff's
    screening of it on the three dimensions."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="partner_applications",
        verbose_name=_("申请账号"),
    )
    company_name = models.CharField(
        _("企业名称"), max_length=100, validators=[validate_single_line]
    )
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, validators=[validate_credit_code]
    )
    legal_representative = models.CharField(
        _("法定代表人"), max_length=50, validators=[validate_single_line]
    )
    contact_name = models.CharField(_("联系人"), max_length=50, validators=[validate_single_line])
    contact_phone = models.CharField(
        _("联系电话"), max_length=20, validators=[validate_single_line]
    )
    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("希望进驻的小区"),
    )
    business_scope = models.TextField(_("经营范围"), max_length=2000)
    licence = models.FileField(
        _("营业执照"),
        upload_to="partners/licences/%Y/%m/",
        storage=private_files,
        max_length=200,
    )
    social_responsibility = models.TextField(_("社会责任记录"), max_length=4000)
    welfare_commitment = models.TextField(
        _("公益承诺"), max_length=4000, help_text=_("每月开展哪些免费公益活动。")
    )
    welfare_per_month = models.PositiveSmallIntegerField(
        _("每月公益活动场数"), validators=[MaxValueValidator(100)]
    )
    proposed_classes = models.TextField(
        _("拟开设课程及市场价"), max_length=4000, help_text=_("每行一门课程及其市场价。")
    )
    wanted_rooms = models.TextField(_("希望使用的场地和时段"), max_length=2000, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )

    # 三维筛选: each dimension passed (True), failed (False) or not yet judged (None).
    qualification_passed = models.BooleanField(_("企业资质"), null=True, blank=True)
    qualification_notes = models.TextField(_("企业资质说明"), max_length=2000, blank=True)
    responsibility_passed = models.BooleanField(_("社会责任"), null=True, blank=True)
    responsibility_notes = models.TextField(_("社会责任说明"), max_length=2000, blank=True)
    commitment_passed = models.BooleanField(_("公益承诺"), null=True, blank=True)
    commitment_notes = models.TextField(_("公益承诺说明"), max_length=2000, blank=True)

    decision_reason = models.TextField(
        _("审核意见"), max_length=2000, blank=True, help_text=_("申请人会看到这段话。")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    partner = models.OneToOneField(
        "Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("进驻机构"),
    )
    language = models.CharField(_("通知语言"), max_length=10, default=settings.LANGUAGE_CODE)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("进驻申请")
        verbose_name_plural = _("进驻申请")
        constraints = [
            # One open application per enterprise at a time.
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=Q(status="submitted"),
                name="application_one_open_per_credit_code",
                violation_error_message=_("这家企业已有一份待审核的申请。"),
            ),
        ]

    def __str__(self) -> str:
        return self.company_name


class Partner(models.Model):
    """An admitted enterprise: an organiser of activities, with its agreement."""

    organiser = models.OneToOneField(
        Organiser, on_delete=models.PROTECT, related_name="partner", verbose_name=_("组织方")
    )
    name = models.CharField(_("名称"), max_length=100, validators=[validate_single_line])
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    legal_representative = models.CharField(
        _("法定代表人"), max_length=50, validators=[validate_single_line]
    )
    contact_name = models.CharField(_("联系人"), max_length=50, validators=[validate_single_line])
    contact_phone = models.CharField(
        _("联系电话"), max_length=20, validators=[validate_single_line]
    )
    compound = models.ForeignKey(
        Compound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("所在小区"),
    )
    introduction = models.TextField(_("介绍"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("进驻时间"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("进驻机构")
        verbose_name_plural = _("进驻机构")

    def __str__(self) -> str:
        return self.name


# The community's default terms of the agreement (DOMAIN.md).
DEFAULT_PRICE_CAP = Decimal("0.50")  # price at most 50% of the market price
DEFAULT_FUND_SHARE = Decimal("0.05")  # 5% of revenue to the community fund
DEFAULT_WELFARE_MINIMUM = 2  # public-welfare activities a month


class Agreement(models.Model):
    """The public-service agreement (《公益服务协议》) and its three hard terms, as data."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("有效")
        SUSPENDED = "suspended", _("已暂停")
        EXPIRED = "expired", _("已到期")

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("进驻机构")
    )
    signed_on = models.DateField(_("签订日期"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("到期日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    status_reason = models.CharField(
        _("暂停原因"), max_length=300, blank=True, validators=[validate_single_line]
    )
    price_cap = models.DecimalField(
        _("价格上限（占市场价的比例）"),
        max_digits=4,
        decimal_places=3,
        default=DEFAULT_PRICE_CAP,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    fund_share = models.DecimalField(
        _("社区基金比例（占营收）"),
        max_digits=4,
        decimal_places=3,
        default=DEFAULT_FUND_SHARE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    welfare_minimum = models.PositiveSmallIntegerField(
        _("每月最少公益活动场数"), default=DEFAULT_WELFARE_MINIMUM
    )
    rooms = models.ManyToManyField(
        Space, blank=True, related_name="partner_agreements", verbose_name=_("分配的场地")
    )
    windows = models.ManyToManyField(
        PartnerWindow,
        blank=True,
        related_name="agreements",
        verbose_name=_("错峰时段"),
        help_text=_("机构课程只能安排在这些每周时段内。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("公益服务协议")
        verbose_name_plural = _("公益服务协议")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__lte=models.F("valid_to")),
                name="agreement_dates_order",
                violation_error_message=_("到期日期不能早于生效日期。"),
            ),
            models.CheckConstraint(
                condition=Q(price_cap__gte=0, price_cap__lte=1, fund_share__gte=0)
                & Q(fund_share__lte=1),
                name="agreement_ratios_range",
                violation_error_message=_("比例须在 0 到 1 之间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.valid_from:%Y-%m-%d}–{self.valid_to:%Y-%m-%d}"


class Investment(models.Model):
    """What a partner put into a room (绿地香颂公馆's partner: 500,000 yuan, 821 m²)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="investments", verbose_name=_("进驻机构")
    )
    space = models.ForeignKey(
        Space,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_investments",
        verbose_name=_("场地"),
    )
    amount_fen = models.PositiveBigIntegerField(_("投入金额（分）"))
    area_m2 = models.DecimalField(
        _("改造面积（平方米）"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    description = models.CharField(
        _("说明"), max_length=300, blank=True, validators=[validate_single_line]
    )
    made_on = models.DateField(_("投入日期"))

    class Meta:
        ordering = ["-made_on"]
        verbose_name = _("机构投入")
        verbose_name_plural = _("机构投入")

    def __str__(self) -> str:
        return f"{self.partner} {self.amount_fen / 100:.2f}"


class RevenueReport(models.Model):
    """A partner's declared gross revenue for one month (the 1st of the month stands for it)."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="revenue_reports",
        verbose_name=_("进驻机构"),
    )
    month = models.DateField(_("月份"), help_text=_("该月 1 日。"))
    revenue_fen = models.PositiveBigIntegerField(_("申报营收（分）"))
    implied_revenue_fen = models.PositiveBigIntegerField(_("已付款报名对应营收（分）"), default=0)
    contribution_fen = models.PositiveBigIntegerField(_("应缴社区基金（分）"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("月度营收报告")
        verbose_name_plural = _("月度营收报告")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "month"],
                name="revenue_report_one_per_month",
                violation_error_message=_("这个月的营收报告已经提交过了。"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="revenue_report_month_first_day",
                violation_error_message=_("月份须为该月 1 日。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.month:%Y-%m}"

    @property
    def under_declared(self) -> bool:
        return self.revenue_fen < self.implied_revenue_fen


class FundEntry(models.Model):
    """One line of the community fund's ledger (社区基金). Never edited or deleted: a mistake is
    undone by a new entry that reverses it.

    `amount_fen` is signed as the balance sees it: a contribution received adds, spending
    subtracts. A contribution due does not move the balance; it is what a partner owes."""

    class Kind(models.TextChoices):
        DUE = "due", _("应缴")
        RECEIVED = "received", _("收到")
        SPENDING = "spending", _("支出")
        REVERSAL = "reversal", _("冲销")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entries",
        verbose_name=_("进驻机构"),
    )
    # A due's report: its first due and, after each staff correction, the due that replaced
    # the reversed one. Every due of a report points here, so a correction finds them all.
    report = models.ForeignKey(
        RevenueReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="due_entries",
        verbose_name=_("营收报告"),
    )
    amount_fen = models.BigIntegerField(_("金额（分）"))
    purpose = models.CharField(
        _("用途或说明"), max_length=300, blank=True, validators=[validate_single_line]
    )
    approved_by = models.CharField(
        _("批准人"), max_length=100, blank=True, validators=[validate_single_line]
    )
    entry_date = models.DateField(_("日期"))
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲销的记录"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["-entry_date", "-pk"]
        verbose_name = _("社区基金记录")
        verbose_name_plural = _("社区基金")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount_fen=0),
                name="fund_entry_not_zero",
                violation_error_message=_("金额不能为 0。"),
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="fund_entry_reversal_points_back",
                violation_error_message=_("冲销记录须指明冲销哪一条。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_fen / 100:.2f}"


class ComplianceResult(models.Model):
    """One agreement's compliance for one month, stored once by the monthly job."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="compliance", verbose_name=_("协议")
    )
    month = models.DateField(_("月份"))
    welfare_held = models.PositiveSmallIntegerField(_("已开展公益活动"))
    welfare_required = models.PositiveSmallIntegerField(_("应开展公益活动"))
    report_submitted = models.BooleanField(_("已提交营收报告"))
    contribution_paid = models.BooleanField(_("已缴社区基金"))
    classes_above_cap = models.PositiveIntegerField(_("超过限价的课程"), default=0)
    checked_at = models.DateTimeField(_("核查时间"), auto_now_add=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("月度履约情况")
        verbose_name_plural = _("月度履约情况")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "month"], name="compliance_one_per_agreement_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.partner} {self.month:%Y-%m}"

    @property
    def welfare_met(self) -> bool:
        return self.welfare_held >= self.welfare_required

    @property
    def is_compliant(self) -> bool:
        return (
            self.welfare_met
            and self.report_submitted
            and self.contribution_paid
            and not self.classes_above_cap
        )
