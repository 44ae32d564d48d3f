"""One way to refuse.

A service that refuses a write because of the state of things (a stage move the table or a gate
forbids, a step out of order, a row already reversed) raises `Refused(reasons, code)`: every reason,
in the users' language, and a code saying what kind of refusal it is. It is a ValidationError, so a
form or an admin page shows its reasons like any other (governance.admin_base.RefusalsMixin), and the
API answers it with the status of its code and `{"reasons": [...]}`
(governance.api.errors.exception_handler). A bad field stays a plain ValidationError naming the field
(the API: 400)."""

from django.core.exceptions import ValidationError
from django.utils.functional import Promise

# The API's answer to a code; every other code (e.g. "conflict", "already_reversed") answers 409: the
# state of the rows refuses the write.
REFUSAL_STATUS = {"invalid": 400, "forbidden": 403}


class Refused(ValidationError):
    """A write refused; `reasons` lists every reason, `code` names the refusal ("conflict" by default;
    "invalid" and "forbidden" answer 400 and 403, see REFUSAL_STATUS)."""

    def __init__(self, reasons, code="conflict"):
        reasons = [reasons] if isinstance(reasons, (str, Promise)) else list(reasons)
        super().__init__(reasons)
        self.reasons = reasons
        self.code = code

    @property
    def status(self):
        return REFUSAL_STATUS.get(self.code, 409)
