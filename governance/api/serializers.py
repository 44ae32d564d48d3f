from rest_framework import serializers

from ..bodies import Body, BodyMember
from ..models import Building, Community, District, Neighbourhood, Stairwell, Street
from ..grid import GridRole
from ..providers import Provider


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "name", "code", "eligibility_cutoff", "committee_threshold"]


class StreetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Street
        fields = ["id", "district", "name", "code"]


class CommunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["id", "street", "name", "code"]


class NeighbourhoodSerializer(serializers.ModelSerializer):
    eligibility = serializers.CharField(read_only=True)

    class Meta:
        model = Neighbourhood
        fields = [
            "id", "community", "name", "code", "address", "built_year", "original_property_unit",
            "latitude", "longitude", "eligibility", "admission_reason", "admitted_at",
        ]
        read_only_fields = ["admission_reason", "admitted_at"]


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "neighbourhood", "name", "floors", "has_elevator", "built_year", "address"]


class StairwellSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stairwell
        fields = ["id", "building", "name", "floors", "has_elevator"]


class BodyMemberSerializer(serializers.ModelSerializer):
    """A member as the API shows it: never the phone nor the address (staff read those in the
    admin)."""

    class Meta:
        model = BodyMember
        fields = ["id", "name", "role", "is_owner", "party_status"]


class BodySerializer(serializers.ModelSerializer):
    members = BodyMemberSerializer(many=True, read_only=True)
    term_status = serializers.SerializerMethodField(
        help_text="ended, due (ends within 60 days: 待换届) or empty"
    )

    class Meta:
        model = Body
        fields = ["id", "community", "neighbourhood", "kind", "name", "led_by", "term_start", "term_end", "term_status", "members"]

    def get_term_status(self, obj) -> str:
        return obj.term_status()


class ProviderSerializer(serializers.ModelSerializer):
    """A provider of the district's register; the contact's phone stays in the admin."""

    class Meta:
        model = Provider
        fields = ["id", "district", "name", "kind", "credit_code", "contact_name", "address"]


class GridRoleSerializer(serializers.ModelSerializer):
    """A grid role as the API shows it: never the phone (staff read it in the admin)."""

    class Meta:
        model = GridRole
        fields = [
            "id", "neighbourhood", "kind", "name", "elected_by", "started_on", "ended_on",
            "buildings", "stairwells", "order",
        ]
