import functools
from decimal import Decimal

from django.db import connection, connections, models
from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Subquery, Sum, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce


def _subquery_total(queryset, field, aggregate, output_field, project_path="neighbourhood__projects"):
    """A correlated subquery giving one aggregate over `queryset` (already filtered by OuterRef),
    grouped by the project it reaches through `project_path`."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values(project_path)
            .annotate(total=aggregate(field))
            .values("total")[:1],
            output_field=output_field,
        ),
        Value(0 if isinstance(output_field, IntegerField) else Decimal("0")),
        output_field=output_field,
    )


@functools.cache
def _neighbourhood_totals_sql(vendor):
    """ProjectQuerySet.annotate_neighbourhood_totals' expression for the database `vendor`, made
    once: annotating copies it, and what Django derives from it on first use (its identity) is then
    not derived again. PostgreSQL aggregates in order; SQLite (before 3.44 no ORDER BY inside an
    aggregate) aggregates an ordered subquery, and writes the floor area with its two decimal places
    (it stores a decimal as a float)."""
    from governance.models import Community, Neighbourhood

    from .models import Project

    link = Project.neighbourhoods.through._meta.db_table
    source = (
        f" FROM {link} l JOIN {Neighbourhood._meta.db_table} n ON n.id = l.neighbourhood_id"
        f" JOIN {Community._meta.db_table} c ON c.id = n.community_id"
        f' WHERE l.project_id = "{Project._meta.db_table}"."id"'
    )
    if vendor == "postgresql":
        sql = (
            "SELECT coalesce(json_agg(json_build_array(n.id, n.building_count, n.household_count,"
            " n.floor_area_total) ORDER BY c.name, n.name, n.id), '[]')::text" + source
        )
    else:
        sql = (
            "SELECT coalesce(json_group_array(json_array(t.id, t.building_count, t.household_count,"
            " json(printf('%%.2f', t.floor_area_total)))), '[]') FROM (SELECT n.id, n.building_count,"
            " n.household_count, n.floor_area_total" + source + " ORDER BY c.name, n.name, n.id) t"
        )
    expression = RawSQL(sql, (), output_field=TextField())
    hash(expression)  # its identity, cached on it (and on its copies)
    return expression


class ProjectQuerySet(models.QuerySet):
    def annotate_coverage(self, households_before=None):
        """Annotate what a project covers, derived from its neighbourhoods' census: `building_count`,
        `household_count`, `floor_area_total` (m², Decimal). One subquery each, no join fan-out.
        Today's figures add up the neighbourhoods' stored totals (governance.totals), a few rows a
        project. `households_before` (an aware datetime): count only the households registered
        before it, and the buildings holding one of them (a report of a past month), from the raw
        rows."""
        if households_before is None:
            return self._annotate_stored_coverage()
        from governance.models import Building
        from residents.models import Household

        buildings = Building.objects.filter(neighbourhood__projects=OuterRef("pk"))
        households = Household.objects.filter(neighbourhood__projects=OuterRef("pk"))
        if households_before is not None:
            households = households.filter(created_at__lt=households_before)
            # A building carries no date of its own: it counts once a household in it was on record.
            buildings = buildings.filter(
                Exists(Household.objects.filter(building=OuterRef("pk"), created_at__lt=households_before))
            )
        return self.annotate(
            building_count=_subquery_total(buildings, "pk", Count, IntegerField()),
            household_count=_subquery_total(households, "pk", Count, IntegerField()),
            floor_area_total=_subquery_total(
                households, "floor_area", Sum, DecimalField(max_digits=16, decimal_places=2)
            ),
        )

    def _annotate_stored_coverage(self):
        from governance.models import Neighbourhood

        neighbourhoods = Neighbourhood.objects.filter(projects=OuterRef("pk"))

        def total(field, output_field):
            return _subquery_total(neighbourhoods, field, Sum, output_field, project_path="projects")

        return self.annotate(
            building_count=total("building_count", IntegerField()),
            household_count=total("household_count", IntegerField()),
            floor_area_total=total("floor_area_total", DecimalField(max_digits=16, decimal_places=2)),
        )

    def annotate_neighbourhood_totals(self):
        """Annotate `neighbourhood_totals`: the project's neighbourhoods in their own order
        (community name, name, id), each as [id, buildings, households, floor area] from its stored
        totals (governance.totals), as JSON text (`[]` without any): read it with
        json.loads(..., parse_float=Decimal), the floor areas then exact. One correlated subquery
        in the project's own SELECT, not a query of its own: for a list's page of plain values
        (projects.api). Written in SQL once (_neighbourhood_totals_sql), where the ORM would build
        and compile its subquery on every request (the list's cost); it names the project table
        as a top-level query's FROM does, so use it on a queryset that is read, not nested in
        another query."""
        vendor = connections[self.db].vendor
        return self.annotate(neighbourhood_totals=_neighbourhood_totals_sql(vendor))

    def open(self):
        from .choices import FINAL_STAGES

        return self.exclude(stage__in=FINAL_STAGES)


class CatalogueItemQuerySet(models.QuerySet):
    """The works menu. Its rule of which items a place may use lives here once: the national items
    (no district) and those its district added."""

    def national_or(self, districts):
        """The national items and those of `districts`: a district (or its id), or a queryset of
        districts."""
        if isinstance(districts, models.QuerySet):
            own = models.Q(district__in=districts)
        else:
            own = models.Q(district=districts)
        return self.filter(models.Q(district__isnull=True) | own)

    def offered_in(self, district):
        """What a household of `district` may choose: the active items of national_or(district)."""
        return self.national_or(district).filter(active=True)


def offered_in_sql(district_sql):
    """CatalogueItemQuerySet.offered_in as an SQL condition, for a statement that reads items
    beside other rows (surveys' resident submit): (condition, params), the condition with an
    `{item}` placeholder for the items' table alias and `district_sql` the district id in that
    statement."""
    qn = connection.ops.quote_name
    return (
        f"{{item}}.{qn('active')} AND ({{item}}.{qn('district_id')} IS NULL "
        f"OR {{item}}.{qn('district_id')} = {district_sql})",
        [],
    )


def is_offered_in(item, district_id):
    """CatalogueItemQuerySet.offered_in for an item already loaded (no query)."""
    return item.active and item.district_id in (None, district_id)
