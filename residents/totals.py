"""The household totals of governance.totals: each neighbourhood's households and their floor
area, counted from its Household rows; and household writes mark those totals as changed.
Registered from ResidentsConfig.ready() (governance does not import residents)."""
from django.db.models import Count, DecimalField, IntegerField, Sum

from governance.totals import aggregate_of, register_total, track

from .models import Household


def register():
    register_total(
        "household_count", lambda: aggregate_of(Household.objects.all(), "pk", Count, IntegerField())
    )
    register_total(
        "floor_area_total",
        lambda: aggregate_of(
            Household.objects.all(), "floor_area", Sum, DecimalField(max_digits=16, decimal_places=2)
        ),
    )
    track(Household, lambda household: household.neighbourhood_id, ("neighbourhood", "floor_area"))
