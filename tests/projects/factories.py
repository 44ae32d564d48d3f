"""Factories of the projects app. Projects are created through the service in most tests; these
build the plain rows the tests need around them."""

import datetime
from decimal import Decimal

import factory

from projects.choices import Unit, WorkClass
from projects.models import CatalogueItem, Project


class CatalogueItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogueItem
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"test_item_{n}")
    name = factory.Sequence(lambda n: f"测试改造内容{n}")
    work_class = WorkClass.BASIC
    unit = Unit.METRE
    reference_unit_cost = Decimal("100.00")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A candidate project over the given neighbourhoods (default: none; pass `neighbourhoods=[...]`)."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"GZ-2025-{n:03d}")
    name = factory.Sequence(lambda n: f"测试改造项目{n}")
    year = 2025
    budget = Decimal("1000000.00")
    planned_start_on = datetime.date(2025, 3, 1)
    planned_end_on = datetime.date(2025, 12, 31)

    @factory.lazy_attribute
    def lead_street(self):
        from tests.factories import StreetFactory

        return StreetFactory()

    @factory.post_generation
    def neighbourhoods(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.neighbourhoods.set(extracted)
