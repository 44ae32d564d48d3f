"""Request body size caps, applied before anything reads the body.

Django reads a body only when a view (or the CSRF check, for a form POST) asks for it, and then
writes uploaded files to disk as they arrive: an anonymous 200 MB POST to /code/ was stored before
the form refused it. This middleware looks at the declared Content-Length and answers 413 before
the body is read, with a limit that depends on where the request goes and who sends it
(`settings.REQUEST_BODY_LIMITS`, bytes, each from the environment):

- `public`: every public page and form (the code entry, objections, votes, questionnaires), and
  the admin for anyone not signed in as staff (its login form);
- `resident_photos`: the demand form and the report form of a signed-in household (text and up
  to three photos);
- `api`: everything under /api/ (JSON bodies);
- `admin`: the admin for signed-in staff (photos, plan documents);
- `census`: the admin's census import (a whole district's file).

A body without a declared length (Transfer-Encoding: chunked) is answered 411: Django would read
it as empty. The front proxy caps bodies first (README, "Production").
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from residents.session import HOUSEHOLD_KEY

CENSUS_IMPORT_URL_NAME = "residents_household_import"
# The forms of a signed-in household that carry photos: its demand list and its reports.
RESIDENT_PHOTOS_VIEW_NAMES = ("surveys:demand", "residents:report_new")


def body_limit(request, match):
    """The largest body, in bytes, that the request resolved to `match` may carry."""
    limits = settings.REQUEST_BODY_LIMITS
    if "admin" in match.namespaces:
        user = request.user
        if user.is_authenticated and user.is_staff:
            return limits["census"] if match.url_name == CENSUS_IMPORT_URL_NAME else limits["admin"]
        return limits["public"]
    if match.route.startswith("api/"):
        return limits["api"]
    if match.view_name in RESIDENT_PHOTOS_VIEW_NAMES and request.session.get(HOUSEHOLD_KEY):
        return limits["resident_photos"]
    return limits["public"]


class RequestBodyLimitMiddleware:
    """Placed before CsrfViewMiddleware (which reads a form POST in its process_view) and after
    AuthenticationMiddleware's request.user is set (process_view runs after every process_request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared:
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return _refusal(request, 411, _("请求须声明内容长度（Content-Length）。"))
            return self.get_response(request)
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return _refusal(request, 400, _("请求的内容长度（Content-Length）无效。"))
        # Checked in process_view, once the URL says which cap applies: nothing reads the body
        # before it (and nothing at all for a URL that resolves to no view).
        request.declared_body_length = length
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        length = getattr(request, "declared_body_length", 0)
        if not length:
            return None
        limit = body_limit(request, request.resolver_match)
        if length > limit:
            return _too_large(request, limit)
        return None


def _too_large(request, limit):
    return _refusal(
        request, 413, _("提交的内容过大，上限为 %(limit)s。") % {"limit": filesizeformat(limit)}
    )


def _refusal(request, status, message):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "request_refused.html", {"message": message}, status=status)


class ContentSecurityPolicyMiddleware:
    """Adds `settings.CONTENT_SECURITY_POLICY` to every response that sets none of its own (the
    API's doc pages set a looser one for Swagger UI and ReDoc: config/api_docs.py). Django 5.2 has
    no CSP of its own (6.0 has); one header is all this needs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response:
            return response
        if settings.DEBUG and response.status_code in (404, 500):
            # Django's technical error pages (DEBUG only) are styled and scripted inline.
            return response
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response
