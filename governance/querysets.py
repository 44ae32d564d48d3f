from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import ExtractYear

from .choices import EligibilityStatus


class NeighbourhoodQuerySet(models.QuerySet):
    def annotate_eligibility(self):
        """Annotate `eligibility`: eligible (built in a year before the district's cut-off year),
        admitted (later, with a recorded reason) or ineligible."""
        cutoff_year = ExtractYear("community__street__district__eligibility_cutoff")
        return self.annotate(
            eligibility=Case(
                When(built_year__lt=cutoff_year, then=Value(EligibilityStatus.ELIGIBLE)),
                When(~Q(admission_reason=""), then=Value(EligibilityStatus.ADMITTED)),
                default=Value(EligibilityStatus.INELIGIBLE),
                output_field=models.CharField(),
            )
        )

    def eligible(self):
        """Neighbourhoods that may enter a project: eligible by age, or admitted."""
        return self.annotate_eligibility().exclude(eligibility=EligibilityStatus.INELIGIBLE)


class AssessmentQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As QuerySet.bulk_create, with each row's empty period filled from its year first (as
        Assessment.save does): the demo's and the benchmark's bulk writers rely on it."""
        objs = list(objs)
        for obj in objs:
            obj.fill_period()
        return super().bulk_create(objs, *args, **kwargs)
