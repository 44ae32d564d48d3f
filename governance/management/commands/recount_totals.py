"""`manage.py recount_totals [--check] [--neighbourhood ID ...]`: the neighbourhoods' stored
totals (buildings, households, floor area; governance.totals) against a recount from the raw rows.

Without --check, recounts and stores them (after a bulk load that bypassed the services). With
--check, writes nothing: lists every stored total that differs from the recount and exits with
status 1 if any does, 0 otherwise.
"""
from django.core.management.base import BaseCommand, CommandError

from governance.services import neighbourhood_totals_mismatches, recount_neighbourhood_totals


class Command(BaseCommand):
    help = "Recount (or with --check, compare) the neighbourhoods' stored totals."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
        parser.add_argument("--neighbourhood", type=int, nargs="+", metavar="ID", help="only these")

    def handle(self, *args, check=False, neighbourhood=None, **options):
        if not check:
            count = recount_neighbourhood_totals(neighbourhood)
            self.stdout.write(f"recounted {count} neighbourhood(s)")
            return
        found = neighbourhood_totals_mismatches(neighbourhood)
        for pk, field, stored, counted in found:
            self.stdout.write(f"neighbourhood {pk}: {field} stored {stored}, counted {counted}")
        if found:
            raise CommandError(f"{len(found)} stored total(s) differ from a recount")
        self.stdout.write("stored totals equal a recount")
