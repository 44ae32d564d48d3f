"""Public resident pages of the funding app: no login, phone first, no JavaScript needed."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from projects.selectors import public_neighbourhood

from .selectors import public_incomes


def public_income_page(request, neighbourhood_id):
    """A neighbourhood's public income (事务公开): what it earned from parking, advertising, lockers
    and venues, for which period, and what it is used for, with the total. No personal data: the
    staff who recorded it are not shown."""
    neighbourhood = public_neighbourhood(neighbourhood_id)
    if neighbourhood is None:
        raise Http404(_("没有这个小区。"))
    rows, total = public_incomes(neighbourhood)
    return render(
        request, "funding/income.html", {"neighbourhood": neighbourhood, "rows": rows, "total": total}
    )
