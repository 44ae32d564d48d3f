"""The admin of the projects app: thin — every write calls a service, every list is scoped."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    CommunityFilter,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
    adopt_saved,
)
from governance.models import Neighbourhood, Street
from governance.scoping import scope

from .choices import NEXT_STAGE, ObjectionStatus, Stage, WorkClass
from .models import (
    Acceptance,
    CatalogueItem,
    Notice,
    Objection,
    Photo,
    ProgressReport,
    Project,
    ScopeItem,
    SupervisionFinding,
)
from .permissions import can_manage_catalogue_item, catalogue_visible_to, may_add_catalogue_items
from governance.photos import prepare_photo
from .selectors import project_move_choices, project_timeline
from .services import (
    REPORTING_STAGES,
    TransitionRefused,
    acceptance_record,
    catalogue_item_retire,
    catalogue_item_save,
    finding_resolve,
    finding_save,
    money,
    notice_save,
    objection_answer,
    photo_caption_set,
    photo_upload,
    progress_report_save,
    project_save,
    project_transition,
    scope_item_delete,
    scope_item_save,
)


def _message_errors(request, exc):
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, _("您没有权限执行此操作。"))


class ServiceErrorsMixin:
    """A service refusing a write raises ValidationError: the whole save rolls back (the admin's
    view is one transaction) and the page comes back with the reasons as messages. PermissionDenied
    stays a 403."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST":
                raise
            _message_errors(request, exc)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(CatalogueItem)
class CatalogueItemAdmin(ServiceErrorsMixin, ScopedAdmin):
    list_display = ["code", "name", "work_class", "unit", "reference_unit_cost", "active", "district"]
    list_filter = ["work_class", "active", "district"]
    search_fields = ["code", "name"]
    list_select_related = ["district"]
    actions = ["retire", "restore"]
    read_only_reason = _("国家菜单项目由系统管理员维护；区增补的项目由管理该区的人员维护。您只能查看。")
    fields = [
        "code",
        "name",
        "work_class",
        "unit",
        "reference_unit_cost",
        "description",
        "district",
        "sort_order",
        "active",
    ]
    readonly_fields = ["active"]

    def get_queryset(self, request):
        # The national menu is read by every role; district items through the scoping function.
        return catalogue_visible_to(request.user).select_related("district")

    def has_add_permission(self, request, *args):
        return may_add_catalogue_items(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return can_manage_catalogue_item(request.user, obj)
        return may_add_catalogue_items(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # retire instead: items may be used by projects

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)
        is_superuser = request.user.is_superuser

        class CatalogueItemForm(base):
            def clean(self):
                data = super().clean()
                if not is_superuser and not data.get("district"):
                    self.add_error("district", _("请选择增补该项目的区；国家菜单项目只能由系统管理员维护。"))
                return data

        return CatalogueItemForm

    def save_model(self, request, obj, form, change):
        catalogue_item_save(item=obj, actor=request.user)

    def _set_active(self, request, queryset, active):
        done = 0
        for item in queryset:
            try:
                catalogue_item_retire(item=item, actor=request.user, active=active)
                done += 1
            except PermissionDenied:
                messages.error(
                    request, _("“%(name)s”是国家菜单项目或不属于您的区，不能更改。") % {"name": item.name}
                )
        if done:
            messages.success(request, _("已更新 %(n)d 个菜单项目。") % {"n": done})

    @admin.action(description=_("停用所选菜单项目"), permissions=["change"])
    def retire(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description=_("重新启用所选菜单项目"), permissions=["change"])
    def restore(self, request, queryset):
        self._set_active(request, queryset, True)


# ---- projects ------------------------------------------------------------------------------


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


class NoticeInline(ScopedTabularInline):
    model = Notice
    fields = ["kind", "title", "starts_on", "ends_on"]
    readonly_fields = ["kind", "title", "starts_on", "ends_on"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # notices are published from their own page


@admin.register(Project)
class ProjectAdmin(ServiceErrorsMixin, ScopedAdmin):
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
                if (
                    neighbourhoods
                    and street
                    and street.pk not in {n.community.street_id for n in neighbourhoods}
                ):
                    self.add_error("lead_street", _("牵头街道须为项目所含小区所在的街道之一。"))
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
        except TransitionRefused as exc:
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

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="projects_project_transition",
            )
        ]
        return own + super().get_urls()

    def transition_view(self, request, object_id):
        project = self.get_object(request, object_id)  # 404 outside the territory
        refusal = self.write_refusal(request, project)
        if request.method == "POST" and refusal:
            messages.error(request, refusal)
        elif request.method == "POST":
            target = request.POST.get("to", "")
            if target not in Stage.values:
                messages.error(request, _("请选择要变更到的阶段。"))
            else:
                self._move(request, project, target, request.POST.get("note", ""))
        return redirect(reverse("admin:projects_project_change", args=[project.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        project = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "move_choices": project_move_choices(project),
            "timeline": project_timeline(project),
            "may_move": self.has_change_permission(request, project),
        }
        return super().change_view(request, object_id, form_url, extra_context)


# ---- scope items, progress, findings, acceptance ----------------------------------------


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
class ScopeItemAdmin(ServiceErrorsMixin, ScopedAdmin):
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
        if "unit_cost" in form.base_fields:  # absent when the page is read-only (a district official)
            form.base_fields["unit_cost"].required = False
        return form

    def save_model(self, request, obj, form, change):
        scope_item_save(item=obj, actor=request.user)

    def delete_model(self, request, obj):
        scope_item_delete(item=obj, actor=request.user)


@admin.register(ProgressReport)
class ProgressReportAdmin(ServiceErrorsMixin, ScopedAdmin):
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
        (
            _("管线（千米，累计）"),
            {
                "fields": [
                    "pipes_water_km",
                    "pipes_drainage_km",
                    "pipes_gas_km",
                    "pipes_heating_km",
                    "pipes_power_km",
                    "pipes_telecom_km",
                ]
            },
        ),
        (
            _("其他工程量（累计）"),
            {
                "fields": [
                    "roads_m2",
                    "elevators",
                    "parking_spaces",
                    "ev_chargers",
                    "ebike_chargers",
                    "service_facilities",
                    "energy_retrofit_m2",
                    "illegal_structures_removed_m2",
                    "facades_m2",
                    "security_fire_systems",
                    "lights",
                    "greening_m2",
                ]
            },
        ),
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


class FindingPhotoInline(ScopedTabularInline):
    model = Photo
    fields = ["thumbnail_preview", "kind", "caption", "uploaded_at"]
    readonly_fields = ["thumbnail_preview", "kind", "caption", "uploaded_at"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # photos are uploaded on the photo page, which checks the file

    @admin.display(description=_("缩略图"))
    def thumbnail_preview(self, obj):
        return format_html('<img src="{}" alt="" width="120">', obj.thumbnail.url) if obj.thumbnail else ""


@admin.register(SupervisionFinding)
class SupervisionFindingAdmin(ServiceErrorsMixin, ScopedAdmin):
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

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="projects_supervisionfinding_resolve",
            )
        ]
        return own + super().get_urls()

    def resolve_view(self, request, object_id):
        finding = self.get_object(request, object_id)  # 404 outside the territory
        refusal = self.write_refusal(request, finding)
        if request.method == "POST" and refusal:
            messages.error(request, refusal)
        elif request.method == "POST":
            try:
                finding_resolve(
                    finding=finding, note=request.POST.get("resolution_note", ""), actor=request.user
                )
                messages.success(request, _("问题已整改销号。"))
            except (ValidationError, PermissionDenied) as exc:
                _message_errors(request, exc)
        return redirect(reverse("admin:projects_supervisionfinding_change", args=[finding.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        finding = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "may_resolve": finding.is_open and self.has_change_permission(request, finding),
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Acceptance)
class AcceptanceAdmin(ServiceErrorsMixin, ScopedAdmin):
    list_display = ["project", "accepted_on", "satisfaction_rate", "passed"]
    list_filter = ["passed", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["project__code", "project__name"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    readonly_fields = ["recorded_by", "created_at"]

    def save_model(self, request, obj, form, change):
        acceptance_record(acceptance=obj, actor=request.user)


# ---- photos --------------------------------------------------------------------------------


class PhotoUploadForm(forms.ModelForm):
    """The upload field is a plain file field: governance.photos decides what is an image (by its
    content), so its messages, not the generic ones, reach the user."""

    upload = forms.FileField(
        label=_("照片文件"), help_text=_("JPEG、PNG 或 WebP，不超过 10 MB；位置信息会被去除。")
    )

    class Meta:
        model = Photo
        fields = ["project", "finding", "kind", "caption"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            self.prepared = prepare_photo(upload)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["image"]) from exc
        return upload


@admin.register(Photo)
class PhotoAdmin(ServiceErrorsMixin, ScopedAdmin):
    list_display = ["preview", "project", "kind", "caption", "uploaded_at"]
    list_filter = ["kind", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["project__code", "project__name", "caption"]
    list_select_related = ["project"]
    autocomplete_fields = ["project", "finding"]
    readonly_fields = ["preview", "width", "height", "taken_at", "uploaded_by", "uploaded_at"]

    @admin.display(description=_("缩略图"))
    def preview(self, obj):
        return format_html('<img src="{}" alt="" width="120">', obj.thumbnail.url) if obj.thumbnail else ""

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PhotoUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["project", "finding", "kind", "caption", "upload"]
        return [
            "preview",
            "project",
            "finding",
            "kind",
            "caption",
            "width",
            "height",
            "taken_at",
            "uploaded_by",
            "uploaded_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, "project", "finding", "kind"]

    def save_model(self, request, obj, form, change):
        if change:
            photo_caption_set(photo=obj, caption=obj.caption, actor=request.user)
            return
        saved = photo_upload(
            project=obj.project,
            kind=obj.kind,
            finding=obj.finding,
            caption=obj.caption,
            prepared=form.prepared,
            actor=request.user,
        )
        adopt_saved(obj, saved)


# ---- notices and objections ----------------------------------------------------------------


class ObjectionInline(ScopedTabularInline):
    model = Objection
    fields = ["submitted_at", "household", "text", "status", "answer"]
    readonly_fields = ["submitted_at", "household", "text", "status", "answer"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # residents object on the public page

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("household__building", "household__stairwell")


@admin.register(Notice)
class NoticeAdmin(ServiceErrorsMixin, ScopedAdmin):
    list_display = ["title", "project", "kind", "starts_on", "ends_on", "open_objections"]
    list_filter = ["kind", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["title", "project__code", "project__name"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    readonly_fields = ["published_by", "created_at"]
    inlines = [ObjectionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_count=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN)))
        )

    @admin.display(description=_("待答复异议"), ordering="open_count")
    def open_objections(self, obj):
        return obj.open_count

    def save_model(self, request, obj, form, change):
        notice_save(notice=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        # Objections are answered on their own page; the inline is read-only. save(commit=False)
        # writes nothing but gives the formset the lists the change message reads (without them
        # every save of a notice answered 500).
        formset.save(commit=False)


class ObjectionAnswerForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["answer"]

    def clean_answer(self):
        answer = (self.cleaned_data.get("answer") or "").strip()
        if not answer:
            raise ValidationError(_("请填写答复内容。"))
        return answer


@admin.register(Objection)
class ObjectionAdmin(ServiceErrorsMixin, ScopedAdmin):
    list_display = ["text_short", "notice", "household_place", "submitted_at", "status"]
    list_filter = ["status", StreetFilter, CommunityFilter]
    search_fields = ["text", "notice__title", "notice__project__code"]
    list_select_related = ["notice", "household__neighbourhood", "household__building"]
    form = ObjectionAnswerForm
    readonly_fields = [
        "notice",
        "household_place",
        "text",
        "submitted_at",
        "status",
        "answered_by",
        "answered_at",
    ]
    fields = [
        "notice",
        "household_place",
        "text",
        "submitted_at",
        "status",
        "answer",
        "answered_by",
        "answered_at",
    ]

    @admin.display(description=_("异议内容"))
    def text_short(self, obj):
        return obj.text[:40]

    @admin.display(description=_("住户"))
    def household_place(self, obj):
        h = obj.household
        return f"{h.neighbourhood.name} {h.building.name} {h.room}"

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ObjectionStatus.OPEN:
            return [*self.readonly_fields, "answer"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        objection_answer(objection=obj, answer=form.cleaned_data["answer"], actor=request.user)
