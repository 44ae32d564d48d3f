"""The queue of residents' reports (居民反馈) in the admin: community and street staff answer, close,
or refer a report (a works-quality one becomes a supervision finding of the neighbourhood's project,
through residents.report_referrals); district and city officials read. Every write is a call into
residents.services_reports (or the referral's service); the resident's own words and photos are
read-only."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    CommunityFilter,
    RefusalsMixin,
    ScopedAdmin,
    StreetFilter,
    may_write,
    report_refusal,
)

from .forms import one_newline
from .report_referrals import described, referral, referrals_for
from .reports import ReportStatus, ResidentReport
from .services_reports import report_answer, report_close


class AgeFilter(admin.SimpleListFilter):
    """How long a report not yet closed has been waiting, from its submission."""

    title = _("未办结时长")
    parameter_name = "age"
    BANDS = {"3": (0, 3), "7": (3, 7), "over7": (7, None)}

    def lookups(self, request, model_admin):
        return [("3", _("3天以内")), ("7", _("3至7天")), ("over7", _("超过7天"))]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        if band is None:
            return queryset
        now = timezone.now()
        low, high = band
        queryset = queryset.exclude(status=ReportStatus.CLOSED).filter(
            submitted_at__lte=now - datetime.timedelta(days=low)
        )
        if high is not None:
            queryset = queryset.filter(submitted_at__gt=now - datetime.timedelta(days=high))
        return queryset


class ReportAnswerForm(forms.ModelForm):
    """The answer (while the report is open) and whether to close it now. `closing_note` adds a
    word to an answered or referred report's answer when it is closed."""

    close_now = forms.BooleanField(label=_("同时办结"), required=False)
    closing_note = forms.CharField(
        label=_("办结说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("可选，附在答复之后，居民可见。"),
    )

    class Meta:
        model = ResidentReport
        fields = ["answer"]

    def clean(self):
        data = super().clean()
        if "answer" in self.fields and not one_newline(data.get("answer") or "").strip():
            self.add_error("answer", _("请填写答复内容。"))
        return data


@admin.register(ResidentReport)
class ResidentReportAdmin(RefusalsMixin, ScopedAdmin):
    form = ReportAnswerForm
    list_display = ["text_short", "category", "neighbourhood", "place", "submitted_at", "status", "answered_at"]
    list_filter = ["status", "category", AgeFilter, StreetFilter, CommunityFilter]
    search_fields = ["text", "neighbourhood__name"]
    list_select_related = ["neighbourhood", "household__building"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "neighbourhood",
        "place",
        "category",
        "text",
        "photo_list",
        "submitted_at",
        "status",
        "referred_to",
        "answered_by",
        "answered_at",
        "closed_by",
        "closed_at",
    ]
    read_only_reason = _("该反映已办结，不能再修改。")
    change_form_template = "admin/residents/residentreport/change_form.html"

    def get_fields(self, request, obj=None):
        fields = ["neighbourhood", "place", "category", "text", "photo_list", "submitted_at", "status"]
        if described_safe(obj):
            fields.append("referred_to")
        fields += ["answer", "answered_by", "answered_at"]
        if obj is not None and obj.status != ReportStatus.CLOSED:
            fields += ["close_now"] + (["closing_note"] if obj.answer else [])
        return fields + ["closed_by", "closed_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ReportStatus.OPEN:
            return [*self.readonly_fields, "answer"]
        return self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("household__building", "household__stairwell")

    @admin.display(description=_("反映内容"))
    def text_short(self, obj):
        return obj.text[:40]

    @admin.display(description=_("住户"))
    def place(self, obj):
        h = obj.household
        return f"{h.building.name} {h.room}"

    @admin.display(description=_("照片"))
    def photo_list(self, obj):
        photos = list(obj.photos.all())
        if not photos:
            return "—"
        return format_html_join(
            " ",
            '<a href="{}"><img src="{}" alt="{}" width="120"></a>',
            ((p.image.url, p.thumbnail.url, _("反馈照片")) for p in photos),
        )

    @admin.display(description=_("转办去向"))
    def referred_to(self, obj):
        return described_safe(obj) or "—"

    def has_add_permission(self, request, *args):
        return False  # residents report from /me/

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == ReportStatus.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        close_now = data.get("close_now")
        if obj.status == ReportStatus.OPEN:
            if close_now:
                report_close(report=obj, answer=data["answer"], actor=request.user)
            else:
                report_answer(report=obj, answer=data["answer"], actor=request.user)
        elif close_now:
            report_close(report=obj, answer=data.get("closing_note", ""), actor=request.user)

    # ---- referral (e.g. a supervision finding of the project: registered by projects) --------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/refer/<str:name>/",
                self.admin_site.admin_view(self.refer_view),
                name="residents_residentreport_refer",
            ),
            *super().get_urls(),
        ]

    def refer_view(self, request, object_id, name):
        report = self.get_object(request, object_id)  # 404 outside the territory
        chosen = referral(name)
        if chosen is None or request.method != "POST":
            return redirect(reverse("admin:residents_residentreport_change", args=[report.pk]))
        refusal = self.write_refusal(request, report)
        if refusal:
            raise PermissionDenied(refusal)
        try:
            target_id = int(request.POST.get("target") or 0)
        except ValueError:
            target_id = 0
        try:
            chosen.refer(report=report, target_id=target_id, answer=request.POST.get("answer", ""), actor=request.user)
        except ValidationError as exc:
            report_refusal(request, exc)
        else:
            messages.success(request, _("已转办：%(what)s") % {"what": chosen.label})
        return redirect(reverse("admin:residents_residentreport_change", args=[report.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self.get_object(request, object_id)
        offered = []
        if may_write(request, report) and report.status in (ReportStatus.OPEN, ReportStatus.ANSWERED):
            for r in referrals_for(report):
                targets = r.targets(report, request.user)
                offered.append({"referral": r, "targets": targets})
        extra_context = {**(extra_context or {}), "referrals": offered}
        return super().change_view(request, object_id, form_url, extra_context)


def described_safe(obj):
    return described(obj) if obj is not None and obj.pk else None
