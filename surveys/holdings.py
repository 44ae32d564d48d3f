"""What a project's consultation holds in each neighbourhood, for projects.holdings (registered
in SurveysConfig.ready()): a neighbourhood with any of these rows cannot be taken out of the
project. Ballots, responses and submissions hang on their vote, questionnaire or demand list and
are counted with them (a building's or stairwell's vote names its neighbourhood too)."""
from projects.holdings import count_by_neighbourhood

from .models import DemandList, Meeting, Opinion, Questionnaire, Visit, Vote


def consultation_holdings(project_id, neighbourhood_ids):
    in_project = {"project_id": project_id, "neighbourhood_id__in": neighbourhood_ids}
    in_process = {"process__project_id": project_id, "neighbourhood_id__in": neighbourhood_ids}
    return [
        *count_by_neighbourhood(
            DemandList.objects.filter(**in_project), "neighbourhood_id", DemandList._meta.verbose_name
        ),
        *count_by_neighbourhood(
            Questionnaire.objects.filter(**in_project), "neighbourhood_id", Questionnaire._meta.verbose_name
        ),
        *count_by_neighbourhood(Vote.objects.filter(**in_project), "neighbourhood_id", Vote._meta.verbose_name),
        *count_by_neighbourhood(Meeting.objects.filter(**in_process), "neighbourhood_id", Meeting._meta.verbose_name),
        *count_by_neighbourhood(Opinion.objects.filter(**in_process), "neighbourhood_id", Opinion._meta.verbose_name),
        *count_by_neighbourhood(
            Visit.objects.filter(process__project_id=project_id, household__neighbourhood_id__in=neighbourhood_ids),
            "household__neighbourhood_id",
            Visit._meta.verbose_name,
        ),
    ]
