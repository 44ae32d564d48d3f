"""The admin of re-elections (换届) tied to owners' votes. Registered from surveys/admin/__init__.py. Only
ever added (reelection_record); a recorded one is read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from governance.admin_base import CommunityFilter, RefusalsMixin, ScopedAdmin, StreetFilter, adopt_saved
from governance.bodies import Body
from governance.scoping import scope

from .choices import MatterType, VoteStatus
from .models import Vote
from .reelections import ELECTED_KINDS, Reelection
from .services.reelections import reelection_record


@admin.register(Reelection)
class ReelectionAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["body", "vote", "term_start", "term_end", "recorded_at"]
    list_filter = [StreetFilter, CommunityFilter]
    search_fields = ["body__name", "vote__title"]
    list_select_related = ["body", "vote"]
    fields = ["body", "vote", "term_start", "term_end", "note"]
    read_only_reason = _("换届记录只能新增，录入后不能修改。")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["queryset"] = scope(Body.objects.filter(kind__in=ELECTED_KINDS, neighbourhood__isnull=False), request.user, write=True)
        if db_field.name == "vote":
            kwargs["queryset"] = scope(
                Vote.objects.filter(matter_type=MatterType.ELECT_COMMITTEE, status=VoteStatus.CLOSED, passed=True, reelection__isnull=True),
                request.user,
                write=True,
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = reelection_record(
            body=obj.body, vote=obj.vote, term_start=obj.term_start, term_end=obj.term_end, note=obj.note, actor=request.user
        )
        adopt_saved(obj, saved)
