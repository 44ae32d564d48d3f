"""manage.py monthly_report --month 2026-11 [--territory district:3] [--user NAME] -o report.xlsx"""

from pathlib import Path
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from dashboards.report import monthly_report, parse_month, report_xlsx
from dashboards.works import parse_territory

# Without --user the command reads everything, as a superuser would.
EVERYONE = SimpleNamespace(is_authenticated=True, is_active=True, is_superuser=True)


class Command(BaseCommand):
    help = "Write the monthly report (月报) of a month and a territory to an Excel workbook."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument(
            "--territory", default="city", help="city, district:<id>, street:<id> or community:<id>"
        )
        parser.add_argument("--user", help="read as this user (their territory); default: everything")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")

    def handle(self, *args, **options):
        try:
            month = parse_month(options["month"])
        except ValueError as exc:
            raise CommandError(f"--month: {exc}") from exc
        try:
            level, pk = parse_territory(options["territory"])
        except ValueError as exc:
            raise CommandError(f"--territory: {exc}") from exc
        actor = EVERYONE
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"--user: no active user named {options['user']!r}")
        try:
            report = monthly_report(actor, month, level=level, pk=pk)
        except Http404 as exc:
            territory = options["territory"]
            raise CommandError(f"--territory: {territory} does not exist or is not visible") from exc
        output = Path(options["output"])
        output.write_bytes(report_xlsx(report))
        self.stdout.write(
            f"{output}: {report.root.name} {month:%Y-%m}, {len(report.projects)} projects "
            f"(suggested name {report.filename})"
        )
