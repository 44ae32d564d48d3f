"""The city history's money: funding sources, commitments and disbursements."""

from collections import defaultdict
from decimal import Decimal

from funding.models import Commitment, Disbursement, FundingSource
from governance.bulk import insert_rows, reserve_ids
from projects.choices import Stage

from .common import CENT, SOURCES, YEARS, _aware


class MoneyHistory:
    """The money of the projects a ProjectHistory planned."""

    def write_money(self):
        admin = self.admin.pk
        districts = self.ctx.store["districts"]
        source_ids = dict(zip(
            [(d.pk, kind) for d in districts for kind, _n, _s in SOURCES],
            reserve_ids(FundingSource, len(districts) * len(SOURCES)),
        ))
        held = defaultdict(Decimal)
        commitments, disbursements = [], []
        commitment_ids = iter(reserve_ids(
            Commitment, sum(len(SOURCES) for p in self.projects if p["events"] and p["stage"] != Stage.CANCELLED)
        ))
        for p in self.projects:
            if not p["events"] or p["stage"] == Stage.CANCELLED:
                continue
            cover = Decimal("0.6") if p["stage"] == Stage.CONSULTATION else Decimal("1")
            committed_on = min(p["events"][0][1], self.today)
            left = (p["budget"] * cover).quantize(CENT)
            for number, (kind, _name, share) in enumerate(SOURCES):
                amount = left if number == len(SOURCES) - 1 else min(left, (p["budget"] * share).quantize(CENT))
                left -= amount
                if amount <= 0:
                    continue
                pk = next(commitment_ids)
                source = source_ids[(p["street"].district_id, kind)]
                held[source] += amount
                commitments.append((pk, source, p["pk"], amount, committed_on, admin, _aware(committed_on)))
                for paid_on, part in ((p["started"], Decimal("0.4")), (p["completed"], Decimal("0.5"))):
                    if paid_on:
                        disbursements.append(
                            (pk, (amount * part).quantize(CENT), paid_on, p["contractor"] or "施工单位",
                             f"PZ{p['year']}-{pk}-{len(disbursements) + 1}", admin, _aware(paid_on))
                        )
        insert_rows(
            FundingSource,
            ("id", "name", "kind", "provider", "amount_held", "district_id", "document_number"),
            (
                (source_ids[(d.pk, kind)], name, kind, f"{d.name}财政局", held[source_ids[(d.pk, kind)]] or Decimal("0.00"),
                 d.pk, f"{d.name[:2]}财建〔{self.today.year - YEARS + 1}〕{i + 1}号")
                for d in districts
                for i, (kind, name, _s) in enumerate(SOURCES)
            ),
        )
        self.counts["commitments"] = insert_rows(
            Commitment,
            ("id", "source_id", "project_id", "amount", "committed_on", "created_by_id", "created_at"),
            commitments,
        )
        insert_rows(
            Disbursement,
            ("commitment_id", "amount", "paid_on", "payee", "voucher_number", "created_by_id", "created_at"),
            disbursements,
        )
        self.ctx.write(
            f"  资金承诺 {len(commitments):,}，拨付 {len(disbursements):,} · {self.ctx.elapsed():.0f} s"
        )
