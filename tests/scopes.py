"""What each user of the `users` fixture (and the `city` fixture's city official) sees and writes of
the `territory` fixture's four neighbourhoods, and the checks the scoping tests share."""

from django.urls import reverse
from rest_framework.test import APIClient

NEIGHBOURHOODS = ("n111", "n121", "n211", "ne")
# The roles of the `users` fixture; the `city` fixture adds "city".
ROLES = ("superuser", "official", "street", "community", "nobody")
VISIBLE = {
    "superuser": set(NEIGHBOURHOODS),
    "city": set(NEIGHBOURHOODS),  # the city official reads every district
    "official": {"n111", "n121", "n211"},  # district 甜城区
    "street": {"n111", "n121"},  # street S1
    "community": {"n111"},  # community C11
    "nobody": set(),
}
WRITERS = {"superuser", "street", "community"}
MANAGES = {role: (seen if role in WRITERS else set()) for role, seen in VISIBLE.items()}


def api_as(actor):
    """An API client authenticated as `actor`."""
    api = APIClient()
    api.force_authenticate(actor)
    return api


def signed_in(client, user):
    """Sign `client` in to the admin as `user`; returns an API client authenticated as the same user."""
    client.force_login(user)
    return api_as(user)


def assert_rows_scoped(client, api, role, rows, admin_name, api_path, edit):
    """Each of `rows` (keyed by the neighbourhood it stands in): its admin change page as
    assert_change_page_scoped says, and its API detail (`api_path` + pk) found inside the role's
    territory only."""
    for key, row in rows.items():
        inside = key in VISIBLE[role]
        url = reverse(f"admin:{admin_name}_change", args=[row.pk])
        assert_change_page_scoped(client, url, inside, key in MANAGES[role], edit)
        assert api.get(f"{api_path}{row.pk}/").status_code == (200 if inside else 404), key


def assert_titles_listed(client, api, admin_name, api_path, titles, visible):
    """`titles` (key -> title): each on the admin changelist `admin_name` (app_model) exactly where
    its key is in `visible`, and the API list `api_path` holds the visible keys' titles, no more.
    Returns the API list's rows."""
    listing = client.get(reverse(f"admin:{admin_name}_changelist")).content.decode()
    for key, title in titles.items():
        assert (title in listing) == (key in visible), key
    listed = api.get(api_path).json()["results"]
    assert {row["title"] for row in listed} == {titles[key] for key in visible}
    return listed


def admin_list_text(client, admin_name, role):
    """The admin changelist `admin_name` (app_model) as `client` sees it; None for the user without a
    role, who is refused the page (403)."""
    listing = client.get(reverse(f"admin:{admin_name}_changelist"))
    if role == "nobody":
        assert listing.status_code == 403
        return None
    assert listing.status_code == 200
    return listing.content.decode()


def assert_change_page_scoped(client, url, inside, manages, edit):
    """The admin change page `url`: 404 outside the user's territory; inside, a Save button only
    where the user manages the row, and a POST of `edit` refused (403) where not."""
    page = client.get(url)
    assert page.status_code == (200 if inside else 404), url
    if inside:
        assert ('name="_save"' in page.content.decode()) == manages, url
        if not manages:
            assert client.post(url, {"_save": "1", **edit}).status_code == 403, url
