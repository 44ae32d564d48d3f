"""projects.demo: the seed of the demo generator, run after the territory and the households."""

import random

import pytest

from governance import demo as governance_demo
from governance.demo import DemoContext
from projects import demo
from projects.choices import Stage
from projects.models import Notice, Photo, Project, ProjectTransition
from residents import demo as residents_demo


@pytest.mark.django_db
def test_the_seed_leaves_projects_at_their_stages(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext(scale="small", rng=random.Random(7), write=lambda line: None)
    governance_demo.seed(ctx)
    residents_demo.seed(ctx)
    demo.seed(ctx)
    projects = ctx.store["projects"]
    assert len(projects) == 9
    stages = {p.stage for p in Project.objects.all()}
    assert stages == {
        Stage.CONSTRUCTION,
        Stage.CONSULTATION,
        Stage.ACCEPTANCE,
        Stage.AFTERCARE,
        Stage.TENDER,
        Stage.CANDIDATE,
        Stage.SUSPENDED,
    }
    suspended = Project.objects.get(stage=Stage.SUSPENDED)
    assert suspended.stage_before_suspension == Stage.CONSTRUCTION
    # Every project's history is a chain: each move starts where the previous one ended.
    for project in Project.objects.all():
        rows = list(ProjectTransition.objects.filter(project=project).order_by("at", "id"))
        stage = Stage.CANDIDATE
        for row in rows:
            assert row.from_stage == stage, project.code
            stage = row.to_stage
        assert stage == project.stage
    # The demo community login sees a project; a consultation project has a running notice.
    community_user = ctx.store["users"]["community"]
    from governance.scoping import scope

    assert scope(Project.objects.all(), community_user).exists()
    assert Notice.objects.filter(project__stage=Stage.CONSULTATION).exists()
    assert Photo.objects.filter(kind="after").exists()
