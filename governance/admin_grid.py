"""The admin of grid roles (五长 and grid workers), with the buildings and stairwells each covers.
Registered from GovernanceConfig.ready(). Thin: writes go through governance.services_grid. The
phone is shown only here, to staff."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import CommunityFilter, RefusalsMixin, ScopedAdmin, StreetFilter, pending_object
from .grid import GridRole
from .services_grid import grid_role_save


class CurrentFilter(admin.SimpleListFilter):
    title = _("任职状态")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("现任")), ("no", _("已卸任"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.current()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.current().values("pk"))
        return queryset


@admin.register(GridRole)
class GridRoleAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["name", "kind", "neighbourhood", "elected_by", "started_on", "ended_on", "coverage"]
    list_filter = [CurrentFilter, "kind", StreetFilter, CommunityFilter]
    search_fields = ["name", "neighbourhood__name"]
    list_select_related = ["neighbourhood"]
    autocomplete_fields = ["neighbourhood"]
    filter_horizontal = ["buildings", "stairwells"]
    fields = [
        "neighbourhood",
        "kind",
        "name",
        "phone",
        "elected_by",
        "started_on",
        "ended_on",
        "buildings",
        "stairwells",
        "order",
        "note",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("buildings", "stairwells__building")

    @admin.display(description=_("负责楼栋/单元"))
    def coverage(self, obj):
        parts = [b.name for b in obj.buildings.all()]
        parts += [f"{s.building.name}{s.name}" for s in obj.stairwells.all()]
        return "、".join(parts) or _("全小区")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "stairwells":
            field.queryset = field.queryset.select_related("building__neighbourhood")
            field.label_from_instance = lambda s: f"{s.building.neighbourhood.name} {s.building.name}{s.name}"
        elif db_field.name == "buildings":
            field.queryset = field.queryset.select_related("neighbourhood")
            field.label_from_instance = lambda b: f"{b.neighbourhood.name} {b.name}"
        return field

    def save_model(self, request, obj, form, change):
        pass  # saved with its coverage in save_related (see pending_object)

    def save_related(self, request, form, formsets, change):
        grid_role_save(
            role=pending_object(form),
            buildings=form.cleaned_data.get("buildings", []),
            stairwells=form.cleaned_data.get("stairwells", []),
            actor=request.user,
        )
