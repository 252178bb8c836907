"""Conditions on a model's fields: ``{"field": "decision", "op": "in", "value": ["NON_PROSECUTE"]}``.

The kinds that select cases by their projection (``comparison``, ``peer_outlier``) share these
conditions. Staff edit them as JSON, so they are whitelisted and typed (STYLE.md §3): a condition
names a field of its model's whitelist, whose kind — text (and codes), boolean, integer or time —
decides which operators and values it takes, and it compiles to ORM lookups, never ``eval``. A
typo or a value of the wrong type is an error on load, not a condition that silently never holds.

Semantics, the same for every model:

- ``eq`` / ``in``: the field is one of the values; ``ne`` / ``not_in``: it is none of them.
  ``in`` and ``not_in`` take a non-empty list, ``eq`` and ``ne`` a value (or a list, as ``in``).
- ``null`` as a value (boolean and integer fields) is "no value": SQL's ``IN`` never matches NULL,
  so it is asked for explicitly. Without it among the values, a field with no value holds for
  ``ne`` / ``not_in`` (it is not any of them) and not for ``eq`` / ``in``.
- ``contains`` (text): the field contains any of the values.
- ``empty``: "" or null (a related row that is missing reads as null); ``not_empty``: the opposite.
  Time fields take only these two: whether the thing has happened.
- ``gt`` / ``gte`` / ``lt`` / ``lte`` (integers): compared with one integer; null never holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import Any, ClassVar, Literal, get_args

from django.db.models import Q
from pydantic import Field, GetJsonSchemaHandler, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from lianjian.risk.kinds.base import Scalar, StrictModel

FieldKind = Literal["text", "bool", "int", "time"]
Op = Literal["eq", "ne", "in", "not_in", "contains", "empty", "not_empty", "gt", "gte", "lt", "lte"]
ORDERED = ("gt", "gte", "lt", "lte")
PRESENCE = ("empty", "not_empty")
KIND_LABELS: Mapping[FieldKind, str] = {"text": "文本", "bool": "布尔", "int": "整数", "time": "时间"}

# The fields of the case projection (``cases.Case``) a condition may test, by kind. The Literal
# types are also the parameter types of the comparison checks that name a text or a time field.
CaseText = Literal[
    "line",
    "case_type",
    "cause",
    "transferred_cause",
    "custody_measure",
    "agency",
    "assign_method",
    "proposal_decision",
    "proposal_kind",
    "decision",
    "decision_kind",
    "decision_level",
    "judgment_verdict",
    "close_result",
]
CaseBool = Literal["is_detained", "is_fast_track", "has_plea", "is_suspended"]
CaseNumber = Literal[
    "stage",
    "return_round",
    "return_count",
    "extension_count",
    "extension_days",
    "decision_months",
    "judgment_months",
]
CaseTime = Literal[
    "received_at",
    "first_received_at",
    "assigned_at",
    "proposed_at",
    "decided_at",
    "judged_at",
    "closed_at",
    "absconded_at",
    "returned_at",
    "resubmitted_at",
    "suspended_at",
    "last_event_at",
]

# The fields of a case's stages (``cases.CaseStage``).
StageText = Literal["case_type", "decision"]
StageBool = Literal["is_detained"]
StageNumber = Literal["number", "extension_count", "return_count"]
StageTime = Literal["decided_at", "closed_at"]


def _whitelist(names: Mapping[FieldKind, Any]) -> dict[str, FieldKind]:
    """Field name → kind, from one Literal type of names per kind."""
    return {name: kind for kind, literal in names.items() for name in get_args(literal)}


CASE_FIELDS = _whitelist({"text": CaseText, "bool": CaseBool, "int": CaseNumber, "time": CaseTime})
STAGE_FIELDS = _whitelist({"text": StageText, "bool": StageBool, "int": StageNumber, "time": StageTime})
EXPECTED: Mapping[FieldKind, str] = {
    "text": "文字",
    "bool": "布尔值（true / false）或 null",
    "int": "整数或 null",
}


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fits(kind: FieldKind, value: Scalar) -> bool:
    """Whether ``value`` is a value of a field of ``kind`` (null: where a field may have none)."""
    if value is None:
        return kind in ("bool", "int")
    if kind == "text":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    return kind == "int" and _is_integer(value)


class FieldCondition(StrictModel):
    """One test on a whitelisted field of a model (see the module docstring for the semantics).

    A subclass per model sets ``FIELDS`` (name → kind); this base class has no field to test.
    """

    FIELDS: ClassVar[Mapping[str, FieldKind]] = {}

    field: str = Field(description="字段名（须在白名单内）")
    op: Op = Field(
        default="eq",
        description="运算：等于、不等于、属于、不属于、包含（文本）、为空、非空，"
        "大于、不小于、小于、不大于（整数）",
    )
    value: Scalar | list[Scalar] = Field(
        default=None,
        description="比较值，类型须与字段相符（in、not_in 为列表；null 表示无值；为空、非空不用）",
    )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler, /
    ) -> JsonSchemaValue:
        """The schema names the whitelist, which the rule pages show."""
        schema = handler(core_schema)
        handler.resolve_ref_schema(schema)["properties"]["field"]["enum"] = list(cls.FIELDS)
        return schema

    @field_validator("field")
    @classmethod
    def _whitelisted(cls, value: str) -> str:
        """Only the fields of the whitelist (a typo is an error, not a condition that never holds)."""
        if value not in cls.FIELDS:
            raise ValueError(f"不能按字段 {value} 筛选（可用：{'、'.join(cls.FIELDS)}）")
        return value

    @model_validator(mode="after")
    def _fits_the_field(self) -> FieldCondition:
        """The operator and the values suit the field's kind."""
        kind, op = self.FIELDS[self.field], self.op
        if op in PRESENCE:
            return self
        if kind == "time":
            raise ValueError(f"时间字段 {self.field} 只能判断有无（empty / not_empty）")
        if op == "contains" and kind != "text":
            raise ValueError(f"contains 只适用于文本字段，{self.field} 是{KIND_LABELS[kind]}字段")
        if op in ORDERED:
            if kind != "int" or not _is_integer(self.value):
                raise ValueError(f"{op} 只用于整数字段，且比较值须为一个整数")
            return self
        if op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"{op} 的比较值须为列表")
        values = self._values()
        if not values:
            raise ValueError("至少给出一个比较值")
        if not all(_fits(kind, value) for value in values):
            raise ValueError(f"字段 {self.field} 的比较值类型不符（应为{EXPECTED[kind]}）")
        return self

    def _values(self) -> list[Scalar]:
        return list(self.value) if isinstance(self.value, list) else [self.value]

    def q(self, prefix: str = "") -> Q:
        """The condition as a filter (``prefix``: the path to a related model, e.g. ``"stages__"``)."""
        name = f"{prefix}{self.field}"
        null = Q(**{f"{name}__isnull": True})
        absent = null | Q(**{name: ""}) if self.FIELDS[self.field] == "text" else null
        if self.op == "empty":
            return absent
        if self.op == "not_empty":
            return ~absent
        if self.op in ORDERED:
            return Q(**{f"{name}__{self.op}": self.value})
        values = self._values()
        present = [value for value in values if value is not None]
        if self.op == "contains":
            return reduce(or_, [Q(**{f"{name}__contains": value}) for value in present])
        parts = [Q(**{f"{name}__in": present})] if len(present) > 1 else [Q(**{name: v}) for v in present]
        asks_null = None in values  # SQL's IN never matches NULL: null is asked for explicitly
        match = reduce(or_, [*parts, null] if asks_null else parts)
        if self.op in ("eq", "in"):
            return match
        return ~match if asks_null else ~match | null


class CaseCondition(FieldCondition):
    """A test on a field of the case projection (``Case``): ``{"field": "has_plea", "value": true}``."""

    FIELDS: ClassVar[Mapping[str, FieldKind]] = CASE_FIELDS


class StageCondition(FieldCondition):
    """A test on a field of one of the case's stages (``CaseStage``), e.g. ``{"field": "number",
    "op": "gte", "value": 2}``."""

    FIELDS: ClassVar[Mapping[str, FieldKind]] = STAGE_FIELDS
