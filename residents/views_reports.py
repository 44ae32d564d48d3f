"""The household's report form (随时反馈) at /me/reports/new/, reached from the household's page
/me/ with the household code (residents.session; the code's attempt limits are those of the entry,
residents.throttle). What the household reported, and the answers, are listed on /me/."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .forms_reports import ReportForm
from .reports import REPORT_PHOTOS_MAX
from .services_reports import report_submit
from .session import household_required
from .views import _default_next


@never_cache
@household_required
def report_new(request, household):
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report_submit(
                    household=household,
                    category=form.cleaned_data["category"],
                    text=form.cleaned_data["text"],
                    photos=form.uploaded_photos(),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("已收到您反映的问题，社区会尽快答复，答复后在本页可以看到。"))
                return redirect(_default_next() + "#reports")
        status = 400
    else:
        form = ReportForm()
    return render(
        request,
        "residents/report_form.html",
        {"household": household, "form": form, "photos_max": REPORT_PHOTOS_MAX, "back_url": _default_next()},
        status=status,
    )
