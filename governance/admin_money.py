"""Money in the admin: every field marked by governance.money.money_field is shown through
`governance.money.yuan` ("8,814,144.60 元") wherever the admin shows it rather than edits it:
list columns, read-only fields of a page, and the read-only cells of its inlines (all of a
read-only role's page). Editable inputs keep the plain number a clerk types.

Django shows a DecimalField through its own number format, which cannot be told which fields are
money; so the page's list and forms are adjusted at the two points every admin page passes
(`get_changelist_instance`, `render_change_form`), whatever its subclass overrides."""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist

from .money import is_money, yuan

_COLUMNS = {}


def money_column(model, name):
    """The display callable of the money field `name` of `model` (one per field, so it can be
    recognised in a fieldset and in the read-only list alike)."""
    key = (model, name)
    if key not in _COLUMNS:
        field = model._meta.get_field(name)

        def column(obj):
            return yuan(getattr(obj, name))

        column.__name__ = name  # keeps the field's CSS class (field-<name>, column-<name>)
        _COLUMNS[key] = admin.display(description=field.verbose_name, ordering=name)(column)
    return _COLUMNS[key]


def _money_name(model, name):
    if not isinstance(name, str):
        return False
    try:
        return is_money(model._meta.get_field(name))
    except FieldDoesNotExist:
        return False


def _swap(model, names, shown):
    """`names` (a fieldset's fields, maybe nested in tuples for one line) with each money field in
    `shown` replaced by its display callable."""
    out = []
    for name in names:
        if isinstance(name, (list, tuple)):
            out.append(tuple(_swap(model, name, shown)))
        elif name in shown and _money_name(model, name):
            out.append(money_column(model, name))
        else:
            out.append(name)
    return out


def _readonly_money(model, fieldsets, readonly_fields):
    """(fieldsets, read-only fields) with the read-only money fields shown through `yuan`."""
    shown = {name for name in readonly_fields if isinstance(name, str)}
    fieldsets = [
        (title, {**options, "fields": _swap(model, options.get("fields", ()), shown)})
        for title, options in fieldsets
    ]
    return fieldsets, _swap(model, readonly_fields, shown)


def _flat(fieldsets):
    names = []
    for _title, options in fieldsets:
        for name in options.get("fields", ()):
            names.extend(name if isinstance(name, (list, tuple)) else [name])
    return names


class MoneyDisplayMixin:
    """Mixed into ScopedAdmin: money fields shown as money in lists and read-only places."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.list_display = [
            money_column(self.model, name) if _money_name(self.model, name) else name
            for name in changelist.list_display
        ]
        return changelist

    def render_change_form(self, request, context, *args, **kwargs):
        form = context.get("adminform")
        if form is not None:
            form.fieldsets, form.readonly_fields = _readonly_money(
                self.model, form.fieldsets, list(form.readonly_fields)
            )
        for inline in context.get("inline_admin_formsets", ()):
            readonly = list(inline.readonly_fields)
            if not inline.has_change_permission:
                readonly += _flat(inline.fieldsets)  # Django shows all of them read-only then
            model = inline.opts.model
            inline.fieldsets, swapped = _readonly_money(model, inline.fieldsets, readonly)
            inline.readonly_fields = swapped[: len(inline.readonly_fields)]
        return super().render_change_form(request, context, *args, **kwargs)
