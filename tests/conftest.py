"""Shared fixtures: a small territory with two of everything, and one user per role.

    district D
    ├── street S1 ── community C11 ── neighbourhood N111 ── building ── stairwell ── households
    │            └── community C12 ── neighbourhood N121 ── …
    └── street S2 ── community C21 ── neighbourhood N211 ── …
    district E (another district) ── street ── community ── neighbourhood NE
"""
import os
from types import SimpleNamespace

import pytest
from django.conf import settings

from governance.choices import RoleKind
from tests.factories import (
    CommunityFactory,
    DistrictFactory,
    HouseholdFactory,
    NeighbourhoodFactory,
    StairwellFactory,
    StreetFactory,
    UserFactory,
    staff_user,
)


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = os.environ.get("REDIS_URL") or "none (Celery tasks run in-process)"
    return [f"database: {engine}", f"broker: {broker}", f"CI: {os.environ.get('CI', 'false')}"]


def _neighbourhood_with_households(community, name, built_year=1990, households=4):
    neighbourhood = NeighbourhoodFactory(community=community, name=name, built_year=built_year)
    stairwell = StairwellFactory(building__neighbourhood=neighbourhood, building__name="1栋", name="1单元")
    for i in range(households):
        HouseholdFactory(stairwell=stairwell, room=f"{i // 2 + 1}0{i % 2 + 1}", floor=i // 2 + 1)
    return neighbourhood


@pytest.fixture
def territory(db):
    d = DistrictFactory(name="甜城区")
    s1 = StreetFactory(district=d, name="玉溪街道")
    s2 = StreetFactory(district=d, name="桂湖街道")
    c11 = CommunityFactory(street=s1, name="新华社区")
    c12 = CommunityFactory(street=s1, name="东风社区")
    c21 = CommunityFactory(street=s2, name="北门社区")
    e = DistrictFactory(name="东兴区")
    ce = CommunityFactory(street=StreetFactory(district=e, name="郊外街道"), name="远郊社区")
    return SimpleNamespace(
        district=d,
        other_district=e,
        s1=s1,
        s2=s2,
        c11=c11,
        c12=c12,
        c21=c21,
        ce=ce,
        n111=_neighbourhood_with_households(c11, "新华里"),
        n121=_neighbourhood_with_households(c12, "东风里"),
        n211=_neighbourhood_with_households(c21, "北门里"),
        ne=_neighbourhood_with_households(ce, "远郊里"),
    )


@pytest.fixture
def users(territory):
    t = territory
    return SimpleNamespace(
        superuser=UserFactory(username="root", is_superuser=True),
        official=staff_user(RoleKind.DISTRICT_OFFICIAL, t.district, "official"),
        street=staff_user(RoleKind.STREET_STAFF, t.s1, "street1"),
        community=staff_user(RoleKind.COMMUNITY_STAFF, t.c11, "community11"),
        nobody=UserFactory(username="norole"),
    )
