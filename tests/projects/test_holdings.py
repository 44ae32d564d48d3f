"""A neighbourhood that still holds rows of a project (scope items, demand lists, votes, meetings,
objections…) cannot be taken out of it: the service refuses, naming the neighbourhood and its
rows, so the API and the admin both refuse and nothing changes; one that holds nothing can go."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from projects.holdings import project_holdings
from projects.models import CatalogueItem, ScopeItem
from projects.services import project_save
from surveys.models import DemandList, Vote
from tests.admin_forms import form_data, merged
from tests.projects.helpers import scope_line
from tests.surveys.helpers import collecting_project, open_vote


@pytest.fixture
def held(territory, users):
    """A project over 新华里 (n111) and 东风里 (n121), its demand lists open in both, two scope
    items and an open vote in 东风里."""
    project, _process, _lists = collecting_project(territory, users.street, [territory.n111, territory.n121])
    item = CatalogueItem.objects.get(code="roads")
    for quantity in ("10", "20"):
        scope_line(project, territory.n121, item, quantity, "100.00")
    open_vote(territory.n121, users.street, project=project)
    return project


def _names(project):
    return sorted(project.neighbourhoods.values_list("name", flat=True))


@pytest.mark.django_db
def test_the_service_names_what_the_neighbourhood_still_holds(territory, users, held):
    holdings = project_holdings(held.pk, [territory.n121.pk])
    labels = dict(holdings[territory.n121.pk])
    assert labels["改造内容明细"] == 2 and labels["需求清单"] == 1 and labels["业主表决"] == 1
    with pytest.raises(ValidationError) as refused:
        project_save(project=held, neighbourhoods=[territory.n111], actor=users.street)
    [message] = refused.value.message_dict["neighbourhoods"]
    assert "东风里" in message and "改造内容明细（2）" in message and "需求清单（1）" in message
    assert "业主表决（1）" in message
    assert _names(held) == ["东风里", "新华里"]


@pytest.mark.django_db
def test_api_patch_refuses_removing_a_neighbourhood_with_rows_and_changes_nothing(territory, users, held):
    api = APIClient()
    api.force_authenticate(users.street)
    response = api.patch(f"/api/v1/projects/{held.pk}/", {"neighbourhoods": [territory.n111.pk]}, format="json")
    assert response.status_code == 400, response.content
    [message] = response.json()["neighbourhoods"]
    assert "东风里" in message and "改造内容明细（2）" in message and "需求清单（1）" in message
    assert _names(held) == ["东风里", "新华里"]
    assert ScopeItem.objects.filter(project=held, neighbourhood=territory.n121).count() == 2
    # Adding one is no removal: accepted.
    added = api.patch(
        f"/api/v1/projects/{held.pk}/",
        {"neighbourhoods": [territory.n111.pk, territory.n121.pk]},
        format="json",
    )
    assert added.status_code == 200


@pytest.mark.django_db
def test_a_neighbourhood_holding_nothing_is_removed(territory, users):
    project, _process, _lists = collecting_project(territory, users.street, [territory.n111])
    project_save(project=project, neighbourhoods=[territory.n111, territory.n121], actor=users.street)
    api = APIClient()
    api.force_authenticate(users.street)
    response = api.patch(f"/api/v1/projects/{project.pk}/", {"neighbourhoods": [territory.n111.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert _names(project) == ["新华里"]


@pytest.mark.django_db
def test_once_its_rows_are_gone_the_neighbourhood_can_go(territory, users, held):
    ScopeItem.objects.filter(project=held, neighbourhood=territory.n121).delete()
    Vote.objects.filter(project=held).delete()
    DemandList.objects.filter(project=held, neighbourhood=territory.n121).delete()
    assert project_holdings(held.pk, [territory.n121.pk]) == {}
    project_save(project=held, neighbourhoods=[territory.n111], actor=users.street)
    assert _names(held) == ["新华里"]


@pytest.mark.django_db
def test_admin_refuses_removing_a_neighbourhood_with_rows_and_says_why(territory, users, held):
    client = Client()
    client.force_login(users.street)
    url = f"/admin/projects/project/{held.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    data = merged(form_data(page), {"neighbourhoods": [territory.n111.pk], "_save": "1"})
    response = client.post(url, data, follow=True)
    # Back on the same change page (not the list a save goes to), with the service's reason.
    assert response.redirect_chain[-1][0].endswith(url)
    page_text = response.content.decode()
    assert "东风里" in page_text and "改造内容明细（2）" in page_text and "需求清单（1）" in page_text
    assert _names(held) == ["东风里", "新华里"]
