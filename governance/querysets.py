from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import ExtractYear
from django.utils import timezone

from .choices import EligibilityStatus

# The kinds of body that make a neighbourhood self-governed for the three-nos rule (无业主自治组织):
# the owners' bodies, not the party organisation nor the renovation's working group or supervision
# team (values of governance.bodies.BodyKind, spelt here because bodies imports this module's app).
SELF_GOVERNANCE_KINDS = ("owners_committee", "property_committee", "self_management")


def managed_on(on_date):
    """Exists(): a management arrangement of the neighbourhood (OuterRef "pk") covers `on_date`
    (started on or before it, not ended before it) and its mode is not "none" (无人管理)."""
    from .models import ManagementArrangement, ManagementMode

    covering = (
        ManagementArrangement.objects.filter(neighbourhood=OuterRef("pk"), started_on__lte=on_date)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on_date))
        .exclude(mode=ManagementMode.NONE)
    )
    return Exists(covering)


def body_on(on_date, kinds=SELF_GOVERNANCE_KINDS):
    """Exists(): a body of one of `kinds` of the neighbourhood itself (OuterRef "pk") exists on
    `on_date`: its term started by then, or, without a term start, it was registered by then. A
    term that has ended still counts: the body stands until it is re-elected."""
    from .bodies import Body

    return Exists(
        Body.objects.filter(neighbourhood=OuterRef("pk"), kind__in=kinds).filter(
            Q(term_start__lte=on_date) | Q(term_start__isnull=True, created_at__date__lte=on_date)
        )
    )


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

    # ---- management on a date: unmanaged (失管) and three-nos (三无), derived, never typed ----

    def annotate_management(self, on_date=None):
        """Annotate, as of `on_date` (default today, Asia/Shanghai):

        - `managed`: a management arrangement covers the date (managed_on);
        - `has_competent_unit`: an original property unit / competent unit (原产权单位) is recorded;
        - `has_self_body`: an owners' committee, property management committee or self-management
          committee of the neighbourhood itself exists on the date (body_on);
        - `three_nos`: none of the three."""
        on_date = on_date or timezone.localdate()
        return self.annotate(
            managed=managed_on(on_date),
            has_competent_unit=~Q(original_property_unit__regex=r"^\s*$"),
            has_self_body=body_on(on_date),
        ).annotate(
            three_nos=Q(managed=False, has_competent_unit=False, has_self_body=False),
        )

    def unmanaged(self, on_date=None):
        """Neighbourhoods with no management arrangement covering `on_date` (失管), a mode "none"
        counting as none. Annotated as annotate_management."""
        return self.annotate_management(on_date).filter(managed=False)

    def three_nos(self, on_date=None):
        """Three-nos neighbourhoods (三无小区) on `on_date`: unmanaged, without a competent unit and
        without a self-governance body. Annotated as annotate_management."""
        return self.annotate_management(on_date).filter(three_nos=True)


class AssessmentQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As QuerySet.bulk_create, with each row's empty period filled from its year first (as
        Assessment.save does): the demo's and the benchmark's bulk writers rely on it."""
        objs = list(objs)
        for obj in objs:
            obj.fill_period()
        return super().bulk_create(objs, *args, **kwargs)
