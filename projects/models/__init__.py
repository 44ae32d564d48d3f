"""Renovation projects: the works menu, projects and their lifecycle, scope, progress, supervision,
acceptance, photos, publicity notices and objections.

Territory. A project reaches the territory through its neighbourhoods (many-to-many), so its
`territory_lookups` cross that relation and it sets `territory_distinct = True`: staff see a project
when one of its neighbourhoods lies in their territory. The lead street (牵头街道) does *not* widen
who sees the project: it records which street runs it, and the services require it to be the street
of one of the project's neighbourhoods, so street staff of the lead street always see it. Rows
hanging off a project (transitions, progress, findings, acceptance, photos, notices) follow the
project; a scope item and an objection follow their own neighbourhood / household, which are
narrower (a community's staff see their own lines of a bundled project, and only the objections
of their own households).

One module a sub-domain (projects, works, publicity), all in the app `projects` (the migrations are
unchanged). The upload path `_photo_path` stays importable from here: the migrations name it so.
"""

from .projects import QUANTITY, CatalogueItem, Project, ProjectTransition, ScopeItem
from .publicity import OBJECTION_MAX_LENGTH, Notice, Objection
from .works import COUNT_MAX, KM, Acceptance, Photo, ProgressReport, SupervisionFinding, _photo_path

__all__ = [
    "COUNT_MAX", "KM", "OBJECTION_MAX_LENGTH", "QUANTITY", "Acceptance", "CatalogueItem", "Notice", "Objection",
    "Photo", "ProgressReport", "Project", "ProjectTransition", "ScopeItem", "SupervisionFinding", "_photo_path",
]
