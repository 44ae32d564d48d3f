"""Eligibility (docs/domain-rules.md, "Census and eligibility"): built before the district's
cut-off, or admitted with a reason."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from governance.choices import EligibilityStatus
from governance.models import AuditEntry, Neighbourhood
from governance.services import neighbourhood_admit
from tests.factories import NeighbourhoodFactory


def _status(neighbourhood):
    return Neighbourhood.objects.annotate_eligibility().get(pk=neighbourhood.pk).eligibility


@pytest.mark.parametrize(
    "built_year, cutoff, expected",
    [
        (2000, datetime.date(2001, 1, 1), EligibilityStatus.ELIGIBLE),  # the national rule
        (2001, datetime.date(2001, 1, 1), EligibilityStatus.INELIGIBLE),
        (1985, datetime.date(2001, 1, 1), EligibilityStatus.ELIGIBLE),
        (2004, datetime.date(2005, 1, 1), EligibilityStatus.ELIGIBLE),  # a city using 2005
        (2005, datetime.date(2005, 1, 1), EligibilityStatus.INELIGIBLE),
        (
            2001,
            datetime.date(2001, 7, 1),
            EligibilityStatus.INELIGIBLE,
        ),  # the build year must lie wholly before
    ],
)
def test_eligibility_by_build_year_and_district_cutoff(built_year, cutoff, expected, db):
    neighbourhood = NeighbourhoodFactory(
        built_year=built_year, community__street__district__eligibility_cutoff=cutoff
    )
    assert _status(neighbourhood) == expected
    assert neighbourhood.eligibility_under(cutoff) == expected
    assert Neighbourhood.objects.eligible().filter(pk=neighbourhood.pk).exists() == (
        expected != EligibilityStatus.INELIGIBLE
    )


def test_default_cutoff_is_2001_01_01(territory):
    assert territory.district.eligibility_cutoff == datetime.date(2001, 1, 1)


def test_admission_needs_a_reason_and_records_who_and_when(territory, users):
    late = NeighbourhoodFactory(community=territory.c11, built_year=2003)
    assert _status(late) == EligibilityStatus.INELIGIBLE
    with pytest.raises(ValidationError) as excinfo:
        neighbourhood_admit(neighbourhood=late, reason="   ", actor=users.community)
    assert "admission_reason" in excinfo.value.message_dict
    neighbourhood_admit(
        neighbourhood=late, reason="原单位宿舍，设施严重老化，经区住建局同意纳入", actor=users.community
    )
    late.refresh_from_db()
    assert _status(late) == EligibilityStatus.ADMITTED
    assert late.admitted_by == users.community and late.admitted_at is not None
    assert AuditEntry.objects.filter(action="neighbourhood_admit", target_id=str(late.pk)).count() == 1


def test_admission_refused_when_already_eligible_or_outside_the_territory(territory, users):
    with pytest.raises(ValidationError):
        neighbourhood_admit(neighbourhood=territory.n111, reason="不需要", actor=users.community)
    late = NeighbourhoodFactory(community=territory.c21, built_year=2003)
    with pytest.raises(PermissionDenied):
        neighbourhood_admit(neighbourhood=late, reason="理由", actor=users.community)
    with pytest.raises(PermissionDenied):
        neighbourhood_admit(neighbourhood=late, reason="理由", actor=users.official)  # read-only role
    late.refresh_from_db()
    assert late.admission_reason == ""


def test_admin_shows_eligibility_and_admits_through_the_service(client, territory, users):
    late = NeighbourhoodFactory(community=territory.c11, built_year=2003, name="晚建小区")
    client.force_login(users.community)
    listing = client.get(reverse("admin:governance_neighbourhood_changelist") + "?eligibility=ineligible")
    assert "晚建小区" in listing.content.decode() and "新华里" not in listing.content.decode()
    response = client.post(
        reverse("admin:governance_neighbourhood_change", args=[late.pk]),
        {
            "community": territory.c11.pk,
            "name": late.name,
            "built_year": 2003,
            "admission_reason": "危旧房屋，群众改造意愿强烈",
            "buildings-TOTAL_FORMS": "0",
            "buildings-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    late.refresh_from_db()
    assert late.admission_reason == "危旧房屋，群众改造意愿强烈"
    assert late.admitted_by == users.community
    assert _status(late) == EligibilityStatus.ADMITTED
