"""Demo data, part 6, city scale only: four plan years of renovation across the whole city, in bulk
(see governance/demo.py for the protocol).

Reads from `ctx.store`: "districts", "communities", "neighbourhoods", "stairwells", "admin".

The lower apps' demo modules tell their stories (in 甜城区, through the services). At the city
scale this module adds the city's history around them, written straight to the tables by
governance.bulk (PostgreSQL's COPY), as the census is: about HOODS_PER_YEAR (1,600) eligible
neighbourhoods a year planned for each of the YEARS plan years up to this one, bundled by one to
three of a community into projects, each project's life dated from its plan year (created the
December before, consultation from February, tender, works started, completed, handed to
long-term management, closed a year later; a few suspended, a few cancelled, this year's
partly still waiting as candidates), and what that life leaves:

- projects: the stage reached by today, the transitions up to it, start and completion dates,
  contractors, and a monthly progress report for every month of works (quantities grow with the
  percent done), so the reports span the four years (48 months);
- consultation: a 三下三上 process per project with its steps done up to the stage (reviews of the
  done up-steps), an assembly per neighbourhood, opinions with their answers, a demand list per
  neighbourhood filled by about DEMAND_SHARE of its households (one to four menu items each), and
  for projects past consultation a closed, passed plan vote per neighbourhood with ballots of
  about BALLOT_SHARE of the owners (one choice per owner);
- money: five funding sources per district, commitments covering each project's budget (60 %
  for one still in consultation), disbursements at the start and the completion of works;
- management: an arrangement for each completed neighbourhood from its handover (professional,
  self-managed or fallback) and for part of the others, with yearly assessments.

The rules these rows satisfy are those the services enforce (commitments within what a source
holds, disbursed within committed, one current arrangement per neighbourhood, one ballot per
household, one current demand submission per household and list).
"""

from django.db import transaction

from .common import (  # noqa: F401 (importable from dashboards.demo, as before the split)
    BALLOT_SHARE,
    CENT,
    CONTRACTORS,
    COST_PER_HOUSEHOLD,
    DEMAND_SHARE,
    HOODS_PER_YEAR,
    MENU,
    OPINIONS,
    PROVIDERS,
    SOURCES,
    SUPERVISORS,
    YEARS,
    _aware,
    _months,
)
from .consultation import ConsultationHistory
from .management import ManagementHistory
from .money import MoneyHistory
from .projects import ProjectHistory


def seed(ctx):
    if ctx.scale not in HOODS_PER_YEAR:
        return
    history = History(ctx)
    with transaction.atomic():
        history.plan()
        history.write_projects()
    with transaction.atomic():
        history.write_money()
    with transaction.atomic():
        history.write_management()
    history.write_consultation()  # one transaction per chunk of neighbourhoods
    ctx.write(
        f"全市改造历史（city history）：项目 {len(history.projects):,}，月报 {history.counts['reports']:,}，"
        f"资金承诺 {history.counts['commitments']:,}，需求提交 {history.counts['submissions']:,}，"
        f"表决票 {history.counts['ballots']:,}，物业 {history.counts['arrangements']:,} · {ctx.elapsed():.0f} s"
    )


class History(ProjectHistory, MoneyHistory, ManagementHistory, ConsultationHistory):
    """The city's history, one part a module: projects (projects.py), money (money.py), management
    (management.py) and consultation (consultation.py)."""
