"""tools/check_layers.py (run by `make check`): the repository keeps its layering, and the check
finds each way a module can break it, in a copy of a real app and in small made-up trees."""
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from config.layers import APPS, LAYERS

ROOT = Path(settings.BASE_DIR)
TOOL = ROOT / "tools" / "check_layers.py"


def run_check(root):
    result = subprocess.run(
        [sys.executable, str(TOOL), str(root)], capture_output=True, text=True, timeout=120
    )
    return result.returncode, result.stdout, result.stderr


def make_tree(root, files, layers=LAYERS):
    """A project tree under `root`: config/layers.py with `layers`, an apps.py in every placed app,
    and `files` ({relative path: source})."""
    (root / "config").mkdir(parents=True)
    (root / "config" / "layers.py").write_text(f"LAYERS = {layers!r}\n", encoding="utf-8")
    for layer in layers:
        for app in layer:
            (root / app).mkdir()
            (root / app / "__init__.py").write_text("", encoding="utf-8")
            (root / app / "apps.py").write_text("", encoding="utf-8")
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def test_the_repository_keeps_its_layering():
    code, out, err = run_check(ROOT)
    assert (code, err) == (0, ""), out + err
    assert out.strip() == "layering: 0 problem(s)"


def test_the_layers_place_every_app_of_the_project_once():
    assert sorted(APPS) == sorted(p.parent.name for p in ROOT.glob("*/apps.py"))
    assert len(APPS) == len(set(APPS))
    # INSTALLED_APPS holds the project's apps in exactly this order.
    assert tuple(app for app in settings.INSTALLED_APPS if app in APPS) == APPS


def test_an_upward_import_added_to_a_copy_of_a_real_app_is_found(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns("__pycache__"))
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    assert run_check(tmp_path)[0] == 0
    scoping = tmp_path / "governance" / "scoping.py"
    source = scoping.read_text(encoding="utf-8")
    scoping.write_text(source + "\nfrom surveys.tally import *  # noqa\n", encoding="utf-8")
    line = source.count("\n") + 2

    code, out, _ = run_check(tmp_path)

    assert code == 1
    assert out.splitlines() == [
        f"governance/scoping.py:{line}: governance (layer 1) imports surveys (layer 4), on a higher layer",
        "layering: 1 problem(s)",
    ]


@pytest.mark.parametrize(
    "name, source, expected",
    [
        ("residents/models.py", "import projects.models\n", "residents (layer 2) imports projects"),
        ("residents/api/views.py", "from dashboards import x\n", "residents (layer 2) imports dashboards"),
        ("surveys/gates.py", "from funding import models\n", "imports funding (layer 4), on its own layer"),
        ("governance/api/base.py", "from ...projects import x\n", "governance (layer 1) imports projects"),
        ("governance/services.py", "from .. import residents\n", "governance (layer 1) imports residents"),
        (
            "projects/hooks.py",
            "import importlib\nimportlib.import_module('surveys.tally')\n",
            "projects (layer 3) imports surveys (layer 4)",
        ),
        (
            "funding/views.py",
            "def f():\n    from dashboards.models import X\n",
            "funding (layer 4) imports dashboards (layer 5)",
        ),
    ],
)
def test_each_form_of_a_wrong_import_is_found(tmp_path, name, source, expected):
    make_tree(tmp_path, {name: source})

    code, out, _ = run_check(tmp_path)

    assert code == 1
    assert out.splitlines()[0].startswith(f"{name}:")
    assert expected in out.splitlines()[0]
    assert out.splitlines()[-1] == "layering: 1 problem(s)"


def test_downward_and_own_imports_and_skipped_files_pass(tmp_path):
    make_tree(
        tmp_path,
        {
            "dashboards/views.py": "import governance.models\nfrom surveys import tally\nimport funding\n",
            "surveys/services.py": "from projects.gates import x\nfrom .models import V\nimport surveys\n",
            "projects/api/views.py": "from ..models import Project\nfrom governance.scoping import scope\n",
            # Migrations and tests are not part of the running code's layering.
            "governance/migrations/0001_initial.py": "import dashboards\n",
            "governance/tests/test_x.py": "import dashboards\n",
            # A module name built at run time cannot be checked, and is not reported.
            "governance/registry.py": "import importlib\nimportlib.import_module(f'{app}.demo')\n",
        },
    )
    assert run_check(tmp_path)[:2] == (0, "layering: 0 problem(s)\n")


def test_an_app_without_a_layer_is_reported(tmp_path):
    make_tree(tmp_path, {"housing/apps.py": "", "housing/models.py": "import dashboards\n"})

    code, out, _ = run_check(tmp_path)

    assert code == 1
    assert "housing/apps.py:1: app housing has no layer in config/layers.py" in out


def test_the_layers_are_read_from_config_layers(tmp_path):
    """The order lives only in config/layers.py: turn it upside down and the same import breaks."""
    files = {"residents/models.py": "import governance.models\n"}
    make_tree(tmp_path / "right", files, layers=(("governance",), ("residents",)))
    make_tree(tmp_path / "upside_down", files, layers=(("residents",), ("governance",)))

    assert run_check(tmp_path / "right")[0] == 0
    code, out, _ = run_check(tmp_path / "upside_down")
    assert code == 1
    assert "residents (layer 1) imports governance (layer 2)" in out


def test_a_missing_or_unreadable_layers_file_is_an_error_not_a_pass(tmp_path):
    code, _, err = run_check(tmp_path)
    assert code == 2
    assert "config/layers.py" in err

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "layers.py").write_text("LAYERS = tuple(x for x in 'ab')\n", encoding="utf-8")
    code, _, err = run_check(tmp_path)
    assert code == 2
    assert "not a literal" in err
