"""Sections of a neighbourhood's public page built from governance's records (registered in
ProjectsConfig.ready(): `governance` sits below `projects` and cannot register on the page
itself). Public facts only: no phones, and no names but those of the grid heads and workers,
whose names and roles are their public contact card."""

from governance.public_grid import grid_contacts
from governance.stars import RatingStatus, public_stars


def stars_section(neighbourhood):
    """The stars of the neighbourhood's latest rated year (星级评定): those awarded, and those
    withdrawn after a failed review with their reason. None when it was never rated."""
    year, rows = public_stars(neighbourhood)
    if not rows:
        return None
    return {
        "template": "projects/stars_section.html",
        "context": {
            "year": year,
            "awarded": [r for r in rows if r.status == RatingStatus.AWARDED],
            "withdrawn": [r for r in rows if r.status == RatingStatus.WITHDRAWN],
        },
    }


def disclosure_section(neighbourhood):
    """The neighbourhood's disclosures (三公开) published by today, newest first, with their
    attachments. None when there is none."""
    from governance.disclosure import public_disclosures

    rows, count = public_disclosures(neighbourhood)
    if not rows:
        return None
    return {"template": "projects/disclosure_section.html", "context": {"rows": rows, "count": count}}


def grid_section(neighbourhood):
    """The contact card of the neighbourhood's current heads (五长) and grid workers: the name and
    the role of each, which residents are meant to know; never the phone. None when it has none."""
    contacts = grid_contacts(neighbourhood)
    if not contacts:
        return None
    return {"template": "projects/grid_section.html", "context": {"contacts": contacts}}
