"""The API's doc pages as served (the browser side is tests/browser/test_api_docs.py): they name no
other host, carry the security policy that keeps the browser on this server, and are not
themselves operations of the schema."""
import re

import pytest
from django.test import Client


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_doc_pages_name_no_other_host_and_carry_the_policy(path, db):
    response = Client().get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+", page) == []  # no absolute or protocol-relative URL
    assert "/static/drf_spectacular_sidecar/" in page
    policy = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'"):
        assert directive in policy


def test_redoc_is_told_to_use_the_machines_fonts(db):
    page = Client().get("/api/redoc/").content.decode()
    assert "Noto Sans CJK SC" in page and "fonts.googleapis" not in page and "Montserrat" not in page


def test_the_doc_pages_are_not_operations_of_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert not {"/api/docs/", "/api/redoc/", "/api/schema/"} & set(paths)
