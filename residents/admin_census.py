"""The census import page of the household admin: upload a file, see every problem by row and
column, or a success message with the counts. The import itself is residents.census.census_import."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from governance.admin_base import may_write

from .census import CensusImportError, census_import
from .forms import CensusUploadForm

# The page lists this many problems; the rest are counted.
PROBLEMS_SHOWN = 1000


class CensusImportAdminMixin:
    change_list_template = "admin/residents/household/change_list.html"
    census_import_template = "admin/residents/household/census_import.html"

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.census_import_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def _may_import(self, request):
        return may_write(request, model=self.model)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self._may_import(request):
            opts = self.opts
            extra_context["census_import_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_import", current_app=self.admin_site.name
            )
        return super().changelist_view(request, extra_context)

    def census_import_view(self, request):
        """Street and community staff (and superusers) only; others get 403. Rows outside the
        user's territory are refused by the service, row by row."""
        if not self._may_import(request):
            raise PermissionDenied(self.write_refusal(request))
        problems = None
        if request.method == "POST":
            form = CensusUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    result = census_import(file=upload, actor=request.user, filename=upload.name)
                except CensusImportError as exc:
                    problems = exc.problems
                else:
                    self.message_user(request, _("导入成功。") + result.summary(), messages.SUCCESS)
                    opts = self.opts
                    return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        else:
            form = CensusUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入摸底普查数据"),
            "form": form,
            "problems": problems[:PROBLEMS_SHOWN] if problems else problems,
            "problem_count": len(problems or ()),
            "problems_hidden": max(len(problems or ()) - PROBLEMS_SHOWN, 0),
            "has_view_permission": self.has_view_permission(request),
        }
        return TemplateResponse(request, self.census_import_template, context)
