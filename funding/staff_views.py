"""The staff page of long-term management lists (/management/unmanaged/): the unmanaged
neighbourhoods, 失管清零 progress per street and district, and the committees' formation rate.
For staff with a role (anonymous users go to the login, a user without a role gets 403); what it
counts is the actor's territory (funding.management_lists, through the scoping function)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.scoping import territory_of

from .management_lists import (
    MAX_MONTHS,
    district_totals,
    formation_rates,
    month_ends,
    unmanaged_by_month,
    unmanaged_neighbourhoods,
)


class MonthsForm(forms.Form):
    months = forms.IntegerField(
        label=gettext_lazy("月数"), required=False, min_value=1, max_value=MAX_MONTHS
    )


def management_lists(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if territory_of(request.user).is_empty:
        raise PermissionDenied(_("您的账号没有工作人员角色，不能查看或修改这里的数据。请联系系统管理员分配角色。"))
    form = MonthsForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "funding/management_lists.html",
            {**admin.site.each_context(request), "form": form, "title": _("失管小区与业委会组建")},
            status=400,
        )
    today = timezone.localdate()
    dates = month_ends(today, form.cleaned_data["months"] or 12)
    streets = unmanaged_by_month(request.user, dates)
    return render(
        request,
        "funding/management_lists.html",
        {
            **admin.site.each_context(request),
            "title": _("失管小区与业委会组建"),
            "form": form,
            "today": today,
            "dates": dates,
            "streets": streets,
            "districts": district_totals(streets),
            "unmanaged": list(unmanaged_neighbourhoods(request.user, today)),
            "formation": formation_rates(request.user, today),
        },
    )
