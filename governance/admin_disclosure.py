"""The admin of disclosures (三公开): staff publish a neighbourhood's entries with their
attachments. Registered from GovernanceConfig.ready(). Thin: writes go through
governance.services_disclosure."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import (
    CommunityFilter,
    InlineRowsMixin,
    RefusalsMixin,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
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
class DisclosureAdmin(InlineRowsMixin, RefusalsMixin, ScopedAdmin):
    inline_model = DisclosureAttachment
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

    def save_with_rows(self, request, form, disclosure, attachments, deleted):
        disclosure_save(
            disclosure=disclosure, attachments=attachments, deleted_attachments=deleted, actor=request.user
        )
