"""Demo data, part 3: renovation projects at every stage (see governance/demo.py for the protocol).

Reads from `ctx.store`: "neighbourhoods", "communities", "streets", "users", "admin".
Leaves in `ctx.store`: "projects" (the created projects, in order).

Each project bundles one to three neighbourhoods of one community (the first project is the
first neighbourhood of the demo community user's community alone, in consultation: the
neighbourhood whose household codes `manage.py demo_logins` prints). Projects are created through
`project_save`, and the first move (candidate → consultation) through `project_transition`, so its
gate (eligibility and census) runs for real. The history after that is written straight to the
tables, as the census is: the gates of consultation and funding belong to apps that seed after
this one, and the demo plays a past that already happened. Dates are relative to today, so the
public pages always show a notice whose publicity period is running.
"""

import datetime
import io
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone
from PIL import Image, ImageDraw

from governance.models import Neighbourhood
from governance.money import money
from governance.photos import prepare_photo
from residents.models import Household

from .catalogue_data import ensure_national_menu
from .choices import MAIN_LINE, Stage
from .models import (
    Acceptance,
    CatalogueItem,
    Notice,
    Objection,
    ProgressReport,
    Project,
    ProjectTransition,
    ScopeItem,
    SupervisionFinding,
)
from .services import photo_upload, project_save, project_transition

# How many projects per scale, and the stage each one reaches (cycled). The bundles go round the
# communities in order, so at the small scale (6 communities) the first community gets projects 1
# and 7: its first neighbourhood in consultation (the resident story of surveys.demo) and an
# earlier renovation in aftercare (the subsidy story of funding.demo); project 8 is a second
# consultation, further on (its plan vote to close), in the second community of the same street;
# project 9 a third, its up step waiting for the department's review (surveys.demo).
PROJECTS = {"tiny": 3, "small": 9, "district": 60, "city": 60}  # city: plus dashboards.demo's history
STAGE_PLAN = [
    Stage.CONSULTATION,
    Stage.CONSTRUCTION,
    Stage.ACCEPTANCE,
    Stage.SUSPENDED,
    Stage.TENDER,
    Stage.CANDIDATE,
    Stage.AFTERCARE,
    Stage.CONSULTATION,
]
CONTRACTORS = ["甜城建工集团有限公司", "沱江市政工程有限公司", "川南建设有限公司", "玉溪路桥工程有限公司"]
SUPERVISORS = ["甜城建设监理有限公司", "蜀南工程咨询有限公司", "天府项目管理有限公司"]
# (menu code, quantity per building) for the lines every neighbourhood gets; improvement lines below.
BASIC_LINES = [
    ("roads", 180),
    ("drainage", 60),
    ("water_supply", 45),
    ("overhead_wires", 80),
    ("outer_walls", 420),
    ("security", Decimal("0.25")),
]
IMPROVEMENT_LINES = [
    ("parking", 3),
    ("ev_chargers", 1),
    ("ebike_chargers", 6),
    ("greening", 90),
    ("lighting", 2),
    ("elevator_retrofit", Decimal("0.5")),
    ("age_friendly", Decimal("0.2")),
]
ENHANCEMENT_LINES = [("elderly_care", 120), ("canteen", 80), ("community_service_centre", 150)]
FINDINGS = [
    "3栋雨污管道接口渗漏，需返工。",
    "新铺沥青路面局部积水。",
    "外墙保温层局部空鼓。",
    "施工围挡不连续，存在安全隐患。",
]
PHOTO_COLOURS = {"before": (150, 130, 110), "during": (210, 170, 60), "after": (90, 160, 110)}


def _eligible_with_census(neighbourhoods):
    ids = [n.pk for n in neighbourhoods]
    return list(
        Neighbourhood.objects.filter(pk__in=ids)
        .eligible()
        .filter(Exists(Household.objects.filter(neighbourhood=OuterRef("pk"))))
        .annotate(building_total=Count("buildings", distinct=True))
        .select_related("community__street")
        .order_by("pk")
    )


def _groups(neighbourhoods, count, rng):
    """`count` bundles of 1–3 neighbourhoods of one community each, taken round the communities
    in order; the first bundle is the first neighbourhood of the first community alone (the
    demo's resident story); no neighbourhood in two bundles."""
    by_community = {}
    for n in neighbourhoods:
        by_community.setdefault(n.community_id, []).append(n)
    communities = list(by_community.values())
    groups = []
    i = 0
    while len(groups) < count and any(communities):
        pool = communities[i % len(communities)]
        i += 1
        if not pool:
            continue
        take = 1 if not groups else min(len(pool), rng.choice([1, 1, 2, 3]))
        groups.append([pool.pop(0) for _ in range(take)])
    return groups


def _photo(kind, label_seed):
    """A small generated picture (no camera, no EXIF): blocks of colour like a façade."""
    colour = PHOTO_COLOURS.get(kind, (120, 120, 120))
    image = Image.new("RGB", (640, 480), (200, 215, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle([60, 120, 580, 470], fill=colour)
    for row in range(4):
        for col in range(6):
            x, y = 90 + col * 82, 150 + row * 76
            shade = 40 + (label_seed * 17 + row * 31 + col * 7) % 60
            draw.rectangle([x, y, x + 44, y + 40], fill=(shade, shade + 30, shade + 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    out.seek(0)
    return prepare_photo(out)


def _write_history(project, target, start, actor):
    """Transition rows from consultation up to `target` (suspended: from its stage before), dated
    from `start` a few weeks apart; returns the stage the project ends in and the date reached."""
    final = Stage.CONSTRUCTION if target == Stage.SUSPENDED else target
    when = start
    path = MAIN_LINE[MAIN_LINE.index(Stage.CONSULTATION) : MAIN_LINE.index(final) + 1]
    for source, to in zip(path, path[1:]):
        when = when + datetime.timedelta(days=45)
        row = ProjectTransition.objects.create(
            project=project, from_stage=source, to_stage=to, actor=actor, note="演示数据"
        )
        ProjectTransition.objects.filter(pk=row.pk).update(at=_aware(when))
    stage, before = final, ""
    if target == Stage.SUSPENDED:
        when = when + datetime.timedelta(days=20)
        row = ProjectTransition.objects.create(
            project=project,
            from_stage=final,
            to_stage=Stage.SUSPENDED,
            actor=actor,
            note="管线迁改协调中，暂停施工",
        )
        ProjectTransition.objects.filter(pk=row.pk).update(at=_aware(when))
        stage, before = Stage.SUSPENDED, final
    Project.objects.filter(pk=project.pk).update(stage=stage, stage_before_suspension=before)
    project.stage, project.stage_before_suspension = stage, before
    return when


def _aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def seed(ctx):
    rng = ctx.rng
    admin = ctx.store["admin"]
    today = timezone.localdate()
    ensure_national_menu()  # normally loaded by the migration
    # The story stays in the first district (甜城区, the demo logins'), whatever the scale.
    district = ctx.store["district"].pk
    candidates = _eligible_with_census(
        [n for n in ctx.store["neighbourhoods"] if n.community.street.district_id == district]
    )
    groups = _groups(candidates, PROJECTS.get(ctx.scale, 7), rng)
    menu = {item.code: item for item in CatalogueItem.objects.filter(district=None)}
    projects = []
    for index, group in enumerate(groups):
        target = STAGE_PLAN[index % len(STAGE_PLAN)]
        year = today.year - 1 if target in (Stage.AFTERCARE, Stage.ACCEPTANCE) else today.year
        buildings = sum(n.building_total for n in group)
        lines = _scope_lines(group, menu, rng, index)
        budget = money(sum(q * menu[code].reference_unit_cost for _, code, q in lines) * Decimal("1.08"))
        name = "、".join(n.name for n in group[:2]) + ("等" if len(group) > 2 else "") + "老旧小区改造"
        project = Project(
            code=f"{year}-{group[0].community.street.code[-3:]}-{index + 1:03d}",
            name=name[:120],
            year=year,
            lead_street=group[0].community.street,
            budget=budget,
            planned_start_on=datetime.date(year, 3, 1),
            planned_end_on=datetime.date(year, 12, 31),
        )
        project_save(project=project, neighbourhoods=group, actor=admin)
        for neighbourhood, code, quantity in lines:
            item = menu[code]
            ScopeItem.objects.create(
                project=project,
                neighbourhood=neighbourhood,
                catalogue_item=item,
                planned_quantity=quantity,
                unit_cost=item.reference_unit_cost,
                planned_amount=money(quantity * item.reference_unit_cost),
            )
        if target != Stage.CANDIDATE:
            project_transition(project=project, to=Stage.CONSULTATION, actor=admin, note="列入年度改造计划")
            started = today - datetime.timedelta(days=45 * (MAIN_LINE.index(_final(target)) - 1) + 40)
            ProjectTransition.objects.filter(project=project).update(at=_aware(started))
            _write_history(project, target, started, admin)
            _seed_stage_records(project, target, today, rng, admin, buildings, index)
        projects.append(project)
    ctx.store["projects"] = projects
    ctx.write(f"改造项目 {len(projects)} 个（projects）")


def _final(target):
    return Stage.CONSTRUCTION if target == Stage.SUSPENDED else target


def _scope_lines(group, menu, rng, index):
    lines = []
    for neighbourhood in group:
        per = max(neighbourhood.building_total, 1)
        for code, each in BASIC_LINES:
            lines.append((neighbourhood, code, Decimal(str(each)) * per))
        for code, each in rng.sample(IMPROVEMENT_LINES, 3):
            lines.append(
                (neighbourhood, code, max(Decimal(1), (Decimal(str(each)) * per).to_integral_value()))
            )
        if index % 3 == 0:
            code, each = rng.choice(ENHANCEMENT_LINES)
            lines.append((neighbourhood, code, Decimal(each)))
    return [(n, code, q.quantize(Decimal("0.01"))) for n, code, q in lines]


def _seed_stage_records(project, target, today, rng, admin, buildings, index):
    """Notices, tender fields, progress, findings, acceptance and photos fitting the stage reached,
    in the order the stages reach them."""
    final = _final(target)
    reached = MAIN_LINE.index(final)
    _seed_notices(project, final, reached, today, admin)
    if reached >= MAIN_LINE.index(Stage.CONSTRUCTION):
        started = today - datetime.timedelta(days=45 * (reached - 3) + 60)
        Project.objects.filter(pk=project.pk).update(
            contractor=rng.choice(CONTRACTORS),
            supervisor=rng.choice(SUPERVISORS),
            contract_amount=money(project.budget * Decimal("0.93")),
            started_on=started,
        )
        _seed_progress(project, final, reached, started, today, admin, buildings, index)
        _seed_finding(project, reached, admin, index)
        _seed_photos(project, reached, admin, index)
    if reached >= MAIN_LINE.index(Stage.ACCEPTANCE):
        _seed_completion(project, reached, today, admin)


def _seed_notices(project, final, reached, today, admin):
    """The plan's notice: running for a project in consultation; past, and approved, for one
    beyond it (with an objection not answered yet for one in tender)."""
    if final == Stage.CONSULTATION:
        Notice.objects.create(
            project=project,
            kind="plan",
            title=f"{project.name}方案公示",
            body="改造内容：小区道路、雨污分流、供水管网、架空线缆规整及外墙修缮；停车位与充电设施按居民需求配置。\n"
            "如有异议，请在公示期内通过本页面凭户码提出，或到社区居委会反映。",
            starts_on=today - datetime.timedelta(days=2),
            ends_on=today + datetime.timedelta(days=5),
            published_by=admin,
        )
    if reached >= MAIN_LINE.index(Stage.TENDER):
        notice = Notice.objects.create(
            project=project,
            kind="plan",
            title=f"{project.name}方案公示",
            body="最终改造方案已经业主表决通过，现予公示。",
            starts_on=today - datetime.timedelta(days=45 * (reached - 1) + 30),
            ends_on=today - datetime.timedelta(days=45 * (reached - 1) + 23),
            published_by=admin,
        )
        if final == Stage.TENDER:
            # An objection made during the notice's period and not answered yet (the dashboards'
            # waiting list links its answer page).
            household = Household.objects.filter(neighbourhood__projects=project).order_by("pk").first()
            if household is not None:
                objection = Objection.objects.create(
                    notice=notice, household=household, text="楼前停车位数量偏少，希望增加。"
                )
                Objection.objects.filter(pk=objection.pk).update(
                    submitted_at=_aware(notice.starts_on + datetime.timedelta(days=2))
                )


def _seed_progress(project, final, reached, started, today, admin, buildings, index):
    """A monthly report for every month since construction started, the works growing month by
    month (one project's last report not filed yet)."""
    months = max(1, (today.year - started.year) * 12 + today.month - started.month)
    if final == Stage.CONSTRUCTION and index == 1 and months > 1:
        months -= 1  # last month's report not filed yet: the officials' dashboards list it
    for m in range(months):
        month = (started.replace(day=1) + datetime.timedelta(days=31 * m)).replace(day=1)
        share = Decimal(min(100, round(100 * (m + 1) / (months + (0 if reached >= 4 else 2)))))
        ProgressReport.objects.create(
            project=project,
            month=month,
            percent_complete=share,
            investment_to_date=money(project.budget * Decimal("0.93") * share / 100),
            pipes_water_km=(Decimal("0.045") * buildings * share / 100).quantize(Decimal("0.001")),
            pipes_drainage_km=(Decimal("0.060") * buildings * share / 100).quantize(Decimal("0.001")),
            roads_m2=(Decimal(180) * buildings * share / 100).quantize(Decimal("0.01")),
            parking_spaces=int(3 * buildings * share / 100),
            ev_chargers=int(buildings * share / 100),
            ebike_chargers=int(6 * buildings * share / 100),
            illegal_structures_removed_m2=(Decimal(25) * buildings * share / 100).quantize(
                Decimal("0.01")
            ),
            facades_m2=(Decimal(1200) * buildings * share / 100).quantize(Decimal("0.01")),
            security_fire_systems=int(buildings * share / 100),
            lights=int(4 * buildings * share / 100),
            greening_m2=(Decimal(60) * buildings * share / 100).quantize(Decimal("0.01")),
            reported_by=admin,
        )


def _seed_finding(project, reached, admin, index):
    """A supervision finding opened 40 days ago, resolved six days later except for one project
    under construction (index 1)."""
    opened = timezone.now() - datetime.timedelta(days=40)
    finding = SupervisionFinding.objects.create(
        project=project,
        source="resident_supervisor",
        supervisor_name="王建国",
        severity="major",
        description=FINDINGS[index % len(FINDINGS)],
        opened_at=opened,
        reported_by=admin,
    )
    # One finding stays open past 30 days (index 1, under construction): the dashboards list it.
    if reached >= MAIN_LINE.index(Stage.ACCEPTANCE) or index != 1:
        SupervisionFinding.objects.filter(pk=finding.pk).update(
            resolved_at=opened + datetime.timedelta(days=6),
            resolved_by=admin,
            resolution_note="已返工并经监理复验合格。",
        )


def _seed_photos(project, reached, admin, index):
    """Before and during photos, and after ones once the project reached acceptance."""
    for kind in ("before", "during") + (
        ("after",) if reached >= MAIN_LINE.index(Stage.ACCEPTANCE) else ()
    ):
        photo_upload(
            project=project,
            kind=kind,
            prepared=_photo(kind, index),
            actor=admin,
            caption={
                "before": "外立面与楼道现状",
                "during": "雨污分流管道施工",
                "after": "改造后的外立面与道路",
            }[kind],
        )


def _seed_completion(project, reached, today, admin):
    """The actual quantities, the completion date and the acceptance (passed for a project in
    aftercare), then the acceptance result's notice for a project in aftercare."""
    ScopeItem.objects.filter(project=project).update(
        actual_quantity=F("planned_quantity"), actual_amount=F("planned_amount")
    )
    Project.objects.filter(pk=project.pk).update(completed_on=today - datetime.timedelta(days=30))
    Acceptance.objects.create(
        project=project,
        accepted_on=today - datetime.timedelta(days=25),
        participants="街道办、社区居委会、建设单位、施工单位、监理单位",
        resident_representatives="居民代表5人",
        satisfaction_rate=Decimal("95.60"),
        passed=reached >= MAIN_LINE.index(Stage.AFTERCARE),
        recorded_by=admin,
    )
    if reached >= MAIN_LINE.index(Stage.AFTERCARE):
        Notice.objects.create(
            project=project,
            kind="result",
            title=f"{project.name}竣工验收结果公示",
            body="项目已通过竣工验收，居民满意度95.6%。",
            starts_on=today - datetime.timedelta(days=20),
            ends_on=today - datetime.timedelta(days=13),
            published_by=admin,
        )
