"""The home page: the entries for staff and residents, and a finder for a neighbourhood's public
page. It lives in the composition root because it links the pages of several apps."""
from django.db.models import Q
from django.shortcuts import render

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
