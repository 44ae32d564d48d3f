"""The city history's consultation: processes and steps, meetings and opinions, demand lists and
submissions, plan votes and ballots."""

import datetime
from collections import defaultdict

from django.db import transaction

from governance.bulk import insert_rows, reserve_ids
from projects.choices import Stage
from projects.models import CatalogueItem
from residents.models import Household
from surveys.choices import StepStatus
from surveys.models import (
    Ballot,
    ConsultationProcess,
    ConsultationStep,
    DemandList,
    DemandSubmission,
    Meeting,
    Opinion,
    StepReview,
    Vote,
)
from surveys.services import builtin_template

from .common import BALLOT_SHARE, DEMAND_SHARE, MENU, OPINIONS, _aware


class ConsultationHistory:
    """The consultation of the projects a ProjectHistory planned."""

    def write_consultation(self):
        """Processes and steps, then per chunk of neighbourhoods their demand lists, submissions,
        votes and ballots (the households read back chunk by chunk)."""
        consulted = [p for p in self.projects if p["events"]]
        with transaction.atomic():
            steps, meetings = self._write_processes(consulted)
        self.ctx.write(f"  协商程序 {len(consulted):,}，步骤 {steps:,}，会议 {meetings:,} · {self.ctx.elapsed():.0f} s")
        menu = list(CatalogueItem.objects.filter(district__isnull=True, code__in=MENU).values_list("pk", flat=True))
        hoods = [(p, n) for p in consulted for n in p["hoods"]]
        for first in range(0, len(hoods), 500):
            with transaction.atomic():
                self._consult_chunk(hoods[first : first + 500], menu)
        self.ctx.write(
            f"  需求提交 {self.counts['submissions']:,}，表决票 {self.counts['ballots']:,} · {self.ctx.elapsed():.0f} s"
        )

    # ---- processes: steps done up to the stage, their reviews, meetings and opinions ------------

    def _write_processes(self, consulted):
        """A process for each project consulted, its steps and what they leave; returns the number
        of steps and of meetings written."""
        template_steps = list(builtin_template().steps.order_by("order"))
        admin = self.admin.pk
        process_ids = reserve_ids(ConsultationProcess, len(consulted))
        template = template_steps[0].template_id
        insert_rows(
            ConsultationProcess,
            ("id", "project_id", "template_id", "started_at", "started_by_id"),
            ((pk, p["pk"], template, _aware(p["events"][0][1]), admin) for pk, p in zip(process_ids, consulted)),
        )
        written = {"steps": [], "reviews": [], "meetings": [], "opinions": []}
        step_ids = iter(reserve_ids(ConsultationStep, len(consulted) * len(template_steps)))
        for process, p in zip(process_ids, consulted):
            self._process_rows(process, p, template_steps, step_ids, written)
        insert_rows(
            ConsultationStep,
            ("id", "process_id", "order", "code", "direction", "name", "closes_demand_list", "needs_vote",
             "status", "opened_at", "completed_at", "completed_by_id", "note"),
            written["steps"],
        )
        insert_rows(StepReview, ("step_id", "decision", "department", "comments", "reviewer_id", "at"), written["reviews"])
        insert_rows(
            Meeting,
            ("process_id", "step_id", "neighbourhood_id", "kind", "held_on", "place", "attendees",
             "households_represented", "minutes", "recorded_by_id"),
            written["meetings"],
        )
        insert_rows(
            Opinion,
            ("process_id", "step_id", "neighbourhood_id", "source", "text", "answer", "answer_text",
             "answered_by_id", "answered_at", "created_at"),
            written["opinions"],
        )
        return len(written["steps"]), len(written["meetings"])

    def _process_rows(self, process, p, template_steps, step_ids, written):
        """Project `p`'s steps, done up to its stage (spread over its consultation), into `written`:
        a review of each up step done, an assembly per neighbourhood at each down step begun, and
        two answered opinions at the first step. Sets p["process"] and p["steps_done"]."""
        admin = self.admin.pk
        p["process"] = process
        begun = p["events"][0][1]
        past = p["stage"] not in (Stage.CONSULTATION, Stage.CANCELLED)
        finished = dict(p["events"]).get(Stage.TENDER, begun + datetime.timedelta(days=90))
        span = max(6, (finished - begun).days)
        done = len(template_steps) if past else min(
            len(template_steps) - 1, (self.today - begun).days * len(template_steps) // span
        )
        p["steps_done"] = done
        for i, t in enumerate(template_steps):
            pk = next(step_ids)
            opened = begun + datetime.timedelta(days=span * i // len(template_steps))
            closed = begun + datetime.timedelta(days=span * (i + 1) // len(template_steps))
            status = StepStatus.DONE if i < done else StepStatus.OPEN if i == done else StepStatus.PENDING
            written["steps"].append((
                pk, process, t.order, t.code, t.direction, t.name, t.closes_demand_list, t.needs_vote, status,
                _aware(opened) if status != StepStatus.PENDING else None,
                _aware(closed) if status == StepStatus.DONE else None,
                admin if status == StepStatus.DONE else None, "",
            ))
            if status == StepStatus.DONE and t.direction == "up":
                written["reviews"].append((pk, "approved", f"{p['street'].name}所在区住房和城乡建设局", "同意。", admin,
                                           _aware(closed)))
            if status != StepStatus.PENDING and t.direction == "down":
                for n in p["hoods"]:
                    written["meetings"].append((process, pk, n.pk, "assembly", opened, f"{n.name}社区活动室",
                                                self.rng.randint(40, 120), self.rng.randint(30, 90),
                                                "介绍改造政策和改造菜单，听取居民意见。", admin))
            if i == 0:
                for text, answer, reason in self.rng.sample(OPINIONS, 2):
                    written["opinions"].append((process, pk, p["hoods"][0].pk, "meeting", text, answer, reason, admin,
                                                _aware(closed), _aware(opened)))

    # ---- per chunk of neighbourhoods: demand lists and submissions, votes and ballots ------------

    def _consult_chunk(self, hoods, menu):
        """The demand lists, submissions, plan votes and ballots of a chunk of (project,
        neighbourhood): a vote where the project is past its fifth step."""
        flats = self._flats(hoods)
        list_ids = reserve_ids(DemandList, len(hoods))
        voted = [(p, n) for p, n in hoods if p["steps_done"] >= 5]
        vote_ids = iter(reserve_ids(Vote, len(voted)))
        lists, chosen = self._demand_lists(hoods, list_ids, flats, menu)
        submissions, items = [], []
        for pk, (list_id, household, channel, at, picked) in zip(reserve_ids(DemandSubmission, len(chosen)), chosen):
            submissions.append((pk, list_id, household, "", channel, at, True, f"D{pk:012d}"))
            items.extend((pk, item) for item in picked)
        votes, ballots = self._votes(voted, vote_ids, flats)
        insert_rows(DemandList, ("id", "project_id", "neighbourhood_id", "intro", "is_open", "opened_at", "closed_at"), lists)
        self.counts["submissions"] += insert_rows(
            DemandSubmission,
            ("id", "demand_list_id", "household_id", "text", "channel", "submitted_at", "is_current", "receipt"),
            submissions,
        )
        insert_rows(DemandSubmission.items.through, ("demandsubmission_id", "catalogueitem_id"), items)
        insert_rows(
            Vote,
            ("id", "project_id", "title", "matter_type", "scope", "neighbourhood_id", "rule", "opens_at", "closes_at",
             "status", "passed", "closed_at", "closed_by_id", "created_by_id", "created_at"),
            votes,
        )
        self.counts["ballots"] += insert_rows(Ballot, ("vote_id", "household_id", "choice", "channel", "at"), ballots)

    def _flats(self, hoods):
        """{neighbourhood id: [(household id, owner id hash)]}, read back in one query."""
        flats = defaultdict(list)
        for pk, hood, owner in (
            Household.objects.filter(neighbourhood_id__in=[n.pk for _p, n in hoods])
            .order_by("pk")
            .values_list("pk", "neighbourhood_id", "owner_id_hash")
            .iterator(chunk_size=20_000)
        ):
            flats[hood].append((pk, owner))
        return flats

    def _demand_lists(self, hoods, list_ids, flats, menu):
        """The demand list of each (project, neighbourhood), and the submissions chosen: (list id,
        household, channel, submitted at, items) for about DEMAND_SHARE of its households."""
        rng = self.rng
        lists, chosen = [], []
        for list_id, (p, n) in zip(list_ids, hoods):
            begun = p["events"][0][1]
            closed = p["steps_done"] >= 1
            d1_end = begun + datetime.timedelta(days=20)
            lists.append((list_id, p["pk"], n.pk, "请勾选您家最希望改造的内容。", not closed, _aware(begun),
                          _aware(d1_end) if closed else None))
            for household, _owner in flats[n.pk]:
                if rng.random() >= DEMAND_SHARE:
                    continue
                day = min(begun + datetime.timedelta(days=rng.randint(0, 19)), self.today)
                chosen.append((list_id, household, "online" if rng.random() < 0.85 else "paper",
                               _aware(day, hour=rng.randint(8, 21)), set(rng.choices(menu, k=rng.randint(1, 4)))))
        return lists, chosen

    def _votes(self, voted, vote_ids, flats):
        """A closed, passed plan vote per (project, neighbourhood) in `voted`, and its ballots: about
        BALLOT_SHARE of the owners, one choice per owner (a household without one is its own)."""
        rng = self.rng
        admin = self.admin.pk
        votes, ballots = [], []
        for p, n in voted:
            vote = next(vote_ids)
            begun = p["events"][0][1]
            closes = dict(p["events"]).get(Stage.TENDER, begun + datetime.timedelta(days=90)) - datetime.timedelta(days=7)
            opens = closes - datetime.timedelta(days=14)
            votes.append((vote, p["pk"], f"{n.name}改造方案表决", "renovation_plan", "neighbourhood", n.pk, "simple",
                          _aware(opens), _aware(closes), "closed", True, _aware(closes, 18), admin, admin, _aware(opens, 9)))
            choice_of = {}
            for household, owner in flats[n.pk]:
                key = owner or household
                if key not in choice_of:
                    if rng.random() >= BALLOT_SHARE:
                        choice_of[key] = None
                    else:
                        choice_of[key] = rng.choices(("agree", "disagree", "abstain"), (85, 10, 5))[0]
                choice = choice_of[key]
                if choice:
                    ballots.append((vote, household, choice, "online", _aware(opens + datetime.timedelta(days=rng.randint(0, 13)))))
        return votes, ballots
