"""Sections of a neighbourhood's public page built from governance's records (registered in
ProjectsConfig.ready(): `governance` sits below `projects` and cannot register on the page
itself). Public facts only: no names, no phones."""

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
