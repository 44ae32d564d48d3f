"""The API's doc pages, held to this server: each answers with a Content-Security-Policy that lets
the browser load scripts, styles, images, fonts and the schema from here only.

The bundles come from drf-spectacular's sidecar and ReDoc's template drops its Google Fonts links
(templates/drf_spectacular/redoc.html), so nothing the pages need lives elsewhere. The policy makes
it hold for what the bundles themselves reach for: ReDoc's side menu draws Redocly's logo from
cdn.redoc.ly, which the browser now refuses without asking (ReDoc then shows the link without it).
Inline scripts and styles are allowed because both pages start their bundle with an inline script
(the settings); ReDoc's search runs in a worker made from a blob."""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)


class _HeldToThisServer:
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = POLICY
        return response


class SwaggerView(_HeldToThisServer, SpectacularSwaggerView):
    pass


class RedocView(_HeldToThisServer, SpectacularRedocView):
    pass
