"""Access-code issuing on the neighbourhood admin.

Two ways in, one confirmation page, one POST:
- the action 生成/重新生成户码 on the neighbourhoods selected in the list, and
- the button of the same name on a neighbourhood's change page (`access-codes/?ids=<pk>`).

The confirmation page says how many households get a code and how many existing codes stop
working, and lets staff choose the output: a printable sheet of slips (HTML) or a CSV file. Its
POST issues the codes through `household_codes_issue` (one call per neighbourhood, all inside one
transaction, so either every selected neighbourhood gets its new codes and staff see them, or
none is changed) and answers with the sheet or the file directly. The codes exist in clear only
in that response: not in the session, the messages, the audit row or a log; the response is
marked no-store, and the view's local variables are hidden from error reports.

Who: actors who may manage every selected neighbourhood. Ids outside the actor's territory (or
missing) answer 404; a neighbourhood the actor may see but not manage (a district official)
answers 403, and the action is not offered to them.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from governance.exports import table_response
from governance.scoping import scope

from .selectors import code_counts_by_neighbourhood
from .services import household_codes_issue, household_codes_issue_selected

OUTPUT_SHEET = "sheet"
OUTPUT_CSV = "csv"
CSV_HEADER = ["小区", "楼栋", "单元", "房号", "户码"]
# One request issues at most this many codes (a 5,000-flat sheet renders in ~5 s, 500 A4 pages);
# above it staff select fewer neighbourhoods.
MAX_HOUSEHOLDS_PER_REQUEST = 10_000


class AccessCodeOutputForm(forms.Form):
    output = forms.ChoiceField(
        label=_("输出方式"),
        choices=[
            (OUTPUT_SHEET, _("打印页（HTML，每户一张裁切条）")),
            (OUTPUT_CSV, _("CSV 表格（可用 Excel 打开）")),
        ],
        initial=OUTPUT_SHEET,
        widget=forms.RadioSelect,
    )


def _parse_ids(values):
    """Neighbourhood ids from `ids` parameters (repeated, or comma-separated); Http404 when one is
    not a number, so a mistyped address reads like a missing object."""
    ids = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isascii() or not part.isdigit():
                raise Http404(_("对象不存在或不在您的辖区内。"))
            ids.append(int(part))
    return list(dict.fromkeys(ids))


class AccessCodeAdminMixin:
    """Mixed into the Neighbourhood admin (a ScopedAdmin): the action, the button, the page."""

    change_form_template = "admin/residents/neighbourhood_change_form.html"
    access_codes_template = "admin/residents/neighbourhood_access_codes.html"
    code_sheet_template = "residents/code_sheet.html"

    # -- wiring -------------------------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "access-codes/",
                self.admin_site.admin_view(self.access_codes_view),
                name="%s_%s_access_codes" % info,
            )
        ]
        # Before the inherited ones: "<path:object_id>/" would otherwise take this address.
        return own + super().get_urls()

    def get_actions(self, request):
        actions = super().get_actions(request)
        if IS_POPUP_VAR not in request.GET and self.has_change_permission(request):
            func, name, description = self.get_action("issue_access_codes")
            actions[name] = (func, name, description)
        return actions

    @admin.action(description=_("生成/重新生成户码"))
    def issue_access_codes(self, request, queryset):
        """The list action: show the confirmation page for the selected neighbourhoods."""
        return self._confirmation_page(request, self._manageable(request, [n.pk for n in queryset]))

    # -- the page -----------------------------------------------------------------------------

    def access_codes_view(self, request):
        params = request.POST if request.method == "POST" else request.GET
        ids = _parse_ids(params.getlist("ids"))
        if not ids:
            self.message_user(request, gettext("请先选择要生成户码的小区。"), messages.WARNING)
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(reverse("admin:%s_%s_changelist" % info))
        neighbourhoods = self._manageable(request, ids)
        if request.method != "POST":
            return self._confirmation_page(request, neighbourhoods)
        form = AccessCodeOutputForm(request.POST)
        if not form.is_valid():
            return self._confirmation_page(request, neighbourhoods, form=form)
        if self._household_count(neighbourhoods) > MAX_HOUSEHOLDS_PER_REQUEST:
            return self._confirmation_page(request, neighbourhoods, form=form)
        return self._issue_and_answer(request, neighbourhoods, form.cleaned_data["output"])

    def _manageable(self, request, ids):
        """The neighbourhoods `ids`, in name order. Http404 when one is missing or outside what the
        actor may see; PermissionDenied when one is visible but not theirs to manage."""
        visible = list(self.get_queryset(request).filter(pk__in=ids).select_related("community__street"))
        if len(visible) != len(set(ids)):
            raise Http404(_("对象不存在或不在您的辖区内。"))
        if not self.has_change_permission(request):
            raise PermissionDenied(self.write_refusal(request))
        managed = set(
            scope(self.model._default_manager.filter(pk__in=ids), request.user, write=True).values_list(
                "pk", flat=True
            )
        )
        unmanaged = [n for n in visible if n.pk not in managed]
        if unmanaged:
            raise PermissionDenied(self.write_refusal(request, unmanaged[0]))
        return sorted(visible, key=lambda n: (n.name, n.pk))

    def _household_count(self, neighbourhoods):
        counts = code_counts_by_neighbourhood([n.pk for n in neighbourhoods])
        return sum(counts.get(n.pk, (0, 0))[0] for n in neighbourhoods)

    def _confirmation_page(self, request, neighbourhoods, form=None):
        counts = code_counts_by_neighbourhood([n.pk for n in neighbourhoods])
        rows = [(n, *counts.get(n.pk, (0, 0))) for n in neighbourhoods]
        households = sum(row[1] for row in rows)
        with_code = sum(row[2] for row in rows)
        too_many = households > MAX_HOUSEHOLDS_PER_REQUEST
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("生成/重新生成户码"),
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "rows": rows,
            "households": households,
            "with_code": with_code,
            "too_many": too_many,
            "max_households": MAX_HOUSEHOLDS_PER_REQUEST,
            "form": form or AccessCodeOutputForm(),
            "form_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_access_codes"),
            "single": neighbourhoods[0] if len(neighbourhoods) == 1 else None,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.access_codes_template, context)

    # -- issuing ------------------------------------------------------------------------------

    @sensitive_variables()
    def _issue_and_answer(self, request, neighbourhoods, output):
        with transaction.atomic():
            # Locks are taken in primary-key order so two staff issuing at once cannot deadlock.
            issued = {
                n.pk: household_codes_issue(neighbourhood=n, actor=request.user)
                for n in sorted(neighbourhoods, key=lambda n: n.pk)
            }
        groups = [(n, issued[n.pk]) for n in neighbourhoods]
        return codes_response(request, groups, output, self.code_sheet_template)


@sensitive_variables()
def codes_response(request, groups, output, sheet_template):
    """The codes of `groups` ((neighbourhood, IssuedCode items) pairs) as the printable sheet or
    the CSV file, marked private and never to be stored by a cache or indexed."""
    if output == OUTPUT_CSV:
        response = _csv_response(groups)
    else:
        response = _sheet_response(request, groups, sheet_template)
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@sensitive_variables()
def _csv_response(groups):
    rows = [
        [
            neighbourhood.name,
            item.household.building.name,
            item.household.stairwell.name if item.household.stairwell_id else "",
            item.household.room,
            item.code,
        ]
        for neighbourhood, items in groups
        for item in items
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    label = groups[0][0].name if len(groups) == 1 else gettext("%(n)d个小区") % {"n": len(groups)}
    return table_response(CSV_HEADER, rows, "csv", f"户码-{label}-{stamp}")


@sensitive_variables()
def _sheet_response(request, groups, template):
    context = {
        "groups": groups,
        "total": sum(len(items) for _, items in groups),
        "resident_url": request.build_absolute_uri("/"),
        "issued_at": timezone.localtime(),
        "issued_by": request.user.get_full_name() or request.user.get_username(),
    }
    return render(request, template, context)


# One request reissues at most this many households' codes: the household action is for the few
# slips that were lost; a whole neighbourhood goes through the neighbourhood page.
MAX_HOUSEHOLDS_REISSUED = 200


class HouseholdAccessCodeAdminMixin:
    """Mixed into the Household admin (a ScopedAdmin): the list action 重新生成所选住户的户码.

    The action asks first (a confirmation page naming the households and the output), then, on
    the confirmation's POST, issues the codes through `household_codes_issue_selected` and
    answers with the same printable sheet or CSV file as the neighbourhood page. The rest of the
    neighbourhood keeps its codes. Offered to the actors who may change households; households
    the actor sees but may not manage answer 403, and nothing changes.
    """

    household_codes_template = "admin/residents/household_access_codes.html"
    code_sheet_template = "residents/code_sheet.html"

    def get_actions(self, request):
        actions = super().get_actions(request)
        if IS_POPUP_VAR not in request.GET and self.has_change_permission(request):
            func, name, description = self.get_action("reissue_access_codes")
            actions[name] = (func, name, description)
        return actions

    @admin.action(description=_("重新生成所选住户的户码"))
    def reissue_access_codes(self, request, queryset):
        households = list(queryset.select_related("neighbourhood", "building", "stairwell"))
        if not households:  # the ids were all outside the (scoped) list: nothing to do
            self.message_user(request, gettext("请先选择要重新生成户码的住户。"), messages.WARNING)
            return None
        managed = set(
            scope(
                self.model._default_manager.filter(pk__in=[h.pk for h in households]), request.user, write=True
            ).values_list("pk", flat=True)
        )
        unmanaged = [h for h in households if h.pk not in managed]
        if unmanaged:
            raise PermissionDenied(self.write_refusal(request, unmanaged[0]))
        too_many = len(households) > MAX_HOUSEHOLDS_REISSUED
        form = AccessCodeOutputForm(request.POST if request.POST.get("confirm") else None)
        if not too_many and form.is_bound and form.is_valid():
            return self._reissue_and_answer(request, [h.pk for h in households], form.cleaned_data["output"])
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("重新生成所选住户的户码"),
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "households": households,
            "with_code": sum(1 for h in households if h.has_access_code),
            "too_many": too_many,
            "max_households": MAX_HOUSEHOLDS_REISSUED,
            "form": form if form.is_bound else AccessCodeOutputForm(),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.household_codes_template, context)

    @sensitive_variables()
    def _reissue_and_answer(self, request, household_ids, output):
        issued = household_codes_issue_selected(household_ids=household_ids, actor=request.user)
        groups = {}
        for item in issued:
            neighbourhood = item.household.neighbourhood
            groups.setdefault(neighbourhood.pk, (neighbourhood, []))[1].append(item)
        return codes_response(request, list(groups.values()), output, self.code_sheet_template)
