"""Plan versions: save, seed from the demand lists, publish the notice."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.money import money
from governance.scoping import require_manage
from governance.services import audit
from projects.models import CatalogueItem

from ..choices import PlanKind, VoteStatus
from ..models import PlanItem, PlanVersion, Vote

PLAN_DOCUMENT_EXTENSIONS = (".pdf", ".docx", ".xlsx", ".jpg", ".jpeg", ".png")

PLAN_DOCUMENT_MAX_BYTES = 30 * 1024 * 1024


def _document_problem(document):
    """None, or what is wrong with an uploaded plan document (its type by extension and first
    bytes, its size)."""
    import os

    if not document or getattr(document, "_committed", True):
        return None  # no file, or the one already stored
    extension = os.path.splitext(document.name)[1].lower()
    if extension not in PLAN_DOCUMENT_EXTENSIONS:
        return _("方案文件只接受：%(types)s。") % {"types": _("、").join(PLAN_DOCUMENT_EXTENSIONS)}
    if document.size > PLAN_DOCUMENT_MAX_BYTES:
        return _("方案文件不能超过%(n)dMB。") % {"n": PLAN_DOCUMENT_MAX_BYTES // 1024 // 1024}
    document.seek(0)
    head = document.read(8)
    document.seek(0)
    magic = {
        ".pdf": (b"%PDF",),
        ".docx": (b"PK",),
        ".xlsx": (b"PK",),
        ".jpg": (b"\xff\xd8",),
        ".jpeg": (b"\xff\xd8",),
        ".png": (b"\x89PNG",),
    }[extension]
    if not head.startswith(magic):
        return _("方案文件的内容与其扩展名（%(ext)s）不符。") % {"ext": extension}
    return None


def plan_version_save(*, plan, actor, items=None):
    """Create or change a plan version; `items` (PlanItem instances, unsaved or saved), when given,
    replace its lines, each amount = quantity × unit cost rounded half up to the cent once.
    A new version takes the next number. Refuses: a second final version; a final version that a
    vote already refers to (it is what the owners voted on); lines of neighbourhoods outside the
    project; an actor who does not manage the project."""
    errors = {}
    if not (plan.summary or "").strip():
        errors["summary"] = _("请填写方案摘要。")
    problem = _document_problem(plan.document)
    if problem:
        errors["document"] = problem
    neighbourhood_ids = set(plan.project.neighbourhoods.values_list("pk", flat=True))
    for item in items or ():
        if item.neighbourhood_id not in neighbourhood_ids:
            errors["items"] = _("方案内容中的小区“%(n)s”不在本项目内。") % {"n": item.neighbourhood}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        require_manage(actor, plan.project)
        if plan.pk and Vote.objects.filter(plan_version_id=plan.pk).exists():
            raise ValidationError(_("已付诸表决的方案不能再修改；请另建修改方案。"))
        if (
            plan.kind == PlanKind.FINAL
            and PlanVersion.objects.filter(project=plan.project, kind=PlanKind.FINAL)
            .exclude(pk=plan.pk)
            .exists()
        ):
            raise ValidationError({"kind": _("该项目已有最终方案。")})
        created = plan.pk is None
        if created:
            last = (
                PlanVersion.objects.select_for_update()
                .filter(project=plan.project)
                .order_by("-number")
                .first()
            )
            plan.number = (last.number + 1) if last else 1
            plan.created_by = actor
        plan.full_clean()
        plan.save()
        if items is not None:
            PlanItem.objects.filter(plan=plan).delete()
            for item in items:
                item.pk = None
                item.plan = plan
                item.amount = money(item.quantity * item.unit_cost)
                item.full_clean()
            PlanItem.objects.bulk_create(items)
        audit(
            actor=actor,
            action="plan_version_add" if created else "plan_version_change",
            target=plan,
            summary=str(plan),
            details={"lines": len(items) if items is not None else None},
        )
    return plan


def plan_seed_from_demand(*, project, actor, min_share=Decimal("0")):
    """A preliminary plan made from the demand aggregate: for each neighbourhood, every menu item
    chosen by more than `min_share` percent of its households (all chosen items by default), with
    the number of households that asked, the reference unit cost and quantity 0 for the site
    survey to fill in. Refuses when nothing was chosen."""
    from ..selectors import demand_aggregate_by_neighbourhood

    per = demand_aggregate_by_neighbourhood(project)
    costs = dict(CatalogueItem.objects.values_list("pk", "reference_unit_cost"))
    items = [
        PlanItem(
            neighbourhood_id=nid,
            catalogue_item_id=row.item_id,
            quantity=Decimal("0"),
            unit_cost=costs[row.item_id],
            demand_households=row.households,
        )
        for nid, aggregate in per.items()
        for row in aggregate.rows
        if row.share > min_share
    ]
    if not items:
        raise ValidationError(_("需求清单中没有符合条件的改造内容，无法生成初步方案。"))
    plan = PlanVersion(
        project=project,
        kind=PlanKind.PRELIMINARY,
        title=_("初步方案（据需求清单生成）"),
        summary=_("根据居民需求清单汇总生成，工程量待现场踏勘后填写。"),
    )
    return plan_version_save(plan=plan, actor=actor, items=items)


PLAN_NOTICE_DAYS = 7


def plan_notice_publish(*, plan, actor, starts_on=None, days=PLAN_NOTICE_DAYS):
    """Publish the final plan (公示) as a plan notice of its project (projects.services.notice_save,
    which checks that the actor manages the project): its title, summary, every line with its
    quantity and amount, the total, and the verdict of each concluded vote on it. The period runs
    `days` days from `starts_on` (today by default), both ends included. Residents object to the
    notice on the neighbourhood page; the project's tender gate waits for the period to end with
    no open objection. Refuses a plan that is not the final one and a period shorter than a day."""
    from projects.choices import NoticeKind
    from projects.models import Notice
    from projects.services import notice_save

    if plan.kind != PlanKind.FINAL:
        raise ValidationError(_("只有最终方案可以公示。"))
    if days < 1:
        raise ValidationError(_("公示期至少一天。"))
    starts_on = starts_on or timezone.localdate()
    lines = [
        _("%(n)s：%(item)s，工程量%(q)s，金额%(a)s元")
        % {"n": i.neighbourhood.name, "item": i.catalogue_item.name, "q": i.quantity, "a": i.amount}
        for i in plan.items.select_related("neighbourhood", "catalogue_item").order_by(
            "neighbourhood__name", "id"
        )
    ]
    total = sum((i.amount for i in plan.items.all()), Decimal("0.00"))
    verdicts = [
        _("%(vote)s（%(place)s）：%(verdict)s")
        % {"vote": v.title, "place": v.scope_label, "verdict": _("通过") if v.passed else _("未通过")}
        for v in plan.votes.filter(status=VoteStatus.CLOSED)
        .select_related("neighbourhood", "building", "stairwell__building")
        .order_by("closed_at", "id")
    ]
    body = "\n".join(
        [plan.summary.strip(), "", _("改造内容："), *lines, _("合计：%(total)s元") % {"total": total}]
        + ([("\n" + _("业主表决结果：")), *verdicts] if verdicts else [])
    )
    notice = Notice(
        project=plan.project,
        kind=NoticeKind.PLAN,
        title=(_("最终改造方案公示：%(title)s") % {"title": plan.title})[:120],
        body=body,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=days - 1),
    )
    with transaction.atomic():
        notice = notice_save(notice=notice, actor=actor)
        audit(
            actor=actor,
            action="plan_notice_publish",
            target=plan,
            summary=notice.title,
            details={"notice": notice.pk, "starts_on": str(notice.starts_on), "ends_on": str(notice.ends_on)},
        )
    return notice
