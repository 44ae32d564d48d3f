"""`manage.py demo_logins`: print how to log in to the demo (run by `make run` after seed_demo).

For each demo user (governance.demo.DEMO_LOGINS): the admin URL, username, public demo password
and territory; then fresh access codes for two households of the demo's resident story (the first
neighbourhood of the community staff's territory with an open demand list), chosen among those
that have done nothing yet, each with what it can do now (demand list, questionnaire, vote), issued
through residents.services.household_code_issue_one (issuing replaces the household's earlier
code, so each run prints codes that work); last, what the community and street logins find to do
in the admin (a consultation in progress, votes to close, a subsidy plan and its years).

Lives in `dashboards` beside seed_demo, for the same reason: the top layer may read every app.
"""
import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef
from django.utils import timezone

from funding.choices import InstallmentStatus
from funding.models import SubsidyPlan
from governance.choices import RoleKind
from governance.demo import DEMO_LOGINS
from governance.models import Neighbourhood
from governance.scoping import scope
from residents.models import Household
from residents.services import household_code_issue_one
from surveys.choices import StepStatus, VoteStatus
from surveys.models import Ballot, ConsultationProcess, DemandSubmission, Response, Vote
from surveys.selectors import resident_home

CODES_TO_PRINT = 2


def display_width(text):
    """Columns `text` takes on a console: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, width):
    return text + " " * max(0, width - display_width(text))


def role_label(login):
    if login.role is None:
        return f"超级管理员（{login.english}）"
    return f"{RoleKind(login.role).label}（{login.english}）"


def territory_label(user):
    if user.is_superuser:
        return "全部辖区（everything）"
    places = []
    roles = user.staff_roles.select_related("district", "street__district", "community__street__district")
    for role in roles:
        if role.kind == RoleKind.CITY_OFFICIAL:
            places.append("全市各区（every district）")
        elif role.community_id:
            c = role.community
            places.append(f"{c.street.district.name} {c.street.name} {c.name}")
        elif role.street_id:
            places.append(f"{role.street.district.name} {role.street.name}")
        else:
            places.append(role.district.name)
    return "；".join(places) or "无辖区（no territory）"


class Command(BaseCommand):
    help = "打印演示账号、密码、辖区和居民户码（print the demo logins and household codes）。"

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="站点地址（site URL）")

    def handle(self, *, base_url, **options):
        base_url = base_url.rstrip("/")
        usernames = [login.username for login in DEMO_LOGINS]
        users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
        if not users:
            self.stdout.write(
                self.style.WARNING(
                    "没有演示账号，请先运行 python manage.py seed_demo（no demo users: run seed_demo first）。"
                )
            )
            return
        out = self.stdout.write
        out("")
        out(self.style.MIGRATE_HEADING("演示账号（demo logins）— 密码公开，仅供本地演示，切勿用于生产环境"))
        out(f"管理后台（admin）：{base_url}/admin/")
        out(f"领导看板（dashboards，区、市账号）：{base_url}/dashboards/")
        out("")
        rows = []
        for login in DEMO_LOGINS:
            user = users.get(login.username)
            if user is None:
                rows.append((role_label(login), login.username, "不存在，请运行 seed_demo（missing）"))
                continue
            password = login.password if user.check_password(login.password) else "（密码已修改 password changed）"
            rows.append((role_label(login), f"{login.username} / {password}", f"— {territory_label(user)}"))
        widths = [max(display_width(row[i]) for row in rows) + 2 for i in (0, 1)]
        for role, credentials, territory in rows:
            out(f"  {pad(role, widths[0])}{pad(credentials, widths[1])}{territory}")
        out("")
        self._print_codes(base_url, users)

    def _print_codes(self, base_url, users):
        out = self.stdout.write
        actor = users.get("community") or users.get("admin")
        neighbourhood = story_neighbourhood(actor)
        households = fresh_households(neighbourhood) if neighbourhood else []
        if not households:
            out("还没有住户，无法生成户码（no households yet: no codes）。")
            return
        out(self.style.MIGRATE_HEADING("居民户码（household access codes）— 每次运行重新生成，旧码失效"))
        out(f"在 {base_url}/code/ 输入户码，进入“我家的事项”（enter a code at /code/, then /me/）：")
        for household in households:
            code = household_code_issue_one(household=household, actor=actor)
            stairwell = f" {household.stairwell.name}" if household.stairwell_id else ""
            place = f"{neighbourhood.name} {household.building.name}{stairwell} {household.room}室"
            out(f"  {place}：{code} — {tasks_label(household)}")
        out(f"小区公开页面（public page）：{base_url}/n/{neighbourhood.pk}/")
        out("")
        self._print_staff_tasks(actor)

    def _print_staff_tasks(self, actor):
        """What the community and street logins find to do in the admin (their territory holds it)."""
        if actor is None:
            return
        lines = staff_tasks(actor)
        if not lines:
            return
        out = self.stdout.write
        out(self.style.MIGRATE_HEADING("社区、街道账号可以试（what the community and street logins can try）"))
        for line in lines:
            out(f"  {line}")
        out("")


def _visible(queryset, actor):
    return queryset if actor.is_superuser else scope(queryset, actor)


def story_neighbourhood(actor):
    """The neighbourhood whose codes are printed: the first of `actor`'s territory with an open
    demand list (the demo's resident story), else its first neighbourhood, else the first."""
    neighbourhoods = Neighbourhood.objects.order_by("pk")
    if actor is not None:
        neighbourhoods = _visible(neighbourhoods, actor)
    return (
        neighbourhoods.filter(demand_lists__is_open=True).first()
        or neighbourhoods.first()
        or Neighbourhood.objects.order_by("pk").first()
    )


def fresh_households(neighbourhood):
    """CODES_TO_PRINT households of `neighbourhood` that have done nothing yet (no demand list, no
    ballot, no questionnaire answer), so each printed code meets every task untouched; the first
    households when all have done something."""
    households = Household.objects.filter(neighbourhood=neighbourhood).select_related("building", "stairwell")
    ordered = ("building_id", "stairwell_id", "floor", "room")
    fresh = households.exclude(
        Exists(DemandSubmission.objects.filter(household=OuterRef("pk"), is_current=True))
    ).exclude(Exists(Ballot.objects.filter(household=OuterRef("pk"), vote__status=VoteStatus.OPEN)))
    fresh = fresh.exclude(Exists(Response.objects.filter(household=OuterRef("pk"))))
    return list(fresh.order_by(*ordered)[:CODES_TO_PRINT]) or list(
        households.order_by(*ordered)[:CODES_TO_PRINT]
    )


def tasks_label(household):
    """What the household can do with its code now, in words: "需求清单、问卷、表决（demand list,
    questionnaire, vote）", or that there is nothing open."""
    lists, votes, questionnaires = resident_home(household)
    tasks = [
        (label, english)
        for found, label, english in (
            (lists, "需求清单", "demand list"),
            (questionnaires, "问卷", "questionnaire"),
            (votes, "表决", "vote"),
        )
        if found
    ]
    if not tasks:
        return "目前没有进行中的事项（nothing open now）"
    return "可以填写：" + "、".join(t[0] for t in tasks) + "（" + ", ".join(t[1] for t in tasks) + "）"


def staff_tasks(actor):
    """Lines naming what `actor`'s territory holds for staff to try: a consultation in progress,
    a vote whose time is over (to close and count), a subsidy plan with its years."""
    lines = []
    now = timezone.now()
    process = (
        _visible(ConsultationProcess.objects.all(), actor)
        .filter(steps__status=StepStatus.OPEN)
        .select_related("project")
        .order_by("pk")
        .first()
    )
    if process is not None:
        step = process.steps.filter(status=StepStatus.OPEN).first()
        lines.append(f"协商进行中（consultation in progress）：{process.project.name} · {step}")
    over = _visible(Vote.objects.all(), actor).filter(status=VoteStatus.OPEN, closes_at__lte=now)
    for vote in over.order_by("pk"):
        lines.append(f"表决已截止，待结束计票（vote to close）：{vote.title}")
    plan = _visible(SubsidyPlan.objects.all(), actor).select_related("neighbourhood").order_by("pk").first()
    if plan is not None:
        years = "，".join(f"第{i.year}年{installment_label(i)}" for i in plan.installments.order_by("year"))
        lines.append(f"物业补贴计划（subsidy plan）：{plan.name or plan.neighbourhood.name}：{years}")
    return lines


def installment_label(installment):
    """Its status in words: a withheld year says its score, or that it fell due and waits for its
    assessment (funding's SubsidyInstallment.waiting_for)."""
    if installment.status == InstallmentStatus.WITHHELD and installment.assessment_id is None:
        return f"{installment.get_status_display()}（已到期，{installment.waiting_for()}）"
    if installment.status == InstallmentStatus.WITHHELD and installment.score is not None:
        return f"{installment.get_status_display()}（考核 {installment.score} 分）"
    return installment.get_status_display()
