"""Opinions collected in a consultation, with their answers."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import bounded_text
from governance.fields import check, staff_user
from governance.models import Neighbourhood
from governance.scoping import territory_via
from residents.models import Household

from ..choices import OpinionAnswer, OpinionSource
from .steps import ConsultationProcess, ConsultationStep

# Bounds of what residents write, in characters: each read by the resident form (if any), the
# service and the admin (governance.admin_text).
OPINION_TEXT_MAX = 1000


class Opinion(models.Model):
    """An opinion or suggestion from any source, and the answer every one must get."""

    process = models.ForeignKey(
        ConsultationProcess, models.CASCADE, related_name="opinions", verbose_name=_("协商程序")
    )
    step = models.ForeignKey(
        ConsultationStep,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name=_("步骤"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.PROTECT, related_name="opinions", verbose_name=_("小区")
    )
    household = models.ForeignKey(
        Household, models.SET_NULL, null=True, blank=True, related_name="opinions", verbose_name=_("住户")
    )
    source = models.CharField(_("来源"), max_length=20, choices=OpinionSource.choices)
    text = bounded_text(_("意见内容"), OPINION_TEXT_MAX)
    answer = models.CharField(
        _("答复结果"),
        max_length=20,
        choices=OpinionAnswer.choices,
        default=OpinionAnswer.PENDING,
        db_index=True,
    )
    answer_text = models.TextField(_("答复说明"), blank=True)
    answered_by = staff_user(_("答复人"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议")
        ordering = ["-created_at", "-id"]
        constraints = [
            check(
                Q(answer=OpinionAnswer.PENDING)
                | (Q(answered_at__isnull=False) & (Q(answer=OpinionAnswer.ADOPTED) | ~Q(answer_text=""))),
                "opinion_answer_explained",
                _("除“采纳”外，答复须写明理由或说明。"),
            ),
        ]

    def __str__(self):
        return self.text[:40]
