"""Bounds every input shares (docs/domain-rules.md, "Access and personal data" and "Money"): the
window of dates the platform accepts, and the largest amount, area, rate, quantity and unit cost.

Dates. `settings.DATES_EARLIEST` and `settings.DATES_LATEST` (environment variables of the same
names, YYYY-MM-DD) bound every date typed into the platform; a date outside is refused naming its
field and the window, before it reaches arithmetic that would overflow (a plan starting 9999-01-01
made its years fall past year 9999). Dates of one record are ordered (check_dates_ordered).

Figures. Each bound is far above any real case and small enough that no product the platform
computes can overflow the column that stores it (Decimal(14,2) yuan holds below 10^12):
a subsidy installment is area × rate × ratio ≤ MAX_AREA × MAX_SUBSIDY_RATE × 1 = 10^10 yuan; a
line of works is quantity × unit cost, itself bounded by MAX_AMOUNT (refused, not overflowed).
Model fields carry `UpTo(...)` validators, so admin forms, API serializers and every service's
full_clean() refuse the same values with the same message; services that parse figures
themselves call check_at_most."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Any single amount of money (a source, a commitment, a budget, a line of works): 10 billion yuan.
MAX_AMOUNT = Decimal("10000000000.00")
# The unit cost of one unit of works (an elevator is about 1 million): 100 million yuan.
MAX_UNIT_COST = Decimal("100000000.00")
# A quantity of works (metres, square metres, units): 10 million.
MAX_QUANTITY = Decimal("10000000.00")
# An area subsidised or managed (a neighbourhood's floor area): 10 million m² (1,000 ha).
MAX_AREA = Decimal("10000000.00")
# One household's registered floor area: 10,000 m² (as the census import already refused).
MAX_HOUSEHOLD_AREA = Decimal("10000.00")
# A subsidy rate, yuan per m² per year (real schemes pay a few yuan): 1,000.
MAX_SUBSIDY_RATE = Decimal("1000.0000")
# A property fee, yuan per m² per month (real fees are below 10): 100.
MAX_FEE_PER_M2_MONTH = Decimal("100.00")

# The units of the bounds, for messages.
UNITS = {
    "amount": gettext_lazy("元"),
    "unit_cost": gettext_lazy("元"),
    "quantity": "",
    "area": gettext_lazy("平方米"),
    "household_area": gettext_lazy("平方米"),
    "subsidy_rate": gettext_lazy("元/平方米·年"),
    "fee": gettext_lazy("元/平方米·月"),
}
LIMITS = {
    "amount": MAX_AMOUNT,
    "unit_cost": MAX_UNIT_COST,
    "quantity": MAX_QUANTITY,
    "area": MAX_AREA,
    "household_area": MAX_HOUSEHOLD_AREA,
    "subsidy_rate": MAX_SUBSIDY_RATE,
    "fee": MAX_FEE_PER_M2_MONTH,
}


def _figure(value):
    return f"{value:,}"


def too_large_message(label, kind, value):
    """The refusal of `value` above the bound of `kind`, naming the field's label and the bound."""
    return _("%(label)s不能超过 %(limit)s%(unit)s，现为 %(value)s。") % {
        "label": label,
        "limit": _figure(LIMITS[kind]),
        "unit": UNITS[kind],
        "value": value,
    }


def check_at_most(value, kind, field, label):
    """Raise ValidationError({field: …}) when `value` (a Decimal or None) exceeds the bound of
    `kind` (a key of LIMITS)."""
    if value is not None and value.is_finite() and value > LIMITS[kind]:
        raise ValidationError({field: too_large_message(label, kind, value)}, code="max_value")


@deconstructible
class UpTo:
    """A model field's validator: refuses a value above the bound of `kind` (a key of LIMITS),
    naming the field's `label` and the bound."""

    def __init__(self, kind, label):
        self.kind, self.label = kind, label

    def __call__(self, value):
        if value is not None and value > LIMITS[self.kind]:
            raise ValidationError(too_large_message(self.label, self.kind, value), code="max_value")

    def __eq__(self, other):
        return isinstance(other, UpTo) and (self.kind, str(self.label)) == (other.kind, str(other.label))


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


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def check_dates(instance, window=(), order=()):
    """The dates of one record (a model's clean(): admin forms, API serializers' services and
    every full_clean() alike). `window`: names of DateFields or DateTimeFields that must lie within
    DATES_EARLIEST–DATES_LATEST (a datetime by its local date); `order`: (earlier, later, strict)
    names, `later` may not be before `earlier` (nor equal when strict). Empty values are not
    checked. Raises one ValidationError naming every field at fault."""
    earliest, latest = settings.DATES_EARLIEST, settings.DATES_LATEST
    errors = {}

    def label(name):
        return instance._meta.get_field(name).verbose_name

    for name in window:
        value = _as_date(getattr(instance, name))
        if value is not None and not earliest <= value <= latest:
            errors[name] = _("%(label)s %(value)s 超出允许范围（%(earliest)s 至 %(latest)s）。") % {
                "label": label(name),
                "value": value,
                "earliest": earliest,
                "latest": latest,
            }
    for first, second, strict in order:
        a, b = getattr(instance, first), getattr(instance, second)
        if a is None or b is None or first in errors or second in errors:
            continue
        if b < a or (strict and b == a):
            message = _("%(later)s（%(b)s）须晚于%(earlier)s（%(a)s）。") if strict else _(
                "%(later)s（%(b)s）不能早于%(earlier)s（%(a)s）。"
            )
            errors[second] = message % {"later": label(second), "earlier": label(first), "a": a, "b": b}
    if errors:
        raise ValidationError(errors)



class DateChecks:
    """A model mixin: clean() checks the dates the model names, with check_dates. `date_window`:
    the fields that must lie within the configured window; `date_order`: (earlier, later, strict)
    pairs. A model with more checks calls super().clean() first."""

    date_window = ()
    date_order = ()

    def clean(self):
        super().clean()
        check_dates(self, window=self.date_window, order=self.date_order)


# ---- text --------------------------------------------------------------------------------------
# Every text typed into the platform has a bound in characters. A field declares its own with
# `bounded_text` (one constant per field, used by the resident form, the service and the admin
# alike); any other TextField a member of staff types into is bounded by TEXT_MAX. The admin
# (governance.admin_text) refuses longer text naming the field and the bound; nothing is cut.

TEXT_MAX = 2000  # notes, reasons, answers, comments
LONG_TEXT_MAX = 20000  # a notice's body, a meeting's minutes, a visit's record, a plan's summary


def bounded_text(verbose_name, max_chars, **kwargs):
    """A TextField bounded to `max_chars` characters (`text_max` reads the bound). The bound is an
    attribute, not a database constraint: it deconstructs as a plain TextField, no migration."""
    from django.db import models

    field = models.TextField(verbose_name, **kwargs)
    field.text_max = max_chars
    return field


def text_max(field):
    """The bound in characters of a model TextField: its own, or TEXT_MAX."""
    return getattr(field, "text_max", None) or TEXT_MAX


class TextLimit:
    """A form validator: at most `limit` characters, refused naming the field (`label`) in the
    words of the resident forms (residents.forms.ResidentTextField)."""

    def __init__(self, label, limit):
        self.label, self.limit = label, limit

    def __call__(self, value):
        if value is not None and len(value) > self.limit:
            raise ValidationError(
                _("“%(field)s”最多%(limit)d字，现有%(count)d字，请删减后再提交。")
                % {"field": self.label, "limit": self.limit, "count": len(value)},
                code="max_length",
            )


def limit_text(formfield, limit, label=None):
    """Bound the form field `formfield` (a CharField) to `limit` characters with TextLimit;
    returns it. No maxlength attribute: a browser would cut pasted text without a word."""
    formfield.validators.append(TextLimit(label or formfield.label, limit))
    return formfield
