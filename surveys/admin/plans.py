"""The admin of plan versions and their items."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from governance.admin_base import RefusalsMixin, ScopedAdmin, ScopedTabularInline, pending_object

from ..models import PlanItem, PlanVersion
from ..services import plan_notice_publish, plan_seed_from_demand, plan_version_save
from .base import ServiceFormsetsMixin, _run_each


class PlanItemInline(ScopedTabularInline):
    model = PlanItem
    fields = [
        "neighbourhood",
        "catalogue_item",
        "quantity",
        "unit_cost",
        "amount",
        "demand_households",
        "note",
    ]
    readonly_fields = ["amount", "demand_households"]
    show_change_link = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "catalogue_item":
            from projects.permissions import catalogue_visible_to

            # The menu is read, not managed: staff pick national items too (the scoped default
            # offered street and community staff an empty list).
            kwargs["queryset"] = catalogue_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PlanVersion)
class PlanVersionAdmin(ServiceFormsetsMixin, RefusalsMixin, ScopedAdmin):
    list_display = ["project", "number", "kind", "title", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    fields = ["project", "kind", "title", "summary", "document", "number"]
    readonly_fields = ["number"]
    inlines = [PlanItemInline]
    actions = ["seed_from_demand", "publish_notice"]

    def save_model(self, request, obj, form, change):
        pass  # saved with its inlines in save_related, from form.instance (see pending_object)

    def save_related(self, request, form, formsets, change):
        items = None
        for formset in formsets:
            if formset.model is PlanItem:
                items = [
                    PlanItem(
                        neighbourhood=f.cleaned_data["neighbourhood"],
                        catalogue_item=f.cleaned_data["catalogue_item"],
                        quantity=f.cleaned_data["quantity"],
                        unit_cost=f.cleaned_data["unit_cost"],
                        demand_households=f.instance.demand_households or 0,
                        note=f.cleaned_data.get("note", ""),
                    )
                    for f in formset.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ]
        plan_version_save(plan=pending_object(form), items=items, actor=request.user)

    @admin.action(description=_("据需求清单生成初步方案（所选方案的项目）"))
    def seed_from_demand(self, request, queryset):
        projects = {plan.project for plan in queryset.select_related("project")}
        _run_each(
            request,
            projects,
            lambda p: plan_seed_from_demand(project=p, actor=request.user),
            _("已生成%(n)d份初步方案。"),
        )

    @admin.action(description=_("发布最终方案公示（自今日起7天）"))
    def publish_notice(self, request, queryset):
        _run_each(
            request,
            queryset.select_related("project"),
            lambda plan: plan_notice_publish(plan=plan, actor=request.user),
            _("已发布%(n)d份方案公示。"),
        )
