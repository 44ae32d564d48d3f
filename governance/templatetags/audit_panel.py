"""`{% load audit_panel %}{% audit_panel %}`: the admin index's panel of the latest audit rows the
signed-in user may read (governance.selectors.recent_audit_entries)."""

from django import template

from governance.selectors import recent_audit_entries

register = template.Library()


@register.inclusion_tag("admin/audit_panel.html", takes_context=True)
def audit_panel(context, limit=10):
    return {"rows": recent_audit_entries(context["request"].user, limit=limit)}
