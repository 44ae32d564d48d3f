"""Each arrangement's free-text provider becomes a record of its neighbourhood's district's
register: one record per district and name (the name trimmed and its inner runs of spaces made
one), kind "market" when any professional arrangement names it, else "other"."""

from django.db import migrations


def _name(text):
    return " ".join((text or "").split())[:120]


def forward(apps, schema_editor):
    Arrangement = apps.get_model("governance", "ManagementArrangement")
    Provider = apps.get_model("governance", "Provider")
    found = {}
    rows = (
        Arrangement.objects.exclude(provider="")
        .values_list("pk", "provider", "mode", "neighbourhood__community__street__district_id")
        .order_by("pk")
    )
    for pk, text, mode, district_id in rows:
        name = _name(text)
        if not name:
            continue
        key = (district_id, name)
        if key not in found:
            found[key] = Provider.objects.get_or_create(
                district_id=district_id, name=name, defaults={"kind": "other", "note": "由原长效管理安排的管理单位名称迁移。"}
            )[0]
        provider = found[key]
        if mode == "professional" and provider.kind != "market":
            provider.kind = "market"
            provider.save(update_fields=["kind"])
        Arrangement.objects.filter(pk=pk).update(provider_record=provider)


def backward(apps, schema_editor):
    Arrangement = apps.get_model("governance", "ManagementArrangement")
    for arrangement in Arrangement.objects.exclude(provider_record=None).select_related("provider_record"):
        Arrangement.objects.filter(pk=arrangement.pk).update(provider=arrangement.provider_record.name)


class Migration(migrations.Migration):

    dependencies = [
        ("governance", "0013_providers"),
    ]

    operations = [migrations.RunPython(forward, backward)]
