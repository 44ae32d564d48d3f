"""The token endpoint for API clients: POST a username and password, get the user's token (the
same one each time; `Authorization: Token <key>` then authenticates every /api/v1/ request).

Throttled per client address under the scope "api-token", at the rate REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES gives it (the environment's API_TOKEN_RATE, default 10/min); past it the answer is 429 with Retry-After. The
client is governance.clients' (REMOTE_ADDR, or X-Forwarded-For only as written by TRUSTED_PROXIES),
never a header a client could forge.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled
from rest_framework.throttling import ScopedRateThrottle

from governance.clients import client_network
from governance.logins import LoginRefused, login_authenticate


class TokenRequestSerializer(AuthTokenSerializer):
    """A staff user's username and password."""

    # DRF's credentials check (authenticate(), active users only), with bounded inputs.

    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(
        max_length=4096, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    token = None  # the answer carries the token; the request does not

    def validate(self, attrs):
        """The credentials checked under the failed-login limits (governance.logins): while locked,
        429 with Retry-After and the message saying until when, the password not checked."""
        try:
            user = login_authenticate(
                self.context["request"], username=attrs["username"], password=attrs["password"]
            )
        except LoginRefused as refused:
            locked = Throttled(detail=refused.message)
            locked.wait = refused.retry_after  # Retry-After, without DRF's English sentence appended
            raise locked from None
        if user is None:
            raise serializers.ValidationError(_("用户名或密码不正确。"), code="authorization")
        attrs["user"] = user
        return attrs


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, counting per client as every per-client limit does
    (governance.clients.client_network: behind TRUSTED_PROXIES only, IPv6 per /64)."""

    def get_ident(self, request):
        return client_network(request)


class TokenView(ObtainAuthToken):
    """Exchange a staff user's username and password for the user's API token.

    Send the token as `Authorization: Token <key>` on every other request. Attempts are limited
    per client address (API_TOKEN_RATE, default 10 per minute, failed and successful alike);
    past the limit the answer is 429 with a Retry-After header in seconds. Failed logins lock the
    account from this client, as at the admin's login (governance.logins): 429 too."""

    authentication_classes = []  # credentials are the body; no session, so no CSRF either
    permission_classes = []
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "api-token"
    serializer_class = TokenRequestSerializer

    @extend_schema(
        operation_id="auth_token_create",
        summary="Get an API token",
        tags=["auth"],
        auth=[],
        request=TokenRequestSerializer,
        parameters=[
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                response=[429],
                description="Seconds to wait before the next attempt.",
            )
        ],
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong or inactive credentials, or a missing field."),
            429: OpenApiResponse(
                response=inline_serializer("Throttled", {"detail": serializers.CharField()}),
                description="Too many attempts from this client, or too many failed logins of this "
                "account from this client (locked, the password not checked): retry after the number "
                "of seconds in the Retry-After header.",
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
