"""The home page: the entries for staff and residents, and a finder for a neighbourhood's public
page. It lives in the composition root because it links the pages of several apps. Also the 403
page, shared by the admin and the public pages."""
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from governance.models import Neighbourhood

FINDER_LIMIT = 20


def home(request):
    """Public. `?q=` finds neighbourhoods by name or address (public facts only), at most 20."""
    query = request.GET.get("q", "").strip()[:50]
    found = []
    if query:
        found = list(
            Neighbourhood.objects.filter(Q(name__icontains=query) | Q(address__icontains=query))
            .select_related("community__street")
            .order_by("name", "pk")[: FINDER_LIMIT + 1]
        )
    context = {"query": query, "found": found[:FINDER_LIMIT], "more": len(found) > FINDER_LIMIT}
    return render(request, "home.html", context)


def permission_denied(request, exception=None):
    """The 403 page: what was refused and why. The reason is the one the refusing code gave
    (governance.admin_base.write_refusal and the admins' own rules); a bare refusal gets the one
    that the user's roles explain (a read-only role, no role), else a general sentence."""
    from governance.admin_base import write_refusal

    in_admin = request.path.startswith(reverse("admin:index"))
    reason = str(exception) if exception is not None and exception.args else ""
    user = getattr(request, "user", None)
    if not reason and user is not None and user.is_authenticated:
        reason = write_refusal(request) or ""
        if not reason and in_admin and not user.is_superuser:
            # Our admins give their reasons; what refuses barely is Django's own permission table,
            # which only superusers hold (users, groups, API tokens).
            reason = _("只有系统管理员可以执行此操作（如管理用户、用户组和接口令牌）。")
    referer = request.META.get("HTTP_REFERER", "")
    back = referer if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}) else ""
    context = {"reason": reason, "back": back, "in_admin": in_admin}
    return render(request, "403.html", context, status=403)
