"""Builders for the surveys tests: flats with chosen areas and owners, votes through the service."""

import datetime
from decimal import Decimal

from django.utils import timezone

from residents.identity import id_number_hash
from surveys.choices import MatterType, QuestionKind, QuestionnaireStatus, VoteScope
from surveys.models import Question, Questionnaire, Vote
from surveys.services import questionnaire_save, questionnaire_set_status, vote_open, vote_save
from tests.factories import HouseholdFactory, NeighbourhoodFactory, StairwellFactory


def flats(stairwell, specs):
    """Flats in `stairwell` from (area, owner) pairs; owner "" means no owner hash."""
    made = []
    for i, (area, owner) in enumerate(specs):
        made.append(
            HouseholdFactory(
                stairwell=stairwell,
                room=f"r{i + 1}",
                floor_area=Decimal(area),
                owner_id_hash=id_number_hash(owner) if owner else "",
            )
        )
    return made


def neighbourhood_with(community, specs, name="表决里"):
    neighbourhood = NeighbourhoodFactory(community=community, name=name)
    stairwell = StairwellFactory(building__neighbourhood=neighbourhood, building__name="1栋", name="1单元")
    return neighbourhood, stairwell, flats(stairwell, specs)


def open_vote(
    neighbourhood, actor, *, matter=MatterType.RENOVATION_PLAN, scope=VoteScope.NEIGHBOURHOOD, **extra
):
    now = timezone.now()
    project = extra.get("project")
    if project is not None and matter == MatterType.RENOVATION_PLAN and "plan_version" not in extra:
        extra["plan_version"] = final_plan(project, actor)
    vote = Vote(
        title="改造方案表决",
        matter_type=matter,
        scope=scope,
        neighbourhood=neighbourhood,
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=7),
        **extra,
    )
    vote_save(vote=vote, actor=actor)
    return vote_open(vote=vote, actor=actor)


def jpeg_upload(name="photo.jpg", size=(40, 20)):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def collecting_project(territory, actor, neighbourhoods=None):
    """A project over n111 (or the given neighbourhoods) with its consultation started (D1 open)
    and its demand lists open. Returns (project, process, {neighbourhood id: DemandList})."""
    from surveys.services import demand_lists_open, process_start
    from tests.projects.factories import ProjectFactory

    project = ProjectFactory(lead_street=territory.s1, neighbourhoods=neighbourhoods or [territory.n111])
    process = process_start(project=project, actor=actor)
    lists = demand_lists_open(project=project, actor=actor)
    return project, process, {dl.neighbourhood_id: dl for dl in lists}


def final_plan(project, actor):
    """The project's final plan version (made once, with no lines)."""
    from surveys.choices import PlanKind
    from surveys.models import PlanVersion
    from surveys.services import plan_version_save

    existing = PlanVersion.objects.filter(project=project, kind=PlanKind.FINAL).first()
    if existing:
        return existing
    return plan_version_save(
        plan=PlanVersion(
            project=project, kind=PlanKind.FINAL, title="最终方案", summary="道路、管网、加装电梯"
        ),
        actor=actor,
    )


def saved_questionnaire(neighbourhood, actor, questions=None, title="调查", opened=False):
    """A questionnaire of `neighbourhood` saved by `actor` through the service, with `questions`
    ((Question, options) each; by default one 1–5 score question, 满意吗), opened if `opened`."""
    if questions is None:
        questions = [(Question(text="满意吗", kind=QuestionKind.SCALE), [])]
    q = questionnaire_save(
        questionnaire=Questionnaire(neighbourhood=neighbourhood, title=title), actor=actor, questions=questions
    )
    if opened:
        q = questionnaire_set_status(questionnaire=q, status=QuestionnaireStatus.OPEN, actor=actor)
    return q
