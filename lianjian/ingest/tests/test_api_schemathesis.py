"""Property-based requests against the API's own OpenAPI document (schemathesis).

Every operation is called with generated parameters and bodies, with a valid token of a county,
and must answer without a server error, with a status, content type, headers and body its
OpenAPI document declares.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.api import api
from config.wsgi import application
from lianjian.accounts.api_tokens import api_token_create

# JSON Lines bodies are text: send the generated string as it is.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def secret(org: Any, security_admin: Any, settings: Any) -> Iterator[str]:
    """A county token without a rate limit; WSGI calls keep the test's database connection.

    Django's test client does the same: closing "old" connections at the end of a request would
    close the connection that holds the test's transaction.
    """
    settings.LIANJIAN_API_RATE_PER_MINUTE = 0
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield api_token_create(actor=security_admin, name="生成测试系统", units=[org.county])[1]
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_requests_get_declared_answers_and_no_server_error(case: Any, secret: str) -> None:
    response = case.call(app=application, headers={"Authorization": f"Bearer {secret}"})
    case.validate_response(response, checks=CHECKS)
