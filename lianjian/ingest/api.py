"""The ingestion API (F2.3): integrating systems send records and read cases with an API token.

``POST /api/v1/records`` takes a batch in the data contract (a JSON array, or JSON Lines with
``Content-Type: application/x-ndjson``) and imports it exactly as ``lianjian import`` does — the
same validation, all-or-nothing, idempotent — after checking that every record lies within the
token's units (:mod:`lianjian.ingest.api_scope`). The body's size is checked before it is read.
``GET /api/v1/cases/{case_no}`` returns a case within the token's units with its events (a case
outside them is answered 404, as if absent).
Views here parse, authorise and call one service; the rules live in the services.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja import Router, Status

from lianjian.accounts.api_auth import ApiError, ApiTokenAuth
from lianjian.accounts.api_tokens import api_token_unit_paths
from lianjian.accounts.models import ApiToken
from lianjian.cases.models import Case, CaseLawyer, Event
from lianjian.cases.selectors import cases_visible_to, events_of_case_visible_to
from lianjian.common.permissions import Perm
from lianjian.common.records import Issue, Location
from lianjian.common.scope import Scope
from lianjian.ingest.api_schemas import BatchSummary, CaseOut, ErrorOut, ScopeRefusal
from lianjian.ingest.api_scope import batch_scope_issues
from lianjian.ingest.models import ERROR_LIMIT
from lianjian.ingest.readers import Item, JsonLinesReader, RecordReader, unsafe_text
from lianjian.ingest.services import (
    case_statistics_refresh,
    created_events,
    detection_after_import,
    import_batch_run,
)

router = Router(auth=ApiTokenAuth())

JSON_TYPES = frozenset({"application/json"})
JSON_LINES_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)


@dataclass(frozen=True)
class TokenActor:
    """Who imports through the API: the token, not a user.

    Passed as the importer's ``actor`` so that the batch (``actor_name``) and every audit event
    of its records name the token; it has no ``pk``, so ``ImportBatch.created_by`` stays empty
    and no user is credited with the import.
    """

    name: str
    pk: None = None
    audit_unit_code: str = ""
    audit_unit_path: str = ""

    def __str__(self) -> str:
        return f"接口令牌：{self.name}"


class _ItemsReader(RecordReader):
    """Items already read from the request body, handed to the importer as one source."""

    extensions: ClassVar[tuple[str, ...]] = ()

    def __init__(self, source: str, items: Sequence[Item]) -> None:
        super().__init__(source)
        self._items = items

    def read(self) -> Iterator[Item]:
        yield from self._items

    def parse(self, raw: bytes) -> Iterator[Item]:  # pragma: no cover - read() is overridden
        yield from self._items


class JsonArrayItems(_ItemsReader):
    format = "json"


class JsonLinesItems(_ItemsReader):
    format = "jsonl"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"不支持 {name}")


def _body_issue(source: str, code: str, message: str, line: int = 0) -> Item:
    location = Location(source, line)
    return location, Issue(location, "", code, message)


def json_array_items(source: str, raw: bytes) -> list[Item]:
    """The records of a JSON array body, each located by its 1-based position; never raises."""
    try:
        value = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        return [_body_issue(source, "bad_encoding", "请求体不是有效的 UTF-8 文本")]
    except json.JSONDecodeError as exc:
        return [
            _body_issue(
                source, "invalid_json", f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列附近（{exc.msg}）"
            )
        ]
    except (ValueError, RecursionError) as exc:
        return [_body_issue(source, "invalid_json", f"JSON 格式错误：{exc}"[:200])]
    if not isinstance(value, list):
        return [
            _body_issue(
                source,
                "not_array",
                "请求体应为 JSON 数组（[{…}, …]）；JSON Lines 请以 Content-Type: application/x-ndjson 提交",
            )
        ]
    if not value:
        return [_body_issue(source, "empty_file", "请求体中没有记录")]
    items: list[Item] = []
    for number, element in enumerate(value, start=1):
        if not isinstance(element, dict):
            items.append(
                _body_issue(source, "not_object", f"第 {number} 条应为一个 JSON 对象（{{…}}）", number)
            )
        elif unsafe_text(element):
            items.append(
                _body_issue(
                    source, "invalid_character", "含有不允许的字符（空字符或不成对的代理字符）", number
                )
            )
        else:
            items.append((Location(source, number), element))
    return items


def read_limited_body(request: HttpRequest) -> bytes:
    """The request body, refused with 413 past ``LIANJIAN_API_MAX_BODY_BYTES``.

    The declared ``Content-Length`` is checked before anything is read, and the read itself stops
    one byte past the limit, so an oversized body is never held in memory.
    """
    limit: int = settings.LIANJIAN_API_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _too_large(limit)
    data = request.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _too_large(limit: int) -> ApiError:
    megabytes = limit / (1024 * 1024)
    size = f"{megabytes:g} MB" if megabytes >= 1 else f"{limit} 字节"
    return ApiError(413, "body_too_large", f"请求体过大：每次最多 {size}，请拆分为多个批次提交")


RESPONSE_TEXTS = {
    200: "成功",
    401: "未提供令牌，或令牌无效、已撤销、已过期",
    403: "记录超出令牌授权的单位范围，整批拒绝，未写入任何数据",
    404: "案件不存在，或不在令牌授权的单位范围内",
    413: "请求体超过大小上限",
    415: "请求体类型不受支持（应为 application/json 或 application/x-ndjson）",
    422: "批次中有无效记录，整批拒绝，未写入任何数据；逐条列出错误",
    429: "请求过于频繁，请稍后重试",
}
"""The OpenAPI descriptions of the status codes, in Chinese (Ninja's defaults are English)."""


def described(*codes: int) -> dict[str, Any]:
    """``openapi_extra`` giving each status code its Chinese description."""
    return {"responses": {code: {"description": RESPONSE_TEXTS[code]} for code in codes}}


_RECORDS_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {"type": "object", "additionalProperties": True},
                "description": "记录数组，每条记录是数据契约中的一个对象（含 record 字段）",
            },
            "example": [
                {
                    "record": "unit",
                    "code": "620105",
                    "name": "兰州市西固区人民检察院",
                    "level": "COUNTY",
                    "parent": "620100",
                }
            ],
        },
        "application/x-ndjson": {
            "schema": {"type": "string", "description": "JSON Lines：每行一个记录对象"},
        },
    },
}


@router.post(
    "/records",
    url_name="records",
    tags=["数据接入"],
    summary="提交一批记录",
    description=(
        "以一个批次导入数据契约中的记录（单位、部门、人员、岗位变动、律师、关系、权力清单、案件事件）。"
        "请求体为 JSON 数组（Content-Type: application/json）或 JSON Lines（application/x-ndjson）。"
        "每条记录须落在令牌授权的单位（含下级）范围内，否则整批拒绝（403，不写入任何数据）；"
        "有任何无效记录则整批拒绝（422，列出每条错误）；全部有效则整批写入（200）。"
        "同一批次重复提交不产生任何变化（幂等）。"
    ),
    response={
        200: BatchSummary,
        401: ErrorOut,
        403: ScopeRefusal,
        413: ErrorOut,
        415: ErrorOut,
        422: BatchSummary,
        429: ErrorOut,
    },
    openapi_extra={"requestBody": _RECORDS_BODY, **described(200, 401, 403, 413, 415, 422, 429)},
)
def records_post(request: HttpRequest) -> Status[Any]:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    content_type = (request.content_type or "").lower()
    if content_type not in JSON_TYPES | JSON_LINES_TYPES:
        raise ApiError(
            415,
            "unsupported_media_type",
            "不支持的内容类型：请以 application/json（JSON 数组）或 application/x-ndjson（JSON Lines）提交",
        )
    raw = read_limited_body(request)
    source = f"API:{token.name}"
    reader: _ItemsReader
    if content_type in JSON_TYPES:
        reader = JsonArrayItems(source, json_array_items(source, raw))
    else:
        reader = JsonLinesItems(source, list(JsonLinesReader(source, data=raw).read()))
    refused = batch_scope_issues(list(reader.read()), token_paths=api_token_unit_paths(token))
    if refused:
        return Status(
            403,
            {
                "detail": f"有 {len(refused)} 条记录不在本令牌授权的单位范围内，本批次已拒绝，未写入任何数据",
                "code": "out_of_scope",
                "error_count": len(refused),
                "errors": [issue.as_dict() for issue in refused[:ERROR_LIMIT]],
            },
        )
    result = import_batch_run(actor=TokenActor(token.name), source_name=source, lines_or_reader=reader)
    summary = result.summary()
    if result.is_accepted:
        case_statistics_refresh(events_created=created_events(result))
        summary["scan"] = detection_after_import(actor=TokenActor(token.name))
    return Status(200 if result.is_accepted else 422, summary)


# --- cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenReader:
    """A token as a reader of cases: it reaches its units and their subordinates, nothing else.

    Implements what the cases selectors ask of a user (:class:`~lianjian.common.scope.ScopedUser`),
    so that the API reads through the same ``*_visible_to`` selectors as the pages.
    """

    unit_paths: tuple[str, ...]
    is_authenticated: bool = True

    def has_lianjian_perm(self, perm: Perm) -> bool:
        return perm == Perm.CASE_VIEW and bool(self.unit_paths)

    def scope(self, perm: Perm) -> Scope:
        return Scope(subtree_paths=self.unit_paths) if perm == Perm.CASE_VIEW else Scope()


def _text(value: str) -> str | None:
    return value or None


def _staff_no(staff: Any) -> str | None:
    return staff.staff_no if staff is not None else None


def case_payload(case: Case, events: Sequence[Event], lawyers: Sequence[CaseLawyer]) -> dict[str, Any]:
    """The case as the API answers it (:class:`~lianjian.ingest.api_schemas.CaseOut`)."""
    return {
        "case_no": case.case_no,
        "unit": case.unit.code,
        "unit_name": case.unit.name,
        "line": _text(case.line),
        "case_type": _text(case.case_type),
        "stage": case.stage,
        "cause": _text(case.cause),
        "transferred_cause": _text(case.transferred_cause),
        "is_detained": case.is_detained,
        "custody_measure": _text(case.custody_measure),
        "is_fast_track": case.is_fast_track,
        "has_plea": case.has_plea,
        "prosecutor": _staff_no(case.prosecutor),
        "department": case.department.code if case.department is not None else None,
        "assign_method": _text(case.assign_method),
        "proposal": (
            {
                "decision": case.proposal_decision,
                "kind": _text(case.proposal_kind),
                "by": _staff_no(case.proposal_by),
                "at": case.proposed_at,
            }
            if case.proposal_decision
            else None
        ),
        "decision": (
            {
                "decision": case.decision,
                "kind": _text(case.decision_kind),
                "by": _staff_no(case.decided_by),
                "level": _text(case.decision_level),
                "months": case.decision_months,
                "at": case.decided_at,
            }
            if case.decision
            else None
        ),
        "extension_count": case.extension_count,
        "extension_days": case.extension_days,
        "return_count": case.return_count,
        "return_round": case.return_round,
        "is_suspended": case.is_suspended,
        "judgment": (
            {
                "verdict": case.judgment_verdict,
                "charges": case.judgment_charges,
                "months": case.judgment_months,
                "at": case.judged_at,
            }
            if case.judgment_verdict
            else None
        ),
        "received_at": case.received_at,
        "first_received_at": case.first_received_at,
        "closed_at": case.closed_at,
        "close_result": _text(case.close_result),
        "last_event_at": case.last_event_at,
        "event_count": case.event_count,
        "unknown_event_count": case.unknown_event_count,
        "lawyers": [
            {
                "lawyer": engagement.license_no,
                "firm_id": _text(engagement.firm_id),
                "role": _text(engagement.role),
                "engaged_at": engagement.engaged_at,
                "withdrawn_at": engagement.withdrawn_at,
            }
            for engagement in lawyers
        ],
        "events": [
            {
                "event_id": event.event_id,
                "type": event.type,
                "is_known_type": event.is_known_type,
                "unit": event.unit.code,
                "occurred_at": event.occurred_at,
                "actor": _text(event.actor_no),
                "data": event.data,
                "corrects": _text(event.corrects),
            }
            for event in events
        ],
    }


@router.get(
    "/cases/{case_no}",
    url_name="case_detail",
    tags=["案件"],
    summary="查询案件",
    description=(
        "返回案件的当前状态（由事件投影而来）及其全部事件（按发生时间排序）。"
        "只能查询令牌授权单位（含下级）的案件；范围以外的案件与不存在的案件同样答复 404。"
    ),
    response={200: CaseOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    openapi_extra=described(200, 401, 404, 429),
)
def case_detail(request: HttpRequest, case_no: str) -> dict[str, Any]:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    reader = TokenReader(api_token_unit_paths(token))
    case = (
        cases_visible_to(reader).select_related("proposal_by", "decided_by").filter(case_no=case_no).first()
    )
    if case is None:
        raise Http404
    events = list(events_of_case_visible_to(reader, case_no))
    lawyers = list(case.lawyers.order_by("engaged_at", "license_no"))
    return case_payload(case, events, lawyers)
