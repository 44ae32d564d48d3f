"""The project gates this app checks, registered with projects.gates from SurveysConfig.ready()."""

from django.utils.translation import gettext as _

from governance.models import Neighbourhood

from .choices import MatterType, StepStatus, VoteScope, VoteStatus
from .models import ConsultationProcess, Vote


def final_plan_passed(project):
    """consultation → tender: every neighbourhood of the project passed its renovation plan in a
    concluded neighbourhood-wide vote. One reason per neighbourhood that has not."""
    passed = Vote.objects.filter(
        project=project,
        matter_type=MatterType.RENOVATION_PLAN,
        scope=VoteScope.NEIGHBOURHOOD,
        status=VoteStatus.CLOSED,
        passed=True,
    ).values("neighbourhood_id")
    missing = Neighbourhood.objects.filter(projects=project).exclude(pk__in=passed).order_by("name")
    return [_("小区“%(name)s”的最终改造方案尚未经业主表决通过。") % {"name": n.name} for n in missing]


def consultation_complete(project):
    """consultation → tender: the project's consultation process exists and every step is done
    (the last up step approved). One reason per step not done."""
    process = ConsultationProcess.objects.filter(project=project).first()
    if process is None:
        return [_("项目尚未启动协商程序（三下三上）。")]
    return [
        _("协商步骤“%(step)s”尚未完成。") % {"step": step}
        for step in process.steps.exclude(status=StepStatus.DONE).order_by("order")
    ]
