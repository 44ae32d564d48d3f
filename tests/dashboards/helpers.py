"""What the dashboards tests share: a page's query count, the first unit of each level below a
district, and reading the exports (file name, rows)."""

import csv
import io
from urllib.parse import unquote

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Project

LEVELS = ("district", "street", "community", "neighbourhood", "project")

# Who opens which unit's dashboard, as the pages and the API both answer it (each adds its own
# rows): (who, level, place in the `world` fixture, status): inside 200; outside 404, like a unit
# that does not exist; above one's own level 404.
UNIT_SCOPING = [
    ("superuser", "neighbourhood", "ne", 200),
    ("city", "district", "other_district", 200),
    ("official", "district", "district", 200),
    ("official", "street", "s2", 200),
    ("official", "neighbourhood", "n211", 200),
    ("official", "district", "other_district", 404),
    ("official", "neighbourhood", "ne", 404),
    ("street", "street", "s1", 200),
    ("street", "community", "c12", 200),
    ("street", "street", "s2", 404),
    ("street", "district", "district", 404),  # the unit above one's own
    ("street", "neighbourhood", "n211", 404),
    ("community", "community", "c11", 200),
    ("community", "neighbourhood", "n111", 200),
    ("community", "community", "c12", 404),
    ("community", "street", "s1", 404),
    ("community", "neighbourhood", "n121", 404),
]


def seeded_for_module(django_db_blocker, scale):
    """For a module-scoped fixture (`yield from` it): seed_demo at `scale` inside a transaction that
    is rolled back when the module is done; yields the command's output."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            out = io.StringIO()
            call_command("seed_demo", "--scale", scale, stdout=out)
            yield out.getvalue()
            transaction.set_rollback(True)


def page_queries(client, url):
    """How many queries the page at `url` takes (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def first_units(district):
    """The district and its first street, community, neighbourhood and project, by level."""
    street = district.streets.first()
    community = street.communities.first()
    return {
        "district": district,
        "street": street,
        "community": community,
        "neighbourhood": community.neighbourhoods.first(),
        "project": Project.objects.filter(neighbourhoods__community__street__district=district).first(),
    }


def download_name(response):
    return unquote(response["Content-Disposition"].split("filename*=utf-8''")[-1])


def exported_rows(response, fmt):
    """The cells of a CSV or Excel export, row by row."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows()]


def assert_tables_export(client, level, place, page, headers, month, last_day):
    """Each table of the page (`headers`: table -> its first header) exports as CSV and as Excel for
    the `month` (YYYY-MM), named after the place and the month's last day."""
    for table, first in headers.items():
        for fmt in ("csv", "xlsx"):
            url = reverse("dashboards:page_export", args=[level, place.pk, page, table, fmt])
            response = client.get(url + f"?year={month[:4]}&month={month}")
            assert response.status_code == 200, (table, fmt)
            name = download_name(response)
            assert name.startswith(f"{place.name}_") and last_day in name and name.endswith(f".{fmt}")
            rows = exported_rows(response, fmt)
            assert rows[0][0] == first, (table, rows[0])


def assert_page_and_export_answer(client, user, level, place, page, table, status):
    """`user` gets `status` from the dashboard page of `place` and from the CSV export of its `table`."""
    client.force_login(user)
    assert client.get(reverse("dashboards:page", args=[level, place.pk, page])).status_code == status
    export = reverse("dashboards:page_export", args=[level, place.pk, page, table, "csv"])
    assert client.get(export).status_code == status
