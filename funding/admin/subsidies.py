"""The admin of the management subsidies (以奖代补): plans with their payers and schedule, and the
installments the daily run decides and pays."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    AddOnlyMixin,
    CommunityFilter,
    CreateServiceMixin,
    ListedInline,
    RefusalsMixin,
    ScopedAdmin,
    StreetFilter,
)

from ..forms import SubsidyPlanForm, bands_rows
from ..models import SubsidyInstallment, SubsidyPayer, SubsidyPayment, SubsidyPlan
from ..selectors import plan_schedule
from ..services import subsidy_plan_create, subsidy_plan_exit


def plan_rows_table(headers, rows):
    """A plan's rows as its read-only page shows them: a table with the column titles `headers`,
    one line a row of `rows`, whose first cell heads the line."""
    return format_html(
        '<table class="plan-rows"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
        format_html_join("", '<th scope="col">{}</th>', ((title,) for title in headers)),
        format_html_join("", "<tr>{}</tr>", ((_plan_row(cells),) for cells in rows)),
    )


def _plan_row(cells):
    heading, *values = cells
    return format_html(
        '<th scope="row">{}</th>{}', heading, format_html_join("", "<td>{}</td>", ((value,) for value in values))
    )


class RunErrorFilter(admin.SimpleListFilter):
    """Plans with an installment the daily run could not decide or pay (run_error set)."""

    title = _("处理错误")
    parameter_name = "run_error"
    lookup = "installments__run_error"

    def lookups(self, request, model_admin):
        return [("yes", _("有处理错误")), ("no", _("无处理错误"))]

    def queryset(self, request, queryset):
        with_error = queryset.filter(**{f"{self.lookup}__gt": ""}).values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=with_error)
        if self.value() == "no":
            return queryset.exclude(pk__in=with_error)
        return queryset


class InstallmentRunErrorFilter(RunErrorFilter):
    lookup = "run_error"


class SubsidyPayerInline(ListedInline):
    model = SubsidyPayer
    fields = ["order", "payer_name", "source", "share"]
    readonly_fields = fields
    show_change_link = False


@admin.register(SubsidyPlan)
class SubsidyPlanAdmin(CreateServiceMixin, AddOnlyMixin, RefusalsMixin, ScopedAdmin):
    """A plan's own page is read-only (AddOnlyMixin); the list's exit action stops plans."""

    create_service = subsidy_plan_create
    create_fields = ["neighbourhood", "arrangement", "name", "area", "start_on"]
    list_display = [
        "__str__",
        "neighbourhood",
        "area",
        "start_on",
        "ends_on",
        "rates_display",
        "status",
        "run_errors_display",
    ]
    list_filter = ["status", RunErrorFilter, StreetFilter, CommunityFilter]
    search_fields = ["name", "neighbourhood__name"]
    list_select_related = ["neighbourhood"]
    actions = ["exit_plans"]
    change_form_template = "admin/funding/subsidyplan/change_form.html"
    read_only_reason = _("补贴计划建立后不能修改（标准、出资方和发放计划已按建立时确定）；需要停止时，请在列表中选择“所选补贴计划于今日退出”。")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                run_errors=Count("installments", filter=~Q(installments__run_error="")),
            )
        )

    @admin.display(description=_("处理错误"), ordering="run_errors")
    def run_errors_display(self, obj):
        if not obj.run_errors:
            return "—"
        return format_html(
            '<strong class="errornote">{}</strong>',
            _("%(n)d 笔款项处理出错，已暂缓") % {"n": obj.run_errors},
        )

    @admin.display(description=_("补贴标准"))
    def rates_display(self, obj):
        return " → ".join(obj.rates)

    @admin.display(description=_("各年度补贴标准(元/平方米·年)"))
    def rates_table(self, obj):
        return plan_rows_table(
            [_("年度"), _("补贴标准(元/平方米·年)")],
            ((_("第%(n)d年") % {"n": year}, rate) for year, rate in enumerate(obj.rates, start=1)),
        )

    @admin.display(description=_("考核得分档次"))
    def bands_table(self, obj):
        return plan_rows_table(
            [_("档次"), _("最低分(含)"), _("最高分(不含，最高档为100)"), _("发放比例(%)")],
            (
                (_("第%(n)d档") % {"n": n}, row["min_score"], row["max_score"], row["percent"])
                for n, row in enumerate(bands_rows(obj.bands()), start=1)
            ),
        )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SubsidyPlanForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        """The fields a plan is created with, then its rates, payers and bands typed in (a new
        plan) or what its creation decided (a plan's read-only page)."""
        if obj is None:
            return [*self.create_fields, "rates_rows", "payers_text", "bands_rows"]
        return [*self.create_fields, "ends_on", "rates_table", "bands_table", "status", "exited_on"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_inlines(self, request, obj):
        return [SubsidyPayerInline] if obj is not None else []

    def create_values(self, form):
        data = form.cleaned_data
        return {"rates": data["rates_rows"], "payers": data["payers_text"], "score_bands": data["bands_rows"]}

    def save_related(self, request, form, formsets, change):
        pass  # the service wrote the payers and the schedule

    def change_view(self, request, object_id, form_url="", extra_context=None):
        plan = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), "schedule": plan_schedule(plan)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("所选补贴计划于今日退出"))
    def exit_plans(self, request, queryset):
        today = timezone.localdate()
        for plan in queryset:
            try:
                subsidy_plan_exit(plan=plan, on=today, actor=request.user)
            except ValidationError as exc:
                messages.error(request, f"{plan}：{' '.join(exc.messages)}")
            except PermissionDenied:
                messages.error(request, _("%(plan)s：您不能变更该补贴计划。") % {"plan": plan})
            else:
                messages.success(request, _("%(plan)s 已退出。") % {"plan": plan})


class SubsidyPaymentInline(ListedInline):
    model = SubsidyPayment
    fields = ["payer", "amount", "paid_at"]
    readonly_fields = fields
    show_change_link = False


@admin.register(SubsidyInstallment)
class SubsidyInstallmentAdmin(ScopedAdmin):
    """Installments are written by the daily run only; staff read them here."""

    read_only_reason = _("补贴年度款项由每日发放任务按考核结果自动生成和发放，只能查看。")

    list_display = [
        "plan",
        "year",
        "period_start",
        "due_on",
        "status",
        "assessment_brief",
        "ratio",
        "amount",
        "paid_at",
        "run_error",
    ]
    list_filter = ["status", InstallmentRunErrorFilter, "due_on", StreetFilter, CommunityFilter]
    search_fields = ["plan__name", "plan__neighbourhood__name"]
    list_select_related = ["plan__neighbourhood", "assessment"]
    inlines = [SubsidyPaymentInline]
    fields = [
        "plan",
        "year",
        "period_start",
        "period_end",
        "due_on",
        "rate",
        "status",
        "assessment_display",
        "waiting_display",
        "score",
        "ratio",
        "amount",
        "decided_at",
        "released_at",
        "paid_at",
        "run_error",
    ]
    readonly_fields = fields

    @admin.display(description=_("依据的考核"), ordering="assessment")
    def assessment_display(self, obj):
        """The deciding assessment, linked to its page."""
        text = obj.decided_by()
        if not text:
            return "—"
        url = reverse("admin:governance_assessment_change", args=[obj.assessment_id])
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("等待的考核"))
    def waiting_display(self, obj):
        return obj.waiting_for() or "—"

    @admin.display(description=_("考核"), ordering="assessment")
    def assessment_brief(self, obj):
        """The list's one column: the deciding assessment (linked) and what the year waits for, each
        in short, the whole description in its title."""
        parts = []
        if obj.assessment_id is not None:
            url = reverse("admin:governance_assessment_change", args=[obj.assessment_id])
            brief = obj.decided_by(brief=True)
            parts.append(format_html('<a href="{}" title="{}">{}</a>', url, obj.decided_by(), brief))
        waiting = obj.waiting_for()
        if waiting:
            parts.append(format_html('<span title="{}">{}</span>', waiting, obj.waiting_for(brief=True)))
        if len(parts) == 2:
            return format_html("{}<br>{}", *parts)
        return parts[0] if parts else "—"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
