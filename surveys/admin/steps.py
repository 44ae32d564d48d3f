"""The admin of consultation templates, processes, steps and department reviews."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    AddOnlyMixin,
    CreateServiceMixin,
    ListedInline,
    RefusalsMixin,
    ScopedAdmin,
    adopt_saved,
    pending_object,
)
from governance.scoping import scope

from ..models import ConsultationProcess, ConsultationStep, ProcessTemplate, StepReview, TemplateStep
from ..selectors import opinion_counts
from ..services import process_start, step_complete, step_review, template_save
from .base import ServiceFormsetsMixin, _run_each, kept_rows


class TemplateStepInline(admin.TabularInline):
    model = TemplateStep
    extra = 0
    fields = ["order", "code", "direction", "name", "closes_demand_list", "needs_vote"]


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(ServiceFormsetsMixin, RefusalsMixin, ScopedAdmin):
    """Templates are read here; the built-in 三下三上 comes with the system (a migration) and a
    district's own templates are defined by its administrators (superusers)."""

    list_display = ["name", "district", "active"]
    inlines = [TemplateStepInline]
    read_only_reason = _("协商程序模板由系统管理员维护，您只能查看。")

    def get_queryset(self, request):
        return ProcessTemplate.objects.filter(district__isnull=True) | scope(
            ProcessTemplate.objects.all(), request.user
        )

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # saved with its inlines in save_related, from form.instance (see pending_object)

    def save_related(self, request, form, formsets, change):
        steps = []
        for formset in formsets:
            if formset.model is TemplateStep:
                steps = [
                    TemplateStep(
                        **{
                            k: f.cleaned_data[k]
                            for k in ("code", "direction", "name", "closes_demand_list", "needs_vote")
                        }
                    )
                    for f in kept_rows(formset)
                ]
        template_save(template=pending_object(form), steps=steps, actor=request.user)


class StepInline(ListedInline):
    model = ConsultationStep
    fields = [
        "order",
        "code",
        "name",
        "direction",
        "status",
        "rounds",
        "opened_at",
        "completed_at",
        "completed_by",
    ]
    readonly_fields = fields


class ProcessStartForm(forms.ModelForm):
    class Meta:
        model = ConsultationProcess
        fields = ["project", "template"]


@admin.register(ConsultationProcess)
class ConsultationProcessAdmin(RefusalsMixin, ScopedAdmin):
    form = ProcessStartForm
    list_display = ["project", "template", "current_step", "started_at"]
    list_select_related = ["project", "template"]
    search_fields = ["project__name", "project__code"]
    inlines = [StepInline]
    readonly_fields = ["opinion_summary"]

    read_only_reason = _("协商程序启动后只能查看：步骤在“协商步骤”页推进（完成下行步骤、登记部门审核）。")

    def has_change_permission(self, request, obj=None):
        # A started process is read here; its steps move through their own actions and reviews.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["project", "template", "opinion_summary"] if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "template":
            kwargs["queryset"] = ProcessTemplate.objects.filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("当前步骤"))
    def current_step(self, obj):
        step = obj.steps.filter(status="open").first()
        return step or _("已完成")

    @admin.display(description=_("意见答复"))
    def opinion_summary(self, obj):
        counts = opinion_counts(obj)
        lines = format_html_join("", "<li>{} {}</li>", ((c.code, c.summary) for c in counts.steps))
        return format_html("<p><strong>{}</strong></p><ul>{}</ul>", counts.total.summary, lines)

    def save_model(self, request, obj, form, change):
        if not change:
            started = process_start(project=obj.project, template=obj.template, actor=request.user)
            adopt_saved(obj, started)


@admin.register(ConsultationStep)
class ConsultationStepAdmin(AddOnlyMixin, ScopedAdmin):
    """Steps move only through the actions (complete a down step) and the review form (up steps):
    a step's own page is read-only, the list's action needs the model-level answer (AddOnlyMixin),
    and steps are added with their process, never here."""

    list_display = ["process", "order", "code", "name", "direction", "status", "rounds", "completed_at"]
    list_filter = ["status", "direction", "code"]
    list_select_related = ["process__project"]
    readonly_fields = ["process", *StepInline.fields, "closes_demand_list", "needs_vote"]
    fields = readonly_fields + ["note"]
    actions = ["complete_steps"]
    read_only_reason = _("步骤只能通过列表中的“完成所选步骤”操作（下行步骤）或登记部门审核（上行步骤）推进，此页只能查看。")

    def has_add_permission(self, request, *args):
        return False

    @admin.action(description=_("完成所选步骤（下行步骤）"))
    def complete_steps(self, request, queryset):
        _run_each(
            request,
            queryset.order_by("process_id", "order"),
            lambda s: step_complete(step=s, actor=request.user),
            _("已完成%(n)d个步骤。"),
        )


class StepReviewForm(forms.ModelForm):
    class Meta:
        model = StepReview
        fields = ["step", "decision", "department", "comments"]


@admin.register(StepReview)
class StepReviewAdmin(CreateServiceMixin, AddOnlyMixin, RefusalsMixin, ScopedAdmin):
    """A department's review of an up step, entered by staff: approved opens the next step,
    returned reopens the previous down step."""

    create_service = step_review
    create_fields = ["step", "decision", "department", "comments"]
    form = StepReviewForm
    read_only_reason = _("部门审核登记后不能修改；如需更正，请再登记一次审核。")
    list_display = ["step", "decision", "department", "reopened_step", "reviewer", "at"]
    list_filter = ["decision"]
    list_select_related = ["step__process__project", "reopened_step", "reviewer"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "step":
            kwargs["queryset"] = scope(
                ConsultationStep.objects.filter(status="open", direction="up"), request.user, write=True
            ).select_related("process__project")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
