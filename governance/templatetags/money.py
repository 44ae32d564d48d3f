"""`{% load money %}` … `{{ amount|yuan }}`: an amount written as everywhere else,
"8,814,144.60 元" (governance.money.yuan); nothing is "—"."""

from django import template

from governance.money import yuan as write_yuan

register = template.Library()


@register.filter
def yuan(value):
    return write_yuan(value)
