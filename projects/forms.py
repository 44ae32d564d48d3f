from django import forms
from django.utils.translation import gettext_lazy as _

from residents.forms import ResidentTextField

from .services import OBJECTION_MAX_LENGTH


class ObjectionForm(forms.Form):
    """A resident's objection to a notice: identified by the household code, or by the household
    signed in with it (then `code_needed=False` and the form has no code field)."""

    code = forms.CharField(
        label=_("户码"),
        max_length=40,
        help_text=_("社区发放的住户码，如 K7M3Q-XXXX-XXXX。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    text = ResidentTextField(label=_("异议内容"), limit=OBJECTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, code_needed=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not code_needed:
            del self.fields["code"]
