"""factory_boy factories: District → Street → Community → Neighbourhood → Building → Stairwell →
Household, and staff users with roles."""
import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from governance.choices import RoleKind
from governance.models import Building, Community, District, Neighbourhood, StaffRole, Stairwell, Street
from governance.providers import Provider
from governance.services import recount_neighbourhood_totals
from residents.identity import id_number_hash
from residents.models import Household


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"测试区{n}")
    eligibility_cutoff = datetime.date(2001, 1, 1)


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"幸福里{n}号院")
    built_year = 1990
    address = factory.LazyAttribute(lambda o: f"{o.name}路1号")


class CountedFactory(factory.django.DjangoModelFactory):
    """Rows written here bypass the services, so the neighbourhood's stored totals
    (governance.totals) are recounted after each, as a bulk writer does."""

    class Meta:
        abstract = True

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        super()._after_postgeneration(instance, create, results)
        if create:
            recount_neighbourhood_totals([instance.neighbourhood_id])


class BuildingFactory(CountedFactory):
    class Meta:
        model = Building

    neighbourhood = factory.SubFactory(NeighbourhoodFactory)
    name = factory.Sequence(lambda n: f"{n + 1}栋")
    floors = 6


class StairwellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stairwell

    building = factory.SubFactory(BuildingFactory)
    name = factory.Sequence(lambda n: f"{n + 1}单元")
    floors = 6


class HouseholdFactory(CountedFactory):
    class Meta:
        model = Household

    stairwell = factory.SubFactory(StairwellFactory)
    building = factory.LazyAttribute(lambda o: o.stairwell.building if o.stairwell else BuildingFactory())
    neighbourhood = factory.LazyAttribute(lambda o: o.building.neighbourhood)
    room = factory.Sequence(lambda n: f"{(n % 6) + 1}0{(n // 6) % 4 + 1}-{n}")
    floor = 1
    floor_area = Decimal("75.50")
    owner_name = factory.Sequence(lambda n: f"业主{n}")
    owner_id_hash = factory.Sequence(lambda n: id_number_hash(f"owner-{n}"))
    phone = "13800000000"


User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pass-for-tests")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def staff_user(kind, place, username=None):
    """A staff user holding one role of `kind` over `place` (a District, Street or Community)."""
    user = UserFactory(username=username) if username else UserFactory()
    if kind == RoleKind.CITY_OFFICIAL:
        StaffRole.objects.create(user=user, kind=kind)
        return user
    field = {
        RoleKind.DISTRICT_OFFICIAL: "district",
        RoleKind.STREET_STAFF: "street",
        RoleKind.COMMUNITY_STAFF: "community",
    }[kind]
    StaffRole.objects.create(user=user, kind=kind, **{field: place})
    return user


class ProviderFactory(factory.django.DjangoModelFactory):
    """A provider of a district's register; one per district and name."""

    class Meta:
        model = Provider
        django_get_or_create = ["district", "name"]

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"物业公司{n}")
    kind = "market"


def provider_of(neighbourhood, name="安居物业公司", kind="market"):
    """The provider `name` of the neighbourhood's district's register (registered if missing)."""
    return ProviderFactory(district=neighbourhood.community.street.district, name=name, kind=kind)


def neighbourhood_with_households(community, name, built_year=1990, households=4):
    """A neighbourhood with one building "1栋", one stairwell "1单元" and `households` flats, two a
    floor (101, 102, 201, …)."""
    neighbourhood = NeighbourhoodFactory(community=community, name=name, built_year=built_year)
    stairwell = StairwellFactory(building__neighbourhood=neighbourhood, building__name="1栋", name="1单元")
    for i in range(households):
        HouseholdFactory(stairwell=stairwell, room=f"{i // 2 + 1}0{i % 2 + 1}", floor=i // 2 + 1)
    return neighbourhood


def district_with_two_streets():
    """District 甜城区: street S1 with communities C11 and C12, street S2 with community C21."""
    d = DistrictFactory(name="甜城区")
    s1 = StreetFactory(district=d, name="玉溪街道")
    s2 = StreetFactory(district=d, name="桂湖街道")
    c11 = CommunityFactory(street=s1, name="新华社区")
    c12 = CommunityFactory(street=s1, name="东风社区")
    c21 = CommunityFactory(street=s2, name="北门社区")
    return {"district": d, "s1": s1, "s2": s2, "c11": c11, "c12": c12, "c21": c21}


def role_users(district, street, community):
    """A superuser, and one staff user per writing level: the district's official, the street's and
    the community's staff."""
    return {
        "superuser": UserFactory(username="root", is_superuser=True),
        "official": staff_user(RoleKind.DISTRICT_OFFICIAL, district, "official"),
        "street": staff_user(RoleKind.STREET_STAFF, street, "street1"),
        "community": staff_user(RoleKind.COMMUNITY_STAFF, community, "community11"),
    }
