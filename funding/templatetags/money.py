"""`{% load money %}` … `{{ amount|yuan }}`: an amount with thousands separated and two places
("1,000.00"), the same in every locale (the zh-hans number format groups nothing)."""

from django import template

from funding.schedule import yuan as format_yuan

register = template.Library()


@register.filter
def yuan(value):
    if value is None or value == "":
        return ""
    return format_yuan(value)
