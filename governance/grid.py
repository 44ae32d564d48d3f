"""Grid roles (issue 13, item 3): the five heads that residents elect to look after a
neighbourhood (“五长”: 片长、街长、巷长、院长、楼长) beside the community's grid workers (网格员),
and the buildings and stairwells each one covers.

Imported by governance.models so Django finds the model; written through
governance.services_grid.grid_role_save (one transaction, an actor, an audit row without the phone).
The phone is staff-only: the neighbourhood's public page shows a contact card with the name and the
role, never the phone (governance.selectors.grid_contacts)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bodies import phone_validator
from .bounds import DateChecks
from .fields import check
from .scoping import territory_via


class GridRoleKind(models.TextChoices):
    AREA_HEAD = "area_head", _("片长")
    STREET_HEAD = "street_head", _("街长")
    LANE_HEAD = "lane_head", _("巷长")
    COURTYARD_HEAD = "courtyard_head", _("院长")
    BUILDING_HEAD = "building_head", _("楼长")
    GRID_WORKER = "grid_worker", _("网格员")


FIVE_HEADS = (
    GridRoleKind.AREA_HEAD,
    GridRoleKind.STREET_HEAD,
    GridRoleKind.LANE_HEAD,
    GridRoleKind.COURTYARD_HEAD,
    GridRoleKind.BUILDING_HEAD,
)


class ElectedBy(models.TextChoices):
    RESIDENTS = "residents", _("居民推选")
    GRID_WORKERS = "grid_workers", _("网格员推荐")
    COMMUNITY = "community", _("社区委派")


class GridRoleQuerySet(models.QuerySet):
    def current(self, today=None):
        """Roles held on `today` (default today): started by then and not ended before it."""
        today = today or timezone.localdate()
        return self.filter(Q(started_on__isnull=True) | Q(started_on__lte=today)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=today)
        )


class GridRole(DateChecks, models.Model):
    """One person in one grid role of a neighbourhood, with the buildings and stairwells they
    cover (none: the whole neighbourhood)."""

    neighbourhood = models.ForeignKey(
        "governance.Neighbourhood", models.PROTECT, related_name="grid_roles", verbose_name=_("小区")
    )
    kind = models.CharField(_("角色"), max_length=20, choices=GridRoleKind.choices)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    elected_by = models.CharField(
        _("产生方式"), max_length=20, choices=ElectedBy.choices, default=ElectedBy.RESIDENTS
    )
    started_on = models.DateField(_("任职日期"), null=True, blank=True)
    ended_on = models.DateField(_("卸任日期"), null=True, blank=True, help_text=_("空白表示现任。"))
    buildings = models.ManyToManyField(
        "governance.Building", blank=True, related_name="grid_roles", verbose_name=_("负责楼栋")
    )
    stairwells = models.ManyToManyField(
        "governance.Stairwell", blank=True, related_name="grid_roles", verbose_name=_("负责单元")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    note = models.TextField(_("备注"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = GridRoleQuerySet.as_manager()

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("网格角色")
        verbose_name_plural = _("网格角色（五长、网格员）")
        ordering = ["neighbourhood_id", "order", "kind", "id"]
        constraints = [
            check(
                Q(ended_on__isnull=True) | Q(started_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                "grid_role_end_after_start",
                _("卸任日期不能早于任职日期。"),
            ),
        ]

    date_window = ["started_on", "ended_on"]
    date_order = [("started_on", "ended_on", False)]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"
