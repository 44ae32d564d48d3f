"""The admin of the providers' register (物业服务单位). Registered from GovernanceConfig.ready().
Written by superusers through governance.services.territory_record_save (TerritoryWritesMixin); every
role of the district reads it and chooses from it when starting an arrangement."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .admin_base import DistrictFilter, ScopedAdmin, TerritoryWritesMixin
from .providers import Provider


@admin.register(Provider)
class ProviderAdmin(TerritoryWritesMixin, ScopedAdmin):
    list_display = ["name", "kind", "district", "credit_code", "contact_name", "current_count"]
    list_filter = ["kind", DistrictFilter]
    search_fields = ["name", "credit_code", "contact_name"]
    list_select_related = ["district"]
    fields = ["district", "name", "kind", "credit_code", "contact_name", "contact_phone", "address", "note"]
    read_only_reason = _("物业服务单位名录由区统一登记（系统管理员录入），工作人员只能查看，并在登记长效管理安排时选用。")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            current_total=Count("arrangements", filter=Q(arrangements__ended_on__isnull=True))
        )

    @admin.display(description=_("现管理小区数"), ordering="current_total")
    def current_count(self, obj):
        return obj.current_total
