"""The admin of the money rows: funding sources, commitments and disbursements (added, never edited;
a wrong one is reversed with a reason) and the neighbourhoods' public income."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from governance.admin_base import (
    AddOnlyMixin,
    CommunityFilter,
    CreateServiceMixin,
    ListedInline,
    RefusalsMixin,
    ScopedAdmin,
    StreetFilter,
    may_write,
)
from governance.bounds import TEXT_MAX, limit_text
from governance.models import District
from governance.money import yuan
from governance.scoping import can_manage, scope
from projects.models import Project

from ..models import Commitment, Disbursement, FundingSource, PublicIncome
from ..querysets import sum_of
from ..selectors import project_funding
from ..services import (
    commitment_create,
    commitment_reverse,
    disbursement_create,
    disbursement_reverse,
    funding_source_save,
    public_income_save,
)


class CreateOnlyMixin(AddOnlyMixin):
    """Rows that record money are added, never edited or deleted: a wrong one is reversed
    (ReversibleMixin) and the right one added as a new row."""

    read_only_reason = _("资金记录只能新增，不能修改或删除：登记有误的，请在该记录页“冲销此记录”并按正确金额重新登记。")


class ReversedFilter(admin.SimpleListFilter):
    title = _("冲销")
    parameter_name = "reversed"

    def lookups(self, request, model_admin):
        return [("no", _("有效")), ("yes", _("已冲销"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(reversal__isnull=True)
        if self.value() == "yes":
            return queryset.filter(reversal__isnull=False)
        return queryset


class ReversalForm(forms.Form):
    reason = limit_text(
        forms.CharField(
            label=_("冲销原因"),
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("例如：金额录入错误，应为 120,000.00 元。冲销后请按正确金额重新登记。"),
        ),
        TEXT_MAX,
    )


class ReversibleMixin:
    """A money row's reversal: the "冲销" page at <id>/reverse/ (a reason, then the service), its
    button on the row's page, a list action for one selected row, and a "reversed" column.
    Subclasses set `reverse_service` (a function) and `reverse_kwarg` (its argument's name)."""

    reverse_service = None
    reverse_kwarg = ""
    actions = ["reverse_selected"]
    change_form_template = "admin/funding/reversible_change_form.html"

    @admin.display(description=_("冲销"))
    def reversal_display(self, obj):
        reversal = getattr(obj, "reversal", None)
        if reversal is None:
            return "—"
        return format_html(
            "<strong>{}</strong> {}：{}",
            _("已冲销"),
            f"{timezone.localtime(reversal.created_at):%Y-%m-%d}",
            reversal.reason,
        )

    def _reverse_url_name(self):
        return f"{self.opts.app_label}_{self.opts.model_name}_reverse"

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/reverse/",
                self.admin_site.admin_view(self.reverse_view),
                name=self._reverse_url_name(),
            )
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        reversible = getattr(obj, "reversal", None) is None and can_manage(request.user, obj)
        extra_context = {
            **(extra_context or {}),
            "reversal": getattr(obj, "reversal", None),
            "reverse_url": (
                reverse(f"admin:{self._reverse_url_name()}", args=[obj.pk]) if reversible else None
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def reverse_view(self, request, object_id):
        """GET: the row and a reason field; POST: the service. A refusal comes back as a message
        on the same page; out of the territory: 404; a read-only role: 403."""
        obj = self.get_object(request, object_id)
        if not can_manage(request.user, obj):
            raise PermissionDenied(self.write_refusal(request, obj))
        form = ReversalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                type(self).reverse_service(
                    **{self.reverse_kwarg: obj}, reason=form.cleaned_data["reason"], actor=request.user
                )
            except ValidationError as exc:
                for text in exc.messages:
                    messages.error(request, text)
            else:
                messages.success(request, _("已冲销“%(row)s”。请按正确金额重新登记。") % {"row": obj})
                return HttpResponseRedirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("冲销%(what)s：%(row)s") % {"what": self.opts.verbose_name, "row": obj},
            "object": obj,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/funding/reverse.html", context)

    @admin.action(description=_("冲销所选记录（一次一条）"))
    def reverse_selected(self, request, queryset):
        rows = list(queryset[:2])
        if len(rows) != 1:
            messages.error(request, _("冲销须填写原因，请一次只选择一条记录。"))
            return None
        return HttpResponseRedirect(reverse(f"admin:{self._reverse_url_name()}", args=[rows[0].pk]))


@admin.register(FundingSource)
class FundingSourceAdmin(RefusalsMixin, ScopedAdmin):
    list_display = [
        "name",
        "kind",
        "provider",
        "amount_held",
        "committed",
        "district",
        "street",
        "document_number",
    ]
    list_filter = ["kind", "district", "street"]
    search_fields = ["name", "provider", "document_number"]
    list_select_related = ["district", "street"]
    fields = [
        "name",
        "kind",
        "provider",
        "amount_held",
        "district",
        "street",
        "document_number",
        "document",
        "note",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(committed_total=sum_of(Commitment, "amount", "source", live=True))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district":  # a street's staff file money under their own (visible) district
            kwargs["queryset"] = scope(District.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("已承诺(元，不含冲销)"), ordering="committed_total")
    def committed(self, obj):
        return yuan(obj.committed_total or 0)

    def has_delete_permission(self, request, obj=None):
        return False  # corrected through funding_source_save (audited), never deleted

    def save_model(self, request, obj, form, change):
        funding_source_save(source=obj, actor=request.user)


class DisbursementInline(ListedInline):
    model = Disbursement
    fields = ["amount", "paid_on", "payee", "voucher_number", "created_by", "reversal_display"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "reversal")

    reversal_display = ReversibleMixin.reversal_display


@admin.register(Commitment)
class CommitmentAdmin(CreateServiceMixin, ReversibleMixin, RefusalsMixin, CreateOnlyMixin, ScopedAdmin):
    create_service = commitment_create
    create_fields = ["source", "project", "amount", "committed_on", "document_number", "conditions"]
    reverse_service = commitment_reverse
    reverse_kwarg = "commitment"
    list_display = [
        "project",
        "source",
        "amount",
        "disbursed",
        "committed_on",
        "document_number",
        "reversal_display",
        "funding_link",
    ]
    list_filter = ["source__kind", ReversedFilter, StreetFilter, CommunityFilter]
    search_fields = ["project__code", "project__name", "source__name", "document_number"]
    list_select_related = ["project", "source", "reversal"]
    fields = ["source", "project", "amount", "committed_on", "document_number", "conditions"]
    inlines = [DisbursementInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(disbursed_total=sum_of(Disbursement, "amount", "commitment", live=True))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":  # any source the actor sees may be committed to a managed project
            kwargs["queryset"] = scope(FundingSource.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("已拨付(元，不含冲销)"), ordering="disbursed_total")
    def disbursed(self, obj):
        return yuan(obj.disbursed_total or 0)

    @admin.display(description=_("项目资金情况"))
    def funding_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:funding_project_funding", args=[obj.project_id]), _("查看")
        )

    def get_urls(self):
        own = [
            path(
                "project/<int:project_id>/",
                self.admin_site.admin_view(self.project_funding_view),
                name="funding_project_funding",
            )
        ]
        return own + super().get_urls()  # before ReversibleMixin's <path:object_id>/reverse/

    def project_funding_view(self, request, project_id):
        """Budget, committed and disbursed by source kind, the gap, and every commitment of one
        project. 404 outside the actor's territory."""
        project = scope(Project.objects.all(), request.user).filter(pk=project_id).first()
        if project is None:
            raise Http404(_("对象不存在或不在您的辖区内。"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("项目资金情况：%(project)s") % {"project": project},
            "project": project,
            "page": project_funding(project),
            "opts": self.model._meta,
            "may_add_commitment": self.has_add_permission(request) and may_write(request, project),
        }
        return TemplateResponse(request, "admin/funding/project_funding.html", context)


@admin.register(Disbursement)
class DisbursementAdmin(CreateServiceMixin, ReversibleMixin, RefusalsMixin, CreateOnlyMixin, ScopedAdmin):
    create_service = disbursement_create
    create_fields = ["commitment", "amount", "paid_on", "payee", "voucher_number"]
    reverse_service = disbursement_reverse
    reverse_kwarg = "disbursement"
    list_display = ["voucher_number", "commitment", "amount", "paid_on", "payee", "reversal_display"]
    list_filter = ["commitment__source__kind", ReversedFilter, StreetFilter, CommunityFilter]
    search_fields = ["voucher_number", "payee", "commitment__project__code"]
    list_select_related = ["commitment__project", "commitment__source", "reversal"]
    fields = ["commitment", "amount", "paid_on", "payee", "voucher_number"]


@admin.register(PublicIncome)
class PublicIncomeAdmin(RefusalsMixin, ScopedAdmin):
    list_display = ["neighbourhood", "kind", "amount", "period_start", "period_end", "use"]
    list_filter = ["kind", StreetFilter, CommunityFilter]
    search_fields = ["neighbourhood__name", "use"]
    list_select_related = ["neighbourhood"]
    fields = ["neighbourhood", "kind", "amount", "period_start", "period_end", "use"]

    def has_delete_permission(self, request, obj=None):
        return False  # published to residents: corrected through public_income_save, never deleted

    def save_model(self, request, obj, form, change):
        public_income_save(income=obj, actor=request.user)
