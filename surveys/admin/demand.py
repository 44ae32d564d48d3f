"""The admin of demand lists and submissions (offline forms entered by staff, through demand_submit)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    AddOnlyMixin,
    CommunityFilter,
    RefusalsMixin,
    ScopedAdmin,
    StreetFilter,
    adopt_saved,
)
from governance.scoping import scope

from ..choices import SubmissionChannel
from ..exports import demand_table
from ..models import DemandList, DemandSubmission
from ..selectors import demand_aggregate
from ..services import demand_list_intro_set, demand_lists_open, demand_submit
from .base import _download


class DemandListOpenForm(forms.ModelForm):
    class Meta:
        model = DemandList
        fields = ["project", "intro"]


@admin.register(DemandList)
class DemandListAdmin(RefusalsMixin, ScopedAdmin):
    """Opening a project's lists creates one per neighbourhood (during D1). The change page shows
    the ranked aggregate with its CSV and Excel exports."""

    list_display = ["neighbourhood", "project", "is_open", "opened_at", "closed_at"]
    list_filter = ["is_open", StreetFilter, CommunityFilter]
    list_select_related = ["neighbourhood", "project"]
    readonly_fields = ["project", "neighbourhood", "is_open", "opened_at", "closed_at", "aggregate"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DemandListOpenForm
            kwargs["fields"] = ["project", "intro"]
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return ["project", "intro"] if obj is None else self.readonly_fields + ["intro"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            from projects.models import Project

            kwargs["queryset"] = scope(
                Project.objects.filter(consultation__isnull=False), request.user, write=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            demand_list_intro_set(demand_list=obj, intro=obj.intro, actor=request.user)
            return
        created = demand_lists_open(project=obj.project, intro=obj.intro, actor=request.user)
        if not created:
            raise ValidationError(_("该项目各小区的需求清单均已建立。"))
        adopt_saved(obj, created[0])
        messages.info(
            request,
            _("已为%(n)d个小区建立需求清单：%(names)s。")
            % {"n": len(created), "names": "、".join(dl.neighbourhood.name for dl in created)},
        )

    @admin.display(description=_("需求汇总"))
    def aggregate(self, obj):
        result = demand_aggregate(obj.project, neighbourhood=obj.neighbourhood)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}%</td></tr>",
            ((i, r.name, r.households, r.share) for i, r in enumerate(result.rows, start=1)),
        )
        csv_url = reverse("admin:surveys_demandlist_export", args=[obj.pk, "csv"])
        xlsx_url = reverse("admin:surveys_demandlist_export", args=[obj.pk, "xlsx"])
        return format_html(
            "<p>{}</p><table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>"
            '<p><a href="{}">CSV</a> · <a href="{}">Excel</a> · {}: <a href="{}?scope=project">CSV</a>'
            ' · <a href="{}?scope=project">Excel</a></p>',
            _("共%(h)d户，已提交%(r)d户（%(p)s%%）")
            % {"h": result.households, "r": result.respondents, "p": result.response_rate},
            _("改造内容"),
            _("户数"),
            _("占比"),
            rows,
            csv_url,
            xlsx_url,
            _("全项目汇总"),
            csv_url,
            xlsx_url,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/export.<str:fmt>",
                self.admin_site.admin_view(self.export_view),
                name="surveys_demandlist_export",
            ),
        ] + super().get_urls()

    def export_view(self, request, pk, fmt):
        demand_list = get_object_or_404(
            self.get_queryset(request).select_related("project", "neighbourhood"), pk=pk
        )
        if request.GET.get("scope") == "project":
            # The whole project's ranking: its lists are all in the project's territory, which
            # the staff managing this list's neighbourhood may not wholly see; the table holds
            # counts per menu item only, no household.
            headers, rows = demand_table(demand_aggregate(demand_list.project))
            return _download(headers, rows, fmt, f"demand-project-{demand_list.project_id}", _("需求汇总"))
        headers, rows = demand_table(
            demand_aggregate(demand_list.project, neighbourhood=demand_list.neighbourhood),
            demand_list.neighbourhood.name,
        )
        return _download(headers, rows, fmt, f"demand-{demand_list.pk}", _("需求汇总"))


class OfflineDemandForm(forms.ModelForm):
    channel = forms.ChoiceField(
        label=_("提交方式"),
        choices=[c for c in SubmissionChannel.choices if c[0] != SubmissionChannel.ONLINE],
    )

    class Meta:
        model = DemandSubmission
        fields = ["demand_list", "household", "items", "text", "channel"]
        widgets = {"items": forms.CheckboxSelectMultiple}


@admin.register(DemandSubmission)
class DemandSubmissionAdmin(AddOnlyMixin, RefusalsMixin, ScopedAdmin):
    """Staff enter the paper, visit and meeting forms here; submissions are never edited (a new
    one replaces the current one, history kept)."""

    form = OfflineDemandForm
    read_only_reason = _("需求表提交后不能修改：重新录入该住户的需求表即替换当前的一份（历史保留）。")
    list_display = [
        "receipt",
        "household",
        "demand_list",
        "channel",
        "entered_by",
        "submitted_at",
        "is_current",
    ]
    list_filter = ["channel", "is_current", StreetFilter, CommunityFilter]
    list_select_related = ["household", "demand_list__neighbourhood", "demand_list__project", "entered_by"]
    search_fields = ["receipt", "household__room"]
    raw_id_fields = ["household"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "demand_list":
            kwargs["queryset"] = scope(DemandList.objects.filter(is_open=True), request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "items":
            from projects.permissions import catalogue_visible_to

            kwargs["queryset"] = catalogue_visible_to(request.user).filter(active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = demand_submit(
            demand_list=obj.demand_list,
            household=obj.household,
            items=form.cleaned_data["items"],
            text=obj.text,
            channel=form.cleaned_data["channel"],
            actor=request.user,
        )
        adopt_saved(obj, saved)

    def save_related(self, request, form, formsets, change):
        pass  # the service wrote the items
