"""The seed protocol (per-app demo modules, one transaction at the small scale), its determinism,
the owners' ID numbers, and demo_logins on an empty database. Uses the hidden `tiny` scale."""
import random
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from dashboards.management.commands import seed_demo
from governance.models import District, Neighbourhood
from residents.demo import OwnerMaker, id_number_with_check_digit
from residents.identity import id_number_problem
from residents.models import Household


def _seed_and_read(seed):
    """Seed `tiny` with `seed`, read back what identifies the data, and roll it all back."""
    with transaction.atomic():
        call_command("seed_demo", "--scale", "tiny", "--seed", str(seed), stdout=StringIO())
        names = list(Neighbourhood.objects.order_by("pk").values_list("name", "built_year"))
        owners = list(Household.objects.order_by("pk").values_list("room", "floor_area", "owner_id_hash"))
        transaction.set_rollback(True)
    return names, owners


def test_same_seed_same_data_other_seed_other_data(db):
    first = _seed_and_read(7)
    assert first[0] and first[1]
    assert _seed_and_read(7) == first
    assert _seed_and_read(8) != first
    assert not District.objects.exists()


def test_id_numbers_carry_a_valid_check_digit():
    assert id_number_with_check_digit("11010519491231002") == "11010519491231002X"
    maker = OwnerMaker(random.Random(3))
    numbers = [maker.id_number(male=i % 2 == 0) for i in range(2000)]
    assert len(set(numbers)) == len(numbers)
    assert [n for n in numbers if id_number_problem(n) is not None] == []
    assert all(int(n[16]) % 2 == (1 if i % 2 == 0 else 0) for i, n in enumerate(numbers))  # sex digit


@pytest.fixture
def extra_apps(tmp_path, monkeypatch):
    """Three apps on sys.path after the real ones: no demo module, a failing seed, a broken import."""
    for app, demo in {
        "h3_nodemo": None,
        "h3_failing": "def seed(ctx):\n    raise RuntimeError('seed failed on purpose')\n",
        "h3_broken": "import h3_module_that_does_not_exist\n\ndef seed(ctx):\n    pass\n",
    }.items():
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
        if demo is not None:
            (tmp_path / app / "demo.py").write_text(demo)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in [m for m in sys.modules if m.startswith("h3_")]:
        del sys.modules[name]


def test_missing_demo_module_is_skipped(db, extra_apps, monkeypatch):
    monkeypatch.setattr(seed_demo, "APPS", (*seed_demo.APPS, "h3_nodemo"))
    names = [module.__name__ for module in seed_demo.demo_modules()]
    assert names[:2] == ["governance.demo", "residents.demo"]
    assert "h3_nodemo.demo" not in names


def test_an_import_error_inside_a_demo_module_is_raised(db, extra_apps, monkeypatch):
    monkeypatch.setattr(seed_demo, "APPS", (*seed_demo.APPS, "h3_broken"))
    with pytest.raises(ModuleNotFoundError, match="h3_module_that_does_not_exist"):
        call_command("seed_demo", "--scale", "tiny", stdout=StringIO())


def test_a_failing_seed_leaves_nothing_behind(db, extra_apps, monkeypatch):
    """The small scales run in one transaction: a failure in a later app undoes the earlier ones."""
    monkeypatch.setattr(seed_demo, "APPS", (*seed_demo.APPS, "h3_failing"))
    with pytest.raises(RuntimeError, match="on purpose"):
        call_command("seed_demo", "--scale", "tiny", stdout=StringIO())
    assert not District.objects.exists()
    assert not Household.objects.exists()


def test_demo_logins_without_demo_users_says_to_seed(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()
