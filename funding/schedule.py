"""Pure computations of money and subsidy schedules (docs/domain-rules.md: "Money", "Long-term
management and subsidies").

No database access: the services call these, and the tests pin them directly.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def money(value):
    """Round an amount to the cent, half up (四舍五入). Call it once, at the end of a computation."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value):
    """An amount for a message: thousands separated, two places ("1,000.00")."""
    return f"{money(value):,.2f}"


def add_years(day, years):
    """`day` moved by whole years; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return datetime.date(day.year + years, 2, 28)


def plan_year_period(start, year):
    """Plan year `year` (1-based) covers [start + (year−1) years, start + year years): returns
    (first day, first day after). Its installment falls due on the first day after."""
    return add_years(start, year - 1), add_years(start, year)


def assessment_year(start, year):
    """The assessment year that decides plan year `year`: the calendar year of its last day."""
    _first, after = plan_year_period(start, year)
    return (after - datetime.timedelta(days=1)).year


def payout_ratio(score, bands):
    """The payout ratio of `score` under `bands` ([{"min_score", "ratio"}], any order): the ratio of
    the highest band whose minimum the score reaches (inclusive), else 0."""
    score = Decimal(score)
    best = None
    for band in bands:
        minimum = Decimal(str(band["min_score"]))
        if score >= minimum and (best is None or minimum > best[0]):
            best = (minimum, Decimal(str(band["ratio"])))
    return best[1] if best else Decimal("0")


def installment_amount(area, rate, ratio):
    """area (m²) × rate (元/m²/year) × ratio, rounded to the cent once."""
    return money(Decimal(area) * Decimal(rate) * Decimal(ratio))


def split(total, shares):
    """Split `total` (already in cents) by `shares` (percent, in payer order, summing to 100):
    every payer but the first gets its share rounded to the cent, the first the rest, so the
    lines sum to `total` exactly. Returns the list of amounts in the same order."""
    total = money(total)
    rest = [money(total * Decimal(share) / HUNDRED) for share in shares[1:]]
    return [total - sum(rest, Decimal("0.00"))] + rest
