"""Votes and ballots: the arithmetic on its boundaries, owners as heads, replacement, closing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.models import AuditEntry
from surveys.choices import BallotChannel, BallotChoice, MatterType, RulePreset, VoteScope, VoteStatus
from surveys.models import Ballot, Vote
from surveys.services import ballot_cast, vote_close, vote_save
from surveys.tally import count, load_tally_input, meets, tally
from tests.races import at_once, errors_of, postgresql_only

from .helpers import neighbourhood_with, open_vote

A, D, X = BallotChoice.AGREE, BallotChoice.DISAGREE, BallotChoice.ABSTAIN


def cast(vote, households, choices):
    for household, choice in zip(households, choices):
        if choice:
            ballot_cast(vote=vote, household=household, choice=choice)


def voted(place, users, flats, choices, **vote_fields):
    """A vote opened by community staff over a new neighbourhood of `flats` ((area, owner) each),
    with `choices` cast flat by flat (None: no ballot); returns the vote and the flats."""
    n, _, hs = neighbourhood_with(place, flats)
    vote = open_vote(n, users.community, **vote_fields)
    cast(vote, hs, choices)
    return vote, hs


@pytest.fixture
def place(territory):
    return territory.c11


def test_meets_is_exact():
    from fractions import Fraction

    assert meets(Decimal("200.00"), Decimal("300.00"), Fraction(2, 3), True)
    assert not meets(Decimal("199.99"), Decimal("300.00"), Fraction(2, 3), True)
    assert not meets(2, 4, Fraction(1, 2), False)
    assert meets(3, 4, Fraction(3, 4), True)
    assert not meets(0, 0, Fraction(1, 2), True)


@pytest.mark.django_db
def test_exactly_two_thirds_participation_meets_the_quorum(place, users):
    vote, _ = voted(place, users, [("100.00", "a"), ("100.00", "b"), ("100.00", "c")], [A, A, None])
    result = tally(vote)
    assert (result.voting_area, result.total_area) == (Decimal("200.00"), Decimal("300.00"))
    assert (result.voting_owners, result.total_owners) == (2, 3)
    assert result.quorum_met and result.passed is True


@pytest.mark.django_db
def test_just_below_two_thirds_of_the_area_fails_the_quorum(place, users):
    vote, _ = voted(place, users, [("100.00", "a"), ("100.00", "b"), ("100.01", "c")], [A, A, None])
    result = tally(vote)
    assert [c.passed for c in result.conditions] == [False, True, True, True]
    assert not result.quorum_met and result.passed is False


@pytest.mark.django_db
def test_exactly_three_quarters_agreement_passes_a_special_matter(place, users):
    vote, _ = voted(place, users, [("80.00", o) for o in "abcd"], [A, A, A, D])
    assert vote.rule == RulePreset.SPECIAL
    result = tally(vote)
    assert (result.agree_area, result.voting_area) == (Decimal("240.00"), Decimal("320.00"))
    assert (result.agree_owners, result.voting_owners) == (3, 4)
    assert result.agreement_met and result.passed is True


@pytest.mark.django_db
def test_abstention_counts_as_voting_not_agreeing(place, users):
    vote, hs = voted(place, users, [("80.00", o) for o in "abcd"], [A, A, X, A])
    result = tally(vote)
    assert result.voting_owners == 4 and result.agree_owners == 3 and result.abstain_area == Decimal("80.00")
    assert result.passed is True
    ballot_cast(vote=vote, household=hs[3], choice=X)
    assert tally(vote).passed is False  # 2/4 agree < 3/4


@pytest.mark.django_db
def test_exactly_half_fails_a_simple_matter_and_more_than_half_passes(place, users):
    vote, hs = voted(place, users, [("50.00", o) for o in "abcd"], [A, A, D, D], matter=MatterType.OTHER)
    assert vote.rule == RulePreset.SIMPLE
    result = tally(vote)
    assert result.quorum_met and not result.agreement_met and result.passed is False
    assert result.agree_threshold == "1/2" and result.agree_inclusive is False
    ballot_cast(vote=vote, household=hs[3], choice=A)
    assert tally(vote).passed is True


@pytest.mark.django_db
def test_one_owner_of_three_flats_is_one_head_and_three_areas(place, users):
    flats = [("50.00", "wang"), ("60.00", "wang"), ("70.00", "wang"), ("90.00", "li"), ("40.00", "")]
    vote, _ = voted(place, users, flats, [A, A, A, None, None])
    result = tally(vote)
    assert result.total_owners == 3  # wang, li, and the flat without a registered owner
    assert result.total_flats == 5
    assert str(result.total_area) == "310.00"  # two places on every database
    assert (result.voting_owners, result.voting_flats) == (1, 3)
    assert result.voting_area == result.agree_area == Decimal("180.00")
    assert result.agree_owners == 1


@pytest.mark.django_db
def test_an_owner_whose_flats_disagree_is_a_conflict_that_blocks_closing(place, users):
    vote, hs = voted(place, users, [("50.00", "wang"), ("60.00", "wang"), ("70.00", "li")], [A, D, A])
    result = tally(vote)
    assert result.conflicts == 1 and result.passed is None
    assert sorted(result.conflict_household_ids) == sorted([hs[0].pk, hs[1].pk])
    assert result.voting_owners == 2 and result.agree_owners == 1
    Vote.objects.filter(pk=vote.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1),
        opens_at=timezone.now() - datetime.timedelta(days=2),
    )
    with pytest.raises(ValidationError) as info:
        vote_close(vote=vote, actor=users.community)
    assert "多套房屋的表决意见不一致" in info.value.messages[0]
    # Staff resolve it with the owner's agreed paper ballot; now the vote can be counted.
    vote.refresh_from_db()
    ballot = ballot_cast(
        vote=vote,
        household=hs[1],
        choice=A,
        channel=BallotChannel.PAPER,
        actor=users.community,
        now=vote.closes_at - datetime.timedelta(seconds=5),
    )
    assert ballot.entered_by == users.community and ballot.channel == BallotChannel.PAPER
    closed = vote_close(vote=vote, actor=users.community)
    assert closed.status == VoteStatus.CLOSED and closed.passed is True
    assert closed.result["agree_owners"] == 2 and closed.result["voting_area"] == "180.00"


@pytest.mark.django_db
def test_a_new_ballot_replaces_the_flats_current_one(place, users):
    n, _, hs = neighbourhood_with(place, [("50.00", "a"), ("60.00", "b")])
    vote = open_vote(n, users.community)
    ballot_cast(vote=vote, household=hs[0], choice=D)
    ballot = ballot_cast(vote=vote, household=hs[0], choice=A)
    assert Ballot.objects.filter(vote=vote, household=hs[0]).count() == 1
    assert ballot.choice == A and ballot.revisions == 1
    entries = AuditEntry.objects.filter(action="ballot_cast").order_by("id")
    assert entries.count() == 2 and entries.last().details["previous"]["choice"] == D


@pytest.mark.django_db
def test_ballots_are_refused_outside_the_period_the_scope_or_the_territory(place, users, territory):
    n, stairwell, hs = neighbourhood_with(place, [("50.00", "a"), ("60.00", "b")])
    vote = open_vote(n, users.community)
    with pytest.raises(ValidationError, match="截止"):
        ballot_cast(vote=vote, household=hs[0], choice=A, now=vote.closes_at)
    with pytest.raises(ValidationError, match="开始"):
        ballot_cast(vote=vote, household=hs[0], choice=A, now=vote.opens_at - datetime.timedelta(seconds=1))
    outsider = territory.n111.households.first()
    with pytest.raises(ValidationError, match="不在本次表决范围"):
        ballot_cast(vote=vote, household=outsider, choice=A)
    with pytest.raises(ValidationError):
        ballot_cast(vote=vote, household=hs[0], choice="maybe")
    other_staff = users.street.__class__.objects.get(username="street1")
    from governance.choices import RoleKind
    from tests.factories import staff_user

    stranger = staff_user(RoleKind.COMMUNITY_STAFF, territory.c21, "c21")
    with pytest.raises(PermissionDenied):
        ballot_cast(vote=vote, household=hs[0], choice=A, channel=BallotChannel.PAPER, actor=stranger)
    assert ballot_cast(vote=vote, household=hs[0], choice=A, channel=BallotChannel.PAPER, actor=other_staff)
    draft = Vote(
        title="草稿",
        matter_type=MatterType.OTHER,
        neighbourhood=n,
        opens_at=vote.opens_at,
        closes_at=vote.closes_at,
    )
    vote_save(vote=draft, actor=users.community)
    with pytest.raises(ValidationError, match="不在表决期"):
        ballot_cast(vote=draft, household=hs[0], choice=A)


@pytest.mark.django_db
def test_stairwell_scope_counts_only_its_flats(place, users):
    from tests.factories import StairwellFactory

    from .helpers import flats

    n, stairwell, hs = neighbourhood_with(place, [("50.00", "a"), ("50.00", "b"), ("50.00", "c")])
    other = StairwellFactory(building=stairwell.building, name="2单元")
    others = flats(other, [("70.00", "x"), ("70.00", "y")])
    vote = open_vote(
        n,
        users.community,
        matter=MatterType.ELEVATOR_RETROFIT,
        scope=VoteScope.STAIRWELL,
        stairwell=stairwell,
    )
    assert vote.building == stairwell.building and vote.rule == RulePreset.SPECIAL
    cast(vote, hs, [A, A, A])
    result = tally(vote)
    assert (result.total_area, result.total_owners) == (Decimal("150.00"), 3)
    with pytest.raises(ValidationError):
        ballot_cast(vote=vote, household=others[0], choice=A)


@pytest.mark.django_db
def test_vote_save_needs_a_reason_for_another_rule_and_complete_custom_thresholds(place, users):
    n, _, _ = neighbourhood_with(place, [("50.00", "a")])
    now = timezone.now()
    base = dict(
        title="方案",
        matter_type=MatterType.RENOVATION_PLAN,
        neighbourhood=n,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=3),
    )
    with pytest.raises(ValidationError) as info:
        vote_save(vote=Vote(rule=RulePreset.SIMPLE, **base), actor=users.community)
    assert "rule_reason" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        vote_save(
            vote=Vote(rule=RulePreset.CUSTOM, rule_reason="业主大会议事规则", **base), actor=users.community
        )
    assert "自定义规则" in str(info.value)
    custom = vote_save(
        vote=Vote(
            rule=RulePreset.CUSTOM,
            rule_reason="业主大会议事规则约定",
            custom_quorum_numerator=1,
            custom_quorum_denominator=2,
            custom_agree_numerator=2,
            custom_agree_denominator=3,
            **base,
        ),
        actor=users.community,
    )
    from fractions import Fraction

    assert custom.thresholds() == (Fraction(1, 2), Fraction(2, 3), True)
    with pytest.raises(ValidationError) as info:
        vote_save(vote=Vote(scope=VoteScope.BUILDING, **base), actor=users.community)
    assert "building" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        vote_save(vote=Vote(**base), actor=users.official)


@pytest.mark.django_db
def test_closing_refuses_before_the_deadline_and_stores_every_figure(place, users):
    vote, _ = voted(place, users, [("50.00", "a"), ("50.00", "b"), ("50.00", "c")], [A, A, D])
    with pytest.raises(ValidationError, match="截止时间"):
        vote_close(vote=vote, actor=users.community)
    closed = vote_close(vote=vote, actor=users.community, now=vote.closes_at)
    assert closed.passed is False  # 2/3 agree < 3/4
    assert [c["key"] for c in closed.result["conditions"]] == [
        "quorum_area",
        "quorum_owners",
        "agree_area",
        "agree_owners",
    ]
    assert [c["passed"] for c in closed.result["conditions"]] == [True, True, False, False]
    with pytest.raises(ValidationError):
        vote_close(vote=closed, actor=users.community, now=vote.closes_at)


@pytest.mark.django_db
def test_tally_query_count_is_pinned(place, users, django_assert_num_queries):
    vote, _ = voted(place, users, [("50.00", f"o{i % 7}") for i in range(20)], [A] * 20)
    with django_assert_num_queries(2):
        result = tally(vote)
    assert result.voting_flats == 20 and result.voting_owners == 7
    # The loader makes both queries; the count over its plain values makes none.
    with django_assert_num_queries(2):
        loaded = load_tally_input(vote)
    with django_assert_num_queries(0):
        assert count(loaded) == result


@pytest.mark.django_db
def test_final_plan_passed_gate(place, users):
    from projects.gates import transition_reasons
    from surveys.gates import final_plan_passed
    from tests.projects.factories import ProjectFactory

    n, _, hs = neighbourhood_with(place, [("50.00", "a"), ("50.00", "b")])
    project = ProjectFactory(lead_street=place.street, neighbourhoods=[n])
    assert final_plan_passed(project) == ["小区“表决里”的最终改造方案尚未经业主表决通过。"]
    vote = open_vote(n, users.community, project=project)
    cast(vote, hs, [A, A])
    vote_close(vote=vote, actor=users.community, now=vote.closes_at)
    assert final_plan_passed(project) == []
    project.stage = "consultation"
    assert not any("最终改造方案" in r for r in transition_reasons(project, "tender"))


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_ballots_of_one_flat_leave_exactly_one(place, users):
    n, _, hs = neighbourhood_with(place, [("50.00", "a"), ("50.00", "b")])
    vote = open_vote(n, users.community)
    cast_one = lambda choice: lambda: ballot_cast(vote=vote, household=hs[0], choice=choice)  # noqa: E731
    assert errors_of(at_once([cast_one(A), cast_one(D), cast_one(X)])) == []
    ballot = Ballot.objects.get(vote=vote, household=hs[0])
    # Written one after another: the first made the row, each later one replaced it.
    assert ballot.revisions == 2 and ballot.choice in (A, D, X)
    assert AuditEntry.objects.filter(action="ballot_cast").count() == 3
    assert tally(vote).voting_flats == 1


@pytest.mark.django_db
def test_a_flat_that_voted_cannot_be_deleted_from_the_census(client, territory, users):
    from django.urls import reverse

    vote = open_vote(territory.n111, users.community, matter=MatterType.OTHER)
    voter, other = territory.n111.households.order_by("pk")[:2]
    ballot_cast(vote=vote, household=voter, choice=BallotChoice.AGREE)
    client.force_login(users.community)
    changelist = reverse("admin:residents_household_changelist")
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [voter.pk, other.pk], "post": "yes"}
    )
    assert response.status_code == 200 and "表决票" in response.content.decode()  # the protected rows named
    assert territory.n111.households.filter(pk__in=[voter.pk, other.pk]).count() == 2
    assert Ballot.objects.filter(vote=vote, household=voter).exists()


@pytest.mark.django_db
def test_raising_the_maintenance_fund_is_special_using_it_is_not(place, users):
    """Civil Code art. 278: raising the fund (item 6) needs three quarters; using it (item 5) more
    than half, so 3 of 5 equal flats carry a vote on using it and not one on raising it."""
    n, _, hs = neighbourhood_with(place, [("80.00", o) for o in "abcde"])
    raising = open_vote(n, users.community, matter=MatterType.MAINTENANCE_FUND)
    using = open_vote(n, users.community, matter=MatterType.MAINTENANCE_FUND_USE)
    assert (raising.rule, using.rule) == (RulePreset.SPECIAL, RulePreset.SIMPLE)
    for vote in (raising, using):
        cast(vote, hs, [A, A, A, D, D])
    assert tally(raising).passed is False
    assert tally(using).passed is True
