"""Setup the surveys' transactional (race) tests share."""

from .helpers import collecting_project


def collecting_in_n111(territory, users):
    """A project of the territory collecting demands (its consultation's D1 open), with the national
    menu shipped again first: an earlier transactional test may have emptied the migration's rows.
    Returns the consultation process and n111's demand list."""
    from projects.catalogue_data import ensure_national_menu

    ensure_national_menu()
    project, process, lists = collecting_project(territory, users.community)
    return process, lists[territory.n111.pk]
