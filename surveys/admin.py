"""The admin of the surveys app: thin — every write calls a service, every list is scoped.

Staff enter offline input here: paper ballots, and demand lists and questionnaire responses from
paper forms, visits and meetings; the channel and their name (the logged-in user) are recorded by
the services.
"""

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
    ScopedAdmin,
    ScopedTabularInline,
    StreetFilter,
    adopt_saved,
    may_write,
    pending_object,
)
from governance.bounds import TEXT_MAX, limit_text
from governance.exports import table_response
from governance.scoping import scope
from residents.models import Household

from .choices import BallotChannel, QuestionnaireStatus, SubmissionChannel, VoteStatus
from .exports import demand_table
from .forms import OfflineResponseForm
from .models import (
    Ballot,
    ConsultationProcess,
    ConsultationStep,
    DemandList,
    DemandSubmission,
    Meeting,
    MeetingPhoto,
    Opinion,
    PlanItem,
    PlanVersion,
    ProcessTemplate,
    Question,
    Questionnaire,
    Response,
    StepReview,
    TemplateStep,
    Visit,
    Vote,
)
from .selectors import demand_aggregate, opinion_counts, questionnaire_results_table
from .services import (
    ballot_cast,
    demand_list_intro_set,
    demand_lists_open,
    demand_submit,
    meeting_photo_add,
    meeting_save,
    opinion_answer,
    opinion_save,
    plan_notice_publish,
    plan_seed_from_demand,
    plan_version_save,
    process_start,
    questionnaire_save,
    questionnaire_set_status,
    response_submit,
    step_complete,
    step_review,
    template_save,
    visit_save,
    vote_close,
    vote_open,
    vote_save,
)
from .tally import tally


def _report(request, exc):
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, _("您没有权限执行此操作。"))


class ServiceErrorsMixin:
    """A service's refusal comes back to the form page as messages (the save rolls back)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST":
                raise
            _report(request, exc)
            return HttpResponseRedirect(request.get_full_path())


class ServiceFormsetsMixin:
    """For admins whose inlines are written by the service (save_related): the change message
    does not read the formsets' saved objects (none were saved by the formsets)."""

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)


def _run_each(request, queryset, function, done_message):
    done = 0
    for obj in queryset:
        try:
            function(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{obj}：")
            _report(request, exc)
    if done:
        messages.success(request, done_message % {"n": done})


def _download(headers, rows, fmt, name, title):
    """The table as a CSV or Excel attachment (404 for any other format)."""
    return table_response(headers, rows, fmt, name, title)


# ---- votes -----------------------------------------------------------------------------------


class BallotInline(ScopedTabularInline):
    model = Ballot
    fields = ["household", "choice", "channel", "entered_by", "at", "revisions"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("household__building", "entered_by")


@admin.register(Vote)
class VoteAdmin(ServiceErrorsMixin, ScopedAdmin):
    list_display = [
        "title",
        "neighbourhood",
        "scope",
        "matter_type",
        "rule",
        "opens_at",
        "closes_at",
        "status",
        "passed",
    ]
    list_filter = ["status", "matter_type", "scope", "rule", StreetFilter, CommunityFilter]
    search_fields = ["title", "neighbourhood__name"]
    list_select_related = ["neighbourhood"]
    readonly_fields = ["status", "passed", "closed_at", "closed_by", "tally_figures", "public_link"]
    inlines = [BallotInline]
    actions = ["open_votes", "close_votes"]
    fieldsets = [
        (None, {"fields": ["project", "plan_version", "title", "description", "matter_type"]}),
        (_("范围"), {"fields": ["scope", "neighbourhood", "building", "stairwell"]}),
        (
            _("规则"),
            {
                "fields": [
                    "rule",
                    "rule_reason",
                    ("custom_quorum_numerator", "custom_quorum_denominator"),
                    ("custom_agree_numerator", "custom_agree_denominator"),
                    "custom_agree_inclusive",
                ]
            },
        ),
        (
            _("时间与结果"),
            {
                "fields": [
                    "opens_at",
                    "closes_at",
                    "status",
                    "passed",
                    "closed_at",
                    "closed_by",
                    "public_link",
                    "tally_figures",
                ]
            },
        ),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "rule" in form.base_fields:
            form.base_fields["rule"].required = False
        return form

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        vote_save(vote=obj, actor=request.user)

    @admin.display(description=_("公开计票页"))
    def public_link(self, obj):
        if not obj.pk or obj.status == VoteStatus.DRAFT:
            return "—"
        url = reverse("surveys:tally", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("计票"))
    def tally_figures(self, obj):
        if not obj.pk:
            return "—"
        result = obj.result or tally(obj).to_dict()
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{} / {}</td><td>{}{}</td><td>{}</td></tr>",
            (
                (
                    c["label"],
                    c["value"],
                    c["base"],
                    "≥" if c["inclusive"] else ">",
                    c["threshold"],
                    "✔" if c["passed"] else "✘",
                )
                for c in result["conditions"]
            ),
        )
        conflicts = ""
        if result["conflicts"]:
            conflicts = format_html(
                '<p class="errornote">{}</p>',
                _("有%(n)d位业主多套房屋意见不一致（住户ID：%(ids)s），请核实后以纸质表决票录入其统一意见。")
                % {"n": result["conflicts"], "ids": ", ".join(map(str, result["conflict_household_ids"]))},
            )
        return format_html(
            "<p>{}</p><table>{}</table>{}",
            _("面积：总 %(ta)s，参与 %(va)s，同意 %(aa)s；人数：总 %(to)s，参与 %(vo)s，同意 %(ao)s")
            % {
                "ta": result["total_area"],
                "va": result["voting_area"],
                "aa": result["agree_area"],
                "to": result["total_owners"],
                "vo": result["voting_owners"],
                "ao": result["agree_owners"],
            },
            rows,
            conflicts,
        )

    @admin.action(description=_("开始表决"))
    def open_votes(self, request, queryset):
        _run_each(
            request, queryset, lambda v: vote_open(vote=v, actor=request.user), _("已开始%(n)d项表决。")
        )

    @admin.action(description=_("结束表决并计票"))
    def close_votes(self, request, queryset):
        _run_each(
            request,
            queryset,
            lambda v: vote_close(vote=v, actor=request.user),
            _("已完成%(n)d项表决的计票。"),
        )


class PaperBallotForm(forms.ModelForm):
    class Meta:
        model = Ballot
        fields = ["vote", "household", "choice"]


@admin.register(Ballot)
class BallotAdmin(ServiceErrorsMixin, ScopedAdmin):
    """Paper ballots are added here (channel paper, staff recorded); ballots are never edited."""

    form = PaperBallotForm
    read_only_reason = _("选票录入后不能修改：住户改变意见时，请在表决截止前重新录入一张选票，以最后一次为准。")
    list_display = ["vote", "household", "choice", "channel", "entered_by", "at"]
    list_filter = ["channel", "choice", StreetFilter, CommunityFilter]
    list_select_related = ["vote", "household", "entered_by"]
    search_fields = ["vote__title", "household__room"]
    autocomplete_fields = []
    raw_id_fields = ["household"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "vote":
            kwargs["queryset"] = scope(Vote.objects.filter(status=VoteStatus.OPEN), request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = ballot_cast(
            vote=obj.vote,
            household=obj.household,
            choice=obj.choice,
            channel=BallotChannel.PAPER,
            actor=request.user,
        )
        adopt_saved(obj, saved)


# ---- consultation ----------------------------------------------------------------------------


class TemplateStepInline(admin.TabularInline):
    model = TemplateStep
    extra = 0
    fields = ["order", "code", "direction", "name", "closes_demand_list", "needs_vote"]


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(ServiceFormsetsMixin, ServiceErrorsMixin, ScopedAdmin):
    """Templates are read here; the built-in 三下三上 comes with the system (a migration) and a
    district's own templates are defined by its administrators (superusers)."""

    list_display = ["name", "district", "active"]
    inlines = [TemplateStepInline]
    read_only_reason = _("协商程序模板由系统管理员维护，您只能查看。")

    def get_queryset(self, request):
        return ProcessTemplate.objects.filter(district__isnull=True) | scope(
            ProcessTemplate.objects.all(), request.user
        )

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pass  # saved with its inlines in save_related, from form.instance (see pending_object)

    def save_related(self, request, form, formsets, change):
        steps = []
        for formset in formsets:
            if formset.model is TemplateStep:
                rows = sorted(
                    (f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")),
                    key=lambda f: f.cleaned_data.get("order") or 0,
                )
                steps = [
                    TemplateStep(
                        **{
                            k: f.cleaned_data[k]
                            for k in ("code", "direction", "name", "closes_demand_list", "needs_vote")
                        }
                    )
                    for f in rows
                ]
        template_save(template=pending_object(form), steps=steps, actor=request.user)


class StepInline(ScopedTabularInline):
    model = ConsultationStep
    fields = [
        "order",
        "code",
        "name",
        "direction",
        "status",
        "rounds",
        "opened_at",
        "completed_at",
        "completed_by",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ProcessStartForm(forms.ModelForm):
    class Meta:
        model = ConsultationProcess
        fields = ["project", "template"]


@admin.register(ConsultationProcess)
class ConsultationProcessAdmin(ServiceErrorsMixin, ScopedAdmin):
    form = ProcessStartForm
    list_display = ["project", "template", "current_step", "started_at"]
    list_select_related = ["project", "template"]
    search_fields = ["project__name", "project__code"]
    inlines = [StepInline]
    readonly_fields = ["opinion_summary"]

    read_only_reason = _("协商程序启动后只能查看：步骤在“协商步骤”页推进（完成下行步骤、登记部门审核）。")

    def has_change_permission(self, request, obj=None):
        # A started process is read here; its steps move through their own actions and reviews.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["project", "template", "opinion_summary"] if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "template":
            kwargs["queryset"] = ProcessTemplate.objects.filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("当前步骤"))
    def current_step(self, obj):
        step = obj.steps.filter(status="open").first()
        return step or _("已完成")

    @admin.display(description=_("意见答复"))
    def opinion_summary(self, obj):
        counts = opinion_counts(obj)
        lines = format_html_join("", "<li>{} {}</li>", ((c.code, c.summary) for c in counts.steps))
        return format_html("<p><strong>{}</strong></p><ul>{}</ul>", counts.total.summary, lines)

    def save_model(self, request, obj, form, change):
        if not change:
            started = process_start(project=obj.project, template=obj.template, actor=request.user)
            adopt_saved(obj, started)


@admin.register(ConsultationStep)
class ConsultationStepAdmin(ScopedAdmin):
    """Steps move only through the actions (complete a down step) and the review form (up steps)."""

    list_display = ["process", "order", "code", "name", "direction", "status", "rounds", "completed_at"]
    list_filter = ["status", "direction", "code"]
    list_select_related = ["process__project"]
    readonly_fields = [
        "process",
        "order",
        "code",
        "name",
        "direction",
        "status",
        "rounds",
        "opened_at",
        "completed_at",
        "completed_by",
        "closes_demand_list",
        "needs_vote",
    ]
    fields = readonly_fields + ["note"]
    actions = ["complete_steps"]
    read_only_reason = _("步骤只能通过列表中的“完成所选步骤”操作（下行步骤）或登记部门审核（上行步骤）推进，此页只能查看。")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's action needs the model-level answer; a step's own page is read-only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("完成所选步骤（下行步骤）"))
    def complete_steps(self, request, queryset):
        _run_each(
            request,
            queryset.order_by("process_id", "order"),
            lambda s: step_complete(step=s, actor=request.user),
            _("已完成%(n)d个步骤。"),
        )


class StepReviewForm(forms.ModelForm):
    class Meta:
        model = StepReview
        fields = ["step", "decision", "department", "comments"]


@admin.register(StepReview)
class StepReviewAdmin(ServiceErrorsMixin, ScopedAdmin):
    """A department's review of an up step, entered by staff: approved opens the next step,
    returned reopens the previous down step."""

    form = StepReviewForm
    read_only_reason = _("部门审核登记后不能修改；如需更正，请再登记一次审核。")
    list_display = ["step", "decision", "department", "reopened_step", "reviewer", "at"]
    list_filter = ["decision"]
    list_select_related = ["step__process__project", "reopened_step", "reviewer"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "step":
            kwargs["queryset"] = scope(
                ConsultationStep.objects.filter(status="open", direction="up"), request.user, write=True
            ).select_related("process__project")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        review = step_review(
            step=obj.step,
            decision=obj.decision,
            department=obj.department,
            comments=obj.comments,
            actor=request.user,
        )
        adopt_saved(obj, review)


class MeetingPhotoInline(ScopedTabularInline):
    """New photos are checked and cleaned by the service (governance.photos); stored ones are shown."""

    model = MeetingPhoto
    fields = ["image", "caption", "preview"]
    readonly_fields = ["preview"]
    show_change_link = False

    @admin.display(description=_("预览"))
    def preview(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<img src="{}" alt="" class="admin-thumb">', obj.thumbnail.url)

    def get_readonly_fields(self, request, obj=None):
        return ["preview"]


@admin.register(Meeting)
class MeetingAdmin(ServiceFormsetsMixin, ServiceErrorsMixin, ScopedAdmin):
    list_display = ["held_on", "kind", "neighbourhood", "step", "attendees", "households_represented"]
    list_filter = ["kind", StreetFilter, CommunityFilter]
    list_select_related = ["neighbourhood", "step"]
    fields = [
        "process",
        "step",
        "neighbourhood",
        "kind",
        "held_on",
        "place",
        "attendees",
        "households_represented",
        "minutes",
    ]
    inlines = [MeetingPhotoInline]

    def save_model(self, request, obj, form, change):
        meeting_save(meeting=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not MeetingPhoto:
            return super().save_formset(request, form, formset, change)
        for photo_form in formset.forms:
            data = getattr(photo_form, "cleaned_data", None) or {}
            if photo_form.instance.pk:
                if data.get("DELETE"):
                    photo_form.instance.delete()
                continue
            if data.get("image") and not data.get("DELETE"):
                meeting_photo_add(
                    meeting=form.instance,
                    upload=data["image"],
                    caption=data.get("caption", ""),
                    actor=request.user,
                )


@admin.register(Visit)
class VisitAdmin(ServiceErrorsMixin, ScopedAdmin):
    list_display = ["visited_on", "household", "staff", "step"]
    list_select_related = ["household", "staff", "step"]
    raw_id_fields = ["household"]
    fields = ["process", "step", "household", "staff", "visited_on", "notes"]

    def save_model(self, request, obj, form, change):
        visit_save(visit=obj, actor=request.user)


@admin.register(Opinion)
class OpinionAdmin(ServiceErrorsMixin, ScopedAdmin):
    list_display = ["text_short", "source", "step", "neighbourhood", "answer", "answered_at"]
    list_filter = ["answer", "source", StreetFilter, CommunityFilter]
    list_select_related = ["step", "neighbourhood"]
    search_fields = ["text"]
    raw_id_fields = ["household"]
    fields = [
        "process",
        "step",
        "neighbourhood",
        "household",
        "source",
        "text",
        "answer",
        "answer_text",
        "answered_by",
        "answered_at",
    ]
    readonly_fields = ["answered_by", "answered_at"]

    @admin.display(description=_("意见内容"))
    def text_short(self, obj):
        return obj.text[:40]

    def save_model(self, request, obj, form, change):
        answer, answer_text = obj.answer, obj.answer_text
        if not change:
            obj = opinion_save(opinion=obj, actor=request.user)
        elif {"process", "step", "neighbourhood", "household", "source", "text"} & set(form.changed_data):
            opinion_save(opinion=obj, actor=request.user)
        if answer != "pending" and ({"answer", "answer_text"} & set(form.changed_data)):
            opinion_answer(opinion=obj, answer=answer, answer_text=answer_text, actor=request.user)


# ---- demand lists ----------------------------------------------------------------------------


class DemandListOpenForm(forms.ModelForm):
    class Meta:
        model = DemandList
        fields = ["project", "intro"]


@admin.register(DemandList)
class DemandListAdmin(ServiceErrorsMixin, ScopedAdmin):
    """Opening a project's lists creates one per neighbourhood (during D1). The change page shows
    the ranked aggregate with its CSV and Excel exports."""

    list_display = ["neighbourhood", "project", "is_open", "opened_at", "closed_at"]
    list_filter = ["is_open", StreetFilter, CommunityFilter]
    list_select_related = ["neighbourhood", "project"]
    readonly_fields = ["project", "neighbourhood", "is_open", "opened_at", "closed_at", "aggregate"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DemandListOpenForm
            kwargs["fields"] = ["project", "intro"]
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        return ["project", "intro"] if obj is None else self.readonly_fields + ["intro"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            from projects.models import Project

            kwargs["queryset"] = scope(
                Project.objects.filter(consultation__isnull=False), request.user, write=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            demand_list_intro_set(demand_list=obj, intro=obj.intro, actor=request.user)
            return
        created = demand_lists_open(project=obj.project, intro=obj.intro, actor=request.user)
        if not created:
            raise ValidationError(_("该项目各小区的需求清单均已建立。"))
        adopt_saved(obj, created[0])
        messages.info(
            request,
            _("已为%(n)d个小区建立需求清单：%(names)s。")
            % {"n": len(created), "names": "、".join(dl.neighbourhood.name for dl in created)},
        )

    @admin.display(description=_("需求汇总"))
    def aggregate(self, obj):
        result = demand_aggregate(obj.project, neighbourhood=obj.neighbourhood)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}%</td></tr>",
            ((i, r.name, r.households, r.share) for i, r in enumerate(result.rows, start=1)),
        )
        csv_url = reverse("admin:surveys_demandlist_export", args=[obj.pk, "csv"])
        xlsx_url = reverse("admin:surveys_demandlist_export", args=[obj.pk, "xlsx"])
        return format_html(
            "<p>{}</p><table><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>"
            '<p><a href="{}">CSV</a> · <a href="{}">Excel</a> · {}: <a href="{}?scope=project">CSV</a>'
            ' · <a href="{}?scope=project">Excel</a></p>',
            _("共%(h)d户，已提交%(r)d户（%(p)s%%）")
            % {"h": result.households, "r": result.respondents, "p": result.response_rate},
            _("改造内容"),
            _("户数"),
            _("占比"),
            rows,
            csv_url,
            xlsx_url,
            _("全项目汇总"),
            csv_url,
            xlsx_url,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/export.<str:fmt>",
                self.admin_site.admin_view(self.export_view),
                name="surveys_demandlist_export",
            ),
        ] + super().get_urls()

    def export_view(self, request, pk, fmt):
        demand_list = get_object_or_404(
            self.get_queryset(request).select_related("project", "neighbourhood"), pk=pk
        )
        if request.GET.get("scope") == "project":
            # The whole project's ranking: its lists are all in the project's territory, which
            # the staff managing this list's neighbourhood may not wholly see; the table holds
            # counts per menu item only, no household.
            headers, rows = demand_table(demand_aggregate(demand_list.project))
            return _download(headers, rows, fmt, f"demand-project-{demand_list.project_id}", _("需求汇总"))
        headers, rows = demand_table(
            demand_aggregate(demand_list.project, neighbourhood=demand_list.neighbourhood),
            demand_list.neighbourhood.name,
        )
        return _download(headers, rows, fmt, f"demand-{demand_list.pk}", _("需求汇总"))


class OfflineDemandForm(forms.ModelForm):
    channel = forms.ChoiceField(
        label=_("提交方式"),
        choices=[c for c in SubmissionChannel.choices if c[0] != SubmissionChannel.ONLINE],
    )

    class Meta:
        model = DemandSubmission
        fields = ["demand_list", "household", "items", "text", "channel"]
        widgets = {"items": forms.CheckboxSelectMultiple}


@admin.register(DemandSubmission)
class DemandSubmissionAdmin(ServiceErrorsMixin, ScopedAdmin):
    """Staff enter the paper, visit and meeting forms here; submissions are never edited (a new
    one replaces the current one, history kept)."""

    form = OfflineDemandForm
    read_only_reason = _("需求表提交后不能修改：重新录入该住户的需求表即替换当前的一份（历史保留）。")
    list_display = [
        "receipt",
        "household",
        "demand_list",
        "channel",
        "entered_by",
        "submitted_at",
        "is_current",
    ]
    list_filter = ["channel", "is_current", StreetFilter, CommunityFilter]
    list_select_related = ["household", "demand_list__neighbourhood", "demand_list__project", "entered_by"]
    search_fields = ["receipt", "household__room"]
    raw_id_fields = ["household"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "demand_list":
            kwargs["queryset"] = scope(DemandList.objects.filter(is_open=True), request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "items":
            from projects.permissions import catalogue_visible_to

            kwargs["queryset"] = catalogue_visible_to(request.user).filter(active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        saved = demand_submit(
            demand_list=obj.demand_list,
            household=obj.household,
            items=form.cleaned_data["items"],
            text=obj.text,
            channel=form.cleaned_data["channel"],
            actor=request.user,
        )
        adopt_saved(obj, saved)

    def save_related(self, request, form, formsets, change):
        pass  # the service wrote the items


# ---- questionnaires and plans ----------------------------------------------------------------


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
class QuestionnaireAdmin(ServiceFormsetsMixin, ServiceErrorsMixin, ScopedAdmin):
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
                rows = sorted(
                    (f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")),
                    key=lambda f: f.cleaned_data.get("order") or 0,
                )
                questions = [
                    (
                        Question(
                            text=f.cleaned_data["text"],
                            kind=f.cleaned_data["kind"],
                            required=f.cleaned_data["required"],
                        ),
                        (f.cleaned_data.get("options_text") or "").splitlines(),
                    )
                    for f in rows
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
        _run_each(
            request,
            queryset,
            lambda q: questionnaire_set_status(
                questionnaire=q, status=QuestionnaireStatus.OPEN, actor=request.user
            ),
            _("已发布%(n)d份问卷。"),
        )

    @admin.action(description=_("结束问卷"))
    def close(self, request, queryset):
        _run_each(
            request,
            queryset,
            lambda q: questionnaire_set_status(
                questionnaire=q, status=QuestionnaireStatus.CLOSED, actor=request.user
            ),
            _("已结束%(n)d份问卷。"),
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


class PlanItemInline(ScopedTabularInline):
    model = PlanItem
    fields = [
        "neighbourhood",
        "catalogue_item",
        "quantity",
        "unit_cost",
        "amount",
        "demand_households",
        "note",
    ]
    readonly_fields = ["amount", "demand_households"]
    show_change_link = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "catalogue_item":
            from projects.permissions import catalogue_visible_to

            # The menu is read, not managed: staff pick national items too (the scoped default
            # offered street and community staff an empty list).
            kwargs["queryset"] = catalogue_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PlanVersion)
class PlanVersionAdmin(ServiceFormsetsMixin, ServiceErrorsMixin, ScopedAdmin):
    list_display = ["project", "number", "kind", "title", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    fields = ["project", "kind", "title", "summary", "document", "number"]
    readonly_fields = ["number"]
    inlines = [PlanItemInline]
    actions = ["seed_from_demand", "publish_notice"]

    def save_model(self, request, obj, form, change):
        pass  # saved with its inlines in save_related, from form.instance (see pending_object)

    def save_related(self, request, form, formsets, change):
        items = None
        for formset in formsets:
            if formset.model is PlanItem:
                items = [
                    PlanItem(
                        neighbourhood=f.cleaned_data["neighbourhood"],
                        catalogue_item=f.cleaned_data["catalogue_item"],
                        quantity=f.cleaned_data["quantity"],
                        unit_cost=f.cleaned_data["unit_cost"],
                        demand_households=f.instance.demand_households or 0,
                        note=f.cleaned_data.get("note", ""),
                    )
                    for f in formset.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ]
        plan_version_save(plan=pending_object(form), items=items, actor=request.user)

    @admin.action(description=_("据需求清单生成初步方案（所选方案的项目）"))
    def seed_from_demand(self, request, queryset):
        projects = {plan.project for plan in queryset.select_related("project")}
        _run_each(
            request,
            projects,
            lambda p: plan_seed_from_demand(project=p, actor=request.user),
            _("已生成%(n)d份初步方案。"),
        )

    @admin.action(description=_("发布最终方案公示（自今日起7天）"))
    def publish_notice(self, request, queryset):
        _run_each(
            request,
            queryset.select_related("project"),
            lambda plan: plan_notice_publish(plan=plan, actor=request.user),
            _("已发布%(n)d份方案公示。"),
        )
from . import admin_reelections  # noqa: E402,F401  (re-elections tied to owners' votes)
