"""The admin of long-term management: arrangements and assessments. Registered from
GovernanceConfig.ready() (governance/apps.py). Thin: writes go through governance.services_management."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .admin_base import (
    AddOnlyMixin,
    CommunityFilter,
    CreateServiceMixin,
    RefusalsMixin,
    ScopedAdmin,
    StreetFilter,
)
from .bounds import TEXT_MAX, limit_text
from .field_lists import ASSESSMENT_FIELDS, assessment_fields
from .models import Assessment, ManagementArrangement
from .providers import Provider
from .scoping import scope
from .services_management import arrangement_note_change, arrangement_start, assessment_record


class AssessmentInline(admin.TabularInline):
    model = Assessment
    extra = 0
    can_delete = False
    fields = ["year", "period_start", "period_end", "score", "assessor", "assessed_at", "recorded_by"]
    readonly_fields = fields
    ordering = ["-year", "-id"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ManagementArrangement)
class ManagementArrangementAdmin(CreateServiceMixin, RefusalsMixin, ScopedAdmin):
    """A new arrangement ends the current one (the day before it starts); arrangements are not
    edited afterwards except their note, so the history stays as it was."""

    create_service = arrangement_start
    create_fields = [
        "neighbourhood",
        "mode",
        "provider",
        "started_on",
        "contract_start",
        "contract_end",
        "fee_per_m2_month",
        "note",
    ]
    list_display = ["neighbourhood", "mode", "provider", "started_on", "ended_on", "fee_per_m2_month"]
    list_filter = ["mode", "provider__kind", ("ended_on", admin.EmptyFieldListFilter), StreetFilter, CommunityFilter]
    search_fields = ["neighbourhood__name", "provider__name"]
    list_select_related = ["neighbourhood", "provider"]
    fields = [
        "neighbourhood",
        "mode",
        "provider",
        "started_on",
        "ended_on",
        "contract_start",
        "contract_end",
        "fee_per_m2_month",
        "note",
    ]
    inlines = [AssessmentInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["ended_on"]
        return [f for f in self.fields if f != "note"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "provider":  # the district's register: read by its staff, who point to it
            kwargs["queryset"] = scope(Provider.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            arrangement_note_change(arrangement=obj, note=obj.note, actor=request.user)
            return
        super().save_model(request, obj, form, change)


class AssessmentForm(forms.ModelForm):
    items_text = limit_text(
        forms.CharField(
            label=_("分项得分"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_("每行一项：名称=得分，例如“收费率=18”“巡查=20”“安全=25”。"),
        ),
        TEXT_MAX,
    )

    class Meta:
        model = Assessment
        fields = ASSESSMENT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["items_text"].initial = "\n".join(f"{k}={v}" for k, v in self.instance.items.items())

    def clean_items_text(self):
        items = {}
        for number, line in enumerate(self.cleaned_data["items_text"].splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise ValidationError(_("第%(n)d行应为“名称=得分”。") % {"n": number})
            items[key.strip()] = value.strip()
        return items


@admin.register(Assessment)
class AssessmentAdmin(CreateServiceMixin, AddOnlyMixin, RefusalsMixin, ScopedAdmin):
    """Assessments are added, never changed: a re-assessment is a new row, and the latest counts."""

    create_service = assessment_record
    create_fields = ASSESSMENT_FIELDS
    form = AssessmentForm
    list_display = ["arrangement", "year", "period_display", "score", "assessor", "assessed_at"]
    list_filter = ["year", StreetFilter, CommunityFilter]
    search_fields = ["arrangement__neighbourhood__name", "assessor"]
    list_select_related = ["arrangement__neighbourhood"]
    readonly_fields = ["items_json"]
    read_only_reason = _("考核记录只能新增，不能修改：复核时请新增一条，以最新的一条为准。")

    @admin.display(description=_("考核期"), ordering="period_end")
    def period_display(self, obj):
        return f"{obj.period_start:%Y-%m-%d} – {obj.period_end:%Y-%m-%d}"

    @admin.display(description=_("分项得分"))
    def items_json(self, obj):
        return json.dumps(obj.items, ensure_ascii=False) if obj else ""

    def get_fields(self, request, obj=None):
        """The items are typed in on the add page, shown as stored on an assessment's own page."""
        return assessment_fields("items_text" if obj is None else "items_json")

    def create_values(self, form):
        return {"items": form.cleaned_data.get("items_text")}
