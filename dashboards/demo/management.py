"""The city history's long-term management: arrangements and their yearly assessments."""

import datetime
from collections import defaultdict
from decimal import Decimal

from governance.bulk import insert_rows, reserve_ids
from governance.models import Assessment, ManagementArrangement, ManagementMode
from governance.providers import Provider
from projects.choices import Stage

from .common import PROVIDERS, YEARS, _aware


class ManagementHistory:
    """The management of the neighbourhoods a ProjectHistory renovated, and of part of the others."""

    def write_management(self):
        """An arrangement for each neighbourhood handed over and for part of the others (none where
        one is current already), each with a yearly assessment since it started."""
        handed = self._handed_over()
        current = set(
            ManagementArrangement.objects.filter(ended_on__isnull=True).values_list("neighbourhood_id", flat=True)
        )
        providers = self._providers()
        rows = self._arrangement_rows(handed, current, providers)
        ids = reserve_ids(ManagementArrangement, len(rows))
        self.counts["arrangements"] = insert_rows(
            ManagementArrangement,
            ("id", "neighbourhood_id", "mode", "provider_id", "started_on", "fee_per_m2_month", "created_at"),
            ((pk, *row) for pk, row in zip(ids, rows)),
        )
        count = insert_rows(
            Assessment,
            ("arrangement_id", "year", "period_start", "period_end", "score", "items", "assessor", "assessed_at",
             "created_at"),
            self._assessments(ids, rows),
        )
        self.ctx.write(f"  物业管理 {len(rows):,}，考核 {count:,} · {self.ctx.elapsed():.0f} s")

    def _handed_over(self):
        """{neighbourhood id: the day its project reached aftercare}."""
        handed = {}
        for p in self.projects:
            aftercare = dict(p["events"]).get(Stage.AFTERCARE)
            if aftercare:
                for n in p["hoods"]:
                    handed[n.pk] = aftercare
        return handed

    def _providers(self):
        """{district id: [provider id]}, the PROVIDERS registered where missing."""
        providers = defaultdict(list)
        for d in self.ctx.store["districts"]:
            for name in PROVIDERS:
                providers[d.pk].append(Provider.objects.get_or_create(district=d, name=name)[0].pk)
        return providers

    def _arrangement_rows(self, handed, current, providers):
        """(neighbourhood, mode, provider, started on, fee, created at) of each arrangement written."""
        rng = self.rng
        district_of = {c.pk: c.street.district_id for c in self.ctx.store["communities"]}
        rows = []
        for n in self.ctx.store["neighbourhoods"]:
            if n.pk in current:
                continue
            if n.pk in handed:
                mode = rng.choices(
                    [ManagementMode.PROFESSIONAL, ManagementMode.SELF_MANAGED, ManagementMode.FALLBACK], [60, 25, 15]
                )[0]
                started = handed[n.pk]
            else:
                draw = rng.random()
                if draw < 0.35:
                    mode = ManagementMode.PROFESSIONAL
                elif draw < 0.45:
                    mode = ManagementMode.FALLBACK
                elif draw < 0.5:
                    mode = ManagementMode.SELF_MANAGED
                else:
                    continue
                started = datetime.date(rng.randint(2012, self.today.year - 1), rng.randint(1, 12), 1)
            provider = (
                rng.choice(providers[district_of[n.community_id]]) if mode == ManagementMode.PROFESSIONAL else None
            )
            fee = Decimal(rng.randint(30, 120)).scaleb(-2) if mode == ManagementMode.PROFESSIONAL else Decimal("0.00")
            rows.append((n.pk, mode, provider, started, fee, _aware(started)))
        return rows

    def _assessments(self, ids, rows):
        """The arrangements' yearly assessments, from the year each started (at most YEARS back)."""
        for pk, (_n, _mode, _p, started, _fee, _c) in zip(ids, rows):
            for year in range(max(started.year, self.today.year - YEARS), self.today.year):
                day = datetime.date(year + 1, 1, 20)
                yield (
                    pk, year, datetime.date(year, 1, 1), datetime.date(year, 12, 31),
                    Decimal(self.rng.randint(5500, 9800)).scaleb(-2), "{}", "街道长效管理考核组", _aware(day),
                    _aware(day),
                )
