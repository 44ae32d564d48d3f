"""The city history's projects: planned from the eligible neighbourhoods, each with its dated life,
their transitions and monthly progress reports (dashboards/demo/__init__.py's docstring)."""

import datetime
import itertools
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from governance.bulk import insert_rows, reserve_ids
from projects.choices import Stage
from projects.models import ProgressReport, Project, ProjectTransition

from .common import CENT, CONTRACTORS, COST_PER_HOUSEHOLD, HOODS_PER_YEAR, SUPERVISORS, YEARS, _aware, _months


class ProjectHistory:
    """The history's state (the projects planned, the counts written) and its projects."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.admin = ctx.store["admin"]
        self.today = timezone.localdate()
        self.projects = []  # dicts, see plan()
        self.counts = defaultdict(int)
        street_of = {c.pk: c.street for c in ctx.store["communities"]}
        self.street_of_hood = {n.pk: street_of[n.community_id] for n in ctx.store["neighbourhoods"]}
        self.households_of = defaultdict(int)
        self.buildings_of = defaultdict(set)
        for row in ctx.store["stairwells"]:
            self.households_of[row.neighbourhood_id] += 2 * row.floors
            self.buildings_of[row.neighbourhood_id].add(row.building_id)


    def plan(self):
        """Bundles of eligible neighbourhoods not yet in a project, HOODS_PER_YEAR a year, each
        with its dated life."""
        rng = self.rng
        taken = set(Project.neighbourhoods.through.objects.values_list("neighbourhood_id", flat=True))
        by_community = defaultdict(list)
        for n in self.ctx.store["neighbourhoods"]:
            eligible = n.built_year < 2001 or n.admission_reason
            if eligible and n.pk not in taken:
                by_community[n.community_id].append(n)
        pools = list(by_community.values())
        rng.shuffle(pools)
        bundles, planned = [], 0
        for pool in itertools.cycle(pools):
            if planned >= HOODS_PER_YEAR[self.ctx.scale] * YEARS or not any(pools):
                break
            if pool:
                take = min(len(pool), rng.choice([1, 1, 2, 3]))
                bundles.append([pool.pop() for _ in range(take)])
                planned += take
        first_year = self.today.year - YEARS + 1
        per_year = -(-len(bundles) // YEARS)
        ids = reserve_ids(Project, len(bundles))
        for index, (pk, bundle) in enumerate(zip(ids, bundles)):
            year = first_year + index // per_year
            self.projects.append(self._life(pk, year, bundle, index))

    def _life(self, pk, year, bundle, index):
        rng = self.rng
        street = self.street_of_hood[bundle[0].pk]
        households = sum(self.households_of[n.pk] for n in bundle)
        budget = Decimal(households * rng.randint(*COST_PER_HOUSEHOLD)).quantize(CENT)
        created = datetime.date(year - 1, 12, 1) + datetime.timedelta(days=rng.randint(0, 40))
        events = []  # (stage, date)
        when = datetime.date(year, 2, 1) + datetime.timedelta(days=rng.randint(0, 150))
        fate = rng.random()
        if not (year == self.today.year and fate < 0.1):  # this year's first tenth stays candidate
            events.append((Stage.CONSULTATION, when))
            if fate > 0.99:
                events.append((Stage.CANCELLED, when + datetime.timedelta(days=rng.randint(20, 60))))
            else:
                for stage, low, high in (
                    (Stage.TENDER, 60, 120),
                    (Stage.CONSTRUCTION, 30, 60),
                    (Stage.ACCEPTANCE, 180, 300),
                    (Stage.AFTERCARE, 20, 40),
                    (Stage.CLOSED, 330, 400),
                ):
                    when = when + datetime.timedelta(days=rng.randint(low, high))
                    events.append((stage, when))
                if 0.96 < fate <= 0.99:  # suspended during the works
                    start = dict(events)[Stage.CONSTRUCTION]
                    events = [e for e in events if e[1] <= start]
                    events.append((Stage.SUSPENDED, start + datetime.timedelta(days=rng.randint(30, 90))))
        events = [(stage, day) for stage, day in events if day <= self.today]
        dates = dict(events)
        stage = events[-1][0] if events else Stage.CANDIDATE
        started = dates.get(Stage.CONSTRUCTION)
        completed = dates.get(Stage.ACCEPTANCE)
        return {
            "pk": pk,
            "year": year,
            "code": f"{year}-C{street.district_id % 1000:03d}-{index + 1:05d}",
            "name": ("、".join(n.name for n in bundle[:2]) + ("等" if len(bundle) > 2 else "") + "老旧小区改造")[:120],
            "street": street,
            "hoods": bundle,
            "households": households,
            "buildings": sum(len(self.buildings_of[n.pk]) for n in bundle),
            "budget": budget,
            "created": created,
            "events": events,
            "stage": stage,
            "before": Stage.CONSTRUCTION if stage == Stage.SUSPENDED else "",
            "started": started,
            "completed": completed,
            "contractor": rng.choice(CONTRACTORS) if started else "",
            "supervisor": rng.choice(SUPERVISORS) if started else "",
        }

    def write_projects(self):
        admin = self.admin.pk
        insert_rows(
            Project,
            ("id", "code", "name", "year", "lead_street_id", "budget", "contractor", "supervisor",
             "contract_amount", "planned_start_on", "planned_end_on", "started_on", "completed_on", "stage",
             "stage_before_suspension", "created_at", "updated_at"),
            (
                (p["pk"], p["code"], p["name"], p["year"], p["street"].pk, p["budget"], p["contractor"],
                 p["supervisor"], (p["budget"] * Decimal("0.93")).quantize(CENT) if p["started"] else None,
                 datetime.date(p["year"], 3, 1), datetime.date(p["year"], 12, 31), p["started"], p["completed"],
                 p["stage"], p["before"], _aware(p["created"]), _aware(p["events"][-1][1] if p["events"] else p["created"]))
                for p in self.projects
            ),
        )
        insert_rows(
            Project.neighbourhoods.through,
            ("project_id", "neighbourhood_id"),
            ((p["pk"], n.pk) for p in self.projects for n in p["hoods"]),
        )

        def transitions():
            for p in self.projects:
                before = Stage.CANDIDATE
                for stage, day in p["events"]:
                    yield (p["pk"], before, stage, admin, _aware(day), "演示数据")
                    before = stage

        insert_rows(ProjectTransition, ("project_id", "from_stage", "to_stage", "actor_id", "at", "note"), transitions())
        self.counts["reports"] = insert_rows(
            ProgressReport,
            ("project_id", "month", "percent_complete", "investment_to_date", "pipes_water_km", "pipes_drainage_km",
             "roads_m2", "parking_spaces", "ev_chargers", "ebike_chargers", "illegal_structures_removed_m2",
             "facades_m2", "security_fire_systems", "lights", "greening_m2", "reported_by_id", "created_at"),
            self._reports(),
        )
        self.ctx.write(f"  全市项目 {len(self.projects):,}，月报 {self.counts['reports']:,} · {self.ctx.elapsed():.0f} s")

    def _reports(self):
        admin = self.admin.pk
        for p in self.projects:
            if not p["started"]:
                continue
            end = p["completed"] or self.today
            months = list(_months(p["started"], end))
            b = p["buildings"]
            contract = p["budget"] * Decimal("0.93")
            for m, month in enumerate(months, 1):
                share = Decimal(min(100, round(100 * m / (len(months) + (0 if p["completed"] else 2)))))
                f = share / 100
                yield (
                    p["pk"], month, share, (contract * f).quantize(CENT),
                    (Decimal("0.045") * b * f).quantize(Decimal("0.001")),
                    (Decimal("0.060") * b * f).quantize(Decimal("0.001")),
                    (Decimal(180) * b * f).quantize(CENT), int(3 * b * f), int(b * f), int(6 * b * f),
                    (Decimal(25) * b * f).quantize(CENT), (Decimal(1200) * b * f).quantize(CENT),
                    int(b * f), int(4 * b * f), (Decimal(60) * b * f).quantize(CENT), admin,
                    _aware(min(month + datetime.timedelta(days=27), self.today)),
                )
