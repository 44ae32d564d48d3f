"""No existence oracle in the API: every writable endpoint answers an id of a row outside the
actor's territory exactly as an id that exists nowhere (governance.api.fields).

The demo is seeded (one district with projects, consultations, money and subsidies); the actor is
street staff of another district, so every seeded row is outside their territory, as are the
seeded district's own works-menu item and consultation template made here. The test walks the
router: every view set that creates, every writable related field of its serializer (nested ones
too), and posts the outside id and a nonexistent one: the two answers must be identical (status and
body), and must name the field with "does not exist"."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from rest_framework import relations, serializers
from rest_framework.test import APIClient, APIRequestFactory

from config.api_urls import router
from governance.api.fields import ScopedModelSerializer, ScopedRelatedField, is_scoped
from governance.choices import RoleKind
from governance.models import District, Street
from projects.models import CatalogueItem
from surveys.models import ProcessTemplate
from tests.factories import CommunityFactory, DistrictFactory, NeighbourhoodFactory, StreetFactory, staff_user

MISSING = "所选的对象不存在。"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("seed_demo", "--scale", "small", stdout=StringIO())
            yield
            transaction.set_rollback(True)


@pytest.fixture
def outsider(seeded, db):
    """Street staff of a district of their own, with a neighbourhood; the seeded district gets a
    works-menu item and a consultation template of its own (the shared ones are everyone's)."""
    seeded_district = District.objects.order_by("pk").first()
    CatalogueItem.objects.create(
        code="z99", name="区自定项目", work_class="basic", unit="item", reference_unit_cost=0, district=seeded_district
    )
    ProcessTemplate.objects.create(name="区自定流程", district=seeded_district)
    street = StreetFactory(district=DistrictFactory(name="另一区"))
    NeighbourhoodFactory(community=CommunityFactory(street=street))
    return staff_user(RoleKind.STREET_STAFF, street, "outsider")


def _writable_relations(serializer, prefix=()):
    """[(path, field)] of every writable related field, nested serializers included."""
    found = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ListSerializer):
            found += _writable_relations(field.child, (*prefix, name, 0))
        elif isinstance(field, serializers.Serializer):
            found += _writable_relations(field, (*prefix, name))
        elif isinstance(field, (relations.RelatedField, relations.ManyRelatedField)):
            found.append(((*prefix, name), field))
    return found


def _body(path, value):
    """A body carrying `value` at `path` ((name,), or (name, 0, name) for a list of objects)."""
    if len(path) == 1:
        return {path[0]: value}
    if path[1] == 0:
        return {path[0]: [_body(path[2:], value)]}
    return {path[0]: _body(path[1:], value)}


def _creating_endpoints(actor, action="create", method="post"):
    """[(url, serializer)] of every router view set that accepts `method` for `action`."""
    request = APIRequestFactory().post("/")
    request.user = actor
    endpoints = []
    for prefix, viewset, _basename in router.registry:
        if method not in viewset.http_method_names or not hasattr(viewset, action):
            continue
        view = viewset(action=action, request=request, format_kwarg=None, kwargs={})
        serializer = view.get_serializer_class()(context={"request": request, "view": view})
        endpoints.append((f"/api/v1/{prefix}/", serializer))
    return endpoints


@pytest.mark.django_db
def test_outside_and_nonexistent_ids_answer_alike_on_every_writable_field(outsider):
    client = APIClient()
    client.force_authenticate(outsider)
    checked = []
    for url, serializer in _creating_endpoints(outsider):
        assert isinstance(serializer, ScopedModelSerializer), url
        for path, field in _writable_relations(serializer):
            many = isinstance(field, relations.ManyRelatedField)
            child = field.child_relation if many else field
            assert isinstance(child, ScopedRelatedField), (url, path)
            model = child.model
            usable = child.get_queryset()
            outside = model._default_manager.exclude(pk__in=usable.values("pk")).order_by("pk").first()
            assert outside is not None, f"{url} {path}: no {model.__name__} outside the field's choices (every seeded row is outside the actor's district: is the field scoped?)"
            top = model._default_manager.order_by("-pk").first()
            nonexistent = top.pk + 1000
            answers = []
            for pk in (outside.pk, nonexistent):
                value = [pk] if many else pk
                response = client.post(url, _body(path, value), format="json")
                answers.append((response.status_code, response.json()))
            assert answers[0] == answers[1], (url, path, answers)
            status, body = answers[0]
            assert status == 400, (url, path, answers[0])
            error = body
            for step in path:  # a list's errors come as a list, or a dict keyed by index
                error = error[str(step)] if isinstance(error, dict) and step not in error else error[step]
            assert MISSING in str(error), (url, path, error)
            checked.append((url, ".".join(map(str, path))))
    # The router's creating endpoints and their related fields, all of them.
    assert {url for url, _ in checked} >= {
        "/api/v1/projects/",
        "/api/v1/scope-items/",
        "/api/v1/consultation-processes/",
        "/api/v1/meetings/",
        "/api/v1/commitments/",
        "/api/v1/subsidy-plans/",
    }, checked
    assert ("/api/v1/consultation-processes/", "project") in checked
    assert ("/api/v1/subsidy-plans/", "payers.0.source") in checked
    assert len(checked) >= 25, checked


@pytest.mark.django_db
@pytest.mark.django_db
def test_every_changing_endpoint_uses_the_scoped_serializers(outsider):
    """PUT and PATCH validate with the same kind of serializer as POST (the ids are checked by the
    fields, whatever the action)."""
    changing = _creating_endpoints(outsider, "partial_update", "patch")
    assert {url for url, _ in changing} >= {"/api/v1/projects/", "/api/v1/meetings/"}
    for url, serializer in changing:
        assert isinstance(serializer, ScopedModelSerializer), url
        assert all(is_scoped(field) for _path, field in _writable_relations(serializer)), url


def test_starting_a_consultation_for_a_project_elsewhere_says_only_that_it_does_not_exist(outsider):
    """The probe's case: a project with a process, one without, and none at all answer alike."""
    from projects.models import Project

    client = APIClient()
    client.force_authenticate(outsider)
    template = ProcessTemplate.objects.filter(district__isnull=True).first()
    with_process = Project.objects.filter(consultation__isnull=False).first()
    without = Project.objects.filter(consultation__isnull=True).first()
    answers = {
        client.post(
            "/api/v1/consultation-processes/", {"project": pk, "template": template.pk}, format="json"
        ).content
        for pk in (with_process.pk, without.pk, Project.objects.order_by("-pk").first().pk + 1)
    }
    assert len(answers) == 1
    assert MISSING in answers.pop().decode()


def test_a_serializer_with_an_unscoped_related_field_is_refused():
    class Leaky(ScopedModelSerializer):
        district = serializers.PrimaryKeyRelatedField(queryset=District.objects.all())

        class Meta:
            model = Street
            fields = ["id", "district", "name"]

    with pytest.raises(TypeError, match="Leaky.district"):
        Leaky().fields
    assert is_scoped(serializers.PrimaryKeyRelatedField(read_only=True))
