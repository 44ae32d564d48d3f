"""Forms of the resident pages: input only; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import CatalogueItem
from residents.forms import ResidentTextField

from .choices import SCALE_VALUES, BallotChoice, QuestionKind, SubmissionChannel
from .services import ANSWER_TEXT_MAX, DEMAND_TEXT_MAX


class DemandForm(forms.Form):
    """Menu items (checkboxes, grouped by class in the template), free text, up to three photos
    (three plain file inputs: no JavaScript needed)."""

    items = forms.ModelMultipleChoiceField(
        queryset=CatalogueItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("改造内容"),
    )
    text = ResidentTextField(
        label=_("其他需求或说明"),
        required=False,
        limit=DEMAND_TEXT_MAX,
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


class OfflineResponseForm(forms.Form):
    """A paper (visit, meeting) questionnaire form typed in by staff: the household (limited to
    `households`, the questionnaire's households the actor manages), the channel and one field per
    question. Every field is optional here: which questions must be answered, and how, is checked
    once, by response_submit."""

    household = forms.ModelChoiceField(queryset=None, label=_("住户"))
    channel = forms.ChoiceField(
        label=_("提交方式"),
        choices=[c for c in SubmissionChannel.choices if c[0] != SubmissionChannel.ONLINE],
    )

    def __init__(self, *args, questionnaire, households, household_widget=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = households
        if household_widget is not None:
            self.fields["household"].widget = household_widget
        self.questions = list(questionnaire.questions.prefetch_related("options").order_by("order"))
        for number, question in enumerate(self.questions, start=1):
            label = f"{number}. {question.text}" + (str(_("（必答）")) if question.required else "")
            options = [(str(o.pk), o.text) for o in question.options.all()]
            if question.kind == QuestionKind.SINGLE:
                field = forms.ChoiceField(choices=options, widget=forms.RadioSelect)
            elif question.kind == QuestionKind.MULTIPLE:
                field = forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple)
            elif question.kind == QuestionKind.SCALE:
                field = forms.ChoiceField(
                    choices=[(str(v), str(v)) for v in SCALE_VALUES], widget=forms.RadioSelect
                )
            else:
                field = forms.CharField(max_length=ANSWER_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))
            field.required, field.label = False, label
            self.fields[f"q{question.pk}"] = field

    def answers(self):
        """{question id: value} as response_submit takes them."""
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}
