"""Reads of the projects app, one per screen, fetching exactly what the screen renders."""
from django.db.models import Prefetch
from django.utils import timezone

from governance.models import Neighbourhood
from governance.scoping import scope

from .choices import TRANSITIONS, Stage
from .models import Notice, Photo, Project, ProjectTransition


def project_timeline(project):
    """The project's transitions, oldest first, with who made each."""
    return list(ProjectTransition.objects.filter(project=project).select_related("actor").order_by("at", "id"))


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


def public_projects_of(neighbourhood, today=None):
    """The projects of a neighbourhood as residents see them: stage, transitions, the notices whose
    period has begun (current ones flagged by the template), and the photos (no finding photos:
    findings are internal until resolved). Newest project first. A fixed number of queries."""
    today = today or timezone.localdate()
    return list(
        Project.objects.filter(neighbourhoods=neighbourhood)
        .exclude(stage=Stage.CANCELLED)
        .order_by("-year", "-id")
        .prefetch_related(
            Prefetch("transitions", queryset=ProjectTransition.objects.order_by("at", "id")),
            Prefetch(
                "notices",
                queryset=Notice.objects.filter(starts_on__lte=today).order_by("-starts_on", "-id"),
            ),
            Prefetch("photos", queryset=Photo.objects.exclude(kind="finding").order_by("kind", "-uploaded_at")),
        )
    )
