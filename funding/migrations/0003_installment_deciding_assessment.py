"""Which assessment decides a plan year: the latest recorded one of the neighbourhood whose period
ends within the plan year (funding.schedule.assessment_decides), no longer the assessment of the
calendar year in which the plan year ends.

For the rows still open to a decision (scheduled, due, withheld): `assessment_year` becomes the
calendar year of the plan year's first day (the annual assessment that decides it now), and a
withheld row decided by an assessment that no longer decides it (its period ends outside the plan
year) forgets that decision, so the next run decides it again from the right assessment. Released,
paid and stopped rows stay as they were decided: their money is settled.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import ExtractYear

OPEN = ["scheduled", "due", "withheld"]


def apply_rule(apps, schema_editor):
    Installment = apps.get_model("funding", "SubsidyInstallment")
    Installment.objects.filter(status__in=OPEN).update(assessment_year=ExtractYear("period_start"))
    deciding = Q(assessment__period_end__gte=F("period_start"), assessment__period_end__lt=F("period_end"))
    Installment.objects.filter(status="withheld", assessment__isnull=False).exclude(deciding).update(
        assessment=None, score=None, ratio=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0002_reversals"),
        ("governance", "0004_assessment_period"),
    ]

    operations = [
        migrations.AlterField(
            model_name="subsidyinstallment",
            name="assessment",
            field=models.ForeignKey(
                blank=True,
                help_text="核定该年度款项的考核，核定时记录。",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="governance.assessment",
                verbose_name="依据的考核",
            ),
        ),
        migrations.RunPython(apply_rule, migrations.RunPython.noop),
    ]
