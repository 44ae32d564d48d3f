"""Plan versions: numbering, one final, costs rounded once, seeding from the demand aggregate, the
renovation-plan vote bound to the final version."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from projects.models import CatalogueItem
from surveys.choices import MatterType, PlanKind
from surveys.models import PlanItem, PlanVersion, Vote
from surveys.services import demand_submit, plan_seed_from_demand, plan_version_save, vote_save

from .helpers import collecting_project, final_plan


def _roads_line(neighbourhood, quantity, unit_cost):
    """A plan line: `quantity` of the catalogue's road repairs in `neighbourhood` at `unit_cost`."""
    roads = CatalogueItem.objects.get(code="roads")
    return PlanItem(
        neighbourhood=neighbourhood,
        catalogue_item=roads,
        quantity=Decimal(quantity),
        unit_cost=Decimal(unit_cost),
    )


@pytest.mark.django_db
def test_versions_are_numbered_one_final_and_lines_costed(territory, users):
    project, process, lists = collecting_project(territory, users.community)
    roads = CatalogueItem.objects.get(code="roads")
    first = plan_version_save(
        plan=PlanVersion(project=project, kind=PlanKind.PRELIMINARY, title="初步", summary="道路"),
        actor=users.community,
        items=[_roads_line(territory.n111, "0.50", "0.05")],
    )
    assert first.number == 1
    assert first.items.get().amount == Decimal("0.03")  # 0.025 rounded once, half up (not to even)
    final = final_plan(project, users.community)
    assert final.number == 2
    with pytest.raises(ValidationError) as info:
        plan_version_save(
            plan=PlanVersion(project=project, kind=PlanKind.FINAL, title="再来", summary="x"),
            actor=users.community,
        )
    assert "kind" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        plan_version_save(
            plan=PlanVersion(project=project, kind=PlanKind.REVISED, title="修改", summary="x"),
            actor=users.community,
            items=[PlanItem(neighbourhood=territory.n211, catalogue_item=roads, unit_cost=1)],
        )
    assert "items" in info.value.message_dict


@pytest.mark.django_db
def test_the_preliminary_plan_is_seeded_from_the_demand_aggregate(territory, users):
    project, process, lists = collecting_project(territory, users.community)
    hs = list(territory.n111.households.order_by("pk"))
    menu = {
        i.code: i for i in CatalogueItem.objects.filter(code__in=["roads", "parking", "elevator_retrofit"])
    }
    for household, codes in (
        (hs[0], ["roads", "parking"]),
        (hs[1], ["roads"]),
        (hs[2], ["elevator_retrofit"]),
    ):
        demand_submit(
            demand_list=lists[territory.n111.pk], household=household, items=[menu[c] for c in codes]
        )
    plan = plan_seed_from_demand(project=project, actor=users.community, min_share=Decimal("25"))
    assert plan.kind == PlanKind.PRELIMINARY
    lines = {(line.catalogue_item.code, line.demand_households, line.quantity) for line in plan.items.all()}
    assert lines == {("roads", 2, Decimal("0.00"))}  # 2 of 4 households = 50 %; the others 25 % (not above)
    assert plan.items.get().unit_cost == menu["roads"].reference_unit_cost


@pytest.mark.django_db
def test_a_renovation_plan_vote_is_on_the_final_version_which_then_cannot_change(territory, users):
    project, process, lists = collecting_project(territory, users.community)
    now = timezone.now()
    base = dict(
        project=project,
        title="方案表决",
        matter_type=MatterType.RENOVATION_PLAN,
        neighbourhood=territory.n111,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=5),
    )
    with pytest.raises(ValidationError) as info:
        vote_save(vote=Vote(**base), actor=users.community)
    assert "plan_version" in info.value.message_dict
    draft = plan_version_save(
        plan=PlanVersion(project=project, kind=PlanKind.REVISED, title="修改", summary="x"),
        actor=users.community,
    )
    with pytest.raises(ValidationError):
        vote_save(vote=Vote(plan_version=draft, **base), actor=users.community)
    final = final_plan(project, users.community)
    vote_save(vote=Vote(plan_version=final, **base), actor=users.community)
    final.summary = "改了"
    with pytest.raises(ValidationError, match="已付诸表决"):
        plan_version_save(plan=final, actor=users.community)


@pytest.mark.django_db
def test_plan_documents_are_checked_by_type_and_content(territory, users, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    project, process, lists = collecting_project(territory, users.community)

    def save(name, content):
        plan = PlanVersion(
            project=project,
            kind=PlanKind.REVISED,
            title="修改",
            summary="x",
            document=SimpleUploadedFile(name, content),
        )
        return plan_version_save(plan=plan, actor=users.community)

    with pytest.raises(ValidationError) as info:
        save("plan.exe", b"MZ...")
    assert "只接受" in info.value.message_dict["document"][0]
    with pytest.raises(ValidationError) as info:
        save("plan.pdf", b"<html>not a pdf")
    assert "不符" in info.value.message_dict["document"][0]
    plan = save("方案.pdf", b"%PDF-1.7 ...")
    assert plan.document.name.endswith(".pdf") and "方案" not in plan.document.name


@pytest.mark.django_db
def test_the_final_plan_is_published_as_the_projects_plan_notice(territory, users, client):
    from django.urls import reverse

    from projects.gates import transition_reasons
    from projects.models import Notice
    from surveys.services import plan_notice_publish, vote_close

    from .helpers import open_vote

    project, process, lists = collecting_project(territory, users.community)
    preliminary = plan_version_save(
        plan=PlanVersion(project=project, kind=PlanKind.PRELIMINARY, title="初步", summary="道路"),
        actor=users.community,
    )
    with pytest.raises(ValidationError, match="只有最终方案"):
        plan_notice_publish(plan=preliminary, actor=users.community)
    final = plan_version_save(
        plan=PlanVersion(project=project, kind=PlanKind.FINAL, title="新华里改造方案", summary="道路与管网"),
        actor=users.community,
        items=[_roads_line(territory.n111, "1200.00", "180.00")],
    )
    vote = open_vote(territory.n111, users.community, project=project, plan_version=final)
    vote_close(vote=vote, actor=users.community, now=vote.closes_at)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        plan_notice_publish(plan=final, actor=users.official)
    project.stage = "consultation"
    assert "尚未发布方案公示。" in transition_reasons(project, "tender")
    start = datetime.date(2026, 4, 1)
    notice = plan_notice_publish(plan=final, actor=users.community, starts_on=start)
    assert (notice.kind, notice.project, notice.published_by) == ("plan", project, users.community)
    assert (notice.starts_on, notice.ends_on) == (start, datetime.date(2026, 4, 7))
    assert notice.title == "最终改造方案公示：新华里改造方案"
    assert "新华里：小区道路修缮，工程量1200.00，金额216000.00元" in notice.body
    assert "合计：216000.00元" in notice.body and "改造方案表决（新华里）：未通过" in notice.body
    assert not any("尚未发布方案公示" in r for r in transition_reasons(project, "tender"))
    # The same through the admin action.
    client.force_login(users.community)
    client.post(
        reverse("admin:surveys_planversion_changelist"),
        {"action": "publish_notice", "_selected_action": [final.pk, preliminary.pk]},
    )
    assert Notice.objects.filter(project=project, kind="plan").count() == 2
