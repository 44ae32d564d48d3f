"""Filters of the projects API. Street and community filter projects through their neighbourhoods
with `pk IN (subquery)`, so a project with two neighbourhoods in the street is listed once."""

import django_filters

from ..choices import Stage
from ..models import Notice, ProgressReport, Project, ScopeItem, SupervisionFinding


def _through_neighbourhoods(prefix):
    def method(queryset, name, value):
        lookup = {
            "street": f"{prefix}neighbourhoods__community__street_id",
            "community": f"{prefix}neighbourhoods__community_id",
        }[name]
        inner = queryset.model._default_manager.filter(**{lookup: value}).values("pk")
        return queryset.filter(pk__in=inner)

    return method


class ProjectFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    year = django_filters.NumberFilter()
    street = django_filters.NumberFilter(method=_through_neighbourhoods(""), label="street")
    community = django_filters.NumberFilter(method=_through_neighbourhoods(""), label="community")
    neighbourhood = django_filters.NumberFilter(field_name="neighbourhoods", distinct=True)

    class Meta:
        model = Project
        fields = ["stage", "year", "street", "community", "neighbourhood", "lead_street"]


class ProjectChildFilter(django_filters.FilterSet):
    """Rows hanging off a project: by project, and by the project's stage, year, street, community."""

    stage = django_filters.MultipleChoiceFilter(field_name="project__stage", choices=Stage.choices)
    year = django_filters.NumberFilter(field_name="project__year")
    street = django_filters.NumberFilter(method=_through_neighbourhoods("project__"), label="street")
    community = django_filters.NumberFilter(method=_through_neighbourhoods("project__"), label="community")


class ScopeItemFilter(ProjectChildFilter):
    street = django_filters.NumberFilter(field_name="neighbourhood__community__street_id")
    community = django_filters.NumberFilter(field_name="neighbourhood__community_id")

    class Meta:
        model = ScopeItem
        fields = ["project", "neighbourhood", "catalogue_item", "stage", "year", "street", "community"]


class ProgressReportFilter(ProjectChildFilter):
    class Meta:
        model = ProgressReport
        fields = ["project", "month", "stage", "year", "street", "community"]


class FindingFilter(ProjectChildFilter):
    open = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", label="open")

    class Meta:
        model = SupervisionFinding
        fields = ["project", "severity", "source", "open", "stage", "year", "street", "community"]


class NoticeFilter(ProjectChildFilter):
    class Meta:
        model = Notice
        fields = ["project", "kind", "stage", "year", "street", "community"]
