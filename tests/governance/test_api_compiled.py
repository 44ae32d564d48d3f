"""governance.api.compiled.CompiledValues: a values queryset's head read by the statement the ORM
compiled for it, kept per key; what needs Django's converters, and everything but a head, read by
the queryset itself."""

import pytest
from django.db import connection
from django.db.models.functions import Length

from governance.api import compiled


@pytest.mark.django_db
def test_the_head_is_the_orms_rows_and_its_statement_is_kept(users):
    User = type(users.street)
    compiled._STATEMENTS.clear()

    def plain():
        return User.objects.order_by("username").values("pk", "username")

    head = compiled.CompiledValues(("users", 1), plain, "default")
    assert head[:3] == list(plain()[:3]) and len(head[:3]) == 3
    assert len(compiled._STATEMENTS) == 1
    again = compiled.CompiledValues(("users", 1), lambda: pytest.fail("built again"), "default")
    assert again[:3] == list(plain()[:3])
    # Not a head: the queryset's own answers.
    assert list(head[1:3]) == list(plain()[1:3]) and head.count() == User.objects.count()
    assert list(head) == list(plain()) and len(head) == User.objects.count()

    def converted():  # Length's integer output has a converter: not kept
        return User.objects.order_by("username").annotate(n=Length("username")).values("pk", "n")

    assert compiled.CompiledValues(("users", 2), converted, "default")[:2] == list(converted()[:2])
    assert len(compiled._STATEMENTS) == 1


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_kept_statement_runs_prepared_with_or_without_parameters(users, settings):
    from django.test.utils import CaptureQueriesContext

    User = type(users.street)
    compiled._STATEMENTS.clear()
    heads = {
        "all": lambda: User.objects.order_by("username").values("pk", "username"),
        "some": lambda: User.objects.filter(pk__gt=users.street.pk, is_active=True).order_by("pk").values("pk"),
    }
    for _ in range(2):
        for key, build in heads.items():
            with CaptureQueriesContext(connection) as ran:
                rows = compiled.CompiledValues(key, build, "default")[:3]
            assert rows == list(build()[:3]) and rows
            assert ran.captured_queries[-1]["sql"].startswith("EXECUTE compiled_"), key
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as ran:
        rows = compiled.CompiledValues("some", heads["some"], "default")[:3]
    assert rows == list(heads["some"]()[:3])
    assert [query["sql"][:6] for query in ran.captured_queries] == ["SELECT"]
