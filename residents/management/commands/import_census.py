"""`python manage.py import_census FILE [--as USERNAME]`: the census import from the console.

Without --as the import runs as the system actor (manages everything; audited as no user). With
--as it runs as that user, refused outside their territory like the admin page. A bad file prints
every problem as "第N行 [列] 消息" and exits non-zero; nothing is written. See residents.census.
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from residents.census import SYSTEM_ACTOR, CensusImportError, census_import

STAGES = {"validate": gettext_lazy("校验"), "write": gettext_lazy("写入")}


class _ProgressBars:
    """Turns the service's progress(stage, done, total) calls into one tqdm bar per stage."""

    def __init__(self, stream):
        self.stream = stream
        self.stage = None
        self.bar = None

    def __call__(self, stage, done, total):
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(
                total=total, desc=str(STAGES.get(stage, stage)), unit=_("行"), file=self.stream, disable=None
            )
        if total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = "导入摸底普查数据（Excel .xlsx 或 CSV，每行一户）。有任何一行出错则不写入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="普查文件（.xlsx 或 CSV）")
        parser.add_argument(
            "--as",
            dest="username",
            help="以该用户身份导入（只能导入其辖区内的社区）；缺省为系统身份",
        )

    def handle(self, *args, file, username=None, **options):
        actor = self._actor(username)
        bars = _ProgressBars(sys.stderr)
        try:
            with open(file, "rb") as fh:
                result = census_import(file=fh, actor=actor, progress=bars)
        except FileNotFoundError:
            raise CommandError(_("找不到文件：%(file)s") % {"file": file}) from None
        except CensusImportError as exc:
            bars.close()
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(str(exc)) from None
        finally:
            bars.close()
        self.stdout.write(self.style.SUCCESS(result.summary()))

    def _actor(self, username):
        if not username:
            return SYSTEM_ACTOR
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("没有名为“%(username)s”的有效用户") % {"username": username})
        return user
