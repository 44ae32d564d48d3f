"""Who works on the platform and what they did: staff roles, the audit log and the failed-login
counters."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ROLE_LEVEL, Level, RoleKind
from ..fields import staff_user
from .territory import Community, District, Street


class StaffRole(models.Model):
    """A role a staff user holds over one territory. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="staff_roles", verbose_name=_("用户")
    )
    kind = models.CharField(_("角色"), max_length=30, choices=RoleKind.choices)
    district = models.ForeignKey(District, models.CASCADE, null=True, blank=True, verbose_name=_("区"))
    street = models.ForeignKey(Street, models.CASCADE, null=True, blank=True, verbose_name=_("街道"))
    community = models.ForeignKey(Community, models.CASCADE, null=True, blank=True, verbose_name=_("社区"))

    class Meta:
        verbose_name = _("工作人员角色")
        verbose_name_plural = _("工作人员角色")
        constraints = [
            # Exactly the territory field of the role's level is set.
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=RoleKind.CITY_OFFICIAL,
                        district__isnull=True,
                        street__isnull=True,
                        community__isnull=True,
                    )
                    | Q(
                        kind=RoleKind.DISTRICT_OFFICIAL,
                        district__isnull=False,
                        street__isnull=True,
                        community__isnull=True,
                    )
                    | Q(
                        kind=RoleKind.STREET_STAFF,
                        district__isnull=True,
                        street__isnull=False,
                        community__isnull=True,
                    )
                    | Q(
                        kind=RoleKind.COMMUNITY_STAFF,
                        district__isnull=True,
                        street__isnull=True,
                        community__isnull=False,
                    )
                ),
                name="staffrole_territory_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "district", "street", "community"], name="staffrole_unique"
            ),
        ]

    @property
    def level(self):
        return ROLE_LEVEL[self.kind]

    @property
    def territory_id(self):
        if self.level is None:
            return None  # the city official: the whole deployment
        return {
            Level.DISTRICT: self.district_id,
            Level.STREET: self.street_id,
            Level.COMMUNITY: self.community_id,
        }[self.level]

    def __str__(self):
        if self.kind == RoleKind.CITY_OFFICIAL:
            return str(self.get_kind_display())
        place = self.district_id and self.district or self.street_id and self.street or self.community
        return f"{self.get_kind_display()} · {place}"


class AuditEntry(models.Model):
    """One row per write done by a service: who did what to which object, and the details."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = staff_user(_("操作人"))
    action = models.CharField(_("操作"), max_length=60)
    target_type = models.CharField(_("对象类型"), max_length=60)
    target_id = models.CharField(_("对象ID"), max_length=40)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class LoginCounter(models.Model):
    """Failed staff logins counted against one account from one client, or against one client
    whatever the account, for governance.logins. Rows are written only there, under a row lock;
    a row past `expires_at` counts as empty. `locked_until` is when the next attempt is checked
    again; a superuser unlocks by deleting the row (governance.logins.login_unlock)."""

    class Kind(models.TextChoices):
        ACCOUNT_CLIENT = "account_client", _("账号+客户端")
        CLIENT = "client", _("客户端")

    kind = models.CharField(_("计数类型"), max_length=20, choices=Kind.choices)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    client = models.CharField(_("客户端地址"), max_length=64)
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    last_failure_at = models.DateTimeField(_("最近一次失败"), null=True, blank=True)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), db_index=True)

    class Meta:
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数")
        ordering = ["-last_failure_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "username", "client"], name="login_counter_unique"),
        ]

    def __str__(self):
        if self.kind == self.Kind.CLIENT:
            return self.client
        return f"{self.username} @ {self.client}"
