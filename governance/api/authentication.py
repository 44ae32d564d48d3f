"""`Authorization: Token <key>` as DRF's TokenAuthentication answers it (the same header parsing,
the same refusals, made by DRF's own check, `request.user` the token's user and `request.auth` its
token), the token and its user read by one SQL statement written once per process: DRF's
select_related query, compiled by the ORM on every request, and the two model instances it builds
were a sixth of the projects list's time (issue 14). The user is a real instance of the user model
(Model.from_db), so everything downstream (governance.scoping, the permissions) sees what it saw.
The database is the one the routers give for reading a token (the primary: config/routers.py);
the statement is a prepared one there (governance/prepared.py: planned once a connection). On
PostgreSQL only: elsewhere DRF's own read answers."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from rest_framework import authentication

from governance import prepared


@cache
def _statement(token_model, alias):
    """(SQL, the user's attribute names): the user's concrete columns and the token's creation
    time, of the token whose key is the one parameter."""
    token, user = token_model._meta, get_user_model()._meta
    q = connections[alias].ops.quote_name
    fields = user.concrete_fields
    sql = (
        f"SELECT {', '.join(f'u.{q(field.column)}' for field in fields)}, t.{q(token.get_field('created').column)}"
        f" FROM {q(token.db_table)} t JOIN {q(user.db_table)} u"
        f" ON u.{q(user.pk.column)} = t.{q(token.get_field('user').column)}"
        f" WHERE t.{q(token.pk.column)} = %s"
    )
    return sql, tuple(field.attname for field in fields)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        alias = router.db_for_read(model)
        if connections[alias].vendor != "postgresql":
            # Elsewhere (SQLite, the embedded default) the raw row's dates would come back naive
            # (the ORM's converters make them aware): DRF's own read, also one query.
            return super().authenticate_credentials(key)
        sql, names = _statement(model, alias)
        with connections[alias].cursor() as cursor:
            prepared.execute(cursor, "api_token_user", sql, [key], ["text"])
            row = cursor.fetchone()
        user = None if row is None else get_user_model().from_db(alias, names, row[:-1])
        if user is None or not user.is_active:
            # A refusal: DRF's own check, which refuses it in its own words (one query more).
            return super().authenticate_credentials(key)
        return user, model(key=key, user=user, created=row[-1])
