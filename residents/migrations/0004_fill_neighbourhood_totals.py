from django.db import migrations
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    """Count each neighbourhood's buildings, households and floor area into its stored totals."""
    Neighbourhood = apps.get_model("governance", "Neighbourhood")
    Building = apps.get_model("governance", "Building")
    Household = apps.get_model("residents", "Household")

    def total(model, field, aggregate, output_field, zero):
        return Coalesce(
            Subquery(
                model.objects.filter(neighbourhood_id=OuterRef("pk"))
                .order_by()
                .values("neighbourhood_id")
                .annotate(total=aggregate(field))
                .values("total")[:1],
                output_field=output_field,
            ),
            Value(zero),
            output_field=output_field,
        )

    area = DecimalField(max_digits=16, decimal_places=2)
    Neighbourhood.objects.update(
        building_count=total(Building, "pk", Count, IntegerField(), 0),
        household_count=total(Household, "pk", Count, IntegerField(), 0),
        floor_area_total=total(Household, "floor_area", Sum, area, area.to_python("0")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0012_neighbourhood_totals"),
        ("residents", "0003_floor_area_bound"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
