"""Text typed into the admin is bounded like the resident forms: each bounded field's constant
is read by the resident form, the service and the admin; any other TextField by TEXT_MAX. Longer
text is refused naming the field and the bound, and nothing is saved."""

import re
from html import unescape

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from governance.admin_base import ScopedAdmin
from governance.bounds import LONG_TEXT_MAX, TEXT_MAX, TextLimit, text_max
from governance.models import ManagementArrangement
from projects.forms import ObjectionForm
from projects.models import OBJECTION_MAX_LENGTH, Notice, Objection
from projects.services import notice_save, objection_submit
from surveys.forms import DemandForm
from surveys.models import DEMAND_TEXT_MAX, OPINION_TEXT_MAX, DemandSubmission, Opinion
from tests.funding.subsidy_helpers import arrangement_admin_data
from tests.projects.factories import ProjectFactory
from tests.surveys.helpers import collecting_project

pytestmark = pytest.mark.django_db


def errors_of(response):
    html = response.content.decode()
    return unescape(" ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)))


def form_bound(field):
    """The bound of a resident form's text field (ResidentTextField's limit, or max_length)."""
    return getattr(field, "limit", None) or field.max_length


def test_one_bound_per_field_shared_by_the_resident_form():
    assert text_max(Objection._meta.get_field("text")) == OBJECTION_MAX_LENGTH == 2000
    assert form_bound(ObjectionForm().fields["text"]) == OBJECTION_MAX_LENGTH
    assert form_bound(DemandForm.base_fields["text"]) == DEMAND_TEXT_MAX
    assert text_max(DemandSubmission._meta.get_field("text")) == DEMAND_TEXT_MAX == 1000
    assert text_max(Opinion._meta.get_field("text")) == OPINION_TEXT_MAX == 1000
    assert text_max(Notice._meta.get_field("body")) == LONG_TEXT_MAX
    assert text_max(Objection._meta.get_field("answer")) == TEXT_MAX  # no bound of its own


def test_every_text_field_of_every_scoped_admin_form_is_bounded(users):
    """Opens the add form of every scoped admin as a superuser: each model TextField on it has its
    bound. A new TextField, or a new admin, is bounded without being listed anywhere."""
    request = RequestFactory().get("/")
    request.user = users.superuser
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ScopedAdmin):
            continue
        form = model_admin.get_form(request)
        for name, formfield in form.base_fields.items():
            try:
                db_field = model._meta.get_field(name)
            except Exception:
                continue
            if isinstance(db_field, models.TextField):
                limits = [v.limit for v in formfield.validators if isinstance(v, TextLimit)]
                assert limits == [text_max(db_field)], (model, name)
                checked += 1
    assert checked >= 20


def test_an_over_long_opinion_is_refused_naming_the_field(client, territory, users):
    project, process, lists = collecting_project(territory, users.community)
    client.force_login(users.community)
    data = {
        "process": process.pk,
        "neighbourhood": territory.n111.pk,
        "source": "meeting",
        "text": "电" * 100_000,
        "answer": "pending",
        "answer_text": "",
    }
    response = client.post(reverse("admin:surveys_opinion_add"), data)
    assert response.status_code == 200
    assert "“意见内容”最多1000字，现有100000字，请删减后再提交。" in errors_of(response)
    assert not Opinion.objects.exists()
    assert client.post(reverse("admin:surveys_opinion_add"), {**data, "text": "电" * 1000}).status_code == 302
    assert len(Opinion.objects.get().text) == 1000


def test_an_over_long_answer_to_an_objection_is_refused(client, territory, users):
    from tests.projects.helpers import dated_notice

    project = ProjectFactory(code="P1", lead_street=territory.s1, neighbourhoods=[territory.n111])
    notice = notice_save(notice=dated_notice(project, "公示", "内容", -1, 5), actor=users.street)
    objection = objection_submit(notice=notice, household=territory.n111.households.first(), text="噪音")
    client.force_login(users.community)
    url = reverse("admin:projects_objection_change", args=[objection.pk])
    response = client.post(url, {"answer": "答" * (TEXT_MAX + 1)})
    assert response.status_code == 200
    assert f"“答复”最多{TEXT_MAX}字，现有{TEXT_MAX + 1}字" in errors_of(response)
    objection.refresh_from_db()
    assert objection.answer == "" and objection.status != "answered"


def test_an_over_long_note_and_notice_body_are_refused(client, territory, users):
    client.force_login(users.community)
    data = arrangement_admin_data(territory.n111, note="注" * (TEXT_MAX + 1))
    response = client.post(reverse("admin:governance_managementarrangement_add"), data)
    assert f"“备注”最多{TEXT_MAX}字" in errors_of(response)
    assert not ManagementArrangement.objects.exists()
    project = ProjectFactory(code="P2", lead_street=territory.s1, neighbourhoods=[territory.n111])
    response = client.post(
        reverse("admin:projects_notice_add"),
        {
            "project": project.pk,
            "kind": "plan",
            "title": "公示",
            "body": "文" * (LONG_TEXT_MAX + 1),
            "starts_on": "2025-01-01",
            "ends_on": "2025-01-10",
        },
    )
    assert f"“内容”最多{LONG_TEXT_MAX}字，现有{LONG_TEXT_MAX + 1}字" in errors_of(response)
    assert not Notice.objects.exists()


def test_an_over_long_reversal_reason_is_refused(client, territory, users):
    from funding.services import commitment_create
    from tests.funding.conftest import DAY, make_source

    project = ProjectFactory(code="P3", lead_street=territory.s1, neighbourhoods=[territory.n111])
    commitment = commitment_create(
        source=make_source(territory), project=project, amount="10.00", committed_on=DAY, actor=users.street
    )
    client.force_login(users.street)
    url = reverse("admin:funding_commitment_reverse", args=[commitment.pk])
    response = client.post(url, {"reason": "错" * (TEXT_MAX + 1)})
    assert f"“冲销原因”最多{TEXT_MAX}字" in errors_of(response)
    from funding.models import CommitmentReversal

    assert not CommitmentReversal.objects.exists()
