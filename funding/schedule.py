"""Pure computations of money and subsidy schedules (docs/domain-rules.md: "Money", "Long-term
management and subsidies").

No database access: the services call these, and the tests pin them directly.
"""

import datetime
from decimal import Decimal

from governance.money import money

HUNDRED = Decimal("100")



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


def assessment_decides(period_end, first, after):
    """THE RULE of which assessment decides a plan year (the one place it is written; the services
    apply it in SQL through funding.services.deciding_assessments, and a test keeps the two equal):

    an assessment may decide the plan year [first, after) when the last day of its period
    (`period_end`, inclusive) falls within that plan year: first ≤ period_end < after. Of those
    recorded for the plan's neighbourhood (under any of its arrangements), the latest recorded one
    (the highest id) decides; a withheld year is decided again when a newer one is recorded.

    Why the end of the period: an assessment is made when its period is over, so the one that ends
    within a plan year is on record by the time that year's installment falls due (the first day
    after it), and the money is not held back waiting for a period still running. With the default
    calendar-year periods (1 January – 31 December) every plan year holds exactly one 31 December:
    plan year 2027-03-01 → 2028-02-29 is decided by the 2027 annual assessment (年度考核), a plan
    year starting on 1 January by that year's. An assessment whose period is the plan year itself
    (2027-03-01 – 2028-02-29) decides it as well."""
    return first <= period_end < after


def assessment_year(start, year):
    """The annual assessment expected to decide plan year `year` (the one the installment waits
    for): the calendar year of its first day, whose 31 December, the end of that year's
    default assessment period, falls within the plan year (assessment_decides)."""
    first, _after = plan_year_period(start, year)
    return first.year


def assessment_window(first, after):
    """The days on which a deciding assessment's period may end, as (first day, last day), both
    inclusive: the plan year [first, after) itself."""
    return first, after - datetime.timedelta(days=1)


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
