"""Reads of the projects app, one per screen, fetching exactly what the screen renders."""

import datetime

from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.models import Neighbourhood
from governance.scoping import scope

from .choices import MAIN_LINE, TRANSITIONS, ObjectionStatus, PhotoKind, Stage
from .models import (
    Notice,
    Objection,
    Photo,
    ProgressReport,
    Project,
    ProjectTransition,
    ScopeItem,
    SupervisionFinding,
)


def project_timeline(project):
    """The project's transitions, oldest first, with who made each."""
    return list(
        ProjectTransition.objects.filter(project=project).select_related("actor").order_by("at", "id")
    )


def project_move_choices(project):
    """The stages the table lets `project` move to now, as (value, label), in lifecycle order. From
    `suspended` only the stage it came from and `cancelled` are offered (the gates forbid the rest)."""
    allowed = TRANSITIONS.get(project.stage, set())
    if project.stage == Stage.SUSPENDED:
        allowed = {project.stage_before_suspension, Stage.CANCELLED}
    return [(stage.value, stage.label) for stage in Stage if stage in allowed]


def projects_for_staff(actor):
    """The project list of staff: scoped, with the lead street and the derived coverage."""
    return scope(Project.objects.all(), actor).select_related("lead_street").annotate_coverage()


def public_neighbourhood(neighbourhood_id):
    """The neighbourhood a public page shows (any neighbourhood: the page shows no personal data)."""
    return Neighbourhood.objects.select_related("community__street").filter(pk=neighbourhood_id).first()


def public_page_projects(neighbourhood, today=None):
    """The projects shown on a neighbourhood's public page, with what the page renders: the
    transitions, the notices whose period has begun (annotated with objection counts — counts only,
    never who objected), the photos (no finding photos), and this neighbourhood's scope lines with
    their menu items. A fixed number of queries whatever the number of rows."""
    today = today or timezone.localdate()
    notices = (
        Notice.objects.filter(starts_on__lte=today)
        .annotate(
            objection_count=Count("objections"),
            answered_count=Count("objections", filter=Q(objections__status=ObjectionStatus.ANSWERED)),
        )
        .order_by("-starts_on", "-id")
    )
    return list(
        Project.objects.filter(neighbourhoods=neighbourhood)
        .exclude(stage=Stage.CANCELLED)
        .order_by("-year", "-id")
        .prefetch_related(
            Prefetch("transitions", queryset=ProjectTransition.objects.order_by("at", "id")),
            Prefetch("notices", queryset=notices),
            Prefetch(
                "photos",
                queryset=Photo.objects.exclude(kind=PhotoKind.FINDING).order_by("kind", "-uploaded_at"),
            ),
            Prefetch(
                "scope_items",
                queryset=ScopeItem.objects.filter(neighbourhood=neighbourhood)
                .select_related("catalogue_item")
                .order_by("catalogue_item__work_class", "catalogue_item__sort_order", "id"),
            ),
        )
    )


def stage_steps(project):
    """The main line of stages with each one's state for the page: done, current or todo. A
    suspended project shows where it stopped."""
    where = project.stage_before_suspension if project.stage == Stage.SUSPENDED else project.stage
    position = MAIN_LINE.index(where) if where in MAIN_LINE else -1
    return [
        {"label": stage.label, "state": "done" if i < position else "current" if i == position else "todo"}
        for i, stage in enumerate(MAIN_LINE)
    ]


def project_home_neighbourhood(project="pk", lead_street="lead_street_id"):
    """A subquery expression: the home neighbourhood of the outer row's project, the lowest-id
    neighbourhood of the project in its lead street. `project` and `lead_street` are the outer
    paths of the project's id and its lead street's id: the defaults fit a Project queryset,
    "project_id" and "project__lead_street_id" a row hanging off a project. Figures that add a project up
    the territory count it once, under its home (a bundled project spans several neighbourhoods;
    services keep the lead street one of theirs, so every project with neighbourhoods has one)."""
    return Subquery(
        Neighbourhood.objects.filter(projects=OuterRef(project), community__street_id=OuterRef(lead_street))
        .order_by("pk")
        .values("pk")[:1]
    )


def latest_progress_reports(month, projects):
    """The latest monthly report of each project of the queryset `projects` dated up to `month`
    (its first day): reports of a later month are never read, so a past month's figures stay as
    they were. A queryset of ProgressReport (one per project that had reported by then)."""
    month = month.replace(day=1)
    latest_month = Subquery(
        ProgressReport.objects.filter(project_id=OuterRef("project_id"), month__lte=month)
        .order_by("-month")
        .values("month")[:1]
    )
    return ProgressReport.objects.filter(
        project__in=projects.values("pk"), month__lte=month, month=latest_month
    )


def stage_as_of(moment, project="pk"):
    """A subquery expression: the stage the outer row's project (path `project`) was in just before
    `moment` (an aware datetime), read from its recorded transitions (candidate before the first)."""
    last = (
        ProjectTransition.objects.filter(project_id=OuterRef(project), at__lt=moment)
        .order_by("-at", "-id")
        .values("to_stage")[:1]
    )
    return Coalesce(Subquery(last), Value(Stage.CANDIDATE), output_field=CharField())


def reached_as_of(stage, moment, project="pk"):
    """An Exists expression: the outer row's project had moved into `stage` before `moment`."""
    moves = ProjectTransition.objects.filter(project_id=OuterRef(project), to_stage=stage, at__lt=moment)
    return Exists(moves)


# ---- what waits for staff (the officials' dashboards) ------------------------------------------


def notices_with_open_objections(neighbourhoods):
    """The notices with objections not yet answered from households of `neighbourhoods` (a
    queryset), each annotated with `open_objections` (how many), `first_open` (the id of the oldest,
    whose admin page answers it) and `waiting_since` (when it was made); oldest first."""
    open_ones = Objection.objects.filter(
        notice=OuterRef("pk"),
        status=ObjectionStatus.OPEN,
        household__neighbourhood__in=neighbourhoods.values("pk"),
    ).order_by("submitted_at", "pk")
    count = open_ones.order_by().values("notice").annotate(n=Count("pk")).values("n")
    return (
        Notice.objects.filter(Exists(open_ones))
        .annotate(
            open_objections=Subquery(count),
            first_open=Subquery(open_ones.values("pk")[:1]),
            waiting_since=Subquery(open_ones.values("submitted_at")[:1]),
        )
        .select_related("project")
        .order_by("waiting_since", "pk")
    )


def findings_open_since(projects, opened_before):
    """The supervision findings of `projects` (a queryset) still open (not resolved) that were
    found before `opened_before` (an aware datetime), oldest first, with their project."""
    return (
        SupervisionFinding.objects.filter(
            project__in=projects.values("pk"), resolved_at__isnull=True, opened_at__lt=opened_before
        )
        .select_related("project")
        .order_by("opened_at", "pk")
    )


def projects_missing_report(projects, month):
    """The projects of `projects` (a queryset) under construction (施工) that had started before the
    month after `month` (its first day) and have no monthly progress report for `month`, by code."""
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (
        Project.objects.filter(pk__in=projects.values("pk"), stage=Stage.CONSTRUCTION)
        .filter(Q(started_on__isnull=True) | Q(started_on__lt=following))
        .exclude(Exists(ProgressReport.objects.filter(project=OuterRef("pk"), month=month)))
        .order_by("code", "pk")
    )
