"""The resident entry: sign in with the household code (no account), sign out.

Pages of higher apps that need a household send the resident here with `?next=<their url>` and
read the household with residents.session.current_household. Without `next`, the entry goes to
the household's page ("surveys:home", named by URL, not imported: a higher app) when it exists,
else to the site's home.
"""

from django import forms
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import throttle
from .session import current_household, sign_in, sign_out


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("户码"),
        max_length=40,
        help_text=gettext_lazy("社区发放的住户码，如 K7M3Q-XXXX-XXXX，大小写和短横线均可。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _default_next():
    try:
        return reverse("surveys:home")
    except NoReverseMatch:
        return reverse("home")


def _safe_next(request, candidate):
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return _default_next()


@never_cache
@throttle.with_device_cookie
def entry(request):
    """Ask for the household code; on success sign in and go to `next`. A wrong code counts
    against the client, its device and its address (residents.throttle); while the client must
    wait, the page says until when (HTTP 429 with Retry-After) without checking the code."""
    status = 200
    retry_after = None
    if request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            raw = form.cleaned_data["code"]
            next_url = _safe_next(request, form.cleaned_data["next"])
            try:
                household = throttle.household_for_code_guarded(request, raw)
            except throttle.CodeRefused as refused:
                form.add_error("code", refused.message)
                status, retry_after = refused.status, refused.retry_after
            else:
                sign_in(request, household)
                return redirect(next_url)
        else:
            status = 400
    else:
        form = CodeForm(initial={"next": _safe_next(request, request.GET.get("next"))})
    household = current_household(request)
    response = render(request, "residents/entry.html", {"form": form, "household": household}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def leave(request):
    sign_out(request)
    return redirect("home")
