"""Funding (合理共担) and long-term management subsidies (以奖代补).

Territory. A funding source belongs to a district and, optionally, to one street of it (money
allocated to a street). Its `territory_lookups` name both levels: street staff see and manage the
sources of their street, community staff read them (through their street), district officials
read every source of their district; a district-wide source (no street) is read by the district's
officials and managed by superusers only. A commitment and a disbursement follow their project
(through its neighbourhoods); public income, subsidy plans and installments follow their
neighbourhood.

Commitments and disbursements are add-only: a wrong one is reversed whole (CommitmentReversal,
DisbursementReversal: a row pointing at the original, with the reason and who reversed it) and
the right amount entered as a new row. Every total counts only the rows not reversed (`live()`).

Money is Decimal(14,2) yuan; every invariant that sums rows (committed ≤ held, disbursed ≤
committed, payer shares = 100 %) is checked by the services inside the writing transaction under a
row lock; the constraints here hold what a single row can hold (amounts > 0, dates in order).
"""

from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import DateChecks, UpTo
from governance.choices import Level
from governance.fields import check, staff_user
from governance.models import Assessment, District, ManagementArrangement, Neighbourhood, Street
from governance.money import money_field, yuan
from governance.scoping import territory_via
from projects.models import Project

from .choices import DEFAULT_SCORE_BANDS, IncomeKind, InstallmentStatus, PlanStatus, SourceKind
from .querysets import MoneyRowQuerySet
from .schedule import assessment_window



def _document_path(instance, filename):
    return f"funding/documents/{filename}"


class FundingSource(models.Model):
    """Money available to renovation: a budget line, a bond, a company's or residents' share."""

    name = models.CharField(_("资金名称"), max_length=120)
    kind = models.CharField(_("资金类别"), max_length=30, choices=SourceKind.choices)
    provider = models.CharField(_("出资单位"), max_length=120)
    amount_held = money_field(_("资金总额(元)"), validators=[UpTo("amount", _("资金总额"))])
    district = models.ForeignKey(
        District, models.PROTECT, related_name="funding_sources", verbose_name=_("区")
    )
    street = models.ForeignKey(
        Street,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_sources",
        verbose_name=_("街道"),
        help_text=_("资金下达到街道时填写；空白表示区级统筹资金（由系统管理员维护）。"),
    )
    document_number = models.CharField(_("文件文号"), max_length=100, blank=True)
    document = models.FileField(
        _("文件"),
        upload_to=_document_path,
        blank=True,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"])],
    )
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = {Level.DISTRICT: "district_id", Level.STREET: "street_id"}

    class Meta:
        verbose_name = _("资金来源")
        verbose_name_plural = _("资金来源")
        ordering = ["district_id", "kind", "name"]
        constraints = [
            check(Q(amount_held__gt=0), "source_amount_positive", _("资金总额须大于0。")),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class Commitment(DateChecks, models.Model):
    """Money a source promises to a project (资金承诺)."""

    source = models.ForeignKey(
        FundingSource, models.PROTECT, related_name="commitments", verbose_name=_("资金来源")
    )
    project = models.ForeignKey(Project, models.PROTECT, related_name="commitments", verbose_name=_("项目"))
    amount = money_field(_("承诺金额(元)"), validators=[UpTo("amount", _("承诺金额"))])
    committed_on = models.DateField(_("承诺日期"))
    document_number = models.CharField(_("文件文号"), max_length=100, blank=True)
    conditions = models.TextField(_("附加条件"), blank=True)
    created_by = staff_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = MoneyRowQuerySet.as_manager()

    territory_lookups = territory_via("project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("资金承诺")
        verbose_name_plural = _("资金承诺")
        ordering = ["project_id", "committed_on", "id"]
        constraints = [
            check(Q(amount__gt=0), "commitment_amount_positive", _("承诺金额须大于0。")),
        ]

    date_window = ["committed_on"]

    def __str__(self):
        return f"{self.source.name} → {self.project.code}：{yuan(self.amount)}"


class Disbursement(DateChecks, models.Model):
    """Money paid out against a commitment (拨付)."""

    commitment = models.ForeignKey(
        Commitment, models.PROTECT, related_name="disbursements", verbose_name=_("资金承诺")
    )
    amount = money_field(_("拨付金额(元)"), validators=[UpTo("amount", _("拨付金额"))])
    paid_on = models.DateField(_("拨付日期"))
    payee = models.CharField(_("收款单位"), max_length=120)
    voucher_number = models.CharField(_("凭证号"), max_length=60)
    created_by = staff_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = MoneyRowQuerySet.as_manager()

    territory_lookups = territory_via("commitment__project__neighbourhoods")
    territory_distinct = True

    class Meta:
        verbose_name = _("资金拨付")
        verbose_name_plural = _("资金拨付")
        ordering = ["commitment_id", "paid_on", "id"]
        constraints = [
            check(Q(amount__gt=0), "disbursement_amount_positive", _("拨付金额须大于0。")),
        ]

    date_window = ["paid_on"]

    def __str__(self):
        return f"{self.voucher_number}：{yuan(self.amount)}"


class Reversal(models.Model):
    """What every reversal (冲销) records: why, who, when. A reversal is of a whole row: the row
    stays, counted as nothing from then on."""

    reason = models.TextField(_("冲销原因"))
    created_by = staff_user(_("冲销人"))
    created_at = models.DateTimeField(_("冲销时间"), auto_now_add=True)

    territory_distinct = True

    class Meta:
        abstract = True


class CommitmentReversal(Reversal):
    """The reversal (冲销) of a whole commitment: the commitment stays, counted as nothing from then
    on, and a corrected amount is committed as a new row. At most one per commitment (one-to-one).
    Refused while a disbursement against it is still unreversed (funding.services)."""

    commitment = models.OneToOneField(
        Commitment, models.PROTECT, related_name="reversal", verbose_name=_("被冲销的资金承诺")
    )

    territory_lookups = territory_via("commitment__project__neighbourhoods")

    class Meta:
        verbose_name = _("资金承诺冲销")
        verbose_name_plural = _("资金承诺冲销")
        ordering = ["commitment_id"]
        constraints = [
            check(~Q(reason=""), "commitment_reversal_has_reason", _("请填写冲销原因。")),
        ]

    def __str__(self):
        return f"{self.commitment_id}：{self.reason[:30]}"


class DisbursementReversal(Reversal):
    """The reversal (冲销) of a whole disbursement: it stays, counted as nothing from then on, and a
    corrected payment is recorded as a new row. At most one per disbursement (one-to-one)."""

    disbursement = models.OneToOneField(
        Disbursement, models.PROTECT, related_name="reversal", verbose_name=_("被冲销的资金拨付")
    )

    territory_lookups = territory_via("disbursement__commitment__project__neighbourhoods")

    class Meta:
        verbose_name = _("资金拨付冲销")
        verbose_name_plural = _("资金拨付冲销")
        ordering = ["disbursement_id"]
        constraints = [
            check(~Q(reason=""), "disbursement_reversal_has_reason", _("请填写冲销原因。")),
        ]

    def __str__(self):
        return f"{self.disbursement_id}：{self.reason[:30]}"


class PublicIncome(DateChecks, models.Model):
    """Income of a neighbourhood from its common parts (小区公共收益), published to residents."""

    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="public_incomes", verbose_name=_("小区")
    )
    kind = models.CharField(_("收益类别"), max_length=20, choices=IncomeKind.choices)
    amount = money_field(_("金额(元)"), validators=[UpTo("amount", _("收益金额"))])
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    use = models.CharField(_("用途"), max_length=200, help_text=_("例如：补充维修资金、小区公共设施维护。"))
    recorded_by = staff_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("小区公共收益")
        verbose_name_plural = _("小区公共收益")
        ordering = ["neighbourhood_id", "-period_start", "id"]
        constraints = [
            check(Q(amount__gt=0), "income_amount_positive", _("收益金额须大于0。")),
            check(Q(period_end__gte=models.F("period_start")), "income_period_order", _("期间结束不能早于期间开始。")),
        ]

    date_window = ["period_start", "period_end"]
    date_order = [("period_start", "period_end", False)]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start}–{self.period_end}"


class SubsidyPlan(DateChecks, models.Model):
    """A transitional management subsidy (以奖代补): a per-m² rate per plan year, tapering, paid
    after each year's assessment and scaled by its score band. See funding.schedule for the dates
    and amounts, funding.services for the rules checked when a plan is created.

    `rates`: one rate per plan year, 元/m²/year, as decimal strings (["1.20", "0.80", "0.40"]).
    `score_bands`: [{"min_score": "80", "ratio": "1.00"}, …]; a score below every band pays 0.
    `ends_on`: the first day after the last plan year (when the plan exits)."""

    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="subsidy_plans", verbose_name=_("小区")
    )
    arrangement = models.ForeignKey(
        ManagementArrangement, models.PROTECT, related_name="subsidy_plans", verbose_name=_("长效管理安排")
    )
    name = models.CharField(_("补贴名称"), max_length=120, blank=True)
    area = models.DecimalField(
        _("补贴面积(平方米)"), max_digits=12, decimal_places=2, validators=[UpTo("area", _("补贴面积"))]
    )
    start_on = models.DateField(_("开始日期"))
    rates = models.JSONField(_("各年度补贴标准(元/平方米·年)"))
    score_bands = models.JSONField(_("考核得分档次"), default=list)
    ends_on = models.DateField(_("到期日"), editable=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.ACTIVE, db_index=True
    )
    exited_on = models.DateField(_("退出日期"), null=True, blank=True, editable=False)
    created_by = staff_user(_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("物业补贴计划")
        verbose_name_plural = _("物业补贴计划")
        ordering = ["neighbourhood_id", "start_on", "id"]
        constraints = [
            check(Q(area__gt=0), "plan_area_positive", _("补贴面积须大于0。")),
            check(Q(ends_on__gt=models.F("start_on")), "plan_ends_after_start", _("补贴计划至少一年。")),
        ]

    date_window = ["start_on"]

    def __str__(self):
        return self.name or f"{self.neighbourhood} {self.start_on:%Y}"

    @property
    def years(self):
        return len(self.rates or [])

    def bands(self):
        return self.score_bands or DEFAULT_SCORE_BANDS


class SubsidyPayer(models.Model):
    """A payer of a plan and its share in percent; order 1 takes the rounding remainder."""

    plan = models.ForeignKey(SubsidyPlan, models.CASCADE, related_name="payers", verbose_name=_("补贴计划"))
    order = models.PositiveSmallIntegerField(_("顺序"))
    source = models.ForeignKey(
        FundingSource,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_payers",
        verbose_name=_("资金来源"),
    )
    payer_name = models.CharField(_("出资单位"), max_length=120)
    share = models.DecimalField(_("分担比例(%)"), max_digits=5, decimal_places=2)

    territory_lookups = territory_via("plan__neighbourhood")

    class Meta:
        verbose_name = _("补贴出资方")
        verbose_name_plural = _("补贴出资方")
        ordering = ["plan_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="payer_unique_order"),
            check(Q(share__gt=0) & Q(share__lte=100), "payer_share_range", _("分担比例须大于0且不超过100%。")),
        ]

    def __str__(self):
        return f"{self.payer_name} {self.share}%"


class SubsidyInstallment(models.Model):
    """One plan year's installment. Created `scheduled` with the plan; the daily run makes it `due`
    on `due_on`, decides it from its deciding assessment (released with its amount, or withheld)
    and pays released ones (one SubsidyPayment per payer).

    The deciding assessment (funding.schedule.assessment_decides): the latest recorded assessment
    of the plan's neighbourhood, under any of its arrangements (a new provider's assessments go on
    deciding the plan's years), whose period ends within the plan year [period_start, period_end).
    `assessment` is set to it when the installment is decided; a withheld installment is looked at
    again only when a newer deciding assessment is recorded. Once released, an installment is
    decided for good. `assessment_year` is the annual assessment expected to decide it (the
    calendar year of the plan year's first day, whose 31 December lies within the plan year): what
    a waiting installment says it waits for (`waiting_for`).

    `run_error`: what stopped the daily run from deciding or paying this installment (a plan whose
    figures were written past the services' bounds, e.g. an amount its column cannot hold); the
    installment is withheld (or stays released, unpaid) with it, every other plan is paid, and it is
    tried again by later runs (cleared once it goes through)."""

    plan = models.ForeignKey(
        SubsidyPlan, models.CASCADE, related_name="installments", verbose_name=_("补贴计划")
    )
    year = models.PositiveSmallIntegerField(_("计划年度"))
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束(不含)"))
    due_on = models.DateField(_("到期日"), db_index=True)
    assessment_year = models.PositiveSmallIntegerField(_("对应考核年度"))
    rate = models.DecimalField(
        _("补贴标准(元/平方米·年)"),
        max_digits=8,
        decimal_places=4,
        validators=[UpTo("subsidy_rate", _("补贴标准"))],
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=InstallmentStatus.choices, default=InstallmentStatus.SCHEDULED
    )
    assessment = models.ForeignKey(
        Assessment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("依据的考核"),
        help_text=_("核定该年度款项的考核，核定时记录。"),
    )
    score = models.DecimalField(_("考核得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    ratio = models.DecimalField(_("发放比例"), max_digits=5, decimal_places=4, null=True, blank=True)
    amount = money_field(_("发放金额(元)"), null=True, blank=True)
    decided_at = models.DateTimeField(_("核定时间"), null=True, blank=True)
    released_at = models.DateTimeField(_("核准时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("发放时间"), null=True, blank=True)
    run_error = models.TextField(
        _("处理错误"),
        blank=True,
        editable=False,
        help_text=_("日处理无法核定或发放该款项时记录的错误；该款项暂缓，其他计划照常发放。"),
    )

    territory_lookups = territory_via("plan__neighbourhood")

    class Meta:
        verbose_name = _("补贴年度款项")
        verbose_name_plural = _("补贴年度款项")
        ordering = ["plan_id", "year"]
        indexes = [models.Index(fields=["status", "due_on"], name="installment_status_due")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year"], name="installment_one_per_plan_year"),
            check(
                ~Q(status__in=[InstallmentStatus.RELEASED, InstallmentStatus.PAID])
                | (Q(amount__gt=0) & Q(released_at__isnull=False)),
                "installment_released_has_amount",
                _("核准发放的款项须有大于0的金额。"),
            ),
            check(
                ~Q(status=InstallmentStatus.PAID) | Q(paid_at__isnull=False),
                "installment_paid_has_time",
                _("已发放的款项须有发放时间。"),
            ),
        ]

    def __str__(self):
        return f"{self.plan} 第{self.year}年"

    @property
    def assessment_window(self):
        """The days on which the period of a deciding assessment may end (both inclusive)."""
        return assessment_window(self.period_start, self.period_end)

    def decided_by(self, brief=False):
        """The assessment that decided the installment, in words ("" when none has); `brief`: its
        year and score only (the changelist's column)."""
        a = self.assessment
        if a is None:
            return ""
        values = {
            "year": a.year,
            "score": a.score,
            "first": f"{a.period_start:%Y-%m-%d}",
            "last": f"{a.period_end:%Y-%m-%d}",
            "by": a.assessor,
        }
        if brief:
            return _("%(year)d年度考核 %(score)s 分") % values
        return _("%(year)d年度考核 %(score)s 分（考核期 %(first)s 至 %(last)s，%(by)s）") % values

    def waiting_for(self, brief=False):
        """What the installment waits for, in words ("" when it waits for nothing): the assessment
        that will decide it (scheduled), that it waits for (due, or withheld with none), or a newer
        one (withheld by a score below every band). `brief`: without the days its period may end on
        (the changelist's column)."""
        first, last = self.assessment_window
        values = {"year": self.assessment_year, "first": f"{first:%Y-%m-%d}", "last": f"{last:%Y-%m-%d}"}
        if self.status == InstallmentStatus.SCHEDULED:
            if brief:
                return _("将依据%(year)d年度考核") % values
            return _("将依据%(year)d年度考核（考核期截止于 %(first)s 至 %(last)s 之间）") % values
        if self.status == InstallmentStatus.DUE or (
            self.status == InstallmentStatus.WITHHELD and self.assessment_id is None
        ):
            if brief:
                return _("等待%(year)d年度考核") % values
            return _("等待%(year)d年度考核（考核期截止于 %(first)s 至 %(last)s 之间）") % values
        if self.status == InstallmentStatus.WITHHELD:
            if brief:
                return _("等待重新考核")
            return _("等待重新考核（考核期截止于 %(first)s 至 %(last)s 之间）") % values
        return ""


class SubsidyPayment(models.Model):
    """One payer's line of a paid installment; the lines of an installment sum to its amount."""

    installment = models.ForeignKey(
        SubsidyInstallment, models.CASCADE, related_name="payments", verbose_name=_("补贴年度款项")
    )
    payer = models.ForeignKey(SubsidyPayer, models.PROTECT, related_name="payments", verbose_name=_("出资方"))
    amount = money_field(_("金额(元)"))
    paid_at = models.DateTimeField(_("发放时间"))

    territory_lookups = territory_via("installment__plan__neighbourhood")

    class Meta:
        verbose_name = _("补贴发放明细")
        verbose_name_plural = _("补贴发放明细")
        ordering = ["installment_id", "payer__order"]
        constraints = [
            models.UniqueConstraint(fields=["installment", "payer"], name="payment_one_per_payer"),
            check(Q(amount__gte=0), "payment_amount_non_negative", _("发放金额不能为负数。")),
        ]

    def __str__(self):
        return f"{self.payer.payer_name}：{yuan(self.amount)}"
