"""The resident's report form (随时反馈): input only; the rules live in residents.services_reports."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import ResidentTextField
from .reports import REPORT_TEXT_MAX, ReportCategory


class ReportForm(forms.Form):
    """A category, the text, up to three photos (three plain file inputs: no JavaScript needed)."""

    category = forms.ChoiceField(label=_("问题类别"), choices=ReportCategory.choices, widget=forms.RadioSelect)
    text = ResidentTextField(label=_("反映内容"), limit=REPORT_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    photo1 = forms.FileField(label=_("照片1"), required=False)
    photo2 = forms.FileField(label=_("照片2"), required=False)
    photo3 = forms.FileField(label=_("照片3"), required=False)

    def uploaded_photos(self):
        return [self.cleaned_data[n] for n in ("photo1", "photo2", "photo3") if self.cleaned_data.get(n)]
