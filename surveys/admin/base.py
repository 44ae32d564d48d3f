"""What the surveys admin pages share: a service's refusal shown as messages, list actions run row by row,
downloads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from governance.exports import table_response


def _report(request, exc):
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, _("您没有权限执行此操作。"))


class ServiceErrorsMixin:
    """A service's refusal comes back to the form page as messages (the save rolls back)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST":
                raise
            _report(request, exc)
            return HttpResponseRedirect(request.get_full_path())


class ServiceFormsetsMixin:
    """For admins whose inlines are written by the service (save_related): the change message
    does not read the formsets' saved objects (none were saved by the formsets)."""

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)


def _run_each(request, queryset, function, done_message):
    done = 0
    for obj in queryset:
        try:
            function(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{obj}：")
            _report(request, exc)
    if done:
        messages.success(request, done_message % {"n": done})


def _download(headers, rows, fmt, name, title):
    """The table as a CSV or Excel attachment (404 for any other format)."""
    return table_response(headers, rows, fmt, name, title)
