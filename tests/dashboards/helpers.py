"""What the dashboards tests share: a page's query count, the first unit of each level below a
district, and reading the exports (file name, rows)."""

import csv
import io
from urllib.parse import unquote

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from projects.models import Project

LEVELS = ("district", "street", "community", "neighbourhood", "project")


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
