"""The admin of projects: the list, the change page with its inlines, and the stage moves."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    CommunityFilter,
    ListedInline,
    RefusalsMixin,
    RowActionsMixin,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
)
from governance.errors import Refused
from governance.models import Neighbourhood, Street
from governance.scoping import scope

from ..choices import NEXT_STAGE, Stage, WorkClass
from ..models import Acceptance, Notice, ProgressReport, Project, ScopeItem, SupervisionFinding
from ..permissions import catalogue_visible_to
from ..selectors import project_move_choices, project_timeline
from ..services import (
    REPORTING_STAGES,
    acceptance_record,
    finding_save,
    lead_street_check,
    money,
    progress_report_save,
    project_save,
    project_transition,
    scope_item_delete,
    scope_item_save,
)


class _DistinctTerritoryFilter:
    """Street/community filters over a model that reaches its territory through a many-to-many
    relation: filter by `pk IN (subquery)` so a project with two neighbourhoods in the street is
    listed once."""

    def queryset(self, request, queryset):
        if self.value() and self.level in queryset.model.territory_lookups:
            lookup = queryset.model.territory_lookups[self.level]
            inner = queryset.model._default_manager.filter(**{lookup: self.value()}).values("pk")
            return queryset.filter(pk__in=inner)
        return queryset


class ProjectStreetFilter(_DistinctTerritoryFilter, StreetFilter):
    pass


class ProjectCommunityFilter(_DistinctTerritoryFilter, CommunityFilter):
    pass


class CompactInlineMixin:
    """Tabular inlines that fit a screen: one-line text inputs, no add/change/delete buttons beside
    the selects (the related objects have their own pages)."""

    formfield_overrides = {models.TextField: {"widget": forms.TextInput(attrs={"size": 24})}}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
        return formfield


class ScopeItemInline(CompactInlineMixin, ScopedTabularInline):
    model = ScopeItem
    fields = [
        "neighbourhood",
        "catalogue_item",
        "planned_quantity",
        "unit_cost",
        "planned_amount",
        "actual_quantity",
        "actual_amount",
        "no_actual_reason",
    ]
    readonly_fields = ["planned_amount"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("neighbourhood", "catalogue_item")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        project = getattr(request, "_project_being_edited", None)
        if db_field.name == "neighbourhood" and project is not None:
            kwargs["queryset"] = scope(project.neighbourhoods.all(), request.user, write=True)
        if db_field.name == "catalogue_item":
            kwargs["queryset"] = catalogue_visible_to(request.user)  # the national menu is not territorial
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        if "unit_cost" not in fields:  # the whole inline is read-only (a district official)
            return formset
        fields["unit_cost"].required = False
        # The choices of the two selects are read once for the page, not once per line (each
        # form's select would otherwise run its own query: an N+1 over the project's lines). The
        # querysets still validate what is posted. The menu offers its active items, grouped by
        # class, and the retired ones this project already uses.
        _fixed_choices(fields["neighbourhood"], [(n.pk, n.name) for n in fields["neighbourhood"].queryset])
        offered = Q(active=True) | Q(scope_items__project=obj) if obj is not None else Q(active=True)
        menu = fields["catalogue_item"].queryset.filter(offered)
        groups = {value: (label, []) for value, label in WorkClass.choices}
        for item in menu.distinct().order_by("work_class", "sort_order", "code"):
            groups[item.work_class][1].append((item.pk, item.name))
        _fixed_choices(fields["catalogue_item"], [group for group in groups.values() if group[1]])
        return formset


def _fixed_choices(field, choices):
    """Give a model choice field a fixed list of choices (read once), on its widget too."""
    choices = [("", "---------"), *choices]
    field.choices = choices
    widget = field.widget
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget.widget.choices = choices


class ProgressReportInline(CompactInlineMixin, ScopedTabularInline):
    model = ProgressReport
    fields = ["month", "percent_complete", "investment_to_date", "note"]
    show_change_link = True
    ordering = ["-month"]


class FindingInline(CompactInlineMixin, ScopedTabularInline):
    model = SupervisionFinding
    fields = ["severity", "source", "supervisor_name", "description", "opened_at", "resolved_at"]
    readonly_fields = ["resolved_at"]
    show_change_link = True


class AcceptanceInline(CompactInlineMixin, ScopedTabularInline):
    model = Acceptance
    fields = [
        "accepted_on",
        "participants",
        "resident_representatives",
        "satisfaction_rate",
        "passed",
        "note",
    ]
    show_change_link = False


class NoticeInline(ListedInline):
    model = Notice
    # Listed only: notices are published from their own page.
    fields = ["kind", "title", "starts_on", "ends_on"]
    readonly_fields = ["kind", "title", "starts_on", "ends_on"]
    show_change_link = True


@admin.register(Project)
class ProjectAdmin(RowActionsMixin, RefusalsMixin, ScopedAdmin):
    row_actions = {"transition": "post_transition"}
    list_display = [
        "code",
        "name",
        "year",
        "lead_street",
        "stage",
        "budget",
        "household_count",
        "floor_area_total",
    ]
    list_filter = ["stage", "year", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["code", "name", "contractor", "neighbourhoods__name"]
    list_select_related = ["lead_street"]
    autocomplete_fields = ["neighbourhoods", "lead_street"]
    readonly_fields = ["stage", "building_count", "household_count", "floor_area_total"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_street":
            # Community staff lead a project of their street without managing the street itself;
            # project_save requires it to be the street of one of the project's neighbourhoods.
            kwargs["queryset"] = scope(Street.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    actions = ["advance_stage"]
    fieldsets = [
        (None, {"fields": ["code", "name", "year", "lead_street", "neighbourhoods", "stage"]}),
        (_("覆盖范围（按摸底普查）"), {"fields": ["building_count", "household_count", "floor_area_total"]}),
        (_("投资与招投标"), {"fields": ["budget", "contractor", "supervisor", "contract_amount"]}),
        (_("工期"), {"fields": ["planned_start_on", "planned_end_on", "started_on", "completed_on"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate_coverage()

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        request._project_being_edited = obj
        inlines = [ScopeItemInline]
        if obj.stage in REPORTING_STAGES:
            inlines.append(ProgressReportInline)
        inlines.append(FindingInline)
        if obj.stage == Stage.ACCEPTANCE or obj.acceptances.exists():
            inlines.append(AcceptanceInline)
        inlines.append(NoticeInline)
        return inlines

    @admin.display(description=_("楼栋数"), ordering="building_count")
    def building_count(self, obj):
        return getattr(obj, "building_count", "")

    @admin.display(description=_("户数"), ordering="household_count")
    def household_count(self, obj):
        return getattr(obj, "household_count", "")

    @admin.display(description=_("建筑面积(m²)"), ordering="floor_area_total")
    def floor_area_total(self, obj):
        value = getattr(obj, "floor_area_total", None)
        return "" if value is None else money(value)

    # -- writes go through the services --

    def save_model(self, request, obj, form, change):
        project_save(project=obj, neighbourhoods=form.cleaned_data["neighbourhoods"], actor=request.user)

    def save_related(self, request, form, formsets, change):
        # The neighbourhoods were set by project_save; only the inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        savers = {
            ScopeItem: lambda o: scope_item_save(item=o, actor=request.user),
            ProgressReport: lambda o: progress_report_save(report=o, actor=request.user),
            SupervisionFinding: lambda o: finding_save(finding=o, actor=request.user),
            Acceptance: lambda o: acceptance_record(acceptance=o, actor=request.user),
        }
        save = savers.get(formset.model)
        if save is None:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if formset.model is not ScopeItem:
                raise ValidationError(_("%(what)s不能删除。") % {"what": formset.model._meta.verbose_name})
            scope_item_delete(item=obj, actor=request.user)
        for obj in instances:
            save(obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        project = getattr(request, "_project_being_edited", None)
        if db_field.name == "neighbourhoods" and project is not None:
            # Staff of one neighbourhood of a bundled project keep the others (project_save lets
            # them: only added or removed neighbourhoods must be theirs).
            managed = scope(Neighbourhood.objects.all(), request.user, write=True).values("pk")
            kwargs["queryset"] = Neighbourhood.objects.filter(
                Q(pk__in=managed) | Q(projects=project)
            ).distinct()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        request._project_being_edited = obj
        base = super().get_form(request, obj, **kwargs)

        class ProjectForm(base):
            def clean(self):
                data = super().clean()
                neighbourhoods = data.get("neighbourhoods")
                street = data.get("lead_street")
                if neighbourhoods and street:
                    try:
                        lead_street_check(street.pk, [n.community.street_id for n in neighbourhoods])
                    except ValidationError as exc:
                        self.add_error(None, exc)
                return data

        return ProjectForm

    # -- stage moves: an action over the list, and a form on the project page --

    @admin.action(description=_("推进所选项目到下一阶段"), permissions=["change"])
    def advance_stage(self, request, queryset):
        for project in queryset:
            target = NEXT_STAGE.get(project.stage)
            if target is None:
                messages.error(
                    request,
                    _("%(code)s：当前阶段“%(stage)s”没有下一阶段。")
                    % {"code": project.code, "stage": project.get_stage_display()},
                )
                continue
            self._move(request, project, target, "")

    def _move(self, request, project, target, note):
        label = Stage(target).label
        try:
            project_transition(project=project, to=target, actor=request.user, note=note)
        except Refused as exc:
            messages.error(
                request,
                format_html(
                    "{}<br>{}",
                    _("%(code)s 不能变更为“%(stage)s”：") % {"code": project.code, "stage": label},
                    format_html_join(mark_safe("<br>"), "· {}", ((reason,) for reason in exc.reasons)),
                ),
            )
            return False
        except PermissionDenied:
            messages.error(request, _("%(code)s：您不能变更该项目的阶段。") % {"code": project.code})
            return False
        messages.success(
            request, _("%(code)s 已变更为“%(stage)s”。") % {"code": project.code, "stage": label}
        )
        return True

    def post_transition(self, request, project):
        """The stage form of the project page (RowActionsMixin: <id>/transition/)."""
        target = request.POST.get("to", "")
        if target not in Stage.values:
            messages.error(request, _("请选择要变更到的阶段。"))
        else:
            self._move(request, project, target, request.POST.get("note", ""))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        project = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "move_choices": project_move_choices(project),
            "timeline": project_timeline(project),
            "may_move": self.has_change_permission(request, project),
        }
        return super().change_view(request, object_id, form_url, extra_context)
