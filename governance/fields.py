"""Model field declarations that many models share."""

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
