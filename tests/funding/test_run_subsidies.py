"""`manage.py run_subsidies`: the daily run without a worker, its summary line and its refusal of a
bad date (messages through gettext, named placeholders)."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from funding.choices import InstallmentStatus as S

from .subsidy_helpers import assess, plan

pytestmark = pytest.mark.django_db


def test_the_command_runs_the_day_and_prints_the_counts(users, territory):
    p = plan(territory.n111, users.street)
    assess(p, 2024, "90", users.street)
    out = StringIO()
    call_command("run_subsidies", "--date", "2025-01-01", stdout=out)
    assert out.getvalue().strip() == "2025-01-01：到期 1，核准 1，暂缓 0，发放 1，补发 0，退出 0"
    assert p.installments.get(year=1).status == S.PAID
    out = StringIO()
    call_command("run_subsidies", "--date", "2027-01-01", stdout=out)  # the last year ends: the plan exits
    assert out.getvalue().strip() == "2027-01-01：到期 2，核准 0，暂缓 2，发放 0，补发 0，退出 1"
    assert p.installments.filter(status=S.WITHHELD).count() == 2
    assert datetime.date(2027, 1, 1) == type(p).objects.get(pk=p.pk).exited_on


@pytest.mark.parametrize("value", ["2025-13-01", "明天", "2025/01/01"])
def test_a_bad_date_is_refused_with_the_value(value):
    with pytest.raises(CommandError) as exc:
        call_command("run_subsidies", "--date", value, stdout=StringIO())
    assert str(exc.value) == f"--date 应为 YYYY-MM-DD 格式的日期，收到“{value}”。"
