"""Writes of a project's works under way: monthly progress reports, supervision findings (one made
of a resident's report closes it when resolved) and completion acceptances. The rules of
projects.services: keyword-only arguments, an explicit actor, one transaction, an audit row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.scoping import require_manage
from governance.services import audit, save_audited
from residents.services_reports import report_close_with_finding

from .choices import FindingSource, Stage
from .models import ProgressReport, Project, SupervisionFinding

REPORTING_STAGES = (Stage.CONSTRUCTION, Stage.ACCEPTANCE, Stage.AFTERCARE, Stage.SUSPENDED)


def _save_recorded(record, *, actor, recorded_by, action, summary):
    """Save a project's record (a monthly report, a finding, an acceptance) with its audit row: a new one
    gets `actor` in its `recorded_by` field and the action `<action>_add`, a corrected one
    `<action>_change`."""
    if record.pk is None:
        setattr(record, recorded_by, actor)
        action += "_add"
    else:
        action += "_change"
    save_audited(record, actor=actor, action=action, summary=summary)


def progress_report_save(*, report, actor):
    """Create or update the monthly report of a project under way (construction, acceptance,
    aftercare, or suspended). `month` is normalised to its first day; one report per month."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=report.project_id)
        require_manage(actor, project)
        if project.stage not in REPORTING_STAGES:
            raise ValidationError(
                _("项目处于“%(stage)s”阶段，不能填报月度进度。") % {"stage": project.get_stage_display()}
            )
        report.month = report.month.replace(day=1)
        duplicate = ProgressReport.objects.filter(project=project, month=report.month).exclude(pk=report.pk)
        if duplicate.exists():
            raise ValidationError(
                {"month": _("%(month)s 的月度进度已填报。") % {"month": f"{report.month:%Y-%m}"}}
            )
        _save_recorded(
            report,
            actor=actor,
            recorded_by="reported_by",
            action="progress_report",
            summary=f"{project.code} {report.month:%Y-%m} {report.percent_complete}%",
        )
    return report


def finding_save(*, finding, actor):
    """Record (or correct) a supervision finding; it stays open until finding_resolve."""
    with transaction.atomic():
        require_manage(actor, Project.objects.get(pk=finding.project_id))
        if finding.pk:
            stored = SupervisionFinding.objects.get(pk=finding.pk)
            # Resolution goes through finding_resolve only.
            finding.resolved_at, finding.resolved_by, finding.resolution_note = (
                stored.resolved_at,
                stored.resolved_by,
                stored.resolution_note,
            )
        else:  # its reporter is set by _save_recorded
            finding.opened_at = finding.opened_at or timezone.now()
            finding.resolved_at, finding.resolved_by, finding.resolution_note = None, None, ""
        if finding.source == FindingSource.RESIDENT_REPORT and not finding.resident_report_id:
            raise ValidationError({"source": _("来源为“居民反馈”的问题只能由居民反馈转入。")})
        _save_recorded(
            finding,
            actor=actor,
            recorded_by="reported_by",
            action="finding",
            summary=finding.description[:100],
        )
    return finding


def finding_resolve(*, finding, note, actor):
    """Close an open finding with a note saying how it was put right; a finding made from a
    resident's report closes that report too, with the note (the household reads it on /me/).
    Refuses an empty note and a finding already resolved."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"resolution_note": _("销号须填写整改说明。")})
    with transaction.atomic():
        locked = SupervisionFinding.objects.select_for_update().get(pk=finding.pk)
        require_manage(actor, locked.project)
        if locked.resolved_at is not None:
            raise ValidationError(
                _("该问题已于%(at)s整改销号。") % {"at": f"{timezone.localtime(locked.resolved_at):%Y-%m-%d}"}
            )
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.resolution_note = note
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
        audit(actor=actor, action="finding_resolve", target=locked, summary=note[:100])
        if locked.resident_report_id:  # made from a resident's report: it is closed with the note
            report_close_with_finding(report=locked.resident_report, note=note, actor=actor)
    return locked


def acceptance_record(*, acceptance, actor):
    """Record a completion acceptance of a project in the acceptance stage. A failed one may be
    followed by another; the latest counts for the gate."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=acceptance.project_id)
        require_manage(actor, project)
        if project.stage != Stage.ACCEPTANCE:
            raise ValidationError(
                _("项目处于“%(stage)s”阶段，只能在竣工验收阶段登记验收。")
                % {"stage": project.get_stage_display()}
            )
        _save_recorded(
            acceptance,
            actor=actor,
            recorded_by="recorded_by",
            action="acceptance",
            summary=f"{acceptance.accepted_on} {'passed' if acceptance.passed else 'failed'}",
        )
    return acceptance
