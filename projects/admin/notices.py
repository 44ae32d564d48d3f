"""The admin of publicity notices and the objections to them."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from governance.admin_base import CommunityFilter, ListedInline, RefusalsMixin, ScopedAdmin, StreetFilter

from ..choices import ObjectionStatus
from ..models import Notice, Objection
from ..services import notice_save, objection_answer
from .projects import ProjectCommunityFilter, ProjectStreetFilter


class ObjectionInline(ListedInline):
    model = Objection
    # Listed only: residents object on the public page.
    fields = ["submitted_at", "household", "text", "status", "answer"]
    readonly_fields = ["submitted_at", "household", "text", "status", "answer"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("household__building", "household__stairwell")


@admin.register(Notice)
class NoticeAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["title", "project", "kind", "starts_on", "ends_on", "open_objections"]
    list_filter = ["kind", ProjectStreetFilter, ProjectCommunityFilter]
    search_fields = ["title", "project__code", "project__name"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    readonly_fields = ["published_by", "created_at"]
    inlines = [ObjectionInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_count=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN)))
        )

    @admin.display(description=_("待答复异议"), ordering="open_count")
    def open_objections(self, obj):
        return obj.open_count

    def save_model(self, request, obj, form, change):
        notice_save(notice=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        # Objections are answered on their own page; the inline is read-only. save(commit=False)
        # writes nothing but gives the formset the lists the change message reads (without them
        # every save of a notice answered 500).
        formset.save(commit=False)


class ObjectionAnswerForm(forms.ModelForm):
    class Meta:
        model = Objection
        fields = ["answer"]

    def clean_answer(self):
        answer = (self.cleaned_data.get("answer") or "").strip()
        if not answer:
            raise ValidationError(_("请填写答复内容。"))
        return answer


@admin.register(Objection)
class ObjectionAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["text_short", "notice", "household_place", "submitted_at", "status"]
    list_filter = ["status", StreetFilter, CommunityFilter]
    search_fields = ["text", "notice__title", "notice__project__code"]
    list_select_related = ["notice", "household__neighbourhood", "household__building"]
    form = ObjectionAnswerForm
    readonly_fields = [
        "notice",
        "household_place",
        "text",
        "submitted_at",
        "status",
        "answered_by",
        "answered_at",
    ]
    fields = [
        "notice",
        "household_place",
        "text",
        "submitted_at",
        "status",
        "answer",
        "answered_by",
        "answered_at",
    ]

    @admin.display(description=_("异议内容"))
    def text_short(self, obj):
        return obj.text[:40]

    @admin.display(description=_("住户"))
    def household_place(self, obj):
        h = obj.household
        return f"{h.neighbourhood.name} {h.building.name} {h.room}"

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != ObjectionStatus.OPEN:
            return [*self.readonly_fields, "answer"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        objection_answer(objection=obj, answer=form.cleaned_data["answer"], actor=request.user)
