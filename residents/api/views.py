"""The households API: read-only, scoped like the admin (governance.scoping through the base
view set), so a household outside the actor's territory answers 404."""

from django.db.models import BooleanField, Case, Value, When

from governance.api.base import ScopedReadOnlyViewSet
from governance.scoping import scope_q

from ..models import Household
from .filters import HouseholdFilter
from .serializers import HouseholdSerializer


class HouseholdViewSet(ScopedReadOnlyViewSet):
    """Households of the census. `phone` is filled only for staff who manage the household (street
    and community staff of its territory, superusers); the district official reads it as null. The
    owner's ID number and the household code are never part of a response, not even as hashes."""

    queryset = Household.objects.all()
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter

    def scoped_source(self):
        return Household.objects.annotate(managed=self._managed()).order_by(
            "neighbourhood_id", "building_id", "stairwell_id", "room", "id"
        )

    def _managed(self):
        """Per row, whether the actor manages it: the scoping function's write filter as a flag."""
        manages = scope_q(Household, getattr(self.request, "user", None), write=True)
        if manages is None:  # superuser
            return Value(True)
        return Case(When(manages, then=Value(True)), default=Value(False), output_field=BooleanField())
