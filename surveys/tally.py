"""The tally of a vote (docs/domain-rules.md, "Owners' votes": Civil Code art. 278), in exact arithmetic.

Areas are Decimals turned into Fractions; every threshold is a Fraction; comparisons are exact
(`agree >= 3/4 * voting` with no rounding anywhere). No float is ever made.

Heads are owners, not flats: the owner key is `Household.owner_id_hash`, or the household itself
when it has no hash. An owner of several flats in the scope is one head; their area is the sum of
the flats they voted with. Their ballots must agree: when one owner's flats voted differently the
owner is listed in `conflicts`, counts as voting but not agreeing, and the verdict is withheld
(`passed` None) until staff resolve it (vote_close refuses meanwhile).

Two parts: `load_tally_input` reads the vote's figures from the database in two queries (the
scope's totals in one aggregate; the ballots of the scope with their flats' area and owner in one
query) into plain values (`TallyInput`); `count` is the arithmetic over those values and touches
no database, so the tests pin it with a table of cases. `tally(vote)` is the two together.
"""

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, Sum

from residents.models import Household

from .choices import BallotChoice
from .models import Ballot

CENT = Decimal("0.01")


@dataclass
class Condition:
    """One condition of the verdict: `value` compared to `threshold` × `base`."""

    key: str
    label: str
    value: object  # Decimal area or int heads
    base: object
    threshold: str  # "2/3"
    inclusive: bool
    passed: bool


@dataclass
class VoteTally:
    total_area: Decimal
    total_owners: int
    total_flats: int
    voting_area: Decimal
    voting_owners: int
    voting_flats: int
    agree_area: Decimal
    agree_owners: int
    disagree_area: Decimal
    abstain_area: Decimal
    disagree_owners: int
    abstain_owners: int
    quorum: str
    agree_threshold: str
    agree_inclusive: bool
    conditions: list = field(default_factory=list)
    conflicts: int = 0
    conflict_household_ids: list = field(default_factory=list)
    quorum_met: bool = False
    agreement_met: bool = False
    passed: bool | None = None

    def to_dict(self):
        """JSON-ready: Decimals as strings (exact)."""

        def plain(value):
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, list):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        return plain(asdict(self))


def meets(value, base, threshold, inclusive):
    """value ≥ threshold × base (inclusive) or value > threshold × base, exactly. A zero base meets
    nothing (no one took part: nothing is decided)."""
    if not base:
        return False
    value, base = Fraction(value), Fraction(base)
    return value >= threshold * base if inclusive else value > threshold * base


def _owner_key(owner_hash, household_id):
    return owner_hash or f"household:{household_id}"


@dataclass(frozen=True)
class BallotRow:
    """One flat's ballot as the count needs it: `owner` is the owner key (the owner's id hash, or
    the household itself when it has none)."""

    household_id: int
    choice: str
    area: Decimal
    owner: str


@dataclass(frozen=True)
class TallyInput:
    """Everything the count reads, as plain values: the scope's totals, the ballots of the scope
    (in household order) and the vote's thresholds."""

    total_area: Decimal
    total_flats: int
    total_owners: int
    ballots: tuple
    quorum: Fraction
    agree_fraction: Fraction
    agree_inclusive: bool


def load_tally_input(vote):
    """The figures of `vote` from the database, in two queries (pinned by a test)."""
    quorum, agree_fraction, agree_inclusive = vote.thresholds()
    totals = Household.objects.filter(vote.households_q()).aggregate(
        area=Sum("floor_area"),
        flats=Count("pk"),
        hashed_owners=Count("owner_id_hash", distinct=True, filter=~Q(owner_id_hash="")),
        unhashed_owners=Count("pk", filter=Q(owner_id_hash="")),
    )
    rows = (
        Ballot.objects.filter(vote=vote)
        .filter(vote.households_q("household__"))
        .values_list("household_id", "choice", "household__floor_area", "household__owner_id_hash")
        .order_by("household_id")
    )
    return TallyInput(
        # SQLite's SUM drops the scale of a decimal (302 for 302.00): areas are shown with 2 places.
        total_area=(totals["area"] or Decimal("0")).quantize(CENT),
        total_flats=totals["flats"],
        total_owners=totals["hashed_owners"] + totals["unhashed_owners"],
        ballots=tuple(
            BallotRow(household_id, choice, area, _owner_key(owner_hash, household_id))
            for household_id, choice, area, owner_hash in rows
        ),
        quorum=quorum,
        agree_fraction=agree_fraction,
        agree_inclusive=agree_inclusive,
    )


def _fmt(fraction):
    return f"{fraction.numerator}/{fraction.denominator}"


def _condition(key, label, value, base, threshold, inclusive):
    """The condition `value` ≥ (inclusive) or > `threshold` × `base`, with whether it is met."""
    return Condition(
        key, label, value, base, _fmt(threshold), inclusive, meets(value, base, threshold, inclusive)
    )


def _by_owner(ballots):
    """The area of the flats per choice (2 places) and the owners' ballots: {owner key: {choice:
    [household ids]}}, owners and households in ballot order."""
    area_by_choice = {choice: Decimal("0.00") for choice in BallotChoice.values}
    owners = {}
    for row in ballots:
        area_by_choice[row.choice] += row.area
        owners.setdefault(row.owner, {}).setdefault(row.choice, []).append(row.household_id)
    return {choice: area.quantize(CENT) for choice, area in area_by_choice.items()}, owners


def _heads(owners):
    """The heads per choice of the owners whose flats all voted alike, and the households of the
    owners whose flats voted differently (each such owner's sorted, owners in order): these owners
    are in no choice's heads."""
    heads = {choice: 0 for choice in BallotChoice.values}
    conflict_ids = []
    for choices in owners.values():
        if len(choices) > 1:
            conflict_ids.extend(sorted(i for ids in choices.values() for i in ids))
            continue
        heads[next(iter(choices))] += 1
    return heads, conflict_ids


def count(given):
    """The verdict and every figure behind it, from plain values (`TallyInput`); no database.
    See the module docstring for owners as heads and conflicting ballots."""
    area_by_choice, owners = _by_owner(given.ballots)
    heads, conflict_ids = _heads(owners)
    conflicts = sum(1 for choices in owners.values() if len(choices) > 1)
    voting_area = sum(area_by_choice.values(), Decimal("0.00"))
    voting_owners = len(owners)
    agree_area = area_by_choice[BallotChoice.AGREE]
    # Area follows the flats (a conflicting owner's agreeing flats still weigh as agreeing);
    # heads follow the owners (a conflicting owner is a voting head, not an agreeing one).
    agree_owners = heads[BallotChoice.AGREE]
    quorum, agree_fraction, inclusive = given.quorum, given.agree_fraction, given.agree_inclusive

    conditions = [
        _condition("quorum_area", "参与表决专有部分面积", voting_area, given.total_area, quorum, True),
        _condition("quorum_owners", "参与表决业主人数", voting_owners, given.total_owners, quorum, True),
        _condition("agree_area", "同意的专有部分面积", agree_area, voting_area, agree_fraction, inclusive),
        _condition("agree_owners", "同意的业主人数", agree_owners, voting_owners, agree_fraction, inclusive),
    ]
    quorum_met = conditions[0].passed and conditions[1].passed
    agreement_met = conditions[2].passed and conditions[3].passed
    return VoteTally(
        total_area=given.total_area,
        total_owners=given.total_owners,
        total_flats=given.total_flats,
        voting_area=voting_area,
        voting_owners=voting_owners,
        voting_flats=len(given.ballots),
        agree_area=agree_area,
        agree_owners=agree_owners,
        disagree_area=area_by_choice[BallotChoice.DISAGREE],
        abstain_area=area_by_choice[BallotChoice.ABSTAIN],
        disagree_owners=heads[BallotChoice.DISAGREE],
        abstain_owners=heads[BallotChoice.ABSTAIN],
        quorum=_fmt(quorum),
        agree_threshold=_fmt(agree_fraction),
        agree_inclusive=inclusive,
        conditions=conditions,
        conflicts=conflicts,
        conflict_household_ids=conflict_ids,
        quorum_met=quorum_met,
        agreement_met=agreement_met,
        passed=None if conflicts else (quorum_met and agreement_met),
    )


def tally(vote):
    """Every figure behind the verdict of `vote`: the count over the loaded figures (two queries)."""
    return count(load_tally_input(vote))
