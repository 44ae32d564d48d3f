"""The built-in template 三下三上 (docs/domain-rules.md, "Consultation"), inlined so later code
changes do not alter it."""
from django.db import migrations

NAME = "三下三上"  # surveys.services.BUILTIN_TEMPLATE
STEPS = (
    ("D1", "down", "一下：召开居民大会，征集改造需求", True, False),
    ("U1", "up", "一上：需求清单报部门审核", False, False),
    ("D2", "down", "二下：现场踏勘，初步方案征求意见", False, False),
    ("U2", "up", "二上：意见汇总，方案修改完善", False, False),
    ("D3", "down", "三下：最终方案业主表决并公示", False, True),
    ("U3", "up", "三上：方案审定备案，组织实施", False, False),
)


def create(apps, schema_editor):
    ProcessTemplate = apps.get_model("surveys", "ProcessTemplate")
    TemplateStep = apps.get_model("surveys", "TemplateStep")
    template, _ = ProcessTemplate.objects.get_or_create(
        district=None, name=NAME,
        defaults={"description": "住房城乡建设部推广的“三下三上”居民协商程序：三次深入居民、三次报部门审核。"},
    )
    for order, (code, direction, name, closes, vote) in enumerate(STEPS, start=1):
        TemplateStep.objects.update_or_create(
            template=template, order=order,
            defaults={"code": code, "direction": direction, "name": name, "closes_demand_list": closes,
                      "needs_vote": vote},
        )


def remove(apps, schema_editor):
    apps.get_model("surveys", "ProcessTemplate").objects.filter(district=None, name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_consultation")]
    operations = [migrations.RunPython(create, remove)]
