"""Public resident pages of the projects app: no login, phone first, no JavaScript needed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from residents.session import current_household
from residents.throttle import CodeRefused, household_for_code_guarded, with_device_cookie

from .forms import ObjectionForm
from .models import Notice
from .public_sections import public_sections
from .selectors import public_neighbourhood, public_page_projects, stage_steps
from .services import objection_submit


def _neighbourhood_or_404(neighbourhood_id):
    neighbourhood = public_neighbourhood(neighbourhood_id)
    if neighbourhood is None:
        raise Http404(_("没有这个小区。"))
    return neighbourhood


def _resident_here(request, neighbourhood):
    """The household signed in with its code, when it belongs to this neighbourhood (its
    objections need no code); None otherwise."""
    household = current_household(request)
    if household is not None and household.neighbourhood_id == neighbourhood.pk:
        return household
    return None


def _render_page(request, neighbourhood, *, form_notice_id=None, form=None, status=200, retry_after=None):
    today = timezone.localdate()
    resident = _resident_here(request, neighbourhood)
    projects = public_page_projects(neighbourhood, today)
    for project in projects:
        project.steps = stage_steps(project)
    response = render(
        request,
        "projects/neighbourhood.html",
        {
            "neighbourhood": neighbourhood,
            "projects": projects,
            "sections": public_sections(neighbourhood),
            "today": today,
            "form_notice_id": form_notice_id,
            "bound_form": form,
            "blank_form": ObjectionForm(code_needed=resident is None),
            "resident": resident,
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def neighbourhood_page(request, neighbourhood_id):
    """A neighbourhood's renovation, as residents see it: each project's stage and timeline, the
    notices (current ones with the objection form), photos and the works planned here. Shows no
    personal data: no names, rooms, or who objected."""
    return _render_page(request, _neighbourhood_or_404(neighbourhood_id))


@require_POST
@with_device_cookie
def objection_create(request, neighbourhood_id, notice_id):
    """A resident objects to a notice: as the household signed in with its code, or by typing the
    code (checked under residents.throttle's limits). A wrong code, a household of another
    neighbourhood, an over-long text or a closed period re-renders the page with the error by the
    form."""
    neighbourhood = _neighbourhood_or_404(neighbourhood_id)
    notice = Notice.objects.filter(pk=notice_id, project__neighbourhoods=neighbourhood).first()
    if notice is None:
        raise Http404(_("没有这条公示。"))
    household = _resident_here(request, neighbourhood)
    form = ObjectionForm(request.POST, code_needed=household is None)
    status, retry_after = 400, None
    if form.is_valid():
        if household is None:
            try:
                household = household_for_code_guarded(
                    request, form.cleaned_data["code"], neighbourhood_id=neighbourhood.pk
                )
            except CodeRefused as refused:
                form.add_error("code", refused.message)
                status, retry_after = refused.status, refused.retry_after
        if household is not None:
            try:
                objection_submit(notice=notice, household=household, text=form.cleaned_data["text"])
            except ValidationError as exc:
                for field, errors in (
                    exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
                ):
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("异议已提交。工作人员答复前，公示事项不会进入下一步。"))
                return redirect(
                    reverse("projects:neighbourhood", args=[neighbourhood.pk]) + f"#notice-{notice.pk}"
                )
    return _render_page(
        request, neighbourhood, form_notice_id=notice.pk, form=form, status=status, retry_after=retry_after
    )
