"""Bounds every input shares (docs/domain-rules.md, "Access and personal data"): the window of
dates the platform accepts.

`settings.DATES_EARLIEST` and `settings.DATES_LATEST` (environment variables of the same names,
YYYY-MM-DD) bound every date typed into the platform; a date outside is refused naming its field
and the window, before it reaches arithmetic that would overflow (a plan starting 9999-01-01 made
its years fall past year 9999)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def check_date_in_window(value, field):
    """Raise ValidationError({field: …}) when the date `value` is outside the configured window."""
    earliest, latest = settings.DATES_EARLIEST, settings.DATES_LATEST
    if value is not None and not earliest <= value <= latest:
        raise ValidationError(
            {
                field: _("日期 %(value)s 超出允许范围（%(earliest)s 至 %(latest)s）。")
                % {"value": value, "earliest": earliest, "latest": latest}
            }
        )
