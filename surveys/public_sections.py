"""The surveys section of a neighbourhood's public page (registered in SurveysConfig.ready()): the
owners' votes that have opened, each with its status and verdict and a link to its public tally."""

from .selectors import public_votes_of


def votes_section(neighbourhood):
    votes = public_votes_of(neighbourhood)
    if not votes:
        return None
    return {"template": "surveys/votes_section.html", "context": {"votes": votes}}
