from rest_framework import serializers

from ..models import Building, Community, District, Neighbourhood, Stairwell, Street


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "name", "code", "eligibility_cutoff"]


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
