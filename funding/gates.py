"""The project gates funding checks (registered from FundingConfig.ready(); see projects.gates)."""

from django.db.models import Exists, OuterRef, Sum
from django.utils.translation import gettext as _

from governance.models import ManagementArrangement, ManagementMode, Neighbourhood
from governance.money import yuan

from .models import Commitment


def funding_covers_budget(project):
    """consultation → tender: the commitments to the project sum to at least its budget, to the
    cent, net of reversals (a reversed commitment counts for nothing). The reason names the budget,
    the committed sum and the gap."""
    live = Commitment.objects.live().filter(project=project)
    committed = live.aggregate(total=Sum("amount"))["total"] or 0
    if committed >= project.budget:
        return []
    return [
        _("资金承诺合计 %(committed)s，低于项目概算 %(budget)s，缺口 %(gap)s。")
        % {
            "committed": yuan(committed),
            "budget": yuan(project.budget),
            "gap": yuan(project.budget - committed),
        }
    ]


def management_arranged(project):
    """acceptance → aftercare: every neighbourhood of the project has a current management
    arrangement whose mode is not "none". One reason per neighbourhood that lacks one."""
    current = ManagementArrangement.objects.filter(
        neighbourhood=OuterRef("pk"), ended_on__isnull=True
    ).exclude(mode=ManagementMode.NONE)
    rows = (
        Neighbourhood.objects.filter(projects=project)
        .alias(managed=Exists(current))
        .filter(managed=False)
        .order_by("name")
    )
    return [
        _("小区“%(name)s”尚未落实长效管理（无现行管理方式或为“无人管理”）。") % {"name": row.name}
        for row in rows
    ]
