"""The national works menu as initial data (the list lives in projects/catalogue_data.py)."""

from django.db import migrations

from projects.catalogue_data import ITEMS, load_national_menu


def load(apps, schema_editor):
    load_national_menu(apps.get_model("projects", "CatalogueItem"))


def unload(apps, schema_editor):
    CatalogueItem = apps.get_model("projects", "CatalogueItem")
    CatalogueItem.objects.filter(code__in=[row[0] for row in ITEMS], district=None, scope_items=None).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
