from django import forms
from django.utils.translation import gettext_lazy as _

from .services import OBJECTION_MAX_LENGTH


class ObjectionForm(forms.Form):
    """A resident's objection to a notice: identified by the household code, nothing else."""

    code = forms.CharField(
        label=_("户码"),
        max_length=40,
        help_text=_("社区发放的住户码，如 K7M3Q-XXXX-XXXX。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    text = forms.CharField(
        label=_("异议内容"),
        max_length=OBJECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
