"""The admin of joint meetings and their resolutions. Registered from GovernanceConfig.ready().
Thin: a meeting is saved with its resolutions by governance.services_meetings.joint_meeting_save;
a resolution's status moves on its own page (the staff's follow-up list, with the overdue filter)
through resolution_move."""

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
    adopt_saved,
    leave_optional,
)
from .meetings import RESOLUTION_TRANSITIONS, JointMeeting, Resolution, ResolutionStatus
from .services_meetings import joint_meeting_save, resolution_move


class OverdueFilter(admin.SimpleListFilter):
    """逾期: resolutions not done and past their due date."""

    title = _("逾期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("已逾期未办结")), ("no", _("未逾期或已办结"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.overdue(today)
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.overdue(today).values("pk"))
        return queryset


class JointMeetingForm(forms.ModelForm):
    """The units above the lowest one chosen may be left empty: they are filled in from it."""

    class Meta:
        model = JointMeeting
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        leave_optional(self.fields, "district", _("选择街道、社区或小区时可留空，自动填写其上级。"))

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in ("district", "street", "community", "neighbourhood")):
            self.add_error("district", _("请选择召开会议的区、街道、社区或小区。"))
        return cleaned


class ResolutionInline(ScopedTabularInline):
    model = Resolution
    fields = ["order", "text", "responsible_unit", "due_on", "status_display"]
    readonly_fields = ["status_display"]
    show_change_link = True

    @admin.display(description=_("办理状态"))
    def status_display(self, obj):
        if obj.pk is None:
            return "-"
        if obj.is_overdue():
            return _("%(status)s（已逾期）") % {"status": obj.get_status_display()}
        return obj.get_status_display()


@admin.register(JointMeeting)
class JointMeetingAdmin(InlineRowsMixin, RefusalsMixin, ScopedAdmin):
    inline_model = Resolution
    list_display = ["held_on", "title", "kind", "level", "unit_display", "resolution_count"]
    list_filter = ["level", "kind", StreetFilter, CommunityFilter]
    search_fields = ["title", "topics", "participants"]
    list_select_related = ["district", "street", "community", "neighbourhood"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["neighbourhood"]
    filter_horizontal = ["bodies"]
    form = JointMeetingForm
    fields = ["district", "street", "community", "neighbourhood", "kind", "held_on", "title", "participants", "bodies", "topics"]
    inlines = [ResolutionInline]

    @admin.display(description=_("召开单位"))
    def unit_display(self, obj):
        return str(obj.unit())

    @admin.display(description=_("决议数"))
    def resolution_count(self, obj):
        return obj.resolutions.count()

    def save_with_rows(self, request, form, meeting, resolutions, deleted):
        joint_meeting_save(
            meeting=meeting,
            resolutions=resolutions,
            deleted_resolutions=deleted,
            bodies=form.cleaned_data.get("bodies", []),
            actor=request.user,
        )


class ResolutionForm(forms.ModelForm):
    move_to = forms.ChoiceField(label=_("办理状态"), choices=ResolutionStatus.choices)
    done_date = forms.DateField(
        label=_("办结日期"), required=False, help_text=_("改为“已办结”时填写，留空为今天。")
    )

    class Meta:
        model = Resolution
        fields = ["progress"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            current = ResolutionStatus(self.instance.status)
            allowed = {current, *RESOLUTION_TRANSITIONS[current]}
            self.fields["move_to"].choices = [(v, label) for v, label in ResolutionStatus.choices if v in allowed]
            self.fields["move_to"].initial = current
            self.fields["done_date"].initial = self.instance.done_on


@admin.register(Resolution)
class ResolutionAdmin(RefusalsMixin, ScopedAdmin):
    """The follow-up list of resolutions (filter 逾期 for the overdue ones). Resolutions are added
    with their meeting; here their status and progress move (resolution_move)."""

    list_display = ["text_short", "meeting", "responsible_unit", "due_on", "status", "overdue_display", "done_on"]
    list_filter = [OverdueFilter, "status", "meeting__level", StreetFilter, CommunityFilter]
    search_fields = ["text", "responsible_unit", "meeting__title"]
    list_select_related = ["meeting"]
    form = ResolutionForm
    fields = ["meeting", "text", "responsible_unit", "due_on", "move_to", "done_date", "progress"]
    readonly_fields = ["meeting", "text", "responsible_unit", "due_on"]
    read_only_reason = _("决议随联席会议一并录入，在此只能更新办理状态和办理情况。")

    @admin.display(description=_("决议事项"))
    def text_short(self, obj):
        return str(obj)

    @admin.display(description=_("逾期"), boolean=True)
    def overdue_display(self, obj):
        return obj.is_overdue()

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = resolution_move(
            resolution=obj,
            to=form.cleaned_data["move_to"],
            progress=form.cleaned_data.get("progress", ""),
            done_on=form.cleaned_data.get("done_date"),
            actor=request.user,
        )
        adopt_saved(obj, saved)
