"""The admin's login, checked under the failed-login limits (governance.logins), and the page
where a superuser sees the counters and unlocks them."""
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .admin_base import WriteRefusalsMixin
from .logins import LoginRefused, login_authenticate
from .models import LoginCounter
from .services import login_counters_unlock


class LimitedAdminAuthenticationForm(AdminAuthenticationForm):
    """Django's admin login form, with the credentials checked through login_authenticate: while
    this account from this client (or this client) is locked, the password is not checked and
    the form says until when."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = login_authenticate(self.request, username=username, password=password)
            except LoginRefused as refused:
                raise ValidationError(refused.message, code="login_locked") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = LimitedAdminAuthenticationForm


class LockedNowFilter(admin.SimpleListFilter):
    title = _("锁定状态")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", _("锁定中")), ("no", _("未锁定"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=now)
        return queryset


@admin.register(LoginCounter)
class LoginCounterAdmin(WriteRefusalsMixin, admin.ModelAdmin):
    """Superusers only: the failed-login counters, searchable by username and client address;
    the action unlocks (deletes) the selected ones through the service, with an audit row each."""

    list_display = ["username", "client", "kind", "failures", "last_failure_at", "locked_until", "is_locked"]
    list_filter = [LockedNowFilter, "kind"]
    search_fields = ["username", "client"]
    readonly_fields = [f.name for f in LoginCounter._meta.fields]
    actions = ["unlock"]
    read_only_reason = _("登录失败计数由系统记录，不能在此修改；要解除锁定，请在列表中选中后执行“解除锁定”。")

    @admin.display(boolean=True, description=_("锁定中"))
    def is_locked(self, obj):
        return obj.locked_until is not None and obj.locked_until > timezone.now() and obj.expires_at > timezone.now()

    @admin.action(description=_("解除锁定"))
    def unlock(self, request, queryset):
        count = login_counters_unlock(counters=list(queryset), actor=request.user)
        self.message_user(request, _("已解除%(count)d条登录失败计数的锁定。") % {"count": count}, messages.SUCCESS)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # unlocking goes through the action (audited), not Django's delete
