"""`manage.py demo_logins`: print how to log in to the demo (run by `make run` after seed_demo).

For each demo user (governance.demo.DEMO_LOGINS): the admin URL, username, public demo password
and territory; then fresh access codes for the first households of the first neighbourhood of the
community staff's territory, issued through residents.services.household_code_issue_one (issuing
replaces the household's earlier code, so each run prints codes that work).

Lives in `dashboards` beside seed_demo, for the same reason: the top layer may read every app.
"""
import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from governance.choices import RoleKind
from governance.demo import DEMO_LOGINS
from governance.models import Neighbourhood
from residents.models import Household
from residents.services import household_code_issue_one

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
        if role.community_id:
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
        neighbourhood = None
        if actor is not None and not actor.is_superuser:
            neighbourhood = (
                Neighbourhood.objects.filter(community__staffrole__user=actor).order_by("pk").first()
            )
        neighbourhood = neighbourhood or Neighbourhood.objects.order_by("pk").first()
        households = list(
            Household.objects.filter(neighbourhood=neighbourhood)
            .select_related("building", "stairwell")
            .order_by("building_id", "stairwell_id", "floor", "room")[:CODES_TO_PRINT]
        )
        if not households:
            out("还没有住户，无法生成户码（no households yet: no codes）。")
            return
        out(self.style.MIGRATE_HEADING("居民户码（household access codes）— 每次运行重新生成，旧码失效"))
        out(f"居民页面（resident pages）：{base_url}/")
        for household in households:
            code = household_code_issue_one(household=household, actor=actor)
            stairwell = f" {household.stairwell.name}" if household.stairwell_id else ""
            place = f"{neighbourhood.name} {household.building.name}{stairwell} {household.room}室"
            out(f"  {place}：{code}")
        out("")
