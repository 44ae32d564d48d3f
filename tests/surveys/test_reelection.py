"""A re-election (换届) tied to the owners' vote of the matter "elect the committee" (issue 13 item
1): recorded only for a closed and passed vote of the body's neighbourhood, it gives the body its
new term (so it leaves the re-election list); every other case refused naming the field; scoped."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance.bodies import Body, BodyMember
from governance.models import AuditEntry
from governance.scoping import scope
from governance.services_bodies import body_save
from residents.models import Household
from surveys.choices import BallotChannel, MatterType, RulePreset, default_rule
from surveys.models import Reelection
from surveys.services import ballot_cast, vote_close
from surveys.services.reelections import reelection_record
from tests.admin_forms import form_data, merged
from tests.surveys.helpers import open_vote

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _committee(neighbourhood, actor, kind="owners_committee"):
    return body_save(
        body=Body(
            community=neighbourhood.community, neighbourhood=neighbourhood, kind=kind, name=f"{neighbourhood.name}业委会",
            term_start=TODAY - 1800 * DAY, term_end=TODAY + 20 * DAY,
        ),
        members=[BodyMember(name="甲", role="director", is_owner=True)],
        actor=actor,
    )


def _election(neighbourhood, actor, agree=True):
    vote = open_vote(neighbourhood, actor, matter=MatterType.ELECT_COMMITTEE)
    for household in Household.objects.filter(neighbourhood=neighbourhood):
        ballot_cast(vote=vote, household=household, choice="agree" if agree else "disagree", channel=BallotChannel.PAPER, actor=actor)
    return vote_close(vote=vote, actor=actor, now=vote.closes_at + datetime.timedelta(seconds=1))


def test_elect_the_committee_is_a_matter_decided_by_simple_majority():
    assert MatterType.ELECT_COMMITTEE.label == "选举业主委员会或者更换业主委员会成员"
    assert default_rule(MatterType.ELECT_COMMITTEE) == RulePreset.SIMPLE


def test_a_passed_vote_re_elects_the_committee_with_its_new_term(territory, users):
    body = _committee(territory.n111, users.community)
    assert Body.objects.due_for_reelection(TODAY).filter(pk=body.pk).exists()
    vote = _election(territory.n111, users.community)
    assert vote.passed
    start = timezone.localdate(vote.closed_at)
    reelection = reelection_record(
        body=body, vote=vote, term_start=start, term_end=start + 5 * 365 * DAY, actor=users.community
    )
    body.refresh_from_db()
    assert (body.term_start, body.term_end) == (start, start + 5 * 365 * DAY)
    assert not Body.objects.due_for_reelection(TODAY).filter(pk=body.pk).exists()
    assert vote.reelection == reelection and list(body.reelections.all()) == [reelection]
    assert AuditEntry.objects.filter(action="reelection_record", target_id=str(reelection.pk)).exists()
    with pytest.raises(ValidationError) as refused:  # one re-election per vote
        reelection_record(body=body, vote=vote, term_start=start, term_end=start + 365 * DAY, actor=users.community)
    assert "vote" in refused.value.message_dict


def test_what_cannot_re_elect_is_refused_naming_the_field(territory, users):
    body = _committee(territory.n111, users.street)
    branch = _committee(territory.n111, users.street, kind="party_branch")
    failed = _election(territory.n111, users.street, agree=False)
    passed = _election(territory.n111, users.street)
    elsewhere = _election(territory.n121, users.street)
    plan_vote = open_vote(territory.n111, users.street, matter=MatterType.OTHER)
    start = timezone.localdate(passed.closed_at)
    cases = [
        (dict(body=branch, vote=passed), "body"),
        (dict(body=body, vote=failed), "vote"),
        (dict(body=body, vote=elsewhere), "vote"),
        (dict(body=body, vote=plan_vote), "vote"),
        (dict(body=body, vote=passed, term_start=start - DAY), "term_start"),
        (dict(body=body, vote=passed, term_end=start), "term_end"),
    ]
    for values, field in cases:
        values = {"term_start": start, "term_end": start + 365 * DAY, **values}
        with pytest.raises(ValidationError) as refused:
            reelection_record(actor=users.street, **values)
        assert field in refused.value.message_dict, (values, refused.value.message_dict)
    assert not Reelection.objects.exists()
    assert Body.objects.get(pk=body.pk).term_end == TODAY + 20 * DAY


def test_scoping_and_outside_actors(territory, users):
    made = {}
    for key in ("n111", "n121", "n211"):
        neighbourhood = getattr(territory, key)
        body = _committee(neighbourhood, users.superuser)
        vote = _election(neighbourhood, users.superuser)
        start = timezone.localdate(vote.closed_at)
        if key == "n211":
            for actor in (users.community, users.street, users.official):
                with pytest.raises(PermissionDenied):
                    reelection_record(body=body, vote=vote, term_start=start, term_end=start + 365 * DAY, actor=actor)
        made[key] = reelection_record(body=body, vote=vote, term_start=start, term_end=start + 365 * DAY, actor=users.superuser)
    visible = {"superuser": {"n111", "n121", "n211"}, "official": {"n111", "n121", "n211"}, "street": {"n111", "n121"}, "community": {"n111"}, "nobody": set()}
    for role, keys in visible.items():
        actor = getattr(users, role)
        assert set(scope(Reelection.objects.all(), actor).values_list("pk", flat=True)) == {made[k].pk for k in keys}
        writes = set(scope(Reelection.objects.all(), actor, write=True).values_list("pk", flat=True))
        assert writes == (set() if role in ("official", "nobody") else {made[k].pk for k in keys})


def test_the_admin_records_a_re_election(territory, users, client):
    body = _committee(territory.n111, users.community)
    vote = _election(territory.n111, users.community)
    start = timezone.localdate(vote.closed_at)
    client.force_login(users.community)
    url = reverse("admin:surveys_reelection_add")
    page = client.get(url)
    assert list(page.context["adminform"].form.fields["vote"].queryset) == [vote]
    data = merged(form_data(page), {
        "body": body.pk, "vote": vote.pk, "term_start": start.isoformat(),
        "term_end": (start + 3 * 365 * DAY).isoformat(), "_save": "1",
    })
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Body.objects.get(pk=body.pk).term_end == start + 3 * 365 * DAY
    change = client.get(reverse("admin:surveys_reelection_change", args=[Reelection.objects.get().pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
