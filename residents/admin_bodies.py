"""The bodies' admin with each member's household (issue 13 item 1): governance's BodyAdmin,
registered again here because households live in this app. The member rows get a 住户 choice
among the households of the body's neighbourhood (or community) that the user manages; the link
is written by residents.services_bodies.member_household_set after the body and its members."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from governance.admin_bodies import BodyAdmin, BodyMemberInline
from governance.bodies import Body, BodyMember
from governance.scoping import scope

from .models import BodyMemberHousehold, Household
from .services_bodies import member_household_set


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        stairwell = obj.stairwell.name if obj.stairwell_id else ""
        return f"{obj.building.name}{stairwell}{obj.room}"


class MemberWithHouseholdForm(forms.ModelForm):
    household = HouseholdChoiceField(
        label=_("住户"), queryset=Household.objects.none(), required=False, help_text=_("可选：成员所住的户。")
    )

    class Meta:
        model = BodyMember
        fields = "__all__"

    def __init__(self, *args, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households if households is not None else Household.objects.none()
        if self.instance.pk is not None:
            link = BodyMemberHousehold.objects.filter(member=self.instance).values_list("household_id", flat=True).first()
            self.fields["household"].initial = link


class BodyMemberWithHouseholdInline(BodyMemberInline):
    form = MemberWithHouseholdForm
    fields = [*BodyMemberInline.fields, "household"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        households = Household.objects.none()
        if obj is not None and obj.pk is not None:
            households = scope(Household.objects.all(), request.user, write=True)
            if obj.neighbourhood_id is not None:
                households = households.filter(neighbourhood_id=obj.neighbourhood_id)
            else:
                households = households.filter(neighbourhood__community_id=obj.community_id)
            households = households.select_related("building", "stairwell").order_by("building__name", "stairwell__name", "room")

        class WithHouseholds(formset):
            def get_form_kwargs(self, index):
                return {**super().get_form_kwargs(index), "households": households}

        return WithHouseholds


admin.site.unregister(Body)


@admin.register(Body)
class BodyWithHouseholdsAdmin(BodyAdmin):
    inlines = [BodyMemberWithHouseholdInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            if formset.model is not BodyMember:
                continue
            for member_form in formset.forms:
                if member_form in formset.deleted_forms or member_form.instance.pk is None:
                    continue
                if "household" in member_form.changed_data:
                    member_household_set(
                        member=member_form.instance, household=member_form.cleaned_data.get("household"), actor=request.user
                    )
