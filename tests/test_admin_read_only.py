"""A district official only reads (issue 9 item 5): no page of the admin offers them a write control
(add, save, delete, action, stage-move, resolve, reverse, import or code buttons, links to add
pages), and a write they send anyway is refused with the reason, a 403 page that explains their
role can only read, or an error message on the page a list action or a stage move comes back to.
"""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.admin_forms import error_messages, refusal_reason
from tests.admin_world import w, world  # noqa: F401 (fixtures)

READ_ONLY_REASON = "您的角色（区级管理人员）只能查看"
# What only a write leads to: add, delete, reverse, import, code and stage pages.
WRITE_PATHS = ("/add/", "/delete/", "/reverse/", "/import/", "/access-codes/", "/transition/", "/resolve/")
WRITE_BUTTON_NAMES = {"_save", "_continue", "_addanother", "_saveasnew", "index", "_move"}


class _Controls(HTMLParser):
    """The write controls of a page: submit buttons of POST forms (other than signing out and the
    language switch), save buttons, links to pages that write."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._post_form = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            method, action = a.get("method", "get").lower(), a.get("action", "")
            sign_out = a.get("id") == "logout-form" or "/i18n/" in action
            self._post_form = a if method == "post" and not sign_out else None
        elif tag in ("button", "input") and self._post_form is not None:
            kind = a.get("type", "submit" if tag == "button" else "text").lower()
            if kind == "submit":
                self.found.append(f"<{tag} {a}> in form {self._post_form}")
        elif tag in ("button", "input") and a.get("name") in WRITE_BUTTON_NAMES:
            self.found.append(f"<{tag} {a}>")
        elif tag == "select" and a.get("name") == "action":
            self.found.append("the action menu")
        elif tag == "a":
            href = a.get("href", "").split("?")[0]
            if href.startswith("/admin/") and href.endswith(WRITE_PATHS):
                self.found.append(f"a link to {a.get('href')}")
            elif "addlink" in a.get("class", "") or "deletelink" in a.get("class", ""):
                self.found.append(f"a link {a}")

    def handle_endtag(self, tag):
        if tag == "form":
            self._post_form = None


def write_controls(response):
    parser = _Controls()
    parser.feed(response.content.decode())
    return parser.found


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _snapshot(obj):
    attname = obj._meta.pk.attname
    fresh = type(obj)._default_manager.get(**{attname: getattr(obj, attname)})
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


REGISTERED = sorted(model._meta.label for model in admin.site._registry)
SUPERUSERS_ONLY = {"auth.Group", "auth.User", "authtoken.TokenProxy", "governance.LoginCounter"}


def _model(label):
    return next(m for m in admin.site._registry if m._meta.label == label)


@pytest.fixture
def official(w, client):
    client.force_login(w.users.official)
    return client


@pytest.mark.parametrize("label", REGISTERED)
def test_pages_offer_no_write_control(label, w, official):
    model, obj = _model(label), w.rows[label]
    if label in SUPERUSERS_ONLY:
        response = official.get(_url(model, "changelist"))
        assert response.status_code == 403 and refusal_reason(response)
        return
    changelist = official.get(_url(model, "changelist"))
    assert changelist.status_code == 200
    assert not write_controls(changelist), write_controls(changelist)
    if obj is None:
        return
    change_url = _url(model, "change", w.token.user_id if label == "authtoken.TokenProxy" else obj.pk)
    page = official.get(change_url)
    assert page.status_code == 200, f"{change_url}: {page.status_code}"
    assert not write_controls(page), write_controls(page)


@pytest.mark.parametrize("label", sorted(set(REGISTERED) - SUPERUSERS_ONLY))
def test_writes_are_refused_with_the_reason(label, w, official):
    model, obj = _model(label), w.rows[label]
    add_url = (
        reverse("admin:surveys_response_add") + f"?questionnaire={w.open_questionnaire.pk}"
        if label == "surveys.Response"
        else _url(model, "add")
    )
    for response in (official.get(add_url), official.post(add_url, {"_save": "1"})):
        assert response.status_code == 403
        assert READ_ONLY_REASON in refusal_reason(response), refusal_reason(response)
    if obj is None:
        return
    before = _snapshot(obj)
    change_url = _url(model, "change", obj.pk)
    response = official.post(change_url, {"_save": "1"})
    assert response.status_code == 403
    assert READ_ONLY_REASON in refusal_reason(response), refusal_reason(response)
    response = official.post(_url(model, "delete", obj.pk), {"post": "yes"})
    assert response.status_code == 403 and READ_ONLY_REASON in refusal_reason(response)
    assert _snapshot(obj) == before


@pytest.mark.parametrize("label", sorted(set(REGISTERED) - SUPERUSERS_ONLY))
def test_a_list_action_is_refused_with_a_message(label, w, official):
    model, obj = _model(label), w.rows[label]
    if obj is None:
        return
    url = _url(model, "changelist")
    response = official.post(url, {"action": "delete_selected", "_selected_action": [obj.pk], "index": "0"})
    assert response.status_code == 302 and response["Location"] == url
    page = official.get(url)
    assert any(READ_ONLY_REASON in m for m in error_messages(page)), error_messages(page)
    assert type(obj)._default_manager.filter(pk=obj.pk).exists()


def test_a_stage_move_is_refused_with_a_message(w, official):
    url = reverse("admin:projects_project_transition", args=[w.project.pk])
    response = official.post(url, {"to": "aftercare", "note": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:projects_project_change", args=[w.project.pk])
    assert any(READ_ONLY_REASON in m for m in error_messages(response)), error_messages(response)
    w.project.refresh_from_db()
    assert w.project.stage == "acceptance"


def test_resolving_a_finding_is_refused_with_a_message(w, official):
    url = reverse("admin:projects_supervisionfinding_resolve", args=[w.finding.pk])
    response = official.post(url, {"resolution_note": "已整改"}, follow=True)
    assert any(READ_ONLY_REASON in m for m in error_messages(response)), error_messages(response)
    w.finding.refresh_from_db()
    assert w.finding.is_open


@pytest.mark.parametrize(
    "url",
    [
        lambda w: reverse("admin:funding_commitment_reverse", args=[w.commitment.pk]),
        lambda w: reverse("admin:funding_disbursement_reverse", args=[w.disbursement.pk]),
        lambda w: reverse("admin:residents_household_import"),
        lambda w: reverse("admin:governance_neighbourhood_access_codes") + f"?ids={w.n111.pk}",
    ],
    ids=["reverse-commitment", "reverse-disbursement", "census-import", "access-codes"],
)
def test_write_pages_answer_403_with_the_reason(url, w, official):
    posted = {"reason": "录入错误", "output": "sheet", "ids": [w.n111.pk]}
    for response in (official.get(url(w)), official.post(url(w), posted)):
        assert response.status_code == 403
        assert READ_ONLY_REASON in refusal_reason(response), refusal_reason(response)


def test_the_project_funding_page_offers_no_new_commitment(w, official):
    page = official.get(reverse("admin:funding_project_funding", args=[w.project.pk]))
    assert page.status_code == 200
    assert "新增资金承诺" not in page.content.decode() and not write_controls(page)


def test_the_403_page_explains_in_english_too(w, official):
    official.cookies.load({"django_language": "en"})
    response = official.post(reverse("admin:funding_commitment_add"), {"_save": "1"})
    assert response.status_code == 403
    assert "Your role (district official) can only read" in refusal_reason(response)
    assert "Nothing was saved." in response.content.decode()


def test_staff_still_see_their_write_controls(w, client):
    """The check above can fail: the same pages offer the street's staff their controls."""
    client.force_login(w.users.street)
    assert write_controls(client.get(reverse("admin:funding_commitment_changelist")))
    assert write_controls(client.get(reverse("admin:projects_project_change", args=[w.project.pk])))
    page = client.get(reverse("admin:funding_project_funding", args=[w.project.pk]))
    assert "新增资金承诺" in page.content.decode()


@pytest.mark.parametrize("app", [None, "governance", "residents", "projects", "surveys", "funding"])
def test_the_index_pages_offer_no_add_link(app, w, official):
    page = official.get(reverse("admin:app_list", args=[app]) if app else reverse("admin:index"))
    assert page.status_code == 200
    assert not write_controls(page), write_controls(page)
