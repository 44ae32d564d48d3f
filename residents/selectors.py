"""Reads about households."""
from django.db.models import Count, Q

from .codes import code_matches, split_code
from .models import Household


def household_for_code(raw_code):
    """The household whose current access code is `raw_code`, or None.

    Tolerates case, spaces, dashes, full-width characters and look-alikes (O/0, I/L/1). A
    regenerated code replaces the old one, which then finds nothing. One query at most; none when
    `raw_code` cannot be a code. The household comes with its neighbourhood, building and stairwell.
    """
    locator, normalised = split_code(raw_code)
    if locator is None:
        return None
    household = (
        Household.objects.select_related("neighbourhood", "building", "stairwell")
        .filter(access_code_locator=locator)
        .first()
    )
    if household is None or not code_matches(normalised, household.access_code_hash):
        return None
    return household


def code_counts_by_neighbourhood(neighbourhood_ids):
    """{neighbourhood id: (households, households with a code)} for the given ids, in one query.
    A neighbourhood without households is absent."""
    rows = (
        Household.objects.filter(neighbourhood_id__in=neighbourhood_ids)
        .order_by()
        .values("neighbourhood_id")
        .annotate(total=Count("pk"), with_code=Count("pk", filter=~Q(access_code_hash="")))
    )
    return {row["neighbourhood_id"]: (row["total"], row["with_code"]) for row in rows}


def report_counts(neighbourhood_id):
    """(reports received, reports closed) of a neighbourhood's residents, in one query: the public
    figure "收集 N 条，办结 M 条". Counts only, no text."""
    from .reports import ReportStatus, ResidentReport

    figures = ResidentReport.objects.filter(neighbourhood_id=neighbourhood_id).aggregate(
        received=Count("pk"), closed=Count("pk", filter=Q(status=ReportStatus.CLOSED))
    )
    return figures["received"], figures["closed"]


def household_reports(household):
    """The household's own reports, newest first, with their photos (its page on /me/)."""
    from .reports import ResidentReport

    return list(
        ResidentReport.objects.filter(household=household).prefetch_related("photos").order_by("-submitted_at", "-id")
    )
