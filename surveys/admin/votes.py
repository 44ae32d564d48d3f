"""The admin of votes and ballots (paper ballots entered by staff, through ballot_cast)."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    AddOnlyMixin,
    CommunityFilter,
    CreateServiceMixin,
    ListedInline,
    RefusalsMixin,
    ScopedAdmin,
    StreetFilter,
    leave_optional,
)
from governance.scoping import scope

from ..choices import BallotChannel, VoteStatus
from ..models import Ballot, Vote
from ..services import ballot_cast, vote_close, vote_open, vote_save
from ..tally import tally
from .base import _run_each


class BallotInline(ListedInline):
    model = Ballot
    fields = ["household", "choice", "channel", "entered_by", "at", "revisions"]
    readonly_fields = fields
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("household__building", "entered_by")


@admin.register(Vote)
class VoteAdmin(RefusalsMixin, ScopedAdmin):
    list_display = [
        "title",
        "neighbourhood",
        "scope",
        "matter_type",
        "rule",
        "opens_at",
        "closes_at",
        "status",
        "passed",
    ]
    list_filter = ["status", "matter_type", "scope", "rule", StreetFilter, CommunityFilter]
    search_fields = ["title", "neighbourhood__name"]
    list_select_related = ["neighbourhood"]
    readonly_fields = ["status", "passed", "closed_at", "closed_by", "tally_figures", "public_link"]
    inlines = [BallotInline]
    actions = ["open_votes", "close_votes"]
    fieldsets = [
        (None, {"fields": ["project", "plan_version", "title", "description", "matter_type"]}),
        (_("范围"), {"fields": ["scope", "neighbourhood", "building", "stairwell"]}),
        (
            _("规则"),
            {
                "fields": [
                    "rule",
                    "rule_reason",
                    ("custom_quorum_numerator", "custom_quorum_denominator"),
                    ("custom_agree_numerator", "custom_agree_denominator"),
                    "custom_agree_inclusive",
                ]
            },
        ),
        (
            _("时间与结果"),
            {
                "fields": [
                    "opens_at",
                    "closes_at",
                    "status",
                    "passed",
                    "closed_at",
                    "closed_by",
                    "public_link",
                    "tally_figures",
                ]
            },
        ),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        leave_optional(form.base_fields, "rule")  # empty: the matter's legal default (vote_save)
        return form

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        vote_save(vote=obj, actor=request.user)

    @admin.display(description=_("公开计票页"))
    def public_link(self, obj):
        if not obj.pk or obj.status == VoteStatus.DRAFT:
            return "—"
        url = reverse("surveys:tally", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("计票"))
    def tally_figures(self, obj):
        if not obj.pk:
            return "—"
        result = obj.result or tally(obj).to_dict()
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{} / {}</td><td>{}{}</td><td>{}</td></tr>",
            (
                (
                    c["label"],
                    c["value"],
                    c["base"],
                    "≥" if c["inclusive"] else ">",
                    c["threshold"],
                    "✔" if c["passed"] else "✘",
                )
                for c in result["conditions"]
            ),
        )
        conflicts = ""
        if result["conflicts"]:
            conflicts = format_html(
                '<p class="errornote">{}</p>',
                _("有%(n)d位业主多套房屋意见不一致（住户ID：%(ids)s），请核实后以纸质表决票录入其统一意见。")
                % {"n": result["conflicts"], "ids": ", ".join(map(str, result["conflict_household_ids"]))},
            )
        return format_html(
            "<p>{}</p><table>{}</table>{}",
            _("面积：总 %(ta)s，参与 %(va)s，同意 %(aa)s；人数：总 %(to)s，参与 %(vo)s，同意 %(ao)s")
            % {
                "ta": result["total_area"],
                "va": result["voting_area"],
                "aa": result["agree_area"],
                "to": result["total_owners"],
                "vo": result["voting_owners"],
                "ao": result["agree_owners"],
            },
            rows,
            conflicts,
        )

    @admin.action(description=_("开始表决"))
    def open_votes(self, request, queryset):
        _run_each(
            request, queryset, lambda v: vote_open(vote=v, actor=request.user), _("已开始%(n)d项表决。")
        )

    @admin.action(description=_("结束表决并计票"))
    def close_votes(self, request, queryset):
        _run_each(
            request,
            queryset,
            lambda v: vote_close(vote=v, actor=request.user),
            _("已完成%(n)d项表决的计票。"),
        )


class PaperBallotForm(forms.ModelForm):
    class Meta:
        model = Ballot
        fields = ["vote", "household", "choice"]


@admin.register(Ballot)
class BallotAdmin(CreateServiceMixin, AddOnlyMixin, RefusalsMixin, ScopedAdmin):
    """Paper ballots are added here (channel paper, staff recorded); ballots are never edited."""

    create_service = ballot_cast
    create_fields = ["vote", "household", "choice"]
    form = PaperBallotForm
    read_only_reason = _("选票录入后不能修改：住户改变意见时，请在表决截止前重新录入一张选票，以最后一次为准。")
    list_display = ["vote", "household", "choice", "channel", "entered_by", "at"]
    list_filter = ["channel", "choice", StreetFilter, CommunityFilter]
    list_select_related = ["vote", "household", "entered_by"]
    search_fields = ["vote__title", "household__room"]
    autocomplete_fields = []
    raw_id_fields = ["household"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "vote":
            kwargs["queryset"] = scope(Vote.objects.filter(status=VoteStatus.OPEN), request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def create_values(self, form):
        return {"channel": BallotChannel.PAPER}
