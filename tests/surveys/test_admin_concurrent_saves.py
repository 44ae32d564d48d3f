"""Two staff saving at once through the same admin: Django keeps one ModelAdmin per model for every
request of a process, so an admin that kept the object being saved on itself (save_model storing
it, save_related reading it back) let one request write the other's object. These tests run the
admin's own save steps for two requests in alternation, as a threaded server may schedule them,
and check that each request wrote its own object."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from surveys.models import PlanVersion, Questionnaire

from .helpers import collecting_project


def _start_save(model_admin, user, data):
    """The first half of the admin's add view for one request: the form, validated, and the object
    save_model receives. Returns (request, form, obj)."""
    request = RequestFactory().post("/", data)
    request.user = user
    form = model_admin.get_form(request, None, change=False)(data)
    assert form.is_valid(), form.errors
    obj = model_admin.save_form(request, form, change=False)
    return request, form, obj


def _interleave(model_admin, user, first, second):
    """Both requests reach save_model before either reaches save_related."""
    a = _start_save(model_admin, user, first)
    b = _start_save(model_admin, user, second)
    model_admin.save_model(a[0], a[2], a[1], False)
    model_admin.save_model(b[0], b[2], b[1], False)
    model_admin.save_related(a[0], a[1], [], False)
    model_admin.save_related(b[0], b[1], [], False)
    return a[2], b[2]


@pytest.mark.django_db
def test_two_interleaved_questionnaire_saves_keep_their_own_objects(territory, users):
    model_admin = admin.site._registry[Questionnaire]
    common = {"neighbourhood": territory.n111.pk, "intro": ""}
    one, two = _interleave(
        model_admin, users.community, {**common, "title": "停车调查"}, {**common, "title": "绿化调查"}
    )
    assert one.pk and two.pk and one.pk != two.pk
    stored = dict(Questionnaire.objects.values_list("pk", "title"))
    assert stored == {one.pk: "停车调查", two.pk: "绿化调查"}


@pytest.mark.django_db
def test_two_interleaved_plan_version_saves_keep_their_own_objects(territory, users):
    project, _process, _lists = collecting_project(territory, users.community)
    model_admin = admin.site._registry[PlanVersion]
    common = {"project": project.pk, "kind": "preliminary"}
    one, two = _interleave(
        model_admin,
        users.community,
        {**common, "title": "初步一", "summary": "道路"},
        {**common, "title": "初步二", "summary": "管网"},
    )
    assert one.pk and two.pk and one.pk != two.pk
    stored = {p.pk: (p.title, p.summary) for p in PlanVersion.objects.filter(project=project)}
    assert stored == {one.pk: ("初步一", "道路"), two.pk: ("初步二", "管网")}
