"""What the surveys admin pages share: a service's refusal shown as messages, list actions run row by row,
downloads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError

from governance.admin_base import report_refusal
from governance.exports import table_response


class ServiceFormsetsMixin:
    """For admins whose inlines are written by the service (save_related): the change message
    does not read the formsets' saved objects (none were saved by the formsets)."""

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)


def kept_rows(formset):
    """The forms of an inline the service writes as a whole: those filled in and not marked for
    deletion, in their `order` (an empty order first)."""
    return sorted(
        (f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")),
        key=lambda f: f.cleaned_data.get("order") or 0,
    )


def _run_each(request, queryset, function, done_message):
    done = 0
    for obj in queryset:
        try:
            function(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{obj}：")
            report_refusal(request, exc)
    if done:
        messages.success(request, done_message % {"n": done})


def _download(headers, rows, fmt, name, title):
    """The table as a CSV or Excel attachment (404 for any other format)."""
    return table_response(headers, rows, fmt, name, title)
