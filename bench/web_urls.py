"""The project's URLs plus the bare baselines of bench_web.py (used only through web_settings.py):

- /bench/bare/form/: GET stores a value in the session and returns a CSRF token; POST (CSRF
  checked by the middleware) reads the session and INSERTs one row into bench_web_bare in one
  transaction, then redirects, as the demand form does;
- /bench/bare/projects/: one SELECT of the first 50 projects and their JSON, as the API list's
  floor.
"""

from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def bare_form(request):
    if request.method == "POST":
        if not request.session.get("bench_bare"):
            return HttpResponseBadRequest("no session")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_web_bare (at, session_key, text) VALUES (now(), %s, %s)",
                [request.session.session_key, request.POST.get("text", "")[:200]],
            )
        return redirect("/bench/bare/form/")
    request.session["bench_bare"] = 1
    return HttpResponse(get_token(request), content_type="text/plain")


def bare_projects(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, code, name FROM projects_project ORDER BY id LIMIT 50")
        rows = [{"id": r[0], "code": r[1], "name": r[2]} for r in cursor.fetchall()]
    return JsonResponse({"count": len(rows), "results": rows})


urlpatterns = [
    path("bench/bare/form/", bare_form),
    path("bench/bare/projects/", bare_projects),
    *project_urlpatterns,
]
