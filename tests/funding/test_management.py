"""Management arrangements and assessments (governance.services_management): one current
arrangement per neighbourhood, held by a constraint and by the service under a lock on the
neighbourhood, and the checks on an assessment."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from governance.models import Assessment, ManagementArrangement, ManagementMode
from governance.services_management import arrangement_start, assessment_record

from .test_concurrency import _race

D = datetime.date


def _start(neighbourhood, actor, started_on, mode=ManagementMode.SELF_MANAGED):
    return arrangement_start(neighbourhood=neighbourhood, mode=mode, started_on=started_on, actor=actor)


@pytest.mark.django_db
def test_one_current_arrangement_is_a_constraint(users, territory):
    _start(territory.n111, users.street, D(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        ManagementArrangement.objects.create(
            neighbourhood=territory.n111, mode=ManagementMode.FALLBACK, started_on=D(2025, 1, 1)
        )
    ManagementArrangement.objects.create(  # an ended one beside it is history, allowed
        neighbourhood=territory.n111,
        mode=ManagementMode.NONE,
        started_on=D(2020, 1, 1),
        ended_on=D(2023, 12, 31),
    )


@pytest.mark.django_db
def test_a_new_arrangement_ends_the_current_one_the_day_before(users, territory):
    first = _start(territory.n111, users.street, D(2024, 1, 1))
    with pytest.raises(ValidationError, match="之后开始"):
        _start(territory.n111, users.street, D(2024, 1, 1))
    second = _start(territory.n111, users.street, D(2025, 7, 1), mode=ManagementMode.FALLBACK)
    first.refresh_from_db()
    assert first.ended_on == D(2025, 6, 30) and second.ended_on is None
    assert ManagementArrangement.objects.filter(neighbourhood=territory.n111, ended_on=None).get() == second


@pytest.mark.django_db(transaction=True)
def test_two_arrangements_started_at_once_leave_one_current(users, territory):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers, so two writers cannot race; set DATABASE_URL to PostgreSQL")
    _start(territory.n111, users.street, D(2024, 1, 1))
    results = _race(
        lambda: _start(territory.n111, users.street, D(2025, 1, 1)),
        lambda: _start(territory.n111, users.street, D(2025, 1, 1), mode=ManagementMode.FALLBACK),
    )
    started = [r for r in results if isinstance(r, ManagementArrangement)]
    refused = [r for r in results if isinstance(r, str)]
    assert len(started) == 1 and len(refused) == 1 and "之后开始" in refused[0], results
    current = ManagementArrangement.objects.filter(neighbourhood=territory.n111, ended_on=None)
    assert list(current) == started


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs,field,text",
    [
        ({"score": "100.5"}, "score", "0至100之间"),
        ({"score": "abc"}, "score", "不是有效的数字"),
        ({"assessor": "  "}, "assessor", "考核单位或考核人"),
        ({"items": {"安全": "好"}}, "items", "分项“安全”"),
    ],
)
def test_an_assessment_is_checked(users, territory, kwargs, field, text):
    row = _start(territory.n111, users.street, D(2024, 1, 1))
    args = {"arrangement": row, "year": 2024, "score": "90", "assessor": "街道考核组", "actor": users.street}
    with pytest.raises(ValidationError) as exc:
        assessment_record(**{**args, **kwargs})
    assert text in " ".join(exc.value.message_dict[field])
    assert not Assessment.objects.exists()
