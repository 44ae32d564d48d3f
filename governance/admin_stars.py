"""The admin of star ratings: rating schemes with their stars (superusers write them; every role
reads the shipped scheme), and the ratings of neighbourhoods, where staff award a star and, after
a failed review, withdraw it with its reason. Registered from GovernanceConfig.ready(). Thin:
writes go through governance.services_stars."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import (
    CommunityFilter,
    InlineRowsMixin,
    RefusalsMixin,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
    adopt_saved,
)
from .bounds import TEXT_MAX, limit_text
from .services_stars import star_rating_save, star_scheme_save, star_withdraw
from .stars import (
    RatingStatus,
    StarDimension,
    StarRating,
    StarScheme,
    star_dimensions_visible_to,
    star_schemes_visible_to,
)


class StarDimensionInline(ScopedTabularInline):
    model = StarDimension
    fields = ["order", "code", "name", "criteria", "weight"]
    show_change_link = False

    def get_queryset(self, request):
        return star_dimensions_visible_to(request.user)


@admin.register(StarScheme)
class StarSchemeAdmin(InlineRowsMixin, RefusalsMixin, ScopedAdmin):
    inline_model = StarDimension
    list_display = ["name", "district", "valid_from", "valid_until"]
    fields = ["name", "district", "valid_from", "valid_until", "note"]
    inlines = [StarDimensionInline]
    read_only_reason = _("星级评定方案由系统管理员维护，工作人员只能查看。")

    def get_queryset(self, request):
        # The shipped scheme (no district) is read by every role; a district's own through scope().
        return star_schemes_visible_to(request.user).select_related("district")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_with_rows(self, request, form, scheme, dimensions, deleted):
        star_scheme_save(scheme=scheme, dimensions=dimensions, deleted_dimensions=deleted, actor=request.user)


# What a rating records when a star is awarded (the form's model fields, first on every page).
RATING_FIELDS = ("neighbourhood", "dimension", "year", "evidence", "rater", "rated_on")


class StarRatingForm(forms.ModelForm):
    withdraw_reason = limit_text(
        forms.CharField(
            label=_("复核未通过，摘星原因"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("填写后保存即摘除这颗星（记录保留，小区公开页显示已摘星及原因）。"),
        ),
        TEXT_MAX,
    )
    withdraw_on = forms.DateField(label=_("摘星日期"), required=False, help_text=_("留空为今天。"))

    class Meta:
        model = StarRating
        fields = RATING_FIELDS


@admin.register(StarRating)
class StarRatingAdmin(RefusalsMixin, ScopedAdmin):
    """A star is awarded by adding a rating; a failed review withdraws it from the rating's page
    (its reason in “复核未通过，摘星原因”). A withdrawn rating stays on record, read-only."""

    list_display = ["neighbourhood", "year", "dimension", "status", "rater", "rated_on", "withdrawn_on"]
    list_filter = ["status", "year", "dimension__name", StreetFilter, CommunityFilter]
    search_fields = ["neighbourhood__name", "rater", "evidence"]
    list_select_related = ["neighbourhood", "dimension"]
    autocomplete_fields = ["neighbourhood"]
    form = StarRatingForm
    read_only_reason = _("已摘星的评定记录只能查看。")

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(RATING_FIELDS)
        if obj.status == RatingStatus.WITHDRAWN:
            return [*RATING_FIELDS, "status", "withdrawn_on", "withdrawal_reason"]
        return [*RATING_FIELDS, "status", "withdraw_reason", "withdraw_on"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status == RatingStatus.WITHDRAWN:
            return self.get_fields(request, obj)  # the whole withdrawn rating
        return ["neighbourhood", "dimension", "year", "status"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "dimension":
            kwargs["queryset"] = star_dimensions_visible_to(request.user).select_related("scheme")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == RatingStatus.WITHDRAWN:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a rating is corrected or withdrawn, never deleted

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("withdraw_reason", "")
        if change and reason.strip():
            saved = star_withdraw(
                rating=obj, reason=reason, withdrawn_on=form.cleaned_data.get("withdraw_on"), actor=request.user
            )
        else:
            saved = star_rating_save(rating=obj, actor=request.user)
        adopt_saved(obj, saved)
