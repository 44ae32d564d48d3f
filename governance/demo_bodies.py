"""The demo's self-governance bodies, providers and grid roles, called from governance.demo.seed.
Written through the services, as staff would."""

import datetime

from django.utils import timezone

from .models import Building, Stairwell


def seed_self_governance(ctx, district, community, neighbourhoods, admin):
    """In 桂湖社区 (the demo community login's): the district's rule for owners' committees, a
    party branch, the renovation working group it leads and an owners' committee whose term ends in
    40 days (so it is listed 待换届) in its first neighbourhood, a few rows of the party members'
    ledger and a vanguard team. Written through the services (their checks, their audit rows); the
    phones are made up."""
    from .bodies import CompositionRule, VanguardTeam
    from .services import territory_record_save
    from .services_bodies import vanguard_team_save

    first = next((n for n in neighbourhoods if n.community_id == community.pk), None)
    if first is None:
        return
    today = timezone.localdate()
    territory_record_save(
        instance=CompositionRule(
            district=district, kind="owners_committee", odd_members=True, owners_at_least_half=True, min_members=3
        ),
        actor=admin,
    )
    _seed_bodies(community, first, today, admin)
    ledger = _seed_party_ledger(community, first, today, admin)
    vanguard_team_save(
        team=VanguardTeam(community=community, name="桂湖社区改造监督先锋队", purpose="改造质量监督、楼道清洁"),
        members=ledger[:3],
        actor=admin,
    )
    ctx.write("自治组织 3 个、党员台账 4 人、党员先锋队 1 支（self-governance bodies, party ledger, vanguard team）")


def _seed_bodies(community, first, today, admin):
    """The first neighbourhood's party branch, its owners' committee (term ending in 40 days) and
    the renovation working group the branch leads."""
    from .bodies import Body, BodyMember
    from .services_bodies import body_save

    branch = body_save(
        body=Body(
            community=community,
            neighbourhood=first,
            kind="party_branch",
            name=f"{first.name}党支部",
            term_start=today - datetime.timedelta(days=400),
            term_end=today + datetime.timedelta(days=5 * 365 - 400),
        ),
        members=[
            BodyMember(name="刘建国", role="secretary", is_owner=True, party_status="retired", order=1),
            BodyMember(name="陈秀英", role="deputy", is_owner=True, party_status="double_registration", order=2),
            BodyMember(name="王志强", role="member", is_owner=True, party_status="in_service", order=3),
        ],
        actor=admin,
    )
    body_save(
        body=Body(
            community=community,
            neighbourhood=first,
            kind="owners_committee",
            name=f"{first.name}业主委员会",
            term_start=today - datetime.timedelta(days=5 * 365 - 40),
            term_end=today + datetime.timedelta(days=40),
        ),
        members=[
            BodyMember(name="张桂兰", role="director", is_owner=True, phone="13800001001", order=1),
            BodyMember(name="李明", role="deputy", is_owner=True, order=2),
            BodyMember(name="赵芳", role="member", is_owner=True, party_status="retired", order=3),
            BodyMember(name="孙伟", role="member", is_owner=True, order=4),
            BodyMember(name="周丽", role="member", is_owner=False, order=5),
        ],
        actor=admin,
    )
    body_save(
        body=Body(
            community=community,
            neighbourhood=first,
            kind="working_group",
            name=f"{first.name}改造小组",
            led_by=branch,
        ),
        members=[
            BodyMember(name="刘建国", role="director", is_owner=True, party_status="retired", order=1),
            BodyMember(name="张桂兰", role="member", is_owner=True, order=2),
            BodyMember(name="吴强", role="member", is_owner=True, order=3),
        ],
        actor=admin,
    )


def _seed_party_ledger(community, first, today, admin):
    """Four rows of the party members' ledger (community, in service, floating); returned in order."""
    from .bodies import PartyMember
    from .services import territory_record_save

    return [
        territory_record_save(
            instance=PartyMember(
                community=community,
                neighbourhood=first,
                name=name,
                category=category,
                organisation=organisation,
                joined_on=today - datetime.timedelta(days=days),
                phone=phone,
            ),
            actor=admin,
        )
        for name, category, organisation, days, phone in [
            ("刘建国", "community", "桂湖社区党委", 3000, "13800002001"),
            ("陈秀英", "in_service", "甜城区教育局", 500, "13800002002"),
            ("王志强", "in_service", "甜城区人民医院", 200, ""),
            ("黄小军", "floating", "外地某建筑公司党支部", 90, "13800002004"),
        ]
    ]


# The district's register of providers: (name, kind, credit code, contact). The first manages the
# demo's neighbourhoods in aftercare (funding.demo).
PROVIDERS = [
    ("甜城安居物业服务有限公司", "market", "91510100MA6C8X1K2L", "何经理"),
    ("桂湖社区物业服务有限公司", "community_company", "91510100MA6D2F7N4Y", "桂湖社区居委会"),
    ("甜城红色物业服务中心", "party_led", "52510100MJ0K5P3L69", "街道党工委"),
]


def seed_providers(ctx, district, admin):
    """The district's providers (a market company, a community company, a party-led one), through
    territory_record_save like the admin's register page."""
    from .providers import Provider
    from .services import territory_record_save

    providers = [
        territory_record_save(
            instance=Provider(
                district=district,
                name=name,
                kind=kind,
                credit_code=code,
                contact_name=contact,
                contact_phone=f"028-8800{i:04d}",
            ),
            actor=admin,
        )
        for i, (name, kind, code, contact) in enumerate(PROVIDERS, start=1)
    ]
    ctx.write(f"物业服务单位 {len(providers)} 家（providers）")
    return providers


# The first neighbourhood's heads and grid worker: (kind, name, made up phone, elected by,
# how many of its first buildings / stairwells they cover).
GRID = [
    ("area_head", "刘建国", "13800003001", "residents", 0, 0),
    ("courtyard_head", "张桂兰", "13800003002", "residents", 0, 0),
    ("building_head", "李明", "13800003003", "residents", 2, 0),
    ("building_head", "赵芳", "", "residents", 0, 2),
    ("grid_worker", "马晓燕", "13800003005", "community", 0, 0),
]


def seed_grid(ctx, community, neighbourhoods, admin):
    """In the demo community's first neighbourhood: a 片长, a 院长, two 楼长 (one over buildings,
    one over stairwells) elected by the residents, and the community's grid worker, through
    grid_role_save. Its public page shows them as a contact card (name and role)."""
    from .grid import GridRole
    from .models import Building, Stairwell
    from .services_grid import grid_role_save

    first = next((n for n in neighbourhoods if n.community_id == community.pk), None)
    if first is None:
        return
    today = timezone.localdate()
    buildings = list(Building.objects.filter(neighbourhood=first).order_by("pk"))
    stairwells = list(Stairwell.objects.filter(building__neighbourhood=first).order_by("pk"))
    for order, (kind, name, phone, elected_by, n_buildings, n_stairwells) in enumerate(GRID, start=1):
        grid_role_save(
            role=GridRole(
                neighbourhood=first,
                kind=kind,
                name=name,
                phone=phone,
                elected_by=elected_by,
                started_on=today - datetime.timedelta(days=200),
                order=order,
            ),
            buildings=buildings[:n_buildings],
            stairwells=stairwells[-n_stairwells:] if n_stairwells else [],
            actor=admin,
        )
    ctx.write(f"网格角色 {len(GRID)} 人（grid roles: heads and the grid worker）")
