"""`manage.py seed_demo --scale small|district [--seed N] [--if-empty]`: load demo data.

It lives in `dashboards` because dashboards is the top layer, the only app that may import every
other one: the command runs each app's `<app>/demo.py` in layer order (governance, residents,
projects, surveys, funding, dashboards), and an app cannot run the seeds of the apps above it.
The apps never import this command.

The protocol: `<app>/demo.py` defines `seed(ctx)` with `ctx` a governance.demo.DemoContext. A
missing demo module is skipped; an import error inside an existing one is raised.

Scales (governance.demo.SCALES):
- small: what `make run` loads (1 district, 3 streets, 6 communities, about 20 neighbourhoods and
  2,000 households); one transaction.
- district: for benchmarks (8 streets, 40 communities, 1,500 neighbourhoods, 15,000 buildings, about
  400,000 households); one transaction per level and per batch, with progress lines.
- city: for benchmarks (12 districts, 120 streets, 720 communities, 20,000 neighbourhoods, 200,000
  buildings, about 5,000,000 households, and dashboards.demo's four plan years of history: projects,
  progress reports, consultation, money, management), in bulk as the district scale.

The large tables are written by governance.bulk: PostgreSQL's COPY (bulk_create on SQLite).
- tiny: a smaller small, and tinycity: the city's shape (three districts, the history) at a test's
  size, for tests only (hidden from --help).

The demo users have public passwords (see `manage.py demo_logins`): demo use only.
"""
import importlib
import importlib.util
import random
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from governance.demo import SCALES, DemoContext
from governance.models import District

# The project's own apps in layer order: INSTALLED_APPS lists them so (config/layers.py).
APPS = tuple(c.name for c in apps.get_app_configs() if Path(c.path).parent == Path(settings.BASE_DIR))
SINGLE_TRANSACTION = {"tiny", "small", "tinycity"}


def demo_modules():
    """The demo modules that exist, in layer order."""
    modules = []
    for app in APPS:
        name = f"{app}.demo"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules


class Command(BaseCommand):
    help = "载入演示数据（Load demo data）：--scale small（make run 使用）、district 或 city（性能测试）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=sorted(SCALES), default="small", metavar="{small,district,city}", help="规模（scale）"
        )
        parser.add_argument("--seed", type=int, default=2001, help="随机种子（random seed），默认 2001")
        parser.add_argument(
            "--if-empty", action="store_true", help="库中已有区数据时什么也不做（do nothing when a district exists）"
        )

    def handle(self, *, scale, seed, if_empty, **options):
        if District.objects.exists():
            if if_empty:
                self.stdout.write("库中已有区数据，跳过演示数据（a district exists: demo data not loaded）。")
                return
            raise CommandError(
                "库中已有区数据，演示数据只能载入空库；用 --if-empty 跳过（a district exists: seed only an empty database）。"
            )
        ctx = DemoContext(scale=scale, rng=random.Random(seed), write=self.stdout.write)
        self.stdout.write(f"载入演示数据（seeding demo data）：scale={scale} seed={seed}")
        if scale in SINGLE_TRANSACTION:
            with transaction.atomic():
                self._run(ctx)
        else:
            self._run(ctx)
        elapsed = ctx.elapsed()
        households = ctx.store.get("households", 0)
        self.stdout.write(
            self.style.SUCCESS(f"演示数据已载入：住户 {households:,} 户，用时 {elapsed:.1f} 秒（done in {elapsed:.1f} s）。")
        )

    def _run(self, ctx):
        for module in demo_modules():
            seed = getattr(module, "seed", None)
            if seed is None:
                raise CommandError(f"{module.__name__} has no seed(ctx)")
            seed(ctx)
