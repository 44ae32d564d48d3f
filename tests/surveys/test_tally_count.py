"""The count of a vote as a pure function (surveys.tally.count) over plain values, pinned with a
table of cases. No test here may touch the database (none is marked django_db, so a query fails)."""

from decimal import Decimal

import pytest

from surveys.choices import PRESETS, BallotChoice, RulePreset
from surveys.tally import BallotRow, TallyInput, count

A, D, X = BallotChoice.AGREE, BallotChoice.DISAGREE, BallotChoice.ABSTAIN
SPECIAL, SIMPLE = RulePreset.SPECIAL, RulePreset.SIMPLE


def given(rule, total_area, total_owners, ballots, total_flats=None):
    """A TallyInput: `ballots` are (choice, area, owner) in household order (ids 1, 2, ...)."""
    quorum, agree, inclusive = PRESETS[rule]
    rows = tuple(
        BallotRow(i, choice, Decimal(area), owner) for i, (choice, area, owner) in enumerate(ballots, start=1)
    )
    return TallyInput(
        total_area=Decimal(total_area),
        total_flats=len(rows) if total_flats is None else total_flats,
        total_owners=total_owners,
        ballots=rows,
        quorum=quorum,
        agree_fraction=agree,
        agree_inclusive=inclusive,
    )


def each(choice, area, owners):
    return [(choice, area, owner) for owner in owners]


CASES = [
    # (name, input, expected figures)
    (
        "quorum exactly two thirds of area and heads",
        given(SPECIAL, "300.00", 3, each(A, "100.00", ["o1", "o2"])),
        {"voting_area": Decimal("200.00"), "quorum_met": True, "agreement_met": True, "passed": True},
    ),
    (
        "quorum a cent below two thirds of the area",
        given(SPECIAL, "300.00", 3, [(A, "100.00", "o1"), (A, "99.99", "o2")]),
        {"voting_area": Decimal("199.99"), "quorum_met": False, "agreement_met": True, "passed": False},
    ),
    (
        "quorum met by area but not by heads",
        given(SPECIAL, "300.00", 4, [(A, "200.00", "o1")]),
        {"voting_owners": 1, "quorum_met": False, "passed": False},
    ),
    (
        "special matter passes at exactly three quarters",
        given(SPECIAL, "400.00", 4, each(A, "100.00", ["o1", "o2", "o3"]) + [(D, "100.00", "o4")]),
        {"agree_area": Decimal("300.00"), "agree_owners": 3, "disagree_owners": 1, "passed": True},
    ),
    (
        "special matter fails a cent below three quarters",
        given(
            SPECIAL,
            "400.00",
            4,
            [(A, "100.00", "o1"), (A, "100.00", "o2"), (A, "99.99", "o3"), (D, "100.01", "o4")],
        ),
        {"agree_area": Decimal("299.99"), "quorum_met": True, "agreement_met": False, "passed": False},
    ),
    (
        "simple matter fails at exactly half",
        given(SIMPLE, "400.00", 4, each(A, "100.00", ["o1", "o2"]) + each(D, "100.00", ["o3", "o4"])),
        {"quorum_met": True, "agreement_met": False, "passed": False},
    ),
    (
        "simple matter passes above half",
        given(SIMPLE, "400.00", 5, each(A, "80.00", ["o1", "o2", "o3"]) + each(D, "80.00", ["o4", "o5"])),
        {"agree_area": Decimal("240.00"), "agree_owners": 3, "passed": True},
    ),
    (
        "the same ballots fail a special matter",
        given(SPECIAL, "400.00", 5, each(A, "80.00", ["o1", "o2", "o3"]) + each(D, "80.00", ["o4", "o5"])),
        {"quorum_met": True, "agreement_met": False, "passed": False},
    ),
    (
        "abstentions vote but do not agree",
        given(SIMPLE, "400.00", 4, each(A, "100.00", ["o1", "o2"]) + each(X, "100.00", ["o3", "o4"])),
        {
            "voting_area": Decimal("400.00"),
            "abstain_area": Decimal("200.00"),
            "abstain_owners": 2,
            "quorum_met": True,
            "agreement_met": False,
            "passed": False,
        },
    ),
    (
        "one owner of three flats is one head with three areas",
        given(SIMPLE, "300.00", 2, each(A, "50.00", ["o1", "o1", "o1"]) + [(D, "150.00", "o2")]),
        {
            "voting_flats": 4,
            "voting_owners": 2,
            "agree_owners": 1,
            "agree_area": Decimal("150.00"),
            "disagree_area": Decimal("150.00"),
            "passed": False,
        },
    ),
    (
        "an owner whose flats voted differently withholds the verdict",
        given(SPECIAL, "300.00", 2, [(A, "100.00", "o1"), (D, "100.00", "o1"), (A, "100.00", "o2")]),
        {
            "conflicts": 1,
            "conflict_household_ids": [1, 2],
            "voting_owners": 2,
            "agree_owners": 1,
            "disagree_owners": 0,
            "agree_area": Decimal("200.00"),
            "passed": None,
        },
    ),
    (
        "an empty scope decides nothing",
        given(SPECIAL, "0.00", 0, []),
        {
            "total_flats": 0,
            "voting_area": Decimal("0.00"),
            "voting_owners": 0,
            "quorum_met": False,
            "agreement_met": False,
            "passed": False,
        },
    ),
    (
        "nobody voted",
        given(SIMPLE, "300.00", 3, [], total_flats=3),
        {"voting_flats": 0, "quorum_met": False, "agreement_met": False, "passed": False},
    ),
]


@pytest.mark.parametrize("name, tally_input, expected", CASES, ids=[c[0] for c in CASES])
def test_count(name, tally_input, expected):
    result = count(tally_input)
    assert {key: getattr(result, key) for key in expected} == expected


def test_count_reports_each_condition_and_the_thresholds():
    result = count(given(SPECIAL, "300.00", 3, each(A, "100.00", ["o1", "o2"])))
    assert [(c.key, c.value, c.base, c.threshold, c.inclusive, c.passed) for c in result.conditions] == [
        ("quorum_area", Decimal("200.00"), Decimal("300.00"), "2/3", True, True),
        ("quorum_owners", 2, 3, "2/3", True, True),
        ("agree_area", Decimal("200.00"), Decimal("200.00"), "3/4", True, True),
        ("agree_owners", 2, 2, "3/4", True, True),
    ]
    assert (result.quorum, result.agree_threshold, result.agree_inclusive) == ("2/3", "3/4", True)
    assert result.to_dict()["voting_area"] == "200.00"
