"""An assessment's period (the service it judges): added empty, filled from each row's year (its
calendar year, 1 January – 31 December, the period every existing assessment meant), then
required."""

import datetime

from django.db import migrations, models


def fill_periods(apps, schema_editor):
    Assessment = apps.get_model("governance", "Assessment")
    empty = Assessment.objects.filter(period_start__isnull=True)
    for year in empty.values_list("year", flat=True).distinct():
        Assessment.objects.filter(year=year, period_start__isnull=True).update(
            period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_login_counter"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="period_start",
            field=models.DateField(null=True, verbose_name="考核期开始"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="period_end",
            field=models.DateField(null=True, verbose_name="考核期结束"),
        ),
        migrations.RunPython(fill_periods, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="assessment",
            name="period_start",
            field=models.DateField(blank=True, help_text="留空则为考核年度的1月1日。", verbose_name="考核期开始"),
        ),
        migrations.AlterField(
            model_name="assessment",
            name="period_end",
            field=models.DateField(
                blank=True,
                help_text="含当日；留空则为考核年度的12月31日。考核期不超过一年。",
                verbose_name="考核期结束",
            ),
        ),
        migrations.AddIndex(
            model_name="assessment",
            index=models.Index(fields=["arrangement", "period_end"], name="assessment_arrangement_end"),
        ),
        migrations.AddConstraint(
            model_name="assessment",
            constraint=models.CheckConstraint(
                condition=models.Q(("period_end__gte", models.F("period_start"))),
                name="assessment_period_order",
                violation_error_message="考核期结束不能早于考核期开始。",
            ),
        ),
    ]
