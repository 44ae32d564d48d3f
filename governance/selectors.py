"""Reads of the governance app for one screen each."""

from django.apps import apps
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import audit_entries_visible_to

# Generic actions by the end of their name ("commitment_create", "change", "notice_publish").
_VERBS = [
    ("create", _("新增")),
    ("add", _("新增")),
    ("change", _("修改")),
    ("delete", _("删除")),
    ("reverse", _("冲销")),
    ("publish", _("发布")),
    ("answer", _("答复")),
    ("submit", _("提交")),
]


def _verb(action):
    for ending, verb in _VERBS:
        if action == ending or action.endswith(f"_{ending}"):
            return verb
    return ""


def _model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def recent_audit_entries(actor, *, limit=10):
    """The admin index's panel: the latest `limit` audit rows `actor` may read, newest first, each
    with its object (None once deleted or not a model row), its type's name, a verb when the action
    is a generic one, and the link to the object's admin page when it has one. One query for the
    rows and one per type of object among them."""
    rows = list(audit_entries_visible_to(actor).select_related("actor").order_by("-at", "-id")[:limit])
    wanted = {}
    for row in rows:
        if row.target_id.isdigit():
            wanted.setdefault(row.target_type, set()).add(int(row.target_id))
    objects = {}
    for label, ids in wanted.items():
        model = _model(label)
        if model is not None:
            for pk, obj in model._default_manager.in_bulk(ids).items():
                objects[(label, str(pk))] = obj
    panel = []
    for row in rows:
        model = _model(row.target_type)
        obj = objects.get((row.target_type, row.target_id))
        url = None
        if obj is not None and admin.site.is_registered(model):
            try:
                url = reverse(
                    f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.target_id]
                )
            except NoReverseMatch:
                url = None
        panel.append(
            {
                "entry": row,
                "object": obj,
                "type_name": model._meta.verbose_name if model is not None else row.target_type,
                "verb": _verb(row.action),
                "url": url,
            }
        )
    return panel
