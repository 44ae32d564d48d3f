"""The checks of `make check`, run by the suite: no model change without its migration (the
layering check has its own tests in tests/test_layering.py), and an API schema without warnings."""
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration(capsys):
    # With check=True, makemigrations exits (SystemExit 1) when a migration is missing.
    try:
        call_command("makemigrations", check=True, dry_run=True, interactive=False, verbosity=1)
    except SystemExit:
        pending = capsys.readouterr().out
        pytest.fail(f"makemigrations --check: model changes without a migration:\n{pending}", pytrace=False)
    assert "No changes detected" in capsys.readouterr().out


def test_the_api_schema_generates_without_warnings_or_errors(tmp_path):
    """drf-spectacular warns of what it had to guess (enum name collisions, untyped fields): the
    schema that the doc page serves must be generated with none."""
    out = tmp_path / "schema.yml"
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--fail-on-warn", "--file", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUG": "1"},
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stderr
    assert "/api/v1/projects/" in out.read_text(encoding="utf-8")
