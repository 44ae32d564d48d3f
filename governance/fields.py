"""Model declarations that many models share: the staff user who did something to a row, a check
constraint with its message."""

from django.conf import settings
from django.db import models


def staff_user(verbose_name, **kwargs):
    """The member of staff who did something to a row (recorded, answered, published it…): a
    foreign key to the user, emptied (not cascaded) when the user is deleted, with no reverse
    accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
        **kwargs,
    )


def check(condition, name, message):
    """A check constraint with the message a form shows when a row breaks it."""
    return models.CheckConstraint(condition=condition, name=name, violation_error_message=message)
