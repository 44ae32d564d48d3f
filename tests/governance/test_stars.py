"""Star ratings, the five-star neighbourhood (issue 13 item 7): the shipped scheme, awarding,
the withdrawal of a star after a failed review, the public page, and the scoping table: each role
× inside/outside × list, detail, change and API."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.models import AuditEntry
from governance.scoping import scope
from governance.services_stars import star_rating_save, star_scheme_save, star_withdraw
from governance.stars import StarDimension, StarRating, StarScheme, five_star_scheme, star_schemes_visible_to
from tests.admin_forms import form_data, merged
from tests.scopes import MANAGES, NEIGHBOURHOODS, VISIBLE, assert_rows_scoped, signed_in

TODAY = timezone.localdate()
YEAR = TODAY.year
DAY = datetime.timedelta(days=1)
FIVE = ["安全之星", "和谐之星", "廉洁之星", "卫生之星", "法治之星"]


@pytest.fixture
def five(db):
    return {d.code: d for d in five_star_scheme().dimensions.all()}


def _award(neighbourhood, dimension, actor, year=YEAR, rated_on=None):
    return star_rating_save(
        rating=StarRating(
            neighbourhood=neighbourhood,
            dimension=dimension,
            year=year,
            evidence="消防通道检查合格",
            rater="街道星级评定小组",
            rated_on=rated_on or TODAY - 10 * DAY,
        ),
        actor=actor,
    )


def test_the_five_star_scheme_ships_with_its_criteria(five):
    scheme = five_star_scheme()
    assert StarScheme.objects.filter(district__isnull=True).count() == 1
    assert [d.name for d in scheme.dimensions.all()] == FIVE
    assert all(d.criteria and d.weight == 20 for d in scheme.dimensions.all())
    assert set(five) == {"safety", "harmony", "integrity", "hygiene", "rule_of_law"}


def test_every_staff_role_reads_the_shipped_scheme_and_only_superusers_write_it(users, city, five):
    scheme = StarScheme.objects.get(district__isnull=True)
    for role in ("city", "official", "street", "community"):
        assert list(star_schemes_visible_to(getattr(users, role))) == [scheme]
        scheme.note = "改写"
        with pytest.raises(PermissionDenied):
            star_scheme_save(scheme=scheme, actor=getattr(users, role))
    assert not star_schemes_visible_to(users.nobody).exists()
    assert StarScheme.objects.get(pk=scheme.pk).note != "改写"


def test_a_star_is_awarded_once_a_year(territory, users, five):
    rating = _award(territory.n111, five["safety"], users.community)
    assert rating.status == "awarded" and rating.recorded_by == users.community
    assert AuditEntry.objects.filter(action="star_award", target_id=str(rating.pk)).exists()
    with pytest.raises(ValidationError):
        _award(territory.n111, five["safety"], users.street)
    assert _award(territory.n111, five["safety"], users.street, year=YEAR - 1, rated_on=TODAY - 400 * DAY).year == YEAR - 1


def test_a_scheme_of_another_district_or_out_of_its_validity_is_refused(territory, users, five):
    other = star_scheme_save(
        scheme=StarScheme(name="东兴区三星方案", district=territory.other_district, valid_from=datetime.date(YEAR, 1, 1)),
        dimensions=[StarDimension(code="green", name="绿色之星", criteria="绿化率达标")],
        actor=users.superuser,
    )
    with pytest.raises(ValidationError) as refused:
        _award(territory.n111, other.dimensions.get(), users.community)
    assert "dimension" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _award(territory.ne, other.dimensions.get(), users.superuser, year=YEAR - 1)
    assert "year" in refused.value.message_dict
    assert _award(territory.ne, other.dimensions.get(), users.superuser).status == "awarded"


def test_star_withdrawal(territory, users, five):
    rating = _award(territory.n111, five["hygiene"], users.community)
    with pytest.raises(ValidationError) as refused:
        star_withdraw(rating=rating, reason="  ", actor=users.community)
    assert "withdrawal_reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        star_withdraw(rating=rating, reason="复核发现楼道堆物", withdrawn_on=TODAY - 20 * DAY, actor=users.community)
    assert "withdrawn_on" in refused.value.message_dict
    assert StarRating.objects.get(pk=rating.pk).status == "awarded"
    withdrawn = star_withdraw(rating=rating, reason="复核发现楼道堆物、垃圾未分类", actor=users.community)
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_on == TODAY
    assert withdrawn.withdrawal_reason == "复核发现楼道堆物、垃圾未分类"
    entry = AuditEntry.objects.get(action="star_withdraw")
    assert entry.summary == "复核发现楼道堆物、垃圾未分类"
    with pytest.raises(ValidationError) as refused:
        star_withdraw(rating=withdrawn, reason="再摘一次", actor=users.community)
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError):
        withdrawn.evidence = "改写"
        star_rating_save(rating=withdrawn, actor=users.community)


def test_the_admin_withdraws_a_star_with_its_reason(territory, users, five, client):
    rating = _award(territory.n111, five["hygiene"], users.community)
    client.force_login(users.community)
    url = reverse("admin:governance_starrating_change", args=[rating.pk])
    data = merged(form_data(client.get(url)), {"withdraw_reason": "复核未通过：垃圾满溢", "_save": "1"})
    assert client.post(url, data).status_code == 302
    rating.refresh_from_db()
    assert rating.status == "withdrawn" and rating.withdrawal_reason == "复核未通过：垃圾满溢"
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page and "复核未通过：垃圾满溢" in page


def test_the_public_page_shows_the_latest_year_stars_and_a_withdrawal(territory, users, five, client):
    url = reverse("projects:neighbourhood", args=[territory.n111.pk])
    assert "星级评定" not in client.get(url).content.decode()
    _award(territory.n111, five["harmony"], users.community, year=YEAR - 1, rated_on=TODAY - 400 * DAY)
    for code in ("safety", "harmony", "rule_of_law"):
        _award(territory.n111, five[code], users.community)
    star_withdraw(
        rating=StarRating.objects.get(dimension=five["rule_of_law"], year=YEAR), reason="复核发现违规装修未制止", actor=users.community
    )
    page = client.get(url).content.decode()
    assert f"{YEAR}年度星级评定" in page and f"{YEAR - 1}年度" not in page
    assert "获评 2 颗星" in page and "安全之星" in page and "和谐之星" in page
    assert "法治之星" in page and "已摘星" in page and "复核发现违规装修未制止" in page
    assert "廉洁之星" not in page and "卫生之星" not in page
    assert "星级评定" not in client.get(reverse("projects:neighbourhood", args=[territory.n121.pk])).content.decode()


# ---- scoping ----------------------------------------------------------------------------------------



@pytest.fixture
def ratings(territory, users, five, city):
    return {key: _award(getattr(territory, key), five["safety"], users.superuser) for key in NEIGHBOURHOODS}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_sees_and_manages_its_territory_only(role, ratings, users):
    actor = getattr(users, role)
    names = lambda qs: {r.neighbourhood.name for r in qs.select_related("neighbourhood")}  # noqa: E731
    expected = {ratings[k].neighbourhood.name for k in VISIBLE[role]}
    assert names(scope(StarRating.objects.all(), actor)) == expected
    assert names(scope(StarRating.objects.all(), actor, write=True)) == {ratings[k].neighbourhood.name for k in MANAGES[role]}


@pytest.mark.parametrize("role", ["city", "official", "street", "community"])
def test_admin_and_api_inside_and_outside(role, ratings, users, client):
    api = signed_in(client, getattr(users, role))
    edit = {"withdraw_reason": "越权"}
    assert_rows_scoped(client, api, role, ratings, "governance_starrating", "/api/v1/star-ratings/", edit)
    listing = client.get(reverse("admin:governance_starrating_changelist")).content.decode()
    for key, rating in ratings.items():
        assert (f">{rating.neighbourhood.name}<" in listing) == (key in VISIBLE[role]), key
    listed = api.get("/api/v1/star-ratings/").json()["results"]
    assert {row["id"] for row in listed} == {ratings[k].pk for k in VISIBLE[role]}
    assert all(row["star"] == "安全之星" for row in listed)
    assert api.post("/api/v1/star-ratings/", {"year": YEAR}).status_code in (403, 405)
    assert not StarRating.objects.filter(status="withdrawn").exists()


def test_outside_writes_are_refused_by_the_services(ratings, users, five):
    for actor in (users.community, users.official, users.city):
        with pytest.raises(PermissionDenied):
            star_withdraw(rating=ratings["n211"], reason="越权", actor=actor)
        with pytest.raises(PermissionDenied):
            _award(ratings["n211"].neighbourhood, five["hygiene"], actor)
    assert StarRating.objects.count() == len(ratings)
