"""The ``event`` record of DATA_CONTRACT.md §1–§2 and its entry in the importer's registry.

An event's envelope (``event_id``, ``case_no``, ``unit``, ``type``, ``occurred_at``, ``actor``) is
:class:`EventRecord`; its ``data`` is validated by the model of its type in :data:`DATA_MODELS`
(the fields the contract names, with their types and codes; unknown fields kept as they came).
A type the contract does not name is stored with its data unchecked, flagged unknown and counted
in the batch summary. A ``CORRECTED`` event's corrected fields are checked against the model of
the type of the event it corrects, which may be in the database or in the batch.

References checked (database or batch; by :mod:`lianjian.cases.stream`, from
:data:`_DATA_REFERENCES`): the envelope's ``unit`` and ``actor``; ``ASSIGNED``
``prosecutor`` and ``department`` (a department of the event's unit); ``LAWYER_ENGAGED`` /
``LAWYER_WITHDRAWN`` ``lawyer``; ``RECUSAL_APPLIED`` / ``RECUSAL_DECIDED`` ``staff``;
``PROPOSED`` / ``DECIDED`` ``by``; ``JURISDICTION_CHANGED`` ``to_unit``; ``CORRECTED``
``corrects`` (an event of the same case); and the same fields where a correction changes them.
Not checked: ``firm_id`` (firms come with lawyer records), ``EXTENDED.approved_by`` and
``CONTACT.with`` (free text in the source system), and unknown types' data.

Events are immutable and idempotent by ``event_id``: the same event again is "unchanged"; with
different content (compared by SM3 digest) it is an ``event_conflict``. Events are source data
attributable to their batch, so they are not audited one by one: one audit event per batch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import Annotated, Any, ClassVar, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from lianjian.cases.choices import (
    AppealDirectedKind,
    AssignMethod,
    CaseLine,
    ComplaintEscalation,
    CustodyMeasure,
    Decision,
    DecisionLevel,
    DetaineeIncidentKind,
    DirectiveKind,
    EventType,
    ExecutionChangeKind,
    InvestigationTarget,
    LawyerRole,
    NonProsecutionKind,
    ReconsiderationKind,
    RightsWhom,
    SensitiveKind,
    SuitWithdrawnKind,
    Verdict,
)
from lianjian.cases.models import Event
from lianjian.common import crypto, jsontext
from lianjian.common.records import ContractBool, Key, RecordModel

CHUNK = 2000
"""Keys per ``IN (...)`` query and rows per INSERT (SQLite ≥ 3.32 allows 32,766 variables)."""

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""DATA_CONTRACT.md §1: a time without offset means Asia/Shanghai."""

UNKNOWN_TYPES = "event_unknown_type"
"""The batch summary's entry counting events of types the contract does not name, by type."""

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?")
DATETIME_PATTERN = _DATETIME
"""The times the contract accepts (checked before ``datetime.fromisoformat``)."""
_KNOWN_TYPES = frozenset(EventType.values)


def contract_error(code: str, message: str, field: str | None = None) -> PydanticCustomError:
    """A validation error carrying the contract's own code and Chinese message (and field path)."""
    context: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        context["field"] = field
    return PydanticCustomError("contract_error", "{message}", context)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else f"{text[:57]}…"


def _contract_datetime(value: Any) -> Any:
    """ISO 8601 with an offset; without one, Asia/Shanghai. A date alone is not a time."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)
    if isinstance(value, str) and _DATETIME.fullmatch(value.strip()):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SHANGHAI)
    raise contract_error(
        "invalid_datetime",
        f"发生时间无效：{_show(value)}，应为带时区的 ISO 8601 时间（如 2026-03-02T09:30:00+08:00；"
        "不带时区按北京时间）",
    )


def _split_list(value: Any) -> Any:
    """A list in a table cell: ``故意伤害罪、寻衅滋事罪`` (also , ， ; ；)."""
    if isinstance(value, str):
        for separator in "、，;；":
            value = value.replace(separator, ",")
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


ContractDateTime = Annotated[datetime, BeforeValidator(_contract_datetime)]
UnitCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_.\-]+$")]
Code32 = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Code40 = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Code64 = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text200 = Annotated[str, StringConstraints(max_length=200)]
Count = Annotated[int, Field(ge=0, le=100_000)]
Amount = Annotated[int | float, Field(ge=0)]
Round = Annotated[int, Field(ge=1, le=2)]
Charges = Annotated[list[Text200], BeforeValidator(_split_list)]


# --- data of each type (DATA_CONTRACT.md §2) ----------------------------------------------------


class EventData(BaseModel):
    """Data of a type with no fields of its own; the base of every type's data (unknown kept)."""

    model_config = ConfigDict(
        extra="allow", str_strip_whitespace=True, coerce_numbers_to_str=True, populate_by_name=True
    )


class ReceivedData(EventData):
    line: CaseLine = Field(title="业务条线")
    case_type: Code40 = Field(title="案件类别")
    cause: Text200 | None = Field(default=None, title="案由")
    transferred_cause: Text200 | None = Field(default=None, title="移送案由")
    detained: ContractBool | None = Field(default=None, title="在押")
    fast_track: ContractBool | None = Field(default=None, title="速裁")
    plea: ContractBool | None = Field(default=None, title="认罪认罚")
    agency: Text200 | None = Field(default=None, title="移送机关")


class AssignedData(EventData):
    prosecutor: Code32 = Field(title="承办检察官")
    department: Code32 | None = Field(default=None, title="承办部门")
    method: AssignMethod | None = Field(default=None, title="分案方式")


class LawyerData(EventData):
    lawyer: Code32 = Field(title="律师执业证号")
    firm_id: Code32 | None = Field(default=None, title="律师事务所统一社会信用代码")
    role: LawyerRole | None = Field(default=None, title="律师身份")


class RightsNotifiedData(EventData):
    whom: RightsWhom = Field(title="告知对象")


class ProposedData(EventData):
    decision: Decision = Field(title="决定类型")
    kind: NonProsecutionKind | None = Field(default=None, title="不起诉类别")
    by: Code32 | None = Field(default=None, title="提出人")


class DecidedData(ProposedData):
    by: Code32 | None = Field(default=None, title="决定人")
    level: DecisionLevel | None = Field(default=None, title="决定层级")
    months: Count | None = Field(default=None, title="量刑建议（月）")


class ExtendedData(EventData):
    stage: Code40 | None = Field(default=None, title="延长阶段")
    days: Count | None = Field(default=None, title="延长天数")
    approved_by: Code64 | None = Field(default=None, title="批准人")


class RoundData(EventData):
    round: Round | None = Field(default=None, title="退查轮次")


class SuspensionData(EventData):
    reason: Text200 | None = Field(default=None, title="中止/恢复原因")


class JurisdictionData(EventData):
    to_unit: UnitCode = Field(title="移送至单位编码")


class ReconsiderationData(EventData):
    kind: ReconsiderationKind | None = Field(default=None, title="复议类别")
    target: Decision | None = Field(default=None, title="原决定")
    changed: ContractBool | None = Field(default=None, title="是否改变")


class CustodyData(EventData):
    from_: CustodyMeasure | None = Field(default=None, alias="from", title="原强制措施")
    to: CustodyMeasure = Field(title="变更后强制措施")


class JudgmentData(EventData):
    verdict: Verdict = Field(title="判决结果")
    charges: Charges | None = Field(default=None, title="判决罪名")
    months: Count | None = Field(default=None, title="判处刑期（月）")


class ComplaintData(EventData):
    escalation: ComplaintEscalation | None = Field(default=None, title="越级/进京")
    accepted: ContractBool | None = Field(default=None, title="是否受理")


class AmountData(EventData):
    amount: Amount | None = Field(default=None, title="金额")


class DetaineeIncidentData(EventData):
    kind: DetaineeIncidentKind | None = Field(default=None, title="事故类别")


class ExecutionChangeData(EventData):
    kind: ExecutionChangeKind | None = Field(default=None, title="变更执行类别")


class RecusalData(EventData):
    staff: Code32 = Field(title="回避人员工号")
    granted: ContractBool | None = Field(default=None, title="是否准许")


class DirectiveData(EventData):
    kind: DirectiveKind | None = Field(default=None, title="指令类别")


class SensitiveData(EventData):
    kind: SensitiveKind | None = Field(default=None, title="敏感类别")


class ContactData(EventData):
    with_kind: Code40 | None = Field(default=None, title="接触对象类别")
    with_: Code64 | None = Field(default=None, alias="with", title="接触对象")
    in_office: ContractBool | None = Field(default=None, title="在办公场所")
    in_hours: ContractBool | None = Field(default=None, title="在工作时间")
    approval_ref: Text100 | None = Field(default=None, title="审批文号")


class PropertyData(EventData):
    value: Amount | None = Field(default=None, title="财物价值")
    method: Text100 | None = Field(default=None, title="处置方式")
    approved: ContractBool | None = Field(default=None, title="是否经审批")


class InvestigationData(EventData):
    target: InvestigationTarget | None = Field(default=None, title="调查对象")


class RecommendationData(EventData):
    urgent: ContractBool | None = Field(default=None, title="是否紧急")


class EffectData(EventData):
    effective: ContractBool | None = Field(default=None, title="是否有效")


class SuitWithdrawnData(EventData):
    kind: SuitWithdrawnKind | None = Field(default=None, title="撤回类别")


class AppealDirectedData(EventData):
    kind: AppealDirectedKind | None = Field(default=None, title="指令类别")


class ClosedData(EventData):
    result: Text200 | None = Field(default=None, title="办结结果")


class CorrectedData(EventData):
    corrects: Code64 = Field(title="被更正事件编号")


T = EventType
DATA_MODELS: dict[str, type[EventData]] = {
    T.RECEIVED: ReceivedData,
    T.ASSIGNED: AssignedData,
    T.LAWYER_ENGAGED: LawyerData,
    T.LAWYER_WITHDRAWN: LawyerData,
    T.RIGHTS_NOTIFIED: RightsNotifiedData,
    T.PROPOSED: ProposedData,
    T.DECIDED: DecidedData,
    T.EXTENDED: ExtendedData,
    T.RETURNED: RoundData,
    T.RESUBMITTED: RoundData,
    T.SUSPENDED: SuspensionData,
    T.RESUMED: SuspensionData,
    T.JURISDICTION_CHANGED: JurisdictionData,
    T.RECONSIDERATION_REQUESTED: ReconsiderationData,
    T.RECONSIDERATION_DECIDED: ReconsiderationData,
    T.CUSTODY_CHANGED: CustodyData,
    T.JUDGMENT: JudgmentData,
    T.COMPLAINT: ComplaintData,
    T.STATE_COMPENSATION: AmountData,
    T.JUDICIAL_AID: AmountData,
    T.DETAINEE_INCIDENT: DetaineeIncidentData,
    T.EXECUTION_CHANGE: ExecutionChangeData,
    T.RECUSAL_APPLIED: RecusalData,
    T.RECUSAL_DECIDED: RecusalData,
    T.SUPERIOR_DIRECTIVE: DirectiveData,
    T.SENSITIVE: SensitiveData,
    T.CONTACT: ContactData,
    T.PROPERTY_SEIZED: PropertyData,
    T.PROPERTY_DISPOSED: PropertyData,
    T.INVESTIGATION: InvestigationData,
    T.RECOMMENDATION_ISSUED: RecommendationData,
    T.RECOMMENDATION_REPLIED: RecommendationData,
    T.RECOMMENDATION_OBJECTED: RecommendationData,
    T.RECOMMENDATION_EFFECT_ASSESSED: EffectData,
    T.SUIT_WITHDRAWN: SuitWithdrawnData,
    T.APPEAL_DIRECTED: AppealDirectedData,
    T.CLOSED: ClosedData,
    T.CORRECTED: CorrectedData,
}
"""The data model of every type; a contract type missing here has no fields (``EventData``)."""

DataModels = Mapping[str, type[BaseModel]]


def integral(value: Any) -> Any:
    """Whole-number floats as ints (``2.0`` → ``2``), so that JSON and tables give one digest."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integral(item) for item in value]
    return value


def _translate(detail: Mapping[str, Any], title: str, field: str, more: int) -> PydanticCustomError:
    """One pydantic error about a data field as the contract's (field ``data.<name>``, Chinese)."""
    kind, value, context = detail["type"], detail.get("input"), detail.get("ctx") or {}
    if kind == "missing":
        code, message = "required", f"事件数据缺少必填字段：{title}"
    elif kind == "enum":
        allowed = str(context.get("expected", "")).replace("'", "").replace(" or ", "、").replace(", ", "、")
        code, message = "invalid_choice", f"{title}取值无效：{_show(value)}，应为 {allowed} 之一"
    elif kind in {"invalid_bool", "bool_type", "bool_parsing"}:
        code, message = "invalid_bool", f"{title}应为 true 或 false，实为 {_show(value)}"
    elif kind == "string_too_short":
        code, message = "required", f"{title}不能为空"
    elif kind == "string_too_long":
        code, message = "too_long", f"{title}过长：最多 {context.get('max_length')} 个字符"
    elif kind == "string_pattern_mismatch":
        code, message = "invalid_format", f"{title}格式无效：{_show(value)}"
    elif kind in {"int_type", "int_parsing", "int_from_float", "float_type", "float_parsing"}:
        code, message = "invalid_type", f"{title}应为数字，实为 {_show(value)}"
    elif kind in {"greater_than_equal", "less_than_equal"}:
        code, message = "out_of_range", f"{title}超出范围：{_show(value)}"
    elif kind in {"string_type", "list_type"}:
        code, message = "invalid_type", f"{title}类型错误：{_show(value)}"
    elif kind == "contract_error":
        code, message = str(context["code"]), str(context["message"])
    else:
        code, message = "invalid_value", f"{title}无效：{_show(value)}"
    if more:
        message += f"（另有 {more} 处错误）"
    return contract_error(code, message, field)


def _title(model: type[BaseModel], name: str) -> str:
    info = next((info for key, info in model.model_fields.items() if name in (key, info.alias)), None)
    return f"{info.title}（{name}）" if info is not None and info.title else name


@cache
def _field_adapter(model: type[EventData], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    return TypeAdapter(info.rebuild_annotation(), config=_FIELD_CONFIG)


_FIELD_CONFIG = ConfigDict(str_strip_whitespace=True, coerce_numbers_to_str=True)


def normalised_data(event_type: str, data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """``data`` checked against its type's model: known fields as codes, booleans and numbers,
    unknown fields unchanged. ``partial`` checks only the fields given (a correction's).
    Raises a contract error (``PydanticCustomError``) for the first wrong field."""
    model = DATA_MODELS.get(event_type, EventData)
    if not partial:
        try:
            validated = model.model_validate(data)
        except ValidationError as exc:
            details = exc.errors(include_url=False)
            loc = details[0].get("loc", ())
            name = str(loc[0]) if loc else ""
            field = ".".join(["data", *(str(part) for part in loc)])
            raise _translate(details[0], _title(model, name), field, len(details) - 1) from None
        return integral(validated.model_dump(mode="json", by_alias=True, exclude_unset=True))
    names = {info.alias or name: name for name, info in model.model_fields.items()}
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            result[key] = value
            continue
        adapter = _field_adapter(model, names[key])
        try:
            result[key] = adapter.dump_python(adapter.validate_python(value), mode="json")
        except ValidationError as exc:
            details = exc.errors(include_url=False)
            raise _translate(details[0], _title(model, key), f"data.{key}", len(details) - 1) from None
    return integral(result)


# --- the envelope -------------------------------------------------------------------------------


class EventRecord(RecordModel):
    """One event (DATA_CONTRACT.md §1 ``event``); ``data`` normalised by its type's model."""

    data_models: ClassVar[DataModels] = DATA_MODELS
    """Per-type data models (also give tables their flattened ``data.<field>`` columns)."""

    event_id: Code64 = Field(title="事件编号")
    case_no: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(title="案件编号")
    unit: UnitCode = Field(title="单位编码")
    type: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(title="事件类型")
    occurred_at: ContractDateTime = Field(title="发生时间")
    actor: Code32 | None = Field(default=None, title="操作人")
    data: dict[str, Any] = Field(default_factory=dict, title="事件数据")

    @field_validator("data", mode="before")
    @classmethod
    def _object(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise contract_error("invalid_type", f"事件数据应为 JSON 对象，实为 {_show(value)}")
        return value

    @field_validator("data")
    @classmethod
    def _by_type(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        event_type = info.data.get("type")
        if event_type not in _KNOWN_TYPES:
            return value  # unknown type (or an invalid one, reported on its own): kept as it came
        return normalised_data(event_type, value)

    @property
    def is_known_type(self) -> bool:
        return self.type in _KNOWN_TYPES

    @property
    def corrects(self) -> str | None:
        if self.type != EventType.CORRECTED:
            return None
        return str(self.data["corrects"])

    @cached_property
    def digest(self) -> str:
        """SM3 of the canonical form (sorted keys, UTC time): equal content, equal digest."""
        return digest_of(self)


def digest_of(event: Any) -> str:
    """:func:`event_digest` of anything with the event's envelope attributes (record or parsed)."""
    return event_digest(
        event_id=event.event_id,
        case_no=event.case_no,
        unit=event.unit,
        type=event.type,
        occurred_at=event.occurred_at,
        actor=event.actor,
        data=event.data,
        extra=event.extra,
    )


def event_digest(
    *,
    event_id: str,
    case_no: str,
    unit: str,
    type: str,
    occurred_at: datetime,
    actor: str | None,
    data: Mapping[str, Any],
    extra: Mapping[str, Any],
) -> str:
    """SM3 of an event's canonical form (sorted keys, UTC time): equal content, equal digest."""
    canonical = {
        "event_id": event_id,
        "case_no": case_no,
        "unit": unit,
        "type": type,
        "occurred_at": occurred_at.astimezone(UTC).isoformat(),
        "actor": actor,
        "data": data,
        "extra": extra,
    }
    return crypto.provider.hash(jsontext.canonical(canonical)).hex()


# --- the handler --------------------------------------------------------------------------------


class StoredEvent(NamedTuple):
    """What checking needs of an event already in the database."""

    event_id: str
    case_no: str
    type: str
    corrects: str
    digest: str


def _chunks(items: Collection[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


_REFERENCE_LABELS = {"unit": "单位", "staff": "人员", "department": "部门", "lawyer": "律师"}
_DATA_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    T.ASSIGNED: (("prosecutor", "staff"), ("department", "department")),
    T.LAWYER_ENGAGED: (("lawyer", "lawyer"),),
    T.LAWYER_WITHDRAWN: (("lawyer", "lawyer"),),
    T.RECUSAL_APPLIED: (("staff", "staff"),),
    T.RECUSAL_DECIDED: (("staff", "staff"),),
    T.PROPOSED: (("by", "staff"),),
    T.DECIDED: (("by", "staff"),),
    T.JURISDICTION_CHANGED: (("to_unit", "unit"),),
}
"""Data fields that name a row of reference data, by type: (field, referenced kind)."""


class EventHandler:
    """The ``event`` kind in the registry: its label, schema, key and ``load``.

    A :class:`~lianjian.common.records.RecordKind`, not a ``RecordHandler``: events are checked
    and written by :class:`lianjian.cases.stream.EventStream` (chunk by chunk, raw writes;
    append-only, idempotent, projections refreshed in the batch), never held whole.
    """

    kind = "event"
    label = "案件事件"
    schema = EventRecord

    def key(self, record: EventRecord) -> Key:
        return (record.event_id,)

    def load(self, keys: Collection[Key]) -> dict[Key, StoredEvent]:
        found: dict[Key, StoredEvent] = {}
        for chunk in _chunks({key[0] for key in keys}):
            rows = Event.objects.filter(event_id__in=chunk).values_list(
                "event_id", "case_no", "type", "corrects", "digest"
            )
            for row in rows:
                found[(row[0],)] = StoredEvent(*row)
        return found
