"""Filters of the households API: by place (district down to stairwell), floor, room, and whether
a code or an owner identity is on record. None reads the phone, the owner identity or the code, so
a filter cannot be used to test a guessed value."""

import django_filters

from ..models import Household


class HouseholdFilter(django_filters.FilterSet):
    district = django_filters.NumberFilter(field_name="neighbourhood__community__street__district_id")
    street = django_filters.NumberFilter(field_name="neighbourhood__community__street_id")
    community = django_filters.NumberFilter(field_name="neighbourhood__community_id")
    has_access_code = django_filters.BooleanFilter(field_name="access_code_hash", method="_not_blank")
    has_owner_identity = django_filters.BooleanFilter(field_name="owner_id_hash", method="_not_blank")

    class Meta:
        model = Household
        fields = ["district", "street", "community", "neighbourhood", "building", "stairwell", "floor", "room"]

    def _not_blank(self, queryset, name, value):
        """True: the field holds a value; False: it is blank. The value itself is never compared."""
        return queryset.exclude(**{name: ""}) if value else queryset.filter(**{name: ""})
