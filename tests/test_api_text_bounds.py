"""Every text the API accepts is bounded (as the admin and the resident forms are): each writable
character field of every serializer of every route, and of every route's actions, has a
max_length; and an opinion too long for the admin is refused by the API naming the field."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from config.api_urls import router
from governance.bounds import text_max
from surveys.models import Opinion
from tests.surveys.helpers import collecting_project


def _serializer_classes():
    for prefix, viewset, _basename in router.registry:
        classes = {getattr(viewset, "serializer_class", None)}
        for action in viewset.get_extra_actions():
            classes.add(action.kwargs.get("serializer_class"))
        for cls in classes - {None}:
            yield prefix, cls


def _unbounded(serializer, path=""):
    for name, field in serializer.fields.items():
        where = f"{path}{name}"
        if field.read_only:
            continue
        if isinstance(field, serializers.BaseSerializer):
            child = getattr(field, "child", field)
            yield from _unbounded(child, f"{where}.")
            continue
        for leaf in (field, getattr(field, "child", None)):
            if isinstance(leaf, serializers.CharField) and not isinstance(leaf, serializers.ChoiceField):
                if leaf.max_length is None:
                    yield where


@pytest.mark.django_db
def test_every_writable_text_field_of_the_api_has_a_bound(rf, django_user_model):
    request = rf.get("/")
    request.user = django_user_model(is_superuser=True)
    missing = []
    for prefix, cls in _serializer_classes():
        missing += [f"{prefix}: {cls.__name__}.{name}" for name in _unbounded(cls(context={"request": request}))]
    assert not missing, missing


@pytest.mark.django_db
def test_an_opinion_too_long_for_the_admin_is_refused_by_the_api(territory, users):
    project, process, lists = collecting_project(territory, users.community)
    api = APIClient()
    api.force_authenticate(users.community)
    limit = text_max(Opinion._meta.get_field("text"))
    body = {"process": process.pk, "neighbourhood": territory.n111.pk, "source": "online"}
    refused = api.post("/api/v1/opinions/", {**body, "text": "长" * (limit + 1)}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["text"]
    assert not Opinion.objects.exists()
    assert api.post("/api/v1/opinions/", {**body, "text": "长" * limit}, format="json").status_code == 201
    opinion = Opinion.objects.get()
    answer_limit = text_max(Opinion._meta.get_field("answer_text"))
    too_long_answer = {"answer": "partly", "answer_text": "答" * (answer_limit + 1)}
    answered = api.post(f"/api/v1/opinions/{opinion.pk}/answer/", too_long_answer, format="json")
    assert answered.status_code == 400 and list(answered.json()) == ["answer_text"]
