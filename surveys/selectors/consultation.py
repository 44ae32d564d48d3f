"""Reads of the consultations: the opinions counted per step, and the up steps awaiting review."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ..choices import ADOPTED_ANSWERS, Direction, OpinionAnswer, StepStatus
from ..models import ConsultationStep, Opinion


@dataclass
class OpinionCount:
    code: str
    name: str
    collected: int = 0
    adopted: int = 0
    not_adopted: int = 0
    explained: int = 0
    pending: int = 0

    @property
    def summary(self):
        return _("收集意见 %(n)d 条，采纳 %(m)d 条") % {"n": self.collected, "m": self.adopted}


@dataclass
class OpinionCounts:
    total: OpinionCount
    steps: list = field(default_factory=list)


def opinion_counts(process):
    """ "收集 N 条，采纳 M 条" per step and for the whole process (adopted = adopted or partly
    adopted); opinions recorded without a step count in the total only. Two queries: the steps,
    and the opinions counted per step in one aggregate."""
    steps = [
        OpinionCount(code, name) for code, name in process.steps.order_by("order").values_list("code", "name")
    ]
    by_code = {s.code: s for s in steps}
    rows = (
        Opinion.objects.filter(process=process)
        .order_by()
        .values("step__code")
        .annotate(
            collected=Count("pk"),
            adopted=Count("pk", filter=Q(answer__in=ADOPTED_ANSWERS)),
            not_adopted=Count("pk", filter=Q(answer=OpinionAnswer.NOT_ADOPTED)),
            explained=Count("pk", filter=Q(answer=OpinionAnswer.EXPLAINED)),
            pending=Count("pk", filter=Q(answer=OpinionAnswer.PENDING)),
        )
    )
    total = OpinionCount("", _("合计"))
    for row in rows:
        for target in (by_code.get(row["step__code"]), total):
            if target is None:
                continue
            for name in ("collected", "adopted", "not_adopted", "explained", "pending"):
                setattr(target, name, getattr(target, name) + row[name])
    return OpinionCounts(total=total, steps=steps)


def up_steps_awaiting_review(projects, opened_before):
    """The up steps (上) of the consultations of `projects` (a queryset) open since before
    `opened_before`: each waits for a department review (StepReview), oldest first, with its
    project."""
    return (
        ConsultationStep.objects.filter(
            direction=Direction.UP,
            status=StepStatus.OPEN,
            opened_at__lt=opened_before,
            process__project__in=projects.values("pk"),
        )
        .select_related("process__project")
        .order_by("opened_at", "pk")
    )
