"""Stored per-neighbourhood totals: its buildings, households and their floor area.

`Neighbourhood.building_count`, `household_count` and `floor_area_total` (m², Decimal) are kept
equal to a count of the raw rows by the services that change those rows, inside their own
transaction: `governance.services.territory_record_save` / `territory_record_delete` (buildings,
stairwells, households: the admin's and residents.services.household_save) and the census import.
They serve the project lists (projects.querysets.ProjectQuerySet.annotate_coverage) and the
dashboards without a scan of every household.

`governance` sits below `residents`, so it does not know households: residents registers the
expressions of its totals with `register_total()` from its AppConfig.ready(), and the models
whose writes change a total with `track()`.

Lock order (the same as residents.services' code writers): the neighbourhood rows first, in id
order, then the rows below them. A recount locks its neighbourhoods before it counts, so a count
made after another transaction's write always sees that write once it has committed.
"""
from decimal import Decimal

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Building, Neighbourhood, Stairwell

TOTAL_FIELDS = ("building_count", "household_count", "floor_area_total")

_TOTALS = {}  # field name -> function() giving an expression over Neighbourhood (OuterRef("pk"))
_TRACKED = {}  # model -> (function(instance) -> neighbourhood id, fields whose change moves a total)


def aggregate_of(queryset, field, aggregate, output_field):
    """A correlated subquery over `queryset` (rows with `neighbourhood_id`) giving one aggregate per
    neighbourhood (OuterRef("pk")), zero when it has no row."""
    zero = Value(0) if isinstance(output_field, IntegerField) else Value(output_field.to_python("0"))
    return Coalesce(
        Subquery(
            queryset.filter(neighbourhood_id=OuterRef("pk"))
            .order_by()
            .values("neighbourhood_id")
            .annotate(total=aggregate(field))
            .values("total")[:1],
            output_field=output_field,
        ),
        zero,
        output_field=output_field,
    )


def register_total(field, expression):
    """Make `expression()` (an expression on Neighbourhood) the count of the stored field `field`."""
    if field not in TOTAL_FIELDS:
        raise ValueError(f"unknown total {field!r}")
    _TOTALS[field] = expression


def track(model, neighbourhood_of, fields=(), created=True):
    """Writes of `model` change totals: deleting one (and what it cascades to) always, creating one
    when `created`, a change when one of `fields` changes. `neighbourhood_of(instance)` is its
    neighbourhood's id."""
    _TRACKED[model] = (neighbourhood_of, tuple(fields), created)


register_total(
    "building_count", lambda: aggregate_of(Building.objects.all(), "pk", Count, IntegerField())
)
track(Building, lambda building: building.neighbourhood_id, ("neighbourhood",))
# A stairwell's delete takes its households with it.
track(
    Stairwell,
    lambda stairwell: Building.objects.filter(pk=stairwell.building_id).values_list("neighbourhood_id", flat=True).first(),
    created=False,
)


def is_tracked(model):
    """Whether deleting a row of `model` may change a total."""
    return model in _TRACKED


def saves_may_move(model):
    """Whether saving a row of `model` may change a total."""
    return model in _TRACKED and (_TRACKED[model][2] or bool(_TRACKED[model][1]))


def neighbourhood_of(instance):
    """The id of the neighbourhood whose totals a write of `instance` (a tracked model) changes."""
    return _TRACKED[type(instance)][0](instance)


def moves_totals(stored, instance):
    """Whether saving `instance` over `stored` (None: a new row) changes a total."""
    if type(instance) not in _TRACKED:
        return False
    _of, fields, created = _TRACKED[type(instance)]
    if stored is None:
        return created
    return any(
        getattr(stored, instance._meta.get_field(name).attname)
        != getattr(instance, instance._meta.get_field(name).attname)
        for name in fields
    )


def lock_neighbourhoods(neighbourhood_ids):
    """Lock the neighbourhood rows `neighbourhood_ids` (an iterable; None: every one) in id order."""
    rows = Neighbourhood.objects.select_for_update().order_by("pk")
    if neighbourhood_ids is not None:
        ids = sorted({pk for pk in neighbourhood_ids if pk is not None})
        if not ids:
            return []
        rows = rows.filter(pk__in=ids)
    return list(rows.values_list("pk", flat=True))


def expected_totals():
    """{field: expression} counting each total from the raw rows."""
    return {field: _TOTALS[field]() for field in TOTAL_FIELDS if field in _TOTALS}


def recount(neighbourhood_ids=None):
    """Recount the totals of `neighbourhood_ids` (None: every neighbourhood) from the raw rows and
    store them, in one UPDATE after locking the rows. Must run inside the caller's transaction.
    Returns how many neighbourhoods were recounted."""
    ids = lock_neighbourhoods(neighbourhood_ids)
    if not ids:
        return 0
    rows = Neighbourhood.objects.all()
    if neighbourhood_ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(**expected_totals())


def mismatches(neighbourhood_ids=None):
    """The neighbourhoods whose stored totals differ from a recount, as a list of
    (neighbourhood id, field, stored, counted), in id order. Writes nothing."""
    expected = expected_totals()
    rows = Neighbourhood.objects.order_by("pk").annotate(
        **{f"counted_{field}": expression for field, expression in expected.items()}
    )
    if neighbourhood_ids is not None:
        rows = rows.filter(pk__in=list(neighbourhood_ids))
    found = []
    for row in rows.values("pk", *expected, *(f"counted_{field}" for field in expected)):
        for field in expected:
            counted = _as_stored(field, row[f"counted_{field}"])
            if row[field] != counted:
                found.append((row["pk"], field, row[field], counted))
    return found


def _as_stored(name, value):
    """A recounted `value` as the field `name` stores it: SQLite's SUM of a decimal column comes
    back as an int or a float, which would print without the field's decimal places."""
    field = Neighbourhood._meta.get_field(name)
    if value is not None and isinstance(field, models.DecimalField):
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    return value

