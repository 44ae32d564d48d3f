"""The funding section of a neighbourhood's public page (registered in FundingConfig.ready()): its
public income (事务公开), the latest entries and the total, with a link to the full list."""

from .selectors import public_incomes

LATEST = 3


def income_section(neighbourhood):
    rows, total = public_incomes(neighbourhood)
    if not rows:
        return None
    return {
        "template": "funding/income_section.html",
        "context": {"neighbourhood": neighbourhood, "rows": rows[:LATEST], "count": len(rows), "total": total},
    }
