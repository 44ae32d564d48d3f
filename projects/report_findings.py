"""A resident's works-quality report turned into a supervision finding of the neighbourhood's project
(随时反馈 → 质量监督问题). The report lives in `residents` (below this app), so its admin offers the
move through residents.report_referrals, which ProjectsConfig.ready() fills with REFERRAL below.

The finding keeps a link to its report (SupervisionFinding.resident_report); when the finding is
resolved, projects.services.finding_resolve closes the report with the resolution note, which the
household reads on `/me/`.
"""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.photos import PreparedPhoto
from governance.scoping import can_manage, scope
from governance.services import save_audited
from residents.report_referrals import Referral
from residents.reports import ReportCategory, ReportStatus, ResidentReport
from residents.services_reports import report_refer

from .choices import FindingSource, PhotoKind, Severity, Stage
from .models import Project, SupervisionFinding
from .services import photo_upload

# The stages in which works exist whose quality a finding can be about.
FINDING_STAGES = (Stage.CONSTRUCTION, Stage.ACCEPTANCE, Stage.AFTERCARE)


def finding_projects(report, actor):
    """The projects of the report's neighbourhood that `actor` manages and that are in a stage with
    works (FINDING_STAGES), newest first."""
    projects = Project.objects.filter(neighbourhoods=report.neighbourhood_id, stage__in=FINDING_STAGES)
    return scope(projects, actor, write=True).order_by("-id")


def _copied(photo):
    """A PreparedPhoto of a report's stored photo (already checked and stripped of metadata by
    governance.photos when the resident sent it), under a new uuid name for the project."""
    uid = uuid.uuid4()
    extension = photo.image.name.rsplit(".", 1)[-1]
    with photo.image.open("rb") as image, photo.thumbnail.open("rb") as thumbnail:
        return PreparedPhoto(
            uid=uid,
            image=ContentFile(image.read(), name=f"{uid.hex}.{extension}"),
            thumbnail=ContentFile(thumbnail.read(), name=f"{uid.hex}-thumb.jpg"),
            width=0,
            height=0,
            taken_at=None,
        )


def report_to_finding(*, report, project, answer, actor, severity=Severity.MINOR):
    """Turn a works-quality report into an open supervision finding of `project`, in one
    transaction: the finding (source "居民反馈", the report's text as its description, linked to
    the report), the report's photos copied as the finding's photos, the report marked referred with
    `answer` for the household (residents.services_reports.report_refer), and their audit rows.
    Refuses: a project that does not cover the report's neighbourhood or is not in a stage with
    works; another category; a report closed or already referred (each naming its field); staff who
    manage neither (PermissionDenied)."""
    with transaction.atomic():
        locked_project = Project.objects.select_for_update().get(pk=project.pk)
        if not can_manage(actor, locked_project):
            raise PermissionDenied
        report = ResidentReport.objects.select_for_update().get(pk=report.pk)
        errors = {}
        if not locked_project.neighbourhoods.filter(pk=report.neighbourhood_id).exists():
            errors["project"] = _("该项目不包括反映问题的小区。")
        elif locked_project.stage not in FINDING_STAGES:
            errors["project"] = _("项目处于“%(stage)s”阶段，只有施工、竣工验收和长效管理阶段的项目可以登记质量监督问题。") % {
                "stage": locked_project.get_stage_display()
            }
        if errors:
            raise ValidationError(errors)
        report_refer(report=report, answer=answer, actor=actor)  # checks category, status, actor
        finding = SupervisionFinding(
            project=locked_project,
            source=FindingSource.RESIDENT_REPORT,
            severity=severity,
            description=_("居民反馈（%(at)s）：%(text)s")
            % {"at": f"{timezone.localtime(report.submitted_at):%Y-%m-%d}", "text": report.text},
            opened_at=timezone.now(),
            reported_by=actor,
            resident_report=report,
        )
        save_audited(
            finding,
            actor=actor,
            action="finding_add",
            summary=_("由居民反馈转入"),
            details={"resident_report": report.pk, "project": locked_project.pk},
        )
        for photo in report.photos.all():
            photo_upload(
                project=locked_project,
                kind=PhotoKind.FINDING,
                actor=actor,
                prepared=_copied(photo),
                caption=_("居民反馈照片"),
                finding=finding,
            )
    return finding


def _applies(report):
    return report.category == ReportCategory.WORKS_QUALITY and report.status in (
        ReportStatus.OPEN,
        ReportStatus.ANSWERED,
    )


def _targets(report, actor):
    return [(p.pk, f"{p.code} {p.name}（{p.get_stage_display()}）") for p in finding_projects(report, actor)]


def _refer(*, report, target_id, answer, actor):
    project = finding_projects(report, actor).filter(pk=target_id).first()
    if project is None:
        raise ValidationError({"project": _("请选择本小区处于施工、竣工验收或长效管理阶段的项目。")})
    return report_to_finding(report=report, project=project, answer=answer, actor=actor)


def _describe(report):
    finding = SupervisionFinding.objects.select_related("project").filter(resident_report=report).first()
    if finding is None:
        return None
    state = _("已整改销号") if finding.resolved_at else _("整改中")
    return _("项目“%(project)s”的质量监督问题（%(state)s）") % {"project": finding.project.name, "state": state}


REFERRAL = Referral(
    name="finding",
    label=gettext_lazy("转为项目质量监督问题"),
    target_label=gettext_lazy("项目"),
    applies=_applies,
    targets=_targets,
    refer=_refer,
    describe=_describe,
)


def reports_section(neighbourhood):
    """The neighbourhood's public page: how many reports its residents made and how many are closed
    ("收集 N 条，办结 M 条"), counts only, with the way to report one (always shown: one query)."""
    from residents.selectors import report_counts

    received, closed = report_counts(neighbourhood.pk)
    return {"template": "projects/reports_section.html", "context": {"received": received, "closed": closed}}
