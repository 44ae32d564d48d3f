"""The admin of self-governance: bodies and their members, composition rules, the party members'
ledger and vanguard teams. Registered from GovernanceConfig.ready() (governance/apps.py). Thin:
writes go through governance.services_bodies and governance.services. Phones are shown only here,
to staff."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .admin_base import (
    CommunityFilter,
    InlineRowsMixin,
    RefusalsMixin,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
    TerritoryWritesMixin,
    leave_optional,
    pending_object,
)
from .bodies import (
    REELECTION_NOTICE_DAYS,
    Body,
    BodyMember,
    CompositionRule,
    PartyMember,
    VanguardTeam,
)
from .services_bodies import body_save, vanguard_team_save


class ReelectionFilter(admin.SimpleListFilter):
    """待换届: the bodies whose term has ended or ends within REELECTION_NOTICE_DAYS."""

    title = _("换届")
    parameter_name = "reelection"

    def lookups(self, request, model_admin):
        return [
            ("due", _("待换届（%(days)s天内到期或已到期）") % {"days": REELECTION_NOTICE_DAYS}),
            ("ended", _("任期已满")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "due":
            return queryset.due_for_reelection(today)
        if self.value() == "ended":
            return queryset.term_ended(today)
        return queryset


class BodyForm(forms.ModelForm):
    """The community may be left empty when a neighbourhood is chosen: it is the neighbourhood's."""

    class Meta:
        model = Body
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        leave_optional(self.fields, "community", _("选择小区时可留空，自动取小区所在社区。"))

    def clean(self):
        cleaned = super().clean()
        neighbourhood = cleaned.get("neighbourhood")
        if not cleaned.get("community"):
            if neighbourhood is None:
                self.add_error("community", _("请选择社区，或选择小区。"))
            else:
                cleaned["community"] = neighbourhood.community
                self.instance.community = neighbourhood.community
        return cleaned


class BodyMemberInline(ScopedTabularInline):
    model = BodyMember
    fields = ["order", "name", "role", "address", "is_owner", "party_status", "phone"]
    show_change_link = False


@admin.register(Body)
class BodyAdmin(InlineRowsMixin, RefusalsMixin, ScopedAdmin):
    """A body is saved with its members in one service call (body_save), which checks the
    district's composition rule for the kind on the members as they will be stored."""

    inline_model = BodyMember
    list_display = ["name", "kind", "neighbourhood", "community", "term_start", "term_end", "term_status_display"]
    list_filter = [ReelectionFilter, "kind", StreetFilter, CommunityFilter]
    search_fields = ["name", "neighbourhood__name", "community__name"]
    list_select_related = ["neighbourhood", "community"]
    autocomplete_fields = ["neighbourhood"]
    form = BodyForm
    fields = ["community", "neighbourhood", "kind", "name", "led_by", "term_start", "term_end", "note"]
    inlines = [BodyMemberInline]

    @admin.display(description=_("任期状态"))
    def term_status_display(self, obj):
        status = obj.term_status()
        if status == "ended":
            return _("任期已满，待换届")
        if status == "due":
            return _("即将到期，待换届")
        return "-"

    def save_with_rows(self, request, form, body, members, deleted):
        body_save(body=body, members=members, deleted_members=deleted, actor=request.user)


@admin.register(CompositionRule)
class CompositionRuleAdmin(TerritoryWritesMixin, ScopedAdmin):
    """Set per district by superusers (district officials read them, as staff do)."""

    list_display = ["district", "kind", "min_members", "max_members", "odd_members", "owners_at_least_half"]
    list_filter = ["kind"]
    read_only_reason = _("组成规则由区统一设定（系统管理员录入），工作人员只能查看。")


@admin.register(PartyMember)
class PartyMemberAdmin(TerritoryWritesMixin, ScopedAdmin):
    list_display = ["name", "category", "community", "neighbourhood", "organisation", "joined_on"]
    list_filter = ["category", StreetFilter, CommunityFilter]
    search_fields = ["name", "organisation"]
    list_select_related = ["community", "neighbourhood"]
    autocomplete_fields = ["neighbourhood"]
    fields = ["community", "neighbourhood", "name", "category", "organisation", "joined_on", "phone", "note"]


@admin.register(VanguardTeam)
class VanguardTeamAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["name", "community", "purpose", "member_count"]
    list_filter = [StreetFilter, CommunityFilter]
    search_fields = ["name", "purpose"]
    list_select_related = ["community"]
    filter_horizontal = ["members"]
    fields = ["community", "name", "purpose", "members"]

    @admin.display(description=_("队员人数"))
    def member_count(self, obj):
        return obj.members.count()

    def save_model(self, request, obj, form, change):
        pass  # saved with its members in save_related (see pending_object)

    def save_related(self, request, form, formsets, change):
        vanguard_team_save(
            team=pending_object(form), members=form.cleaned_data.get("members", []), actor=request.user
        )
