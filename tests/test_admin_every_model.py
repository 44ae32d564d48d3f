"""Every model registered in the admin, as every role that may write it: the add page and a change
page open, and a valid form SAVES through them with a real POST (the rendered form's own values,
inline management forms included, plus valid values for what the case fills in). The redirect and
the saved row are asserted. A role that may not write a model, and a model that is read-only by
design (written by services), get the page opened and the write refused, with the row unchanged.

The table CASES has one entry per registered model, kept one module per app in tests/admin_cases/
(this module is the runner); a model registered without an entry fails
test_every_registered_model_has_a_case, so a new admin page cannot slip by untested.

Issue 9 item 1: the demand list add page answered 500 and saved nothing; only GETs were tested.
"""

import pytest
from django.contrib import admin

from tests.admin_cases import CASES
from tests.admin_cases.base import WRITERS, admin_url, reloaded
from tests.admin_forms import error_messages, form_data, merged, refusal_reason, why_not_saved
from tests.admin_world import w, world  # noqa: F401 (fixtures)


def _snapshot(obj):
    obj = reloaded(obj)
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _saved(client, url, values, files=None, form_id=None):
    """GET the page, POST its form with `values`, assert it saved: a redirect away from the page
    and no error message on the page it leads to."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    data = merged(form_data(page, form_id), {"_save": "1", **values})
    if files:
        data.update(files)
    response = client.post(url, data)
    assert response.status_code == 302, f"POST {url} did not save: {why_not_saved(response)}"
    assert response["Location"].split("?")[0] != url, f"POST {url} came back: {why_not_saved(response)}"
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert not error_messages(landing), error_messages(landing)
    return response


def _write_refused(client, url, values=None):
    """The page answers 403 to a POST, with the reason on the page (not the bare refusal)."""
    response = client.post(url, {"_save": "1", **(values or {})})
    assert response.status_code == 403, f"POST {url}: {response.status_code}"
    assert refusal_reason(response) not in ("", "您没有权限执行此操作。"), refusal_reason(response)
    return response


REGISTERED = sorted(model._meta.label for model in admin.site._registry)


def test_every_registered_model_has_a_case():
    missing = sorted(set(REGISTERED) - set(CASES))
    assert not missing, f"no entry in CASES (tests/admin_cases/<app>.py) for {missing}"
    assert not set(CASES) - set(REGISTERED), f"CASES names unregistered {sorted(set(CASES) - set(REGISTERED))}"


def _model(label):
    return next(m for m in admin.site._registry if m._meta.label == label)


@pytest.mark.parametrize("role", WRITERS)
@pytest.mark.parametrize("label", REGISTERED)
def test_add_page_saves_or_refuses(label, role, w, client):
    case, model = CASES[label], _model(label)
    client.force_login(getattr(w.users, role))
    url = case.add_url(w) if case.add_url else admin_url(model, "add")
    if role not in case.add_roles:
        assert client.get(url).status_code == 403
        before = model._default_manager.count()
        _write_refused(client, url)
        assert model._default_manager.count() == before
        return
    values = case.add(w, role)
    before = set(model._default_manager.values_list("pk", flat=True))
    _saved(client, url, values, files=case.files(w) if case.files else None)
    new_rows = model._default_manager.exclude(pk__in=before)
    assert new_rows.exists(), "the add page redirected but saved nothing"
    assert case.added(w, new_rows, role) is not False


@pytest.mark.parametrize("role", WRITERS)
@pytest.mark.parametrize("label", REGISTERED)
def test_change_page_saves_or_is_read_only(label, role, w, client):
    case, model = CASES[label], _model(label)
    obj, values = case.change(w)
    client.force_login(getattr(w.users, role))
    url = case.change_url(obj) if case.change_url else admin_url(model, "change", obj.pk)
    if role not in case.viewers:
        assert client.get(url).status_code == 403
        return
    if role not in case.change_roles:
        before = _snapshot(obj)
        page = client.get(url)
        assert page.status_code == 200, f"GET {url}: {page.status_code}"
        assert 'name="_save"' not in page.content.decode(), "a read-only page offers a save button"
        _write_refused(client, url, values)
        assert _snapshot(obj) == before
        return
    _saved(client, url, values)
    obj = reloaded(obj)
    assert case.changed(w, obj, role) is not False
