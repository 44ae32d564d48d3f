"""Text in the admin: every TextField's form field is bounded (governance.bounds.text_max: the
field's own bound, shared with the resident form and the service, or TEXT_MAX), and longer text is
refused naming the field and the bound, like the resident forms."""

from django.db import models

from .bounds import limit_text, text_max


class BoundedTextMixin:
    """Mixed into the scoped admin and inline base classes."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.TextField) and formfield is not None:
            limit_text(formfield, text_max(db_field), label=formfield.label or db_field.verbose_name)
        return formfield
