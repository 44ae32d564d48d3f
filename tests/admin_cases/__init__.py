"""The table of admin cases, one entry per model registered in the admin, kept one module per app
(accounts for Django's own auth and token admins). CASES is every module's table in one; a label in
two modules stops the import, so no entry can silently replace another. The runner is
tests/test_admin_every_model.py; a new admin page gets its entry in its app's module here."""

from tests.admin_cases import accounts, funding, governance, projects, residents, surveys

MODULES = (accounts, governance, residents, projects, surveys, funding)


def _merged(modules):
    cases = {}
    for module in modules:
        twice = sorted(cases.keys() & module.CASES.keys())
        if twice:
            raise ValueError(f"{module.__name__} repeats the cases of {twice}")
        cases.update(module.CASES)
    return cases


CASES = _merged(MODULES)
