from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .admin_base import (
    CommunityFilter,
    DistrictFilter,
    ScopedAdmin,
    ScopedTabularInline,
    TerritoryWritesMixin,
    StreetFilter,
    WriteRefusalsMixin,
)
from .choices import EligibilityStatus
from .models import AuditEntry, Building, Community, District, Neighbourhood, StaffRole, Stairwell, Street
from .permissions import audit_entries_visible_to
from .scoping import territory_of
from .services import neighbourhood_admit

admin.site.site_header = _("老旧小区改造管理平台")
admin.site.site_title = _("老旧小区改造")
admin.site.index_title = _("工作台")


class AdministrativeUnitAdmin(TerritoryWritesMixin, ScopedAdmin):
    """Districts, streets and communities are set up by superusers (the census import and the
    roles hang on them); staff read them, and may rename the unit they manage. The unit's parent
    (`parent_field`) is read-only for staff: they never manage the level above, so it is neither
    offered as a choice nor theirs to move the unit out of."""

    parent_field = None
    read_only_reason = _("区、街道和社区由系统管理员设立；街道和社区工作人员可以修改本单位的名称和编码。")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self.parent_field and not request.user.is_superuser:
            fields.append(self.parent_field)
        return fields

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(District)
class DistrictAdmin(AdministrativeUnitAdmin):
    list_display = ["name", "code", "eligibility_cutoff", "committee_threshold"]
    search_fields = ["name", "code"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser


class CommunityInline(ScopedTabularInline):
    model = Community
    fields = ["name", "code"]


@admin.register(Street)
class StreetAdmin(AdministrativeUnitAdmin):
    parent_field = "district"
    list_display = ["name", "district", "code"]
    list_filter = [DistrictFilter]
    search_fields = ["name", "code"]
    list_select_related = ["district"]
    inlines = [CommunityInline]


class NeighbourhoodInline(ScopedTabularInline):
    model = Neighbourhood
    fields = ["name", "built_year", "address"]


@admin.register(Community)
class CommunityAdmin(AdministrativeUnitAdmin):
    parent_field = "street"
    list_display = ["name", "street", "code"]
    list_filter = [StreetFilter]
    search_fields = ["name", "code", "street__name"]
    list_select_related = ["street"]
    inlines = [NeighbourhoodInline]


class BuildingInline(ScopedTabularInline):
    model = Building
    fields = ["name", "floors", "has_elevator", "built_year"]


class EligibilityFilter(admin.SimpleListFilter):
    title = _("改造资格")
    parameter_name = "eligibility"

    def lookups(self, request, model_admin):
        return EligibilityStatus.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(eligibility=self.value())
        return queryset


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(TerritoryWritesMixin, ScopedAdmin):
    list_display = [
        "name",
        "community",
        "street_name",
        "built_year",
        "eligibility_display",
        "building_count",  # the stored totals (governance.totals)
        "household_count",
        "floor_area_total",
    ]
    list_filter = [DistrictFilter, StreetFilter, CommunityFilter, EligibilityFilter]
    search_fields = ["name", "code", "address"]
    list_select_related = ["community__street"]
    readonly_fields = ["admitted_by", "admitted_at", "eligibility_display"]
    inlines = [BuildingInline]
    fieldsets = [
        (None, {"fields": ["community", "name", "code", "address", "built_year", "original_property_unit"]}),
        (_("位置"), {"fields": ["latitude", "longitude"], "classes": ["collapse"]}),
        (
            _("改造资格"),
            {"fields": ["eligibility_display", "admission_reason", "admitted_by", "admitted_at"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate_eligibility()

    @admin.display(description=_("街道"), ordering="community__street__name")
    def street_name(self, obj):
        return obj.community.street.name

    @admin.display(description=_("改造资格"), ordering="eligibility")
    def eligibility_display(self, obj):
        if obj.pk is None:
            return "-"
        return EligibilityStatus(obj.eligibility).label

    def save_model(self, request, obj, form, change):
        # The admission (reason, who, when) is written through its service, never typed in.
        reason = form.cleaned_data.get("admission_reason", "")
        admitting = "admission_reason" in form.changed_data and reason.strip()
        if admitting:
            obj.admission_reason = form.initial.get("admission_reason", "") if change else ""
        super().save_model(request, obj, form, change)
        if admitting:
            try:
                neighbourhood_admit(neighbourhood=obj, reason=reason, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)


class StairwellInline(ScopedTabularInline):
    model = Stairwell
    fields = ["name", "floors", "has_elevator"]


@admin.register(Building)
class BuildingAdmin(TerritoryWritesMixin, ScopedAdmin):
    list_display = ["name", "neighbourhood", "floors", "has_elevator"]
    list_filter = [StreetFilter, CommunityFilter, "has_elevator"]
    search_fields = ["name", "neighbourhood__name"]
    list_select_related = ["neighbourhood"]
    autocomplete_fields = ["neighbourhood"]
    inlines = [StairwellInline]


@admin.register(Stairwell)
class StairwellAdmin(TerritoryWritesMixin, ScopedAdmin):
    list_display = ["name", "building", "floors", "has_elevator"]
    list_filter = [StreetFilter, CommunityFilter]
    search_fields = ["name", "building__name", "building__neighbourhood__name"]
    list_select_related = ["building__neighbourhood"]
    autocomplete_fields = ["building"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    autocomplete_fields = ["district", "street", "community"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Users and their roles: managed by superusers only (Django's own permissions apply)."""

    inlines = [StaffRoleInline]


@admin.register(AuditEntry)
class AuditEntryAdmin(WriteRefusalsMixin, admin.ModelAdmin):
    """Read-only; each user reads what governance.permissions.audit_entries_visible_to allows (the
    admin index shows the latest of them)."""

    list_display = ["at", "actor", "action", "target_type", "target_id", "summary"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "summary"]
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    read_only_reason = _("操作记录由系统在每次写入时自动生成，只能查看，不能修改或删除。")
    show_full_result_count = False

    def get_queryset(self, request):
        return audit_entries_visible_to(request.user)

    def has_module_permission(self, request):
        return not territory_of(request.user).is_empty

    def has_view_permission(self, request, obj=None):
        return not territory_of(request.user).is_empty

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log is kept whole
