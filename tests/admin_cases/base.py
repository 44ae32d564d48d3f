"""What the admin cases are made of: the roles, the `Case` of one model's admin, and the small
builders of `change`/`changed`/`added` the case tables share."""

import operator
from dataclasses import dataclass
from typing import Callable

from django.urls import reverse

WRITERS = ("superuser", "street", "community")
SUPERUSER = ("superuser",)
NOBODY = ()


@dataclass(kw_only=True)
class Case:
    """How one model's admin is written.

    add: (world, role) -> POST values for the add page (it may prepare rows first); None (the
         default): no role adds here, whatever add_roles says.
    added: (world, new rows queryset, role) -> asserts about what was saved.
    change: (world) -> (row, POST values) for its change page (it may prepare the row).
    changed: (world, row reloaded, role) -> asserts.
    add_roles/change_roles: the roles that save; the others are refused.
    viewers: the roles that may open the change page at all (Django's own admins: superusers).
    """

    change: Callable
    add: Callable | None = None
    added: Callable | None = None
    changed: Callable | None = None
    add_roles: tuple = WRITERS
    change_roles: tuple = WRITERS
    viewers: tuple = WRITERS
    change_url: Callable | None = None
    add_url: Callable | None = None
    files: Callable | None = None

    def __post_init__(self):
        if self.add is None:
            self.add_roles = NOBODY


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def reloaded(obj):
    """The row again from the database (by its primary key column: a token proxy's `pk` is its
    user's id)."""
    attname = obj._meta.pk.attname
    return type(obj)._default_manager.get(**{attname: getattr(obj, attname)})


def field_is(**expected):
    def check(w, obj, role):
        for name, value in expected.items():
            assert str(getattr(obj, name)) == str(value), (name, getattr(obj, name), value)

    return check


def edits(row, **values):
    """`change` and `changed` for a change page that posts `values` to the world's `row` (a dotted
    attribute path) and reads the same values back from the saved row."""
    get_row = operator.attrgetter(row)
    return {"change": lambda w: (get_row(w), values), "changed": field_is(**values)}


def read_only(row, **values):
    """`change` and `change_roles` for a change page no role saves: a POST of `values` to the world's
    `row` (a dotted attribute path) is refused."""
    get_row = operator.attrgetter(row)
    return {"change": lambda w: (get_row(w), values), "change_roles": NOBODY}


def one_new(**expected):
    def check(w, rows, role):
        assert rows.count() == 1, list(rows)
        field_is(**expected)(w, rows.get(), role)

    return check
