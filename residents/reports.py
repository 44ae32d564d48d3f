"""What residents report (随时反馈, issue 13 item 9): a household signed in with its code reports a
problem of its neighbourhood (a category, a text, up to three photos); it goes to the community's
queue, where staff answer it, close it, or turn a works-quality report into a supervision finding
of the neighbourhood's project (projects.report_findings, through residents.report_referrals).

Imported by residents.models so Django finds the models. Writes go through
residents.services_reports (one transaction, an audit row that never holds the report's text:
a resident may type a phone number into it). The public page shows counts only.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.bounds import TEXT_MAX, bounded_text
from governance.fields import check, staff_user
from governance.models import Neighbourhood
from governance.scoping import territory_via

REPORT_TEXT_MAX = 500
REPORT_PHOTOS_MAX = 3
# Attempt limits of one household (checked under a lock on the household's row):
REPORTS_WAITING_MAX = 3  # reports still waiting for an answer
REPORTS_PER_DAY = 5  # reports in the last 24 hours


class ReportCategory(models.TextChoices):
    SAFETY = "safety", _("安全隐患")
    HYGIENE = "hygiene", _("环境卫生")
    WORKS_QUALITY = "works_quality", _("工程质量")
    PROPERTY_SERVICE = "property_service", _("物业服务")
    NEIGHBOUR_DISPUTE = "neighbour_dispute", _("邻里纠纷")
    OTHER = "other", _("其他")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ANSWERED = "answered", _("已答复")
    REFERRED = "referred", _("已转质量监督问题")
    CLOSED = "closed", _("已办结")


# The one table of a report's moves (residents.services_reports refuses any other). A referred
# report is closed when its supervision finding is resolved (projects.services.finding_resolve).
REPORT_TRANSITIONS = {
    ReportStatus.OPEN: {ReportStatus.ANSWERED, ReportStatus.REFERRED, ReportStatus.CLOSED},
    ReportStatus.ANSWERED: {ReportStatus.REFERRED, ReportStatus.CLOSED},
    ReportStatus.REFERRED: {ReportStatus.CLOSED},
    ReportStatus.CLOSED: set(),
}


class ResidentReport(models.Model):
    household = models.ForeignKey(
        "residents.Household", models.CASCADE, related_name="reports", verbose_name=_("住户")
    )
    # Repeats household.neighbourhood (set by the service): the queue and the public counts are
    # read per neighbourhood and scoped through it.
    neighbourhood = models.ForeignKey(
        Neighbourhood, models.CASCADE, related_name="resident_reports", verbose_name=_("小区")
    )
    category = models.CharField(_("类别"), max_length=20, choices=ReportCategory.choices)
    text = bounded_text(_("反映内容"), REPORT_TEXT_MAX)
    submitted_at = models.DateTimeField(_("反映时间"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    answer = bounded_text(_("答复"), TEXT_MAX, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = staff_user(_("答复人"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = staff_user(_("办结人"))

    territory_lookups = territory_via("neighbourhood")

    class Meta:
        verbose_name = _("居民反馈")
        verbose_name_plural = _("居民反馈")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["household", "submitted_at"], name="report_household_time_idx")]
        constraints = [
            check(
                Q(status=ReportStatus.OPEN) | ~Q(answer=""),
                "report_handled_with_answer",
                _("答复、转办或办结须填写答复内容。"),
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.CLOSED) | Q(closed_at__isnull=False),
                name="report_closed_with_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} · {self.text[:30]}"

    @property
    def is_handled(self):
        return self.status == ReportStatus.CLOSED


def _report_photo_path(instance, filename):
    return f"residents/reports/{filename}"


class ResidentReportPhoto(models.Model):
    """A photo of a report, checked and re-encoded without metadata under a uuid name
    (governance.photos)."""

    report = models.ForeignKey(ResidentReport, models.CASCADE, related_name="photos", verbose_name=_("居民反馈"))
    image = models.ImageField(_("照片"), upload_to=_report_photo_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=_report_photo_path)
    uid = models.UUIDField(_("编号"), unique=True, editable=False)

    territory_lookups = territory_via("report__neighbourhood")

    class Meta:
        verbose_name = _("反馈照片")
        verbose_name_plural = _("反馈照片")
        ordering = ["report_id", "id"]

    def __str__(self):
        return str(self.uid)
