"""The UI works with the network cut: no page refers to anything outside this server."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    [
        "bootstrap/css/bootstrap.min.css",
        "bootstrap/js/bootstrap.bundle.min.js",
        "htmx/htmx.min.js",
        "lianjian/shell.css",
    ],
)
def test_static_assets_are_installed_locally(path: str) -> None:
    assert finders.find(path) is not None


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/org/staff/", "/org/powers/", "/api/v1/docs"])
def test_pages_load_nothing_from_other_hosts(url: str, client, department_head) -> None:
    if url != "/accounts/login/":
        client.force_login(department_head)
    response = client.get(url)
    assert response.status_code == 200
    assert EXTERNAL.findall(response.content.decode()) == []


def test_api_docs_require_login(client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 302
