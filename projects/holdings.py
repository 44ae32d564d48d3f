"""What a project holds in each of its neighbourhoods: the rows that tie the project to one
neighbourhood (its scope items there, its notices' objections from there; from higher apps, the
demand lists, questionnaires, votes, meetings, visits and opinions of its consultation there).

A neighbourhood that still has such rows cannot be taken out of the project (projects.services.
project_save refuses, naming them): the rows would belong to a neighbourhood outside their project.

Higher apps register a counter from their `AppConfig.ready()` with `register_holding(function)`:
`function(project_id, neighbourhood_ids) -> [(neighbourhood_id, label, count)]`, counting in the
database, one query per kind of row.
"""
from django.db.models import Count

from .models import Objection, ScopeItem

_holdings = []


def register_holding(function):
    if function not in _holdings:
        _holdings.append(function)


def unregister_holding(function):
    if function in _holdings:
        _holdings.remove(function)


def count_by_neighbourhood(queryset, neighbourhood_lookup, label):
    """[(neighbourhood_id, label, count)] of `queryset`'s rows grouped by the neighbourhood at
    `neighbourhood_lookup`."""
    rows = queryset.values(neighbourhood_lookup).annotate(n=Count("pk", distinct=True)).order_by()
    return [(row[neighbourhood_lookup], label, row["n"]) for row in rows if row["n"]]


def _own_holdings(project_id, neighbourhood_ids):
    return [
        *count_by_neighbourhood(
            ScopeItem.objects.filter(project_id=project_id, neighbourhood_id__in=neighbourhood_ids),
            "neighbourhood_id",
            ScopeItem._meta.verbose_name,
        ),
        *count_by_neighbourhood(
            Objection.objects.filter(
                notice__project_id=project_id, household__neighbourhood_id__in=neighbourhood_ids
            ),
            "household__neighbourhood_id",
            Objection._meta.verbose_name,
        ),
    ]


def project_holdings(project_id, neighbourhood_ids):
    """{neighbourhood_id: [(label, count)]} of the rows project `project_id` holds in each of
    `neighbourhood_ids` (those holding nothing are left out)."""
    neighbourhood_ids = list(neighbourhood_ids)
    found = {}
    if not neighbourhood_ids or project_id is None:
        return found
    for function in [_own_holdings, *_holdings]:
        for neighbourhood_id, label, count in function(project_id, neighbourhood_ids):
            found.setdefault(neighbourhood_id, []).append((str(label), count))
    return found
