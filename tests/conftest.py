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
    StreetFactory,
    UserFactory,
    district_with_two_streets,
    neighbourhood_with_households,
    role_users,
    staff_user,
)


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = os.environ.get("REDIS_URL") or "none (Celery tasks run in-process)"
    return [f"database: {engine}", f"broker: {broker}", f"CI: {os.environ.get('CI', 'false')}"]


@pytest.fixture
def territory(db):
    t = SimpleNamespace(**district_with_two_streets())
    t.other_district = DistrictFactory(name="东兴区")
    t.ce = CommunityFactory(street=StreetFactory(district=t.other_district, name="郊外街道"), name="远郊社区")
    t.n111 = neighbourhood_with_households(t.c11, "新华里")
    t.n121 = neighbourhood_with_households(t.c12, "东风里")
    t.n211 = neighbourhood_with_households(t.c21, "北门里")
    t.ne = neighbourhood_with_households(t.ce, "远郊里")
    return t


@pytest.fixture
def users(territory):
    t = territory
    return SimpleNamespace(**role_users(t.district, t.s1, t.c11), nobody=UserFactory(username="norole"))


@pytest.fixture
def city(users):
    """A city official (reads every district, writes none), added to `users` as users.city."""
    users.city = staff_user(RoleKind.CITY_OFFICIAL, None, "city")
    return users.city
