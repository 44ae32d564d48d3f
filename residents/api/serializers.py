"""The households API's one serializer. What it never carries: the owner's ID hash, the code's
hash and its locator (the locator is part of the code a resident types). The phone goes only to
staff who manage the household; to a reader (the district official) it is null."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Household


class HouseholdSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(
        help_text="The contact phone; null unless the requesting user manages the household."
    )
    has_owner_identity = serializers.SerializerMethodField(
        help_text="Whether the owner's ID number is on record (only its keyed hash is kept)."
    )
    has_access_code = serializers.BooleanField(read_only=True, help_text="Whether a household code is issued.")

    class Meta:
        model = Household
        fields = [
            "id",
            "neighbourhood",
            "building",
            "stairwell",
            "room",
            "floor",
            "floor_area",
            "owner_name",
            "phone",
            "has_owner_identity",
            "has_access_code",
            "access_code_issued_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_phone(self, household):
        return household.phone if household.managed else None

    @extend_schema_field(serializers.BooleanField())
    def get_has_owner_identity(self, household):
        return bool(household.owner_id_hash)
