"""The dashboards API's query and its answer (read-only): the same figures as the pages, with
money, areas, rates and coordinates as decimal strings like the rest of the API."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from projects.models import ProgressReport

from ..figures import units
from ..figures.map import MAP_STAGES
from ..figures.works_done import FIGURES as WORKS_FIGURES
from ..views import MAX_YEAR, MIN_YEAR

LEVEL_HELP = "city, district, street, community, neighbourhood or project"


def money():
    return serializers.DecimalField(max_digits=20, decimal_places=2, help_text="元")


class DashboardQuerySerializer(serializers.Serializer):
    """?year=2026&as_of=2026-11, both optional: the plan year (default: the as-of month's year) and
    the as-of month (default: this month; figures as of its last day, or today)."""

    year = serializers.IntegerField(
        required=False, min_value=MIN_YEAR, max_value=MAX_YEAR, help_text="计划年度 (plan year), 2000–2100"
    )
    as_of = serializers.CharField(
        required=False,
        max_length=7,
        help_text="截至月份 (as-of month) YYYY-MM, from 2000-01 to this month: figures as of its last day",
    )

    def validate_as_of(self, text):
        text = (text or "").strip()
        if not text:
            return None
        try:
            month = datetime.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise serializers.ValidationError(_("截至月份的格式应为“年-月”，例如 2026-11。")) from None
        if month.year < MIN_YEAR or month > timezone.localdate().replace(day=1):
            raise serializers.ValidationError(_("截至月份须在2000年1月至本月之间。"))
        return month

    def period(self):
        month = self.validated_data.get("as_of") or timezone.localdate().replace(day=1)
        return units.Period(year=self.validated_data.get("year") or month.year, month=month)


class DashboardUnitRefSerializer(serializers.Serializer):
    level = serializers.CharField(help_text=LEVEL_HELP)
    id = serializers.IntegerField(source="pk", allow_null=True, help_text="null for the city")
    name = serializers.CharField()


class DashboardPeriodSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.DateField(help_text="the as-of month's first day")
    as_of = serializers.DateField(help_text="the day the figures are as of: the month's last day, or today")


class DashboardMeasuresSerializer(serializers.Serializer):
    neighbourhoods = serializers.IntegerField()
    buildings = serializers.IntegerField()
    households = serializers.IntegerField()
    floor_area = serializers.DecimalField(max_digits=20, decimal_places=2, help_text="m²")


class DashboardGroupsSerializer(serializers.Serializer):
    eligible = DashboardMeasuresSerializer(help_text="符合改造条件")
    planned = DashboardMeasuresSerializer(help_text="纳入年度计划")
    started = DashboardMeasuresSerializer(help_text="已开工")
    completed = DashboardMeasuresSerializer(help_text="已完工")


class DashboardRatesSerializer(serializers.Serializer):
    by_neighbourhoods = serializers.DecimalField(
        max_digits=6, decimal_places=1, allow_null=True, help_text="开工率 %, by neighbourhoods"
    )
    by_households = serializers.DecimalField(
        max_digits=6, decimal_places=1, allow_null=True, help_text="开工率 %, by households"
    )


class DashboardYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    groups = DashboardGroupsSerializer()
    rates = DashboardRatesSerializer()


class DashboardChildSerializer(serializers.Serializer):
    level = serializers.CharField(help_text=LEVEL_HELP)
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    groups = DashboardGroupsSerializer()
    rates = DashboardRatesSerializer()


class DashboardCommittedSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="the funding source kind (central_subsidy, district_budget, ...)")
    name = serializers.CharField()
    amount = money()


class DashboardInvestmentSerializer(serializers.Serializer):
    projects = serializers.IntegerField()
    budget = money()
    committed = money()
    by_kind = DashboardCommittedSerializer(many=True)
    disbursed = money()
    gap = money()


class DashboardFunnelSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text="the project stage (candidate, consultation, ...)")
    name = serializers.CharField()
    projects = serializers.IntegerField()
    average_days = serializers.IntegerField(allow_null=True)
    longest_days = serializers.IntegerField(allow_null=True)


class DashboardProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    stage = serializers.CharField()
    budget = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    started_on = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)


def _works_field(name):
    if name == "projects_reporting":
        return serializers.IntegerField(help_text="projects counted (with a monthly report by then)")
    model_field = ProgressReport._meta.get_field(name)
    label = str(model_field.verbose_name)
    if model_field.get_internal_type() == "DecimalField":
        return serializers.DecimalField(max_digits=20, decimal_places=model_field.decimal_places, help_text=label)
    return serializers.IntegerField(help_text=label)


# Every quantity of projects.ProgressReport.QUANTITY_FIELDS, and the projects counted.
DashboardWorksFiguresSerializer = type(
    "DashboardWorksFiguresSerializer",
    (serializers.Serializer,),
    {name: _works_field(name) for name in WORKS_FIGURES},
)


class DashboardWorksChildSerializer(serializers.Serializer):
    level = serializers.CharField(help_text=LEVEL_HELP)
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    figures = DashboardWorksFiguresSerializer()


class DashboardWorksSerializer(serializers.Serializer):
    totals = DashboardWorksFiguresSerializer()
    children = DashboardWorksChildSerializer(many=True)


class DashboardMapPointSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6)
    project_id = serializers.IntegerField(source="project_pk", allow_null=True)
    project_code = serializers.CharField(allow_null=True)
    stage = serializers.CharField(help_text=", ".join(MAP_STAGES) + " (none: no project yet)")
    stage_name = serializers.CharField()
    colour = serializers.CharField()

    def to_representation(self, point):
        """What DRF's generic loop gives (each field's own representation, None kept), without its
        machinery for each field of each point, and each stage's name translated once: a city's
        map has tens of thousands of points (one serializer serves every point of the list)."""
        if not hasattr(self, "_plain_fields"):
            self._plain_fields = [(field.field_name, field, field.source) for field in self._readable_fields]
            self._stage_names = {}
        answer = {}
        for name, field, source in self._plain_fields:
            if source == "stage_name":
                if point.stage not in self._stage_names:
                    self._stage_names[point.stage] = field.to_representation(point.stage_name)
                answer[name] = self._stage_names[point.stage]
                continue
            value = getattr(point, source)
            answer[name] = None if value is None else field.to_representation(value)
        return answer


class DashboardMapStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    name = serializers.CharField()
    colour = serializers.CharField()
    count = serializers.IntegerField()


class DashboardMapSerializer(serializers.Serializer):
    points = DashboardMapPointSerializer(many=True, help_text="the neighbourhoods with a recorded location")
    missing_location = serializers.IntegerField(help_text="neighbourhoods without a recorded location")
    stages = DashboardMapStageSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    unit = DashboardUnitRefSerializer()
    ancestors = DashboardUnitRefSerializer(many=True, help_text="the way up, from the actor's top unit")
    period = DashboardPeriodSerializer()
    groups = DashboardGroupsSerializer()
    rates = DashboardRatesSerializer()
    years = DashboardYearSerializer(many=True, help_text="the five plan years up to the chosen one")
    child_level = serializers.CharField(allow_null=True, help_text=LEVEL_HELP + "; null below a community")
    children = DashboardChildSerializer(many=True)
    investment = DashboardInvestmentSerializer()
    funnel = DashboardFunnelSerializer(many=True)
    projects = DashboardProjectSerializer(many=True, help_text="a neighbourhood's projects of the plan year")
    works = DashboardWorksSerializer()
    map = DashboardMapSerializer(allow_null=True, help_text="from the city down to a community; null below")
