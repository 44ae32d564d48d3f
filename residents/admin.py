from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from governance.admin_base import CommunityFilter, ScopedAdmin, StreetFilter

from .models import Household


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ["room", "neighbourhood", "building", "stairwell", "floor", "floor_area", "owner_name", "has_code"]
    list_filter = [StreetFilter, CommunityFilter]
    search_fields = ["room", "owner_name", "phone", "neighbourhood__name"]
    list_select_related = ["neighbourhood", "building", "stairwell"]
    autocomplete_fields = ["neighbourhood", "building", "stairwell"]
    exclude = ["owner_id_hash", "access_code_locator", "access_code_hash"]
    readonly_fields = ["access_code_issued_at"]

    @admin.display(description=_("已发户码"), boolean=True)
    def has_code(self, obj):
        return obj.has_access_code
