"""The admin of opinions and their answers."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from governance.admin_base import CommunityFilter, RefusalsMixin, ScopedAdmin, StreetFilter

from ..models import Opinion
from ..services import opinion_record


@admin.register(Opinion)
class OpinionAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["text_short", "source", "step", "neighbourhood", "answer", "answered_at"]
    list_filter = ["answer", "source", StreetFilter, CommunityFilter]
    list_select_related = ["step", "neighbourhood"]
    search_fields = ["text"]
    raw_id_fields = ["household"]
    fields = [
        "process",
        "step",
        "neighbourhood",
        "household",
        "source",
        "text",
        "answer",
        "answer_text",
        "answered_by",
        "answered_at",
    ]
    readonly_fields = ["answered_by", "answered_at"]

    @admin.display(description=_("意见内容"))
    def text_short(self, obj):
        return obj.text[:40]

    def save_model(self, request, obj, form, change):
        opinion_record(opinion=obj, changed=form.changed_data, actor=request.user)
