"""`manage.py run_subsidies [--date YYYY-MM-DD]`: the daily subsidy run, here and now, without a
worker (the embedded default, and staff catching up): the same service as the Celery task, paying
released installments in this process."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from funding.services import subsidies_run


class Command(BaseCommand):
    # argparse needs plain strings here (a lazy translation breaks --help), as in Django's own commands.
    help = "运行物业补贴日处理（run the daily subsidy schedules）：到期、考核核定、发放、退出。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="处理日期 YYYY-MM-DD（默认今天，Asia/Shanghai）")

    def handle(self, *, date, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(_("--date 应为 YYYY-MM-DD 格式的日期，收到“%(value)s”。") % {"value": date})
        summary = subsidies_run(today=today)
        self.stdout.write(
            _(
                "%(date)s：到期 %(due)d，核准 %(released)d，暂缓 %(withheld)d，"
                "发放 %(paid)d，补发 %(swept)d，退出 %(exited)d"
            )
            % summary
        )
