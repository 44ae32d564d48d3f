"""The API's one answer to a refusal (settings REST_FRAMEWORK["EXCEPTION_HANDLER"]).

- governance.errors.Refused: the status of its code (409, 400 or 403) with `{"reasons": [...]}`;
- any other Django ValidationError from a service: 400 with the messages by field, or under
  `non_field_errors` when it names none;
- everything else as DRF answers it (PermissionDenied 403, Http404 404, ...)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import Refused


def exception_handler(exc, context):
    if isinstance(exc, Refused):
        return Response({"reasons": [str(reason) for reason in exc.reasons]}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = ValidationError(exc.message_dict)
        else:
            exc = ValidationError({"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)
