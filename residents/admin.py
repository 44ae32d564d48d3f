from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from governance.admin import BuildingAdmin, NeighbourhoodAdmin
from governance.admin_base import (
    CommunityFilter,
    DistrictFilter,
    ScopedAdmin,
    ScopedTabularInline,
    TerritoryWritesMixin,
    StreetFilter,
)
from governance.models import Building, Neighbourhood, Stairwell
from governance.scoping import scope

from . import admin_bodies  # noqa: F401  (the bodies' admin with each member's household)
from .admin_census import CensusImportAdminMixin
from .admin_codes import AccessCodeAdminMixin, HouseholdAccessCodeAdminMixin
from .forms import HouseholdAdminForm
from .models import Household
from .services import household_save


class HouseholdWritesMixin(TerritoryWritesMixin):
    """Households (on their own page and on their building's) are saved by household_save."""

    def record_save(self, request, obj):
        if isinstance(obj, Household):
            household_save(household=obj, actor=request.user)
        else:
            super().record_save(request, obj)


@admin.register(Household)
class HouseholdAdmin(HouseholdWritesMixin, HouseholdAccessCodeAdminMixin, CensusImportAdminMixin, ScopedAdmin):
    form = HouseholdAdminForm
    list_display = [
        "room",
        "neighbourhood",
        "building",
        "stairwell",
        "floor",
        "floor_area",
        "owner_name",
        "has_code",
    ]
    list_filter = [DistrictFilter, StreetFilter, CommunityFilter]
    search_fields = ["room", "owner_name", "phone", "neighbourhood__name"]
    list_select_related = ["neighbourhood", "building", "stairwell"]
    autocomplete_fields = ["neighbourhood", "building", "stairwell"]
    exclude = ["owner_id_hash", "access_code_locator", "access_code_hash"]
    readonly_fields = ["has_owner_identity", "access_code_issued_at"]

    @admin.display(description=_("已发户码"), boolean=True)
    def has_code(self, obj):
        return obj.has_access_code

    @admin.display(description=_("已登记身份证号"), boolean=True)
    def has_owner_identity(self, obj):
        return bool(obj.owner_id_hash)


class HouseholdInline(ScopedTabularInline):
    model = Household
    fields = ["stairwell", "room", "floor", "floor_area", "owner_name", "phone"]
    fk_name = "building"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stairwell")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """A household's stairwell is one of its building's: a plain select read once for every row
        of the inline (an autocomplete widget queried once per row)."""
        if db_field.name != "stairwell":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        building_id = request.resolver_match.kwargs.get("object_id")
        stairwells = Stairwell.objects.filter(building_id=building_id) if building_id else Stairwell.objects.none()
        kwargs["queryset"] = scope(stairwells, request.user, write=True)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        field.choices = list(field.choices)
        return field


# The building page lists its households; the neighbourhood page issues access codes.
admin.site.unregister(Building)
admin.site.unregister(Neighbourhood)


@admin.register(Building)
class BuildingWithHouseholdsAdmin(HouseholdWritesMixin, BuildingAdmin):
    # A household added here gets the building's neighbourhood from household_save.
    inlines = [*BuildingAdmin.inlines, HouseholdInline]


@admin.register(Neighbourhood)
class NeighbourhoodWithCodesAdmin(AccessCodeAdminMixin, NeighbourhoodAdmin):
    pass
