"""The admin of the funding app: thin — every write calls a service, every list is scoped.

Commitments and disbursements are added, never edited: a wrong one is reversed (冲销) from its
page ("冲销" button, or the list's action for one selected row) with a reason, and the right
amount entered as a new row. Reversed rows stay listed, marked as reversed; totals leave them out.

A project's funding page (budget, committed and disbursed by kind, the gap, each commitment) is
/admin/funding/commitment/project/<project id>/, linked from the commitment list. A subsidy plan's
page shows its whole schedule year by year."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    CommunityFilter,
    CreateServiceMixin,
    RefusalsMixin,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
    may_write,
)
from governance.bounds import TEXT_MAX, limit_text
from governance.models import District
from governance.money import yuan
from governance.scoping import can_manage, scope
from projects.models import Project

from .forms import SubsidyPlanForm, bands_rows
from .models import (
    Commitment,
    Disbursement,
    FundingSource,
    PublicIncome,
    SubsidyInstallment,
    SubsidyPayer,
    SubsidyPayment,
    SubsidyPlan,
)
from .querysets import sum_of
from .selectors import plan_schedule, project_funding
from .services import (
    commitment_create,
    commitment_reverse,
    disbursement_create,
    disbursement_reverse,
    funding_source_save,
    public_income_save,
    subsidy_plan_create,
    subsidy_plan_exit,
)


class CreateOnlyMixin:
    """Rows that record money are added, never edited or deleted: a wrong one is reversed
    (ReversibleMixin) and the right one added as a new row."""

    read_only_reason = _("资金记录只能新增，不能修改或删除：登记有误的，请在该记录页“冲销此记录”并按正确金额重新登记。")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class ReversedFilter(admin.SimpleListFilter):
    title = _("冲销")
    parameter_name = "reversed"

    def lookups(self, request, model_admin):
        return [("no", _("有效")), ("yes", _("已冲销"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(reversal__isnull=True)
        if self.value() == "yes":
            return queryset.filter(reversal__isnull=False)
        return queryset


class ReversalForm(forms.Form):
    reason = limit_text(
        forms.CharField(
            label=_("冲销原因"),
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("例如：金额录入错误，应为 120,000.00 元。冲销后请按正确金额重新登记。"),
        ),
        TEXT_MAX,
    )


class ReversibleMixin:
    """A money row's reversal: the "冲销" page at <id>/reverse/ (a reason, then the service), its
    button on the row's page, a list action for one selected row, and a "reversed" column.
    Subclasses set `reverse_service` (a function) and `reverse_kwarg` (its argument's name)."""

    reverse_service = None
    reverse_kwarg = ""
    actions = ["reverse_selected"]
    change_form_template = "admin/funding/reversible_change_form.html"

    @admin.display(description=_("冲销"))
    def reversal_display(self, obj):
        reversal = getattr(obj, "reversal", None)
        if reversal is None:
            return "—"
        return format_html(
            "<strong>{}</strong> {}：{}",
            _("已冲销"),
            f"{timezone.localtime(reversal.created_at):%Y-%m-%d}",
            reversal.reason,
        )

    def _reverse_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_reverse"

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/reverse/",
                self.admin_site.admin_view(self.reverse_view),
                name=self._reverse_url_name(),
            )
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        reversible = getattr(obj, "reversal", None) is None and can_manage(request.user, obj)
        extra_context = {
            **(extra_context or {}),
            "reversal": getattr(obj, "reversal", None),
            "reverse_url": (
                reverse(f"admin:{self._reverse_url_name()}", args=[obj.pk]) if reversible else None
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def reverse_view(self, request, object_id):
        """GET: the row and a reason field; POST: the service. A refusal comes back as a message
        on the same page; out of the territory: 404; a read-only role: 403."""
        obj = self.get_object(request, object_id)
        if not can_manage(request.user, obj):
            raise PermissionDenied(self.write_refusal(request, obj))
        form = ReversalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                type(self).reverse_service(
                    **{self.reverse_kwarg: obj}, reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as exc:
                for text in exc.messages:
                    messages.error(request, text)
            else:
                messages.success(request, _("已冲销“%(row)s”。请按正确金额重新登记。") % {"row": obj})
                return HttpResponseRedirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("冲销%(what)s：%(row)s") % {"what": self.opts.verbose_name, "row": obj},
            "object": obj,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/funding/reverse.html", context)

    @admin.action(description=_("冲销所选记录（一次一条）"))
    def reverse_selected(self, request, queryset):
        rows = list(queryset[:2])
        if len(rows) != 1:
            messages.error(request, _("冲销须填写原因，请一次只选择一条记录。"))
            return None
        return HttpResponseRedirect(reverse(f"admin:{self._reverse_url_name()}", args=[rows[0].pk]))


@admin.register(FundingSource)
class FundingSourceAdmin(RefusalsMixin, ScopedAdmin):
    list_display = [
        "name",
        "kind",
        "provider",
        "amount_held",
        "committed",
        "district",
        "street",
        "document_number",
    ]
    list_filter = ["kind", "district", "street"]
    search_fields = ["name", "provider", "document_number"]
    list_select_related = ["district", "street"]
    fields = [
        "name",
        "kind",
        "provider",
        "amount_held",
        "district",
        "street",
        "document_number",
        "document",
        "note",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(committed_total=sum_of(Commitment, "amount", "source", live=True))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district":  # a street's staff file money under their own (visible) district
            kwargs["queryset"] = scope(District.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("已承诺(元，不含冲销)"), ordering="committed_total")
    def committed(self, obj):
        return yuan(obj.committed_total or 0)

    def has_delete_permission(self, request, obj=None):
        return False  # corrected through funding_source_save (audited), never deleted

    def save_model(self, request, obj, form, change):
        funding_source_save(source=obj, actor=request.user)


class DisbursementInline(ScopedTabularInline):
    model = Disbursement
    fields = ["amount", "paid_on", "payee", "voucher_number", "created_by", "reversal_display"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "reversal")

    reversal_display = ReversibleMixin.reversal_display

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Commitment)
class CommitmentAdmin(CreateServiceMixin, ReversibleMixin, RefusalsMixin, CreateOnlyMixin, ScopedAdmin):
    create_service = commitment_create
    create_fields = ["source", "project", "amount", "committed_on", "document_number", "conditions"]
    reverse_service = commitment_reverse
    reverse_kwarg = "commitment"
    list_display = [
        "project",
        "source",
        "amount",
        "disbursed",
        "committed_on",
        "document_number",
        "reversal_display",
        "funding_link",
    ]
    list_filter = ["source__kind", ReversedFilter, StreetFilter, CommunityFilter]
    search_fields = ["project__code", "project__name", "source__name", "document_number"]
    list_select_related = ["project", "source", "reversal"]
    fields = ["source", "project", "amount", "committed_on", "document_number", "conditions"]
    inlines = [DisbursementInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(disbursed_total=sum_of(Disbursement, "amount", "commitment", live=True))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":  # any source the actor sees may be committed to a managed project
            kwargs["queryset"] = scope(FundingSource.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("已拨付(元，不含冲销)"), ordering="disbursed_total")
    def disbursed(self, obj):
        return yuan(obj.disbursed_total or 0)

    @admin.display(description=_("项目资金情况"))
    def funding_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:funding_project_funding", args=[obj.project_id]), _("查看")
        )

    def get_urls(self):
        own = [
            path(
                "project/<int:project_id>/",
                self.admin_site.admin_view(self.project_funding_view),
                name="funding_project_funding",
            )
        ]
        return own + super().get_urls()  # before ReversibleMixin's <path:object_id>/reverse/

    def project_funding_view(self, request, project_id):
        """Budget, committed and disbursed by source kind, the gap, and every commitment of one
        project. 404 outside the actor's territory."""
        project = scope(Project.objects.all(), request.user).filter(pk=project_id).first()
        if project is None:
            raise Http404(_("对象不存在或不在您的辖区内。"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("项目资金情况：%(project)s") % {"project": project},
            "project": project,
            "page": project_funding(project),
            "opts": self.model._meta,
            "may_add_commitment": self.has_add_permission(request) and may_write(request, project),
        }
        return TemplateResponse(request, "admin/funding/project_funding.html", context)


@admin.register(Disbursement)
class DisbursementAdmin(CreateServiceMixin, ReversibleMixin, RefusalsMixin, CreateOnlyMixin, ScopedAdmin):
    create_service = disbursement_create
    create_fields = ["commitment", "amount", "paid_on", "payee", "voucher_number"]
    reverse_service = disbursement_reverse
    reverse_kwarg = "disbursement"
    list_display = ["voucher_number", "commitment", "amount", "paid_on", "payee", "reversal_display"]
    list_filter = ["commitment__source__kind", ReversedFilter, StreetFilter, CommunityFilter]
    search_fields = ["voucher_number", "payee", "commitment__project__code"]
    list_select_related = ["commitment__project", "commitment__source", "reversal"]
    fields = ["commitment", "amount", "paid_on", "payee", "voucher_number"]


@admin.register(PublicIncome)
class PublicIncomeAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["neighbourhood", "kind", "amount", "period_start", "period_end", "use"]
    list_filter = ["kind", StreetFilter, CommunityFilter]
    search_fields = ["neighbourhood__name", "use"]
    list_select_related = ["neighbourhood"]
    fields = ["neighbourhood", "kind", "amount", "period_start", "period_end", "use"]

    def has_delete_permission(self, request, obj=None):
        return False  # published to residents: corrected through public_income_save, never deleted

    def save_model(self, request, obj, form, change):
        public_income_save(income=obj, actor=request.user)


# ---- subsidy plans -------------------------------------------------------------------------


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


class SubsidyPayerInline(ScopedTabularInline):
    model = SubsidyPayer
    fields = ["order", "payer_name", "source", "share"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SubsidyPlan)
class SubsidyPlanAdmin(CreateServiceMixin, RefusalsMixin, ScopedAdmin):
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
        return format_html(
            '<table class="plan-rows"><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("年度"),
            _("补贴标准(元/平方米·年)"),
            format_html_join(
                "",
                '<tr><th scope="row">{}</th><td>{}</td></tr>',
                ((_("第%(n)d年") % {"n": year}, rate) for year, rate in enumerate(obj.rates, start=1)),
            ),
        )

    @admin.display(description=_("考核得分档次"))
    def bands_table(self, obj):
        return format_html(
            '<table class="plan-rows"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("档次"),
            _("最低分(含)"),
            _("最高分(不含，最高档为100)"),
            _("发放比例(%)"),
            format_html_join(
                "",
                '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>',
                (
                    (_("第%(n)d档") % {"n": n}, row["min_score"], row["max_score"], row["percent"])
                    for n, row in enumerate(bands_rows(obj.bands()), start=1)
                ),
            ),
        )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SubsidyPlanForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "neighbourhood",
                "arrangement",
                "name",
                "area",
                "start_on",
                "rates_rows",
                "payers_text",
                "bands_rows",
            ]
        return [
            "neighbourhood",
            "arrangement",
            "name",
            "area",
            "start_on",
            "ends_on",
            "rates_table",
            "bands_table",
            "status",
            "exited_on",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def get_inlines(self, request, obj):
        return [SubsidyPayerInline] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        # The list's exit action needs the model-level answer; a plan's own page is read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

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


class SubsidyPaymentInline(ScopedTabularInline):
    model = SubsidyPayment
    fields = ["payer", "amount", "paid_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


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
