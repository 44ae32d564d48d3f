"""The admin of the works menu (national items and each district's)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from governance.admin_base import RefusalsMixin, ScopedAdmin

from ..models import CatalogueItem
from ..permissions import can_manage_catalogue_item, catalogue_visible_to, may_add_catalogue_items
from ..services import catalogue_item_retire, catalogue_item_save


@admin.register(CatalogueItem)
class CatalogueItemAdmin(RefusalsMixin, ScopedAdmin):
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
