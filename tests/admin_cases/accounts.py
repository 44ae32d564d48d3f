"""The admin cases of Django's own accounts: groups, users and API tokens (superusers only)."""

from tests.admin_cases.base import SUPERUSER, Case, admin_url, edits, one_new

CASES = {
    "auth.Group": Case(
        add=lambda w, role: {"name": "录入组"},
        added=one_new(name="录入组"),
        **edits("group", name="复核组"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
        viewers=SUPERUSER,
    ),
    "auth.User": Case(
        add=lambda w, role: {
            "username": "newstaff",
            "usable_password": "true",
            "password1": "a-long-pass-9271",
            "password2": "a-long-pass-9271",
        },
        added=one_new(username="newstaff"),
        **edits("users.community", first_name="小红"),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
        viewers=SUPERUSER,
    ),
    "authtoken.TokenProxy": Case(
        add=lambda w, role: {"user": w.users.street.pk},
        added=lambda w, rows, role: rows.get(user=w.users.street),
        change=lambda w: (w.token, {}),
        changed=lambda w, obj, role: obj.user == w.users.community,
        change_url=lambda obj: admin_url(type(obj), "change", obj.user_id),
        add_roles=SUPERUSER,
        change_roles=SUPERUSER,
        viewers=SUPERUSER,
    ),
}
