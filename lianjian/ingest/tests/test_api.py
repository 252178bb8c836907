"""The ingestion API: tokens, units, idempotency, rejected batches, size and rate limits (F2.3)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianjian.accounts.api_auth import ApiError, rate_check
from lianjian.accounts.api_tokens import api_token_create, api_token_revoke
from lianjian.accounts.models import ApiToken
from lianjian.audit.models import AuditEvent
from lianjian.cases.models import Event
from lianjian.ingest.api_scope import RULES
from lianjian.ingest.models import ImportBatch
from lianjian.ingest.registry import REGISTRY
from lianjian.org.models import Department, Lawyer, Relation, Staff, Unit

RECORDS_URL = "/api/v1/records"


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    cache.clear()


@pytest.fixture
def county_token(org: Any, security_admin: Any) -> tuple[ApiToken, str]:
    """A token of county 620102's business system."""
    return api_token_create(actor=security_admin, name="城关区业务系统", units=[org.county])


@pytest.fixture
def city_token(org: Any, security_admin: Any) -> tuple[ApiToken, str]:
    """A token of city 620100 and its counties."""
    return api_token_create(actor=security_admin, name="兰州市业务系统", units=[org.city])


def post(client: Client, secret: str | None, body: Any, content_type: str = "application/json") -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return client.post(RECORDS_URL, data, content_type=content_type, **headers)


def dept(unit: str, code: str = "D9", kind: str = "CRIMINAL") -> dict[str, Any]:
    return {"record": "department", "unit": unit, "code": code, "name": "第九检察部", "kind": kind}


def staff(staff_no: str, unit: str, department: str | None = "D9") -> dict[str, Any]:
    return {
        "record": "staff",
        "id": staff_no,
        "name": "王明",
        "unit": unit,
        "department": department,
        "position": "PROSECUTOR",
    }


def relation(relation_no: str, staff_no: str) -> dict[str, Any]:
    return {
        "record": "relation",
        "id": relation_no,
        "staff": staff_no,
        "other_kind": "PERSON",
        "other": "P-9",
        "other_name": "王某",
        "relation": "SPOUSE",
    }


def unit(code: str, parent: str | None, level: str = "COUNTY") -> dict[str, Any]:
    return {"record": "unit", "code": code, "name": f"测试院{code}", "level": level, "parent": parent}


def snapshot() -> tuple[int, ...]:
    return (
        Unit.objects.count(),
        Department.objects.count(),
        Staff.objects.count(),
        Relation.objects.count(),
        Lawyer.objects.count(),
        ImportBatch.objects.count(),
        AuditEvent.objects.count(),
    )


COUNTY_BATCH = [
    staff("A900", "620102"),  # a forward reference: its department comes next
    dept("620102"),
    relation("R-900", "A900"),
    {
        "record": "power",
        "unit": "620102",
        "decision": "PROTEST",
        "effective_from": "2026-01-01",
        "positions": ["CHIEF"],
    },
    {"record": "lawyer", "id": "L-900", "name": "赵律", "firm_id": "F-1", "firm_name": "某律师事务所"},
]


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_missing_token_is_401_and_writes_nothing(client: Client, org: Any) -> None:
    before = snapshot()
    response = post(client, None, [dept("620102")])
    assert response.status_code == 401
    assert response.json() == {
        "detail": "缺少接口令牌：请在请求头中提供 Authorization: Bearer <令牌>",
        "code": "token_missing",
    }
    assert response["WWW-Authenticate"] == "Bearer"
    assert snapshot() == before


@pytest.mark.django_db
def test_wrong_token_is_401(client: Client, county_token: Any) -> None:
    before = snapshot()
    response = post(client, county_token[1] + "x", [dept("620102")])
    assert response.status_code == 401
    assert response.json() == {"detail": "接口令牌无效、已撤销或已过期", "code": "token_invalid"}
    assert snapshot() == before


@pytest.mark.django_db
def test_other_scheme_than_bearer_is_401(client: Client, county_token: Any) -> None:
    response = client.post(
        RECORDS_URL, "[]", content_type="application/json", HTTP_AUTHORIZATION=f"Basic {county_token[1]}"
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "接口令牌无效、已撤销或已过期", "code": "unauthorized"}


@pytest.mark.django_db
def test_revoked_token_is_401(client: Client, county_token: Any, security_admin: Any) -> None:
    token, secret = county_token
    api_token_revoke(actor=security_admin, token=token)
    before = snapshot()
    response = post(client, secret, [dept("620102")])
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert snapshot() == before


@pytest.mark.django_db
def test_expired_token_is_401(client: Client, county_token: Any) -> None:
    token, secret = county_token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post(client, secret, [dept("620102")])
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert Department.objects.filter(code="D9").count() == 0


@pytest.mark.django_db
def test_token_use_is_recorded(client: Client, county_token: Any) -> None:
    token, secret = county_token
    assert token.last_used_at is None
    post(client, secret, [dept("620102")])
    token.refresh_from_db()
    assert token.last_used_at is not None


# --- importing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_records_within_the_token_units_are_imported(client: Client, county_token: Any) -> None:
    response = post(client, county_token[1], COUNTY_BATCH)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ACCEPTED"
    assert body["source"] == "API:城关区业务系统"
    assert body["format"] == "json"
    assert body["records"] == 5
    assert body["error_count"] == 0
    assert body["errors"] == []
    assert {kind: counts["created"] for kind, counts in body["counts"].items() if "created" in counts} == {
        "department": 1,
        "staff": 1,
        "relation": 1,
        "power": 1,
        "lawyer": 1,
        "lawfirm": 1,
    }
    batch = ImportBatch.objects.get(pk=body["batch"])
    assert (batch.source_name, batch.actor_name, batch.created_by) == (
        "API:城关区业务系统",
        "接口令牌：城关区业务系统",
        None,
    )
    department = Staff.objects.get(staff_no="A900").department
    assert department is not None and department.code == "D9"
    # The records' audit events name the token, not a user.
    created = AuditEvent.objects.filter(action="org.staff.create", target_repr__contains="A900").get()
    assert (created.actor_id, created.actor_name) == (None, "接口令牌：城关区业务系统")


@pytest.mark.django_db
def test_the_same_batch_twice_changes_nothing(client: Client, county_token: Any) -> None:
    first = post(client, county_token[1], COUNTY_BATCH)
    assert first.status_code == 200
    state = (snapshot()[:5], AuditEvent.objects.exclude(action__startswith="ingest.").count())

    second = post(client, county_token[1], COUNTY_BATCH)

    assert second.status_code == 200
    body = second.json()
    assert body["status"] == "ACCEPTED"
    for kind in ("department", "staff", "relation", "power", "lawyer"):
        assert body["counts"][kind]["created"] == 0, kind
        assert body["counts"][kind]["updated"] == 0, kind
        assert body["counts"][kind]["unchanged"] == 1, kind
    assert (snapshot()[:5], AuditEvent.objects.exclude(action__startswith="ingest.").count()) == state


@pytest.mark.django_db
def test_json_lines_body_is_accepted(client: Client, county_token: Any) -> None:
    text = "\n".join(json.dumps(record, ensure_ascii=False) for record in COUNTY_BATCH) + "\n"
    response = post(client, county_token[1], text.encode(), content_type="application/x-ndjson")
    assert response.status_code == 200
    assert response.json()["format"] == "jsonl"
    assert Relation.objects.filter(relation_no="R-900").exists()


@pytest.mark.django_db
def test_invalid_batch_is_422_with_every_error_and_writes_no_record(
    client: Client, county_token: Any
) -> None:
    before = snapshot()
    response = post(
        client,
        county_token[1],
        [dept("620102", kind="NOPE"), staff("A901", "620102", department=None) | {"position": None}],
    )

    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "REJECTED"
    assert body["error_count"] == 2
    assert [(e["line"], e["field"], e["code"]) for e in body["errors"]] == [
        (1, "kind", "invalid_choice"),
        (2, "position", "invalid_choice"),
    ]
    assert body["errors"][0]["source"] == "API:城关区业务系统"
    assert "部门类别取值无效" in body["errors"][0]["message"]
    # Only the batch row of the rejected run is written.
    after = snapshot()
    assert after[:5] == before[:5]
    assert after[5] == before[5] + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code", "line"),
    [
        ('{"record": "unit"}', "not_array", 0),
        ("[1, 2", "invalid_json", 0),
        ("[]", "empty_file", 0),
        ("[42]", "not_object", 1),
        ("[NaN]", "invalid_json", 0),
    ],
)
def test_malformed_body_is_422(client: Client, county_token: Any, body: str, code: str, line: int) -> None:
    response = post(client, county_token[1], body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["code"], e["line"]) for e in errors] == [(code, line)]


@pytest.mark.django_db
def test_unsupported_content_type_is_415(client: Client, county_token: Any) -> None:
    before = snapshot()
    response = client.post(
        RECORDS_URL, {"a": "b"}, HTTP_AUTHORIZATION=f"Bearer {county_token[1]}"
    )  # multipart form
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert snapshot() == before


# --- the token's units --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_record_outside_the_token_units_refuses_the_whole_batch(client: Client, county_token: Any) -> None:
    before = snapshot()
    response = post(client, county_token[1], [dept("620102"), dept("620103"), staff("A902", "620201")])

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "out_of_scope"
    assert body["detail"] == "有 2 条记录不在本令牌授权的单位范围内，本批次已拒绝，未写入任何数据"
    assert body["error_count"] == 2
    assert [(e["line"], e["field"], e["code"], e["message"]) for e in body["errors"]] == [
        (2, "unit", "out_of_scope", "单位 620103 不存在或不在本令牌授权的单位范围内"),
        (3, "unit", "out_of_scope", "单位 620201 不存在或不在本令牌授权的单位范围内"),
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_an_unknown_unit_is_answered_like_one_outside(client: Client, county_token: Any) -> None:
    response = post(client, county_token[1], [dept("629999")])
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "单位 629999 不存在或不在本令牌授权的单位范围内"


@pytest.mark.django_db
def test_unit_records_only_below_the_token_units(client: Client, city_token: Any) -> None:
    secret = city_token[1]
    # A new county under the city, and a unit under it sent first (forward reference).
    accepted = post(client, secret, [unit("620105-1", "620105", level="COUNTY"), unit("620105", "620100")])
    assert accepted.status_code == 200, accepted.json()
    assert Unit.objects.get(code="620105-1").path == "/620000/620100/620105/620105-1/"

    before = snapshot()
    for records, field in [
        ([unit("620100", "620000", level="CITY")], "parent"),  # its own unit
        ([unit("620102", "620200")], "parent"),  # moved out of reach
        ([unit("620201", "620100")], "code"),  # pulled in from another city
        ([unit("620300", None, level="PROVINCE")], "parent"),  # a new root
        ([unit("620106", "620107"), unit("620107", "620200", level="CITY")], "parent"),
    ]:
        response = post(client, secret, records)
        assert response.status_code == 403, records
        assert response.json()["errors"][0]["field"] == field, records
    assert snapshot() == before


@pytest.mark.django_db
def test_staff_of_another_unit_cannot_be_moved_in(client: Client, county_token: Any) -> None:
    before = snapshot()
    response = post(client, county_token[1], [staff("C300", "620102", department=None)])
    assert response.status_code == 403
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("id", "人员 C300 不在本令牌授权的单位范围内")
    ]
    assert snapshot() == before
    assert Staff.objects.get(staff_no="C300").unit.code == "620201"


@pytest.mark.django_db
def test_relations_and_changes_follow_their_staff(client: Client, county_token: Any) -> None:
    change = {
        "record": "staff_change",
        "id": "SC-9",
        "staff": "A100",
        "effective_on": "2026-02-01",
        "change": "TRANSFER",
        "unit": "620103",
    }
    response = post(client, county_token[1], [relation("R-901", "B200"), change, relation("R-902", "A100")])
    assert response.status_code == 403
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(1, "staff"), (2, "unit")]
    assert not Relation.objects.exists()


@pytest.mark.django_db
def test_every_record_kind_has_a_unit_rule() -> None:
    assert set(REGISTRY) <= set(RULES)


# --- limits -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_body_over_the_size_limit_is_413_before_reading(
    client: Client, county_token: Any, settings: Any
) -> None:
    settings.LIANJIAN_API_MAX_BODY_BYTES = 300
    small = [dept("620102")]
    big = [dept("620102", code=f"D{n}") for n in range(10)]
    assert len(json.dumps(small)) < 300 < len(json.dumps(big))
    before = snapshot()

    response = post(client, county_token[1], big)

    assert response.status_code == 413
    assert response.json() == {
        "detail": "请求体过大：每次最多 300 字节，请拆分为多个批次提交",
        "code": "body_too_large",
    }
    assert snapshot() == before
    assert post(client, county_token[1], small).status_code == 200


@pytest.mark.django_db
def test_default_size_limit_is_ten_megabytes(client: Client, county_token: Any) -> None:
    padding = "x" * (10 * 1024 * 1024)
    response = post(client, county_token[1], [dept("620102") | {"note": padding}])
    assert response.status_code == 413
    assert response.json()["detail"] == "请求体过大：每次最多 10 MB，请拆分为多个批次提交"


@pytest.mark.django_db
def test_requests_beyond_the_rate_are_429_with_retry_after(
    client: Client, county_token: Any, city_token: Any, settings: Any
) -> None:
    settings.LIANJIAN_API_RATE_PER_MINUTE = 2
    assert post(client, county_token[1], [dept("620102")]).status_code == 200
    assert post(client, county_token[1], [dept("620102")]).status_code == 200
    before = snapshot()

    response = post(client, county_token[1], [dept("620102", code="D8")])

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert response.json()["detail"].startswith("请求过于频繁：每个令牌每分钟最多 2 次请求")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert snapshot() == before
    # Another token has its own allowance.
    assert post(client, city_token[1], [dept("620103", code="D8")]).status_code == 200


@pytest.mark.django_db
def test_retry_after_counts_to_the_end_of_the_minute(county_token: Any, settings: Any) -> None:
    settings.LIANJIAN_API_RATE_PER_MINUTE = 1
    token = county_token[0]
    rate_check(token, now=6000.0 + 15.2)
    with pytest.raises(ApiError) as refused:
        rate_check(token, now=6000.0 + 15.2)
    assert (refused.value.status, refused.value.headers) == (429, {"Retry-After": "45"})
    rate_check(token, now=6060.0)  # the next minute starts afresh


# --- OpenAPI ------------------------------------------------------------------------------------


def test_openapi_schema_renders_with_the_endpoints() -> None:
    from config.api import api

    schema = json.loads(json.dumps(api.get_openapi_schema()))
    assert schema["openapi"].startswith("3.")
    records = schema["paths"]["/api/v1/records"]["post"]
    assert set(records["responses"]) == {"200", "401", "403", "413", "415", "422", "429"}
    assert records["security"] == [{"ApiTokenAuth": []}]
    assert schema["components"]["securitySchemes"]["ApiTokenAuth"] == {"type": "http", "scheme": "bearer"}
    summary = schema["components"]["schemas"]["BatchSummary"]
    assert summary["properties"]["status"]["description"].startswith("批次状态")
    assert reverse("api:records") == "/api/v1/records"


def test_every_response_of_the_api_is_described_in_chinese() -> None:
    from config.api import api

    schema = json.loads(json.dumps(api.get_openapi_schema()))
    descriptions = [
        (path, method, code, response["description"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for code, response in operation["responses"].items()
    ]
    assert len(descriptions) >= 12
    not_chinese = [item for item in descriptions if not any("\u4e00" <= char <= "\u9fff" for char in item[3])]
    assert not_chinese == []
    records = schema["paths"]["/api/v1/records"]["post"]["responses"]
    assert "application/json" in records["422"]["content"]  # the description did not replace the body


# --- cases --------------------------------------------------------------------------------------


def event(event_id: str, case_no: str, unit_code: str, type_: str, at: str, **data: Any) -> dict[str, Any]:
    return {
        "record": "event",
        "event_id": event_id,
        "case_no": case_no,
        "unit": unit_code,
        "type": type_,
        "occurred_at": at,
        "actor": "A100" if unit_code == "620102" else None,
        "data": data,
    }


CASE_EVENTS = [
    event(
        "E-1",
        "甘兰城检刑诉〔2026〕1号",
        "620102",
        "RECEIVED",
        "2026-03-02T09:30:00+08:00",
        line="CRIMINAL",
        case_type="PROSECUTION_REVIEW",
        cause="盗窃罪",
        detained=True,
    ),
    event(
        "E-2",
        "甘兰城检刑诉〔2026〕1号",
        "620102",
        "ASSIGNED",
        "2026-03-02T10:00:00+08:00",
        prosecutor="A100",
        department="D2",
        method="RANDOM",
    ),
    event("E-3", "甘兰城检刑诉〔2026〕1号", "620102", "MYSTERY", "2026-03-03T10:00:00+08:00", note="?"),
]


@pytest.mark.django_db
def test_a_case_within_the_token_units_is_returned_with_its_events(
    client: Client, county_token: Any, city_token: Any
) -> None:
    assert post(client, county_token[1], CASE_EVENTS).status_code == 200

    for secret in (county_token[1], city_token[1]):
        response = client.get(
            reverse("api:case_detail", args=["甘兰城检刑诉〔2026〕1号"]),
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["case_no"], body["unit"], body["unit_name"]) == (
            "甘兰城检刑诉〔2026〕1号",
            "620102",
            "兰州市城关区人民检察院",
        )
        assert (body["line"], body["case_type"], body["cause"], body["is_detained"]) == (
            "CRIMINAL",
            "PROSECUTION_REVIEW",
            "盗窃罪",
            True,
        )
        assert (body["prosecutor"], body["department"], body["assign_method"]) == ("A100", "D2", "RANDOM")
        assert (body["event_count"], body["unknown_event_count"]) == (3, 1)
        assert [(e["event_id"], e["type"], e["is_known_type"]) for e in body["events"]] == [
            ("E-1", "RECEIVED", True),
            ("E-2", "ASSIGNED", True),
            ("E-3", "MYSTERY", False),
        ]
        assert body["events"][0]["occurred_at"] == "2026-03-02T01:30:00Z"
        assert body["events"][2]["data"] == {"note": "?"}


@pytest.mark.django_db
def test_a_case_outside_the_token_units_is_404_like_an_absent_one(
    client: Client, county_token: Any, city_token: Any, org: Any, security_admin: Any
) -> None:
    assert post(client, county_token[1], CASE_EVENTS).status_code == 200
    _, other_secret = api_token_create(actor=security_admin, name="七里河区业务系统", units=[org.county_b])

    outside = client.get(
        reverse("api:case_detail", args=["甘兰城检刑诉〔2026〕1号"]),
        HTTP_AUTHORIZATION=f"Bearer {other_secret}",
    )
    absent = client.get(
        reverse("api:case_detail", args=["无此案"]), HTTP_AUTHORIZATION=f"Bearer {county_token[1]}"
    )

    assert outside.status_code == absent.status_code == 404
    assert outside.json() == absent.json() == {"detail": "未找到", "code": "not_found"}


@pytest.mark.django_db
def test_reading_a_case_needs_a_token(client: Client, county_token: Any) -> None:
    response = client.get(reverse("api:case_detail", args=["甘兰城检刑诉〔2026〕1号"]))
    assert response.status_code == 401


@pytest.mark.django_db
def test_events_cannot_be_added_to_another_unit_case(
    client: Client, county_token: Any, org: Any, security_admin: Any
) -> None:
    assert post(client, county_token[1], CASE_EVENTS).status_code == 200
    _, other_secret = api_token_create(actor=security_admin, name="七里河区业务系统", units=[org.county_b])
    before = (snapshot(), list(Event.objects.values_list("event_id", flat=True)))

    response = post(
        client,
        other_secret,
        [
            event(
                "E-9",
                "甘兰城检刑诉〔2026〕1号",
                "620103",
                "SENSITIVE",
                "2026-03-04T10:00:00+08:00",
                kind="PUBLIC_OPINION",
            )
        ],
    )

    assert response.status_code == 403
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("case_no", "案件 甘兰城检刑诉〔2026〕1号 不在本令牌授权的单位范围内")
    ]
    assert (snapshot(), list(Event.objects.values_list("event_id", flat=True))) == before


@pytest.mark.django_db
def test_an_event_of_a_unit_outside_is_refused(client: Client, county_token: Any) -> None:
    response = post(
        client,
        county_token[1],
        [event("E-8", "X-1", "620201", "SENSITIVE", "2026-03-02T09:30:00+08:00", kind="PUBLIC_OPINION")],
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "unit"
    assert not Event.objects.exists()
