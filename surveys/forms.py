"""Forms of the resident pages: input only; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import CatalogueItem

from .choices import BallotChoice
from .services import DEMAND_TEXT_MAX


class DemandForm(forms.Form):
    """Menu items (checkboxes, grouped by class in the template), free text, up to three photos
    (three plain file inputs: no JavaScript needed)."""

    items = forms.ModelMultipleChoiceField(
        queryset=CatalogueItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("改造内容"),
    )
    text = forms.CharField(
        label=_("其他需求或说明"),
        required=False,
        max_length=DEMAND_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photo1 = forms.FileField(label=_("照片1"), required=False)
    photo2 = forms.FileField(label=_("照片2"), required=False)
    photo3 = forms.FileField(label=_("照片3"), required=False)

    def __init__(self, *args, menu_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = menu_items

    def uploaded_photos(self):
        return [
            self.cleaned_data[name] for name in ("photo1", "photo2", "photo3") if self.cleaned_data.get(name)
        ]


class BallotForm(forms.Form):
    choice = forms.ChoiceField(label=_("您的意见"), choices=BallotChoice.choices, widget=forms.RadioSelect)
