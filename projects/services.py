"""Writes of the projects app. Each service: keyword-only arguments, an explicit actor, one
transaction, an audit row. The lifecycle's service is project_transition below (its gates: projects.gates).
A project's works under way (progress, findings, acceptance) are written by projects.services_works,
its photos by projects.services_photos; their services are importable from here too."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import Refused
from governance.models import Neighbourhood
from governance.money import money
from governance.scoping import can_manage, require_manage, scope
from governance.services import audit, save_audited

from . import gates
from .choices import FINAL_STAGES, ObjectionStatus, Stage
from .holdings import project_holdings
from .models import (
    OBJECTION_MAX_LENGTH,
    CatalogueItem,
    Notice,
    Objection,
    Project,
    ProjectTransition,
)
from .permissions import can_manage_catalogue_item, can_manage_district

# Kept importable from here: the works' and the photos' services live in modules of their own.
from .services_photos import photo_caption_set, photo_upload  # noqa: F401
from .services_works import (  # noqa: F401
    REPORTING_STAGES,
    acceptance_record,
    finding_resolve,
    finding_save,
    progress_report_save,
)

CATALOGUE_FIELDS = ("code", "name", "work_class", "unit", "reference_unit_cost", "description", "sort_order")


def catalogue_item_save(*, item, actor):
    """Create or update a menu item. A district item is written by staff who manage its district;
    a national item (no district) only by a superuser. Returns the saved item."""
    with transaction.atomic():
        if item.pk:
            stored = CatalogueItem.objects.select_for_update().get(pk=item.pk)
            if not can_manage_catalogue_item(actor, stored):
                raise PermissionDenied
            if stored.district_id != item.district_id and not actor.is_superuser:
                raise ValidationError({"district": _("不能更改菜单项目所属的区。")})
        if item.district_id is None:
            if not actor.is_superuser:
                raise ValidationError(
                    {"district": _("请选择增补该项目的区；国家菜单项目只能由系统管理员维护。")}
                )
        elif not can_manage_district(actor, item.district):
            raise ValidationError({"district": _("您不能为该区增补菜单项目。")})
        save_audited(
            item,
            actor=actor,
            action="catalogue_item_add" if item.pk is None else "catalogue_item_change",
            summary=item.name,
        )
    return item


def catalogue_item_retire(*, item, actor, active=False):
    """Retire a menu item (or bring it back with active=True). Retired items stay on the projects
    that use them and are no longer offered for new scope lines."""
    with transaction.atomic():
        locked = CatalogueItem.objects.select_for_update().get(pk=item.pk)
        if not can_manage_catalogue_item(actor, locked):
            raise PermissionDenied
        locked.active = active
        locked.save(update_fields=["active"])
        audit(
            actor=actor,
            action="catalogue_item_retire" if not active else "catalogue_item_restore",
            target=locked,
            summary=locked.name,
        )
    return locked


# ---- the lifecycle -------------------------------------------------------------------------


def project_transition(*, project, to, actor, note=""):
    """Move `project` to stage `to`.

    Locks the project row, checks the transition table and every gate (projects.gates), then
    writes the new stage (remembering the stage a suspended project came from), a
    ProjectTransition row and an audit row, in one transaction; the registered listeners run after
    commit. Refuses: an actor who does not manage the project (PermissionDenied); a move the table
    or a gate forbids (governance.errors.Refused carrying every reason). Returns the transition row.
    """
    note = (note or "").strip()
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if not can_manage(actor, locked):
            raise PermissionDenied
        reasons = gates.transition_reasons(locked, to, note)
        if reasons:
            raise Refused(reasons)
        from_stage = locked.stage
        locked.stage_before_suspension = from_stage if to == Stage.SUSPENDED else ""
        locked.stage = to
        locked.save(update_fields=["stage", "stage_before_suspension", "updated_at"])
        row = ProjectTransition.objects.create(
            project=locked, from_stage=from_stage, to_stage=to, actor=actor if actor.pk else None, note=note
        )
        audit(
            actor=actor,
            action="project_transition",
            target=locked,
            summary=f"{from_stage} → {to}",
            details={"from": from_stage, "to": to, "note": note},
        )
        for listener in gates.listeners():
            transaction.on_commit(
                lambda listener=listener: listener(project_id=locked.pk, from_stage=from_stage, to_stage=to)
            )
    project.stage = locked.stage
    project.stage_before_suspension = locked.stage_before_suspension
    return row


# ---- projects ------------------------------------------------------------------------------


def lead_street_check(lead_street_id, street_ids):
    """ValidationError on `lead_street` unless the lead street is one of `street_ids`, the streets
    of the project's neighbourhoods (project_save, and the admin form before it)."""
    if lead_street_id not in set(street_ids):
        raise ValidationError({"lead_street": _("牵头街道须为项目所含小区所在的街道之一。")})


def _refuse_removing_held_neighbourhoods(project_id, removed, names):
    """ValidationError on `neighbourhoods` naming, for each neighbourhood being taken out of the
    project, the rows the project still holds there (projects.holdings): they would otherwise be
    left belonging to a neighbourhood outside their project."""
    held = project_holdings(project_id, removed)
    if not held:
        return
    reasons = []
    for neighbourhood_id in sorted(held, key=lambda pk: names[pk]):
        rows = _("、").join(
            _("%(what)s（%(count)d）") % {"what": label, "count": count} for label, count in held[neighbourhood_id]
        )
        reasons.append(
            _("不能将小区“%(name)s”移出项目：本项目在该小区仍有%(rows)s。请先删除或处理这些记录。")
            % {"name": names[neighbourhood_id], "rows": rows}
        )
    raise ValidationError({"neighbourhoods": reasons})


def project_save(*, project, neighbourhoods, actor):
    """Create or update a project and its neighbourhoods.

    Guarantees: at least one neighbourhood; every neighbourhood added or removed is managed by
    the actor (on creation: all of them), and so is the project itself; the lead street is the
    street of one of them (so its staff always see the project); the stage is never changed here
    (only project_transition moves it). Refuses with ValidationError naming the field.
    """
    neighbourhoods = list(neighbourhoods)
    if not neighbourhoods:
        raise ValidationError({"neighbourhoods": _("请至少选择一个小区。")})
    with transaction.atomic():
        ids = [n.pk for n in neighbourhoods]
        before = set()
        if project.pk:
            stored = Project.objects.select_for_update().get(pk=project.pk)
            require_manage(actor, stored)
            project.stage = stored.stage
            project.stage_before_suspension = stored.stage_before_suspension
            before = set(stored.neighbourhoods.values_list("pk", flat=True))
        # Adding or removing a neighbourhood needs its management; a bundled project's other
        # neighbourhoods stay as they are when staff of one of them edit the project.
        changed = set(ids) ^ before
        names = {n.pk: n.name for n in neighbourhoods}
        names.update(Neighbourhood.objects.filter(pk__in=before - set(ids)).values_list("pk", "name"))
        managed = set(
            scope(Neighbourhood.objects.filter(pk__in=changed), actor, write=True).values_list(
                "pk", flat=True
            )
        )
        foreign = sorted(names[pk] for pk in changed - managed)
        if foreign:
            raise ValidationError(
                {"neighbourhoods": _("您不能管理这些小区：%(names)s。") % {"names": _("、").join(foreign)}}
            )
        _refuse_removing_held_neighbourhoods(project.pk, before - set(ids), names)
        lead_street_check(
            project.lead_street_id,
            Neighbourhood.objects.filter(pk__in=ids).values_list("community__street_id", flat=True),
        )
        project.full_clean(exclude=["neighbourhoods"])
        created = project.pk is None
        project.save()
        project.neighbourhoods.set(neighbourhoods)
        audit(
            actor=actor,
            action="project_add" if created else "project_change",
            target=project,
            summary=str(project),
            details={"neighbourhoods": sorted(ids)},
        )
    return project


# ---- scope items ---------------------------------------------------------------------------


def scope_item_save(*, item, actor):
    """Create or update a line of works. The neighbourhood must belong to the project; a new line
    takes an active menu item the actor may read; the unit cost defaults to the menu's reference
    cost; the planned amount is always quantity × unit cost, rounded to the cent."""
    from .permissions import catalogue_visible_to

    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=item.project_id)
        require_manage(actor, project)
        if project.stage in FINAL_STAGES:
            raise ValidationError(_("项目已结束，不能修改改造内容。"))
        if not project.neighbourhoods.filter(pk=item.neighbourhood_id).exists():
            raise ValidationError({"neighbourhood": _("该小区不在本项目中。")})
        catalogue = catalogue_visible_to(actor).filter(pk=item.catalogue_item_id).first()
        if catalogue is None:
            raise ValidationError({"catalogue_item": _("请选择改造菜单中的项目。")})
        if item.pk is None and not catalogue.active:
            raise ValidationError(
                {"catalogue_item": _("“%(name)s”已停用，不能新增。") % {"name": catalogue.name}}
            )
        if item.unit_cost is None:
            item.unit_cost = catalogue.reference_unit_cost
        item.planned_amount = money(item.planned_quantity * item.unit_cost)
        item.no_actual_reason = (item.no_actual_reason or "").strip()
        save_audited(
            item,
            actor=actor,
            action="scope_item_add" if item.pk is None else "scope_item_change",
            summary=str(item),
        )
    return item


def scope_item_delete(*, item, actor):
    with transaction.atomic():
        require_manage(actor, item.project)
        if item.project.stage not in (Stage.CANDIDATE, Stage.CONSULTATION, Stage.TENDER):
            raise ValidationError(_("开工后不能删除改造内容，请填写未实施原因。"))
        audit(actor=actor, action="scope_item_delete", target=item, summary=str(item))
        item.delete()


# ---- notices and objections ----------------------------------------------------------------

OBJECTIONS_OPEN_PER_HOUSEHOLD = 3


def notice_save(*, notice, actor):
    """Publish a notice (公示) of a project, or correct one. A notice that has objections keeps its
    period and text (residents objected to what they read); its title may still be corrected."""
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=notice.project_id)
        require_manage(actor, project)
        if notice.pk:
            stored = Notice.objects.get(pk=notice.pk)
            if stored.project_id != notice.project_id:
                raise ValidationError({"project": _("公示发布后不能改到其他项目。")})
            if stored.objections.exists() and (
                (stored.starts_on, stored.ends_on, stored.body, stored.kind)
                != (notice.starts_on, notice.ends_on, notice.body, notice.kind)
            ):
                raise ValidationError(_("该公示已收到异议，不能再修改公示内容和公示期。"))
        else:
            notice.published_by = actor
        save_audited(
            notice,
            actor=actor,
            action="notice_publish" if notice.pk is None else "notice_change",
            summary=notice.title,
            details={"starts_on": str(notice.starts_on), "ends_on": str(notice.ends_on)},
        )
    return notice


def objection_submit(*, notice, household, text, today=None):
    """A household objects to a notice, through the public page (the household code identified
    it; no staff account). Refuses: outside the publicity period; a household not in one of the
    project's neighbourhoods; empty or over-long text; more than OBJECTIONS_OPEN_PER_HOUSEHOLD
    open objections of the household on the notice. The audit row has no actor."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写异议内容。")})
    if len(text) > OBJECTION_MAX_LENGTH:
        raise ValidationError({"text": _("异议内容不能超过%(n)d字。") % {"n": OBJECTION_MAX_LENGTH}})
    with transaction.atomic():
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if today < locked.starts_on:
            raise ValidationError(_("公示期自%(start)s开始，尚不能提出异议。") % {"start": locked.starts_on})
        if today > locked.ends_on:
            raise ValidationError(_("公示期已于%(end)s结束，不能再提出异议。") % {"end": locked.ends_on})
        if not locked.project.neighbourhoods.filter(pk=household.neighbourhood_id).exists():
            raise ValidationError(_("您的住户不在本公示涉及的小区内。"))
        open_count = Objection.objects.filter(
            notice=locked, household=household, status=ObjectionStatus.OPEN
        ).count()
        if open_count >= OBJECTIONS_OPEN_PER_HOUSEHOLD:
            raise ValidationError(
                _("您对本公示已有%(n)d条异议待答复，请等待答复后再提交。") % {"n": open_count}
            )
        objection = Objection.objects.create(notice=locked, household=household, text=text)
        audit(
            actor=None,
            action="objection_submit",
            target=objection,
            summary=text[:100],
            details={"notice": locked.pk, "household": household.pk},
        )
    return objection


def objection_answer(*, objection, answer, actor):
    """Staff answer an objection; it is then no longer open (and no longer blocks the publicity
    gate). Refuses an empty answer, an objection already answered, and staff outside the
    household's territory."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("请填写答复内容。")})
    with transaction.atomic():
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        require_manage(actor, locked)
        if locked.status != ObjectionStatus.OPEN:
            raise ValidationError(_("该异议已经答复。"))
        locked.answer = answer
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.status = ObjectionStatus.ANSWERED
        locked.save(update_fields=["answer", "answered_by", "answered_at", "status"])
        audit(actor=actor, action="objection_answer", target=locked, summary=answer[:100])
    return locked
