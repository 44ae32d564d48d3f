"""The admin of questionnaires and responses (offline responses entered by staff)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    CommunityFilter,
    RefusalsMixin,
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
    may_write,
    pending_object,
)
from governance.bounds import TEXT_MAX, limit_text
from governance.scoping import scope
from residents.models import Household

from ..choices import QuestionnaireStatus
from ..forms import OfflineResponseForm
from ..models import Question, Questionnaire, Response
from ..selectors import questionnaire_results_table
from ..services import questionnaire_save, questionnaire_set_status, response_submit
from .base import ServiceFormsetsMixin, _download, _run_each, kept_rows


class QuestionInlineForm(forms.ModelForm):
    options_text = limit_text(
        forms.CharField(
            label=_("选项（每行一个）"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 30})
        ),
        TEXT_MAX,
    )

    class Meta:
        model = Question
        fields = ["order", "text", "kind", "required"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["options_text"].initial = "\n".join(o.text for o in self.instance.options.all())


class QuestionInline(ScopedTabularInline):
    model = Question
    form = QuestionInlineForm
    fields = ["order", "text", "kind", "required", "options_text"]
    show_change_link = False


@admin.register(Questionnaire)
class QuestionnaireAdmin(ServiceFormsetsMixin, RefusalsMixin, ScopedAdmin):
    list_display = ["title", "neighbourhood", "project", "status", "opened_at", "closed_at"]
    list_filter = ["status", StreetFilter, CommunityFilter]
    list_select_related = ["neighbourhood", "project"]
    fields = ["neighbourhood", "project", "step", "title", "intro", "status", "results"]
    readonly_fields = ["status", "results"]
    inlines = [QuestionInline]
    actions = ["publish", "close"]
    change_form_template = "admin/surveys/questionnaire/change_form.html"

    def save_model(self, request, obj, form, change):
        pass  # saved with its inlines in save_related, from form.instance (see pending_object)

    def save_related(self, request, form, formsets, change):
        questions = None
        for formset in formsets:
            if formset.model is Question:
                questions = [
                    (
                        Question(
                            text=f.cleaned_data["text"],
                            kind=f.cleaned_data["kind"],
                            required=f.cleaned_data["required"],
                        ),
                        (f.cleaned_data.get("options_text") or "").splitlines(),
                    )
                    for f in kept_rows(formset)
                ]
        obj = pending_object(form)
        if obj.pk and obj.status != QuestionnaireStatus.DRAFT:
            questions = None
        questionnaire_save(questionnaire=obj, questions=questions, actor=request.user)

    @admin.display(description=_("结果"))
    def results(self, obj):
        if not obj.pk:
            return "—"
        headers, rows = questionnaire_results_table(obj)
        return format_html(
            '<table><tr>{}</tr>{}</table><p><a href="{}">CSV</a> · <a href="{}">Excel</a></p>',
            format_html_join("", "<th>{}</th>", ((h,) for h in headers)),
            format_html_join("", "<tr>" + "<td>{}</td>" * len(headers) + "</tr>", rows),
            reverse("admin:surveys_questionnaire_export", args=[obj.pk, "csv"]),
            reverse("admin:surveys_questionnaire_export", args=[obj.pk, "xlsx"]),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The page's tools offer entering paper responses to an open questionnaire, to those who
        may (not to a read-only role)."""
        questionnaire = self.get_object(request, unquote(object_id))
        may_enter = questionnaire.status == QuestionnaireStatus.OPEN and may_write(request, questionnaire)
        extra_context = {
            **(extra_context or {}),
            "enter_responses_url": (
                f"{reverse('admin:surveys_response_add')}?questionnaire={questionnaire.pk}" if may_enter else None
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/results.<str:fmt>",
                self.admin_site.admin_view(self.export_view),
                name="surveys_questionnaire_export",
            ),
        ] + super().get_urls()

    def export_view(self, request, pk, fmt):
        questionnaire = get_object_or_404(self.get_queryset(request), pk=pk)
        headers, rows = questionnaire_results_table(questionnaire)
        return _download(headers, rows, fmt, f"questionnaire-{questionnaire.pk}", _("问卷结果"))

    @admin.action(description=_("发布问卷"))
    def publish(self, request, queryset):
        self._set_status(request, queryset, QuestionnaireStatus.OPEN, _("已发布%(n)d份问卷。"))

    @admin.action(description=_("结束问卷"))
    def close(self, request, queryset):
        self._set_status(request, queryset, QuestionnaireStatus.CLOSED, _("已结束%(n)d份问卷。"))

    def _set_status(self, request, queryset, status, done_message):
        _run_each(
            request,
            queryset,
            lambda q: questionnaire_set_status(questionnaire=q, status=status, actor=request.user),
            done_message,
        )


@admin.register(Response)
class ResponseAdmin(ScopedAdmin):
    """Households' responses. Online ones are written by the household; staff enter paper, visit
    and meeting forms on the add page (pick an open questionnaire, then the household and its
    answers), through response_submit with the channel and their name. A response is never edited
    here: entering a household's form again replaces its answers, as the service does online."""

    list_display = ["questionnaire", "household", "channel", "entered_by", "submitted_at", "revisions"]
    list_filter = ["channel", StreetFilter, CommunityFilter]
    list_select_related = ["questionnaire", "household", "entered_by"]
    fields = [
        "questionnaire",
        "household",
        "channel",
        "entered_by",
        "submitted_at",
        "revisions",
        "answers_given",
    ]
    readonly_fields = fields
    read_only_reason = _("答卷录入后不能修改：重新录入该住户的答卷即替换其回答。")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied(self.write_refusal(request))
        open_ones = scope(
            Questionnaire.objects.filter(status=QuestionnaireStatus.OPEN), request.user, write=True
        ).select_related("neighbourhood")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("录入问卷答卷（纸质、走访、会议）"),
            "questionnaires": open_ones.order_by("neighbourhood__name", "title"),
            "questionnaire": None,
            "form": None,
        }
        chosen = request.GET.get("questionnaire", "")
        if not chosen:
            return TemplateResponse(request, "admin/surveys/response/enter.html", context)
        questionnaire = open_ones.filter(pk=chosen).first() if chosen.isdigit() else None
        if questionnaire is None:
            raise Http404(_("对象不存在或不在您的辖区内。"))
        households = scope(
            Household.objects.filter(neighbourhood_id=questionnaire.neighbourhood_id),
            request.user,
            write=True,
        )
        form = OfflineResponseForm(
            request.POST or None,
            questionnaire=questionnaire,
            households=households,
            household_widget=ForeignKeyRawIdWidget(
                Response._meta.get_field("household").remote_field, self.admin_site
            ),
        )
        if request.method == "POST" and form.is_valid():
            try:
                response = response_submit(
                    questionnaire=questionnaire,
                    household=form.cleaned_data["household"],
                    answers=form.answers(),
                    channel=form.cleaned_data["channel"],
                    actor=request.user,
                )
            except ValidationError as exc:
                for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(
                    request,
                    _("已录入住户“%(household)s”的答卷（第%(n)d次提交）。")
                    % {"household": response.household, "n": response.revisions + 1},
                )
                return HttpResponseRedirect(reverse("admin:surveys_response_change", args=[response.pk]))
        context.update(questionnaire=questionnaire, form=form, media=self.media + form.media)
        return TemplateResponse(request, "admin/surveys/response/enter.html", context)

    @admin.display(description=_("回答"))
    def answers_given(self, obj):
        rows = []
        for answer in (
            obj.answers.select_related("question").prefetch_related("options").order_by("question__order")
        ):
            value = answer.text or (
                str(answer.scale) if answer.scale else _("、").join(o.text for o in answer.options.all())
            )
            rows.append((answer.question.order, answer.question.text, value))
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        )
