"""The admin of disclosures (三公开): staff publish a neighbourhood's entries with their
attachments. Registered from GovernanceConfig.ready(). Thin: writes go through
governance.services_disclosure."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import (
    CommunityFilter,
    RefusalsMixin,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
    pending_object,
)
from .disclosure import MAX_ATTACHMENTS, Disclosure, DisclosureAttachment
from .services_disclosure import disclosure_save


class DisclosureAttachmentInline(ScopedTabularInline):
    model = DisclosureAttachment
    fields = ["file", "label", "kind", "size"]
    readonly_fields = ["kind", "size"]
    max_num = MAX_ATTACHMENTS
    show_change_link = False


@admin.register(Disclosure)
class DisclosureAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["title", "category", "neighbourhood", "published_on", "attachment_count"]
    list_filter = ["category", StreetFilter, CommunityFilter]
    search_fields = ["title", "body", "neighbourhood__name"]
    list_select_related = ["neighbourhood"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["neighbourhood"]
    fields = ["neighbourhood", "category", "title", "body", "published_on"]
    inlines = [DisclosureAttachmentInline]

    @admin.display(description=_("附件数"))
    def attachment_count(self, obj):
        return obj.attachments.count()

    def save_model(self, request, obj, form, change):
        pass  # saved with its attachments in save_related (see pending_object)

    def save_related(self, request, form, formsets, change):
        attachments, deleted = [], []
        for formset in formsets:
            if formset.model is DisclosureAttachment:
                attachments.extend(formset.save(commit=False))
                deleted.extend(formset.deleted_objects)
        disclosure_save(
            disclosure=pending_object(form), attachments=attachments, deleted_attachments=deleted, actor=request.user
        )
