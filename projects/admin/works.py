"""The admin of scope items, monthly progress, supervision findings and acceptance."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    CommunityFilter,
    ListedInline,
    RefusalsMixin,
    RowActionsMixin,
    ScopedAdmin,
    StreetFilter,
    leave_optional,
    report_refusal,
)

from ..models import Acceptance, Photo, ProgressReport, ScopeItem, SupervisionFinding
from ..permissions import catalogue_visible_to
from ..services import (
    acceptance_record,
    finding_resolve,
    finding_save,
    progress_report_save,
    scope_item_delete,
    scope_item_save,
)
from .projects import ProjectCommunityFilter, ProjectStreetFilter


class SettledFilter(admin.SimpleListFilter):
    title = _("实际完成情况")
    parameter_name = "settled"

    def lookups(self, request, model_admin):
        return [("no", _("未填写实际且无原因")), ("yes", _("已填写"))]

    def queryset(self, request, queryset):
        unsettled = Q(actual_quantity__isnull=True, no_actual_reason="")
        if self.value() == "no":
            return queryset.filter(unsettled)
        if self.value() == "yes":
            return queryset.exclude(unsettled)
        return queryset


@admin.register(ScopeItem)
class ScopeItemAdmin(RefusalsMixin, ScopedAdmin):
    list_display = [
        "project",
        "neighbourhood",
        "catalogue_item",
        "planned_quantity",
        "unit_cost",
        "planned_amount",
        "actual_quantity",
        "actual_amount",
        "settled",
    ]
    list_filter = [SettledFilter, "catalogue_item__work_class", StreetFilter, CommunityFilter]
    search_fields = ["project__code", "project__name", "neighbourhood__name", "catalogue_item__name"]
    list_select_related = ["project", "neighbourhood", "catalogue_item"]
    autocomplete_fields = ["project", "neighbourhood", "catalogue_item"]
    readonly_fields = ["planned_amount"]

    @admin.display(description=_("已落实"), boolean=True)
    def settled(self, obj):
        return obj.is_settled

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "catalogue_item":
            kwargs["queryset"] = catalogue_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        leave_optional(form.base_fields, "unit_cost")  # empty: the catalogue item's reference cost
        return form

    def save_model(self, request, obj, form, change):
        scope_item_save(item=obj, actor=request.user)

    def delete_model(self, request, obj):
        scope_item_delete(item=obj, actor=request.user)


@admin.register(ProgressReport)
class ProgressReportAdmin(RefusalsMixin, ScopedAdmin):
    list_display = [
        "project",
        "month",
        "percent_complete",
        "investment_to_date",
        "elevators",
        "parking_spaces",
    ]
    list_filter = ["month", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    readonly_fields = ["reported_by", "created_at"]
    date_hierarchy = "month"
    fieldsets = [
        (None, {"fields": ["project", "month", "percent_complete", "investment_to_date", "note"]}),
        (_("管线（千米，累计）"), {"fields": ProgressReport.PIPE_FIELDS}),
        (_("其他工程量（累计）"), {"fields": ProgressReport.OTHER_QUANTITY_FIELDS}),
        (_("填报"), {"fields": ["reported_by", "created_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        progress_report_save(report=obj, actor=request.user)


class OpenFindingFilter(admin.SimpleListFilter):
    title = _("整改状态")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("未销号")), ("no", _("已销号"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


class FindingPhotoInline(ListedInline):
    model = Photo
    # Listed only: photos are uploaded on the photo page, which checks the file.
    fields = ["thumbnail_preview", "kind", "caption", "uploaded_at"]
    readonly_fields = ["thumbnail_preview", "kind", "caption", "uploaded_at"]
    show_change_link = True

    @admin.display(description=_("缩略图"))
    def thumbnail_preview(self, obj):
        return format_html('<img src="{}" alt="" width="120">', obj.thumbnail.url) if obj.thumbnail else ""


@admin.register(SupervisionFinding)
class SupervisionFindingAdmin(RowActionsMixin, RefusalsMixin, ScopedAdmin):
    row_actions = {"resolve": "post_resolve"}
    list_display = ["description_short", "project", "severity", "source", "opened_at", "resolved_at"]
    list_filter = [OpenFindingFilter, "severity", "source", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["description", "project__code", "project__name", "supervisor_name"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    readonly_fields = ["reported_by", "resident_report_link", "resolved_at", "resolved_by", "resolution_note"]
    fields = [
        "project",
        "source",
        "supervisor_name",
        "severity",
        "description",
        "opened_at",
        "reported_by",
        "resident_report_link",
        "resolved_at",
        "resolved_by",
        "resolution_note",
    ]
    inlines = [FindingPhotoInline]
    change_form_template = "admin/projects/supervisionfinding/change_form.html"

    @admin.display(description=_("问题描述"))
    def description_short(self, obj):
        return obj.description[:40]

    @admin.display(description=_("居民反馈"))
    def resident_report_link(self, obj):
        if not obj.resident_report_id:
            return "—"
        url = reverse("admin:residents_residentreport_change", args=[obj.resident_report_id])
        return format_html('<a href="{}">{}</a>', url, _("查看居民反馈"))

    def get_changeform_initial_data(self, request):
        return {"opened_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        finding_save(finding=obj, actor=request.user)

    def post_resolve(self, request, finding):
        """The resolve form of the finding page (RowActionsMixin: <id>/resolve/)."""
        try:
            finding_resolve(finding=finding, note=request.POST.get("resolution_note", ""), actor=request.user)
            messages.success(request, _("问题已整改销号。"))
        except (ValidationError, PermissionDenied) as exc:
            report_refusal(request, exc)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        finding = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "may_resolve": finding.is_open and self.has_change_permission(request, finding),
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Acceptance)
class AcceptanceAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["project", "accepted_on", "satisfaction_rate", "passed"]
    list_filter = ["passed", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    readonly_fields = ["recorded_by", "created_at"]

    def save_model(self, request, obj, form, change):
        acceptance_record(acceptance=obj, actor=request.user)
