"""What the projects admin pages share: a service's refusal shown as messages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _


def _message_errors(request, exc):
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, _("您没有权限执行此操作。"))


class ServiceErrorsMixin:
    """A service refusing a write raises ValidationError: the whole save rolls back (the admin's
    view is one transaction) and the page comes back with the reasons as messages. PermissionDenied
    stays a 403."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST":
                raise
            _message_errors(request, exc)
            return HttpResponseRedirect(request.get_full_path())
