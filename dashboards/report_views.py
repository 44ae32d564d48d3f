"""The monthly report's download: /dashboards/report/<YYYY-MM>.xlsx?territory=district:<id>.

Staff only (anonymous users go to the login); the territory defaults to the user's own and is
scoped: one the user may not see, a malformed month or territory, or a user without a territory
all answer 404. The file name carries the territory and the month."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from governance.exports import XLSX_CONTENT_TYPE

from .report import monthly_report, parse_month, report_xlsx
from .works import default_root, parse_territory

MAX_QUERY = 60  # the territory parameter's length


@require_GET
@staff_member_required
def monthly_report_download(request, month):
    try:
        first = parse_month(month)
        asked = request.GET.get("territory", "")[:MAX_QUERY]
        level, pk = parse_territory(asked) if asked else default_root(request.user)
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    report = monthly_report(request.user, first, level=level, pk=pk)
    response = HttpResponse(report_xlsx(report), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, report.filename)
    return response
