"""The admin of meetings (with their photos) and visits."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    CommunityFilter,
    RefusalsMixin,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
)

from ..models import Meeting, MeetingPhoto, Visit
from ..services import MEETING_FIELDS, meeting_photo_add, meeting_save, visit_save
from .base import ServiceFormsetsMixin


class MeetingPhotoInline(ScopedTabularInline):
    """New photos are checked and cleaned by the service (governance.photos); stored ones are shown."""

    model = MeetingPhoto
    fields = ["image", "caption", "preview"]
    readonly_fields = ["preview"]
    show_change_link = False

    @admin.display(description=_("预览"))
    def preview(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<img src="{}" alt="" class="admin-thumb">', obj.thumbnail.url)

    def get_readonly_fields(self, request, obj=None):
        return ["preview"]


@admin.register(Meeting)
class MeetingAdmin(ServiceFormsetsMixin, RefusalsMixin, ScopedAdmin):
    list_display = ["held_on", "kind", "neighbourhood", "step", "attendees", "households_represented"]
    list_filter = ["kind", StreetFilter, CommunityFilter]
    list_select_related = ["neighbourhood", "step"]
    fields = list(MEETING_FIELDS)
    inlines = [MeetingPhotoInline]

    def save_model(self, request, obj, form, change):
        meeting_save(meeting=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not MeetingPhoto:
            return super().save_formset(request, form, formset, change)
        for photo_form in formset.forms:
            data = getattr(photo_form, "cleaned_data", None) or {}
            if photo_form.instance.pk:
                if data.get("DELETE"):
                    photo_form.instance.delete()
                continue
            if data.get("image") and not data.get("DELETE"):
                meeting_photo_add(
                    meeting=form.instance,
                    upload=data["image"],
                    caption=data.get("caption", ""),
                    actor=request.user,
                )


@admin.register(Visit)
class VisitAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["visited_on", "household", "staff", "step"]
    list_select_related = ["household", "staff", "step"]
    raw_id_fields = ["household"]
    fields = ["process", "step", "household", "staff", "visited_on", "notes"]

    def save_model(self, request, obj, form, change):
        visit_save(visit=obj, actor=request.user)
