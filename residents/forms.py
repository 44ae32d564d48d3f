"""Forms of the residents app: input only; the rules live in the services."""

import os

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .identity import id_number_hash, id_number_problem

CENSUS_MAX_BYTES = 50 * 1024 * 1024
CENSUS_EXTENSIONS = (".xlsx", ".csv")


class CensusUploadForm(forms.Form):
    file = forms.FileField(
        label=_("普查文件"),
        help_text=_(
            "Excel（.xlsx）或CSV文件，第一行为表头，每行一户。列：区、街道、社区、小区、建成年份、楼栋、单元、"
            "房号、楼层、面积、业主姓名、身份证号、联系电话。任何一行有误则不导入任何数据。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(CENSUS_EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = os.path.splitext(upload.name)[1].lower()
        if extension not in CENSUS_EXTENSIONS:
            raise forms.ValidationError(_("只能上传.xlsx或.csv文件。"))
        if upload.size > CENSUS_MAX_BYTES:
            raise forms.ValidationError(
                _("文件不能超过%(max)s。") % {"max": filesizeformat(CENSUS_MAX_BYTES)}
            )
        return upload


class HouseholdAdminForm(forms.ModelForm):
    """The household's admin form, with the owner's ID number as a write-only field: it is never
    shown (only its keyed hash is stored, so there is nothing to show); typed in, it is checked
    (GB 11643) and replaces the stored hash; left blank, the stored hash stays."""

    owner_id_number = forms.CharField(
        label=_("身份证号"),
        required=False,
        max_length=40,
        strip=True,
        help_text=_("仅在登记或更正时填写。系统只保存其加密散列，不保存号码本身；留空则保持不变。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_owner_id_number(self):
        raw = self.cleaned_data["owner_id_number"]
        if not raw:
            return ""
        problem = id_number_problem(raw)
        if problem:
            raise forms.ValidationError(problem)
        return id_number_hash(raw)

    def save(self, commit=True):
        if self.cleaned_data.get("owner_id_number"):
            self.instance.owner_id_hash = self.cleaned_data["owner_id_number"]
        return super().save(commit)


def one_newline(text):
    """Text with every line break as one character ("\\n"): browsers send a textarea's breaks as
    CRLF, while the page's counter (and a person) counts each as one."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class ResidentTextField(forms.CharField):
    """Free text typed on a resident page, up to `limit` characters.

    The page never cuts the text (no `maxlength`): the textarea carries `data-maxlength` for the
    live counter (static/js/char-counter.js), and text over the limit is refused here with a
    message naming the field, the limit and the length typed, so the resident can shorten it."""

    widget = forms.Textarea

    def __init__(self, *, limit, **kwargs):
        self.limit = limit
        super().__init__(**kwargs)

    def to_python(self, value):
        return one_newline(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if len(value) > self.limit:
            raise forms.ValidationError(
                _("“%(field)s”最多%(limit)d字，现有%(count)d字，请删减后再提交。"),
                code="max_length",
                params={"field": self.label, "limit": self.limit, "count": len(value)},
            )

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "data-maxlength": str(self.limit)}
