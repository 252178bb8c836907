"""What every detector kind shares: the scan context, findings, event matching.

A kind (STYLE.md §3) is a class with a ``name``, a Chinese ``label``, a pydantic ``Params``
model whose defaults are validated on load, the ``subject`` its findings are about (a case or a
person) and ``detect(ctx, params)``, which reads the database set-wise and yields frozen
:class:`Finding` objects. A detector writes nothing and takes "as of" from its caller; only the
engine turns findings into alerts.

Conditions that staff edit are whitelisted JSON (:class:`Condition`), compiled to ORM lookups on
the event's ``data`` — never ``eval``; conditions on a model's fields (the case projection, its
stages) are in :mod:`lianjian.risk.kinds.fields`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from django.db.models import Q, QuerySet
from pydantic import BaseModel, ConfigDict, Field, field_validator

from lianjian.cases.models import Case, Event

CHUNK = 5000
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
Scalar = str | bool | int | float | None


class StrictModel(BaseModel):
    """Parameters reject unknown keys, so that a typo in an edited rule is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(StrictModel):
    """One test on an event's ``data`` field: ``{"field": "decision", "op": "in", "value": [...]}``.

    ``empty`` holds when the field is absent, JSON null or ""; ``ne`` and ``not_in`` hold for an
    absent field too.
    """

    field: str = Field(description="事件数据（data）中的字段名")
    op: Literal["eq", "ne", "in", "not_in", "empty", "not_empty"] = Field(
        default="eq", description="运算：等于、不等于、属于、不属于、为空、非空"
    )
    value: Scalar | list[Scalar] = Field(default=None, description="比较值（in、not_in 为列表）")

    @field_validator("field")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not FIELD_NAME.match(value):
            raise ValueError("字段名只能由小写字母、数字和下划线组成")
        return value

    def q(self) -> Q:
        key = f"data__{self.field}"
        absent = Q(**{f"{key}__isnull": True}) | Q(**{key: None})
        if self.op == "empty":
            return absent | Q(**{key: ""})
        if self.op == "not_empty":
            return ~(absent | Q(**{key: ""}))
        values = self.value if isinstance(self.value, list) else [self.value]
        match = Q(**{f"{key}__in": values}) if len(values) > 1 else Q(**{key: values[0]})
        if self.op in ("eq", "in"):
            return match
        return ~match | absent

    def holds(self, data: Mapping[str, Any]) -> bool:
        """The same test on data already in memory (evidence, tests)."""
        value = data.get(self.field)
        if self.op == "empty":
            return value in (None, "")
        if self.op == "not_empty":
            return value not in (None, "")
        values = self.value if isinstance(self.value, list) else [self.value]
        inside = value is not None and any(same_json(value, v) for v in values)
        return inside if self.op in ("eq", "in") else not inside


def same_json(a: Any, b: Any) -> bool:
    """JSON equality as the database sees it: ``1`` is not ``true``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


class EventMatch(StrictModel):
    """An event of ``type`` whose data meets every condition in ``where``."""

    type: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,39}$", description="事件类型（如 SUPERIOR_DIRECTIVE）")
    where: tuple[Condition, ...] = Field(default=(), description="对事件数据的条件，须全部满足（空：不限）")

    def q(self) -> Q:
        query = Q(type=self.type)
        for condition in self.where:
            query &= condition.q()
        return query

    def holds(self, event_type: str, data: Mapping[str, Any]) -> bool:
        return event_type == self.type and all(c.holds(data) for c in self.where)


def any_of(matches: Iterable[EventMatch]) -> Q:
    """Events meeting any of ``matches``."""
    query = Q(pk__in=[])
    for match in matches:
        query |= match.q()
    return query


@dataclass(frozen=True)
class CaseRef:
    """The projection fields a finding needs to name its case and route it."""

    pk: int
    case_no: str
    unit_id: int
    line: str
    prosecutor_id: int | None
    department_id: int | None


@dataclass(frozen=True)
class Finding:
    """One thing a detector found. ``fingerprint`` is stable across scans for the same finding.

    ``level`` overrides the rule's level (a 临期 warning is one level below the 超期 alert), and
    ``evidence`` names the events (``events``: event ids, in order), the figures and the
    parameters that raised it.
    """

    fingerprint: str
    unit_id: int
    title: str
    evidence: dict[str, Any]
    case_id: int | None = None
    case_no: str = ""
    subject_staff_id: int | None = None
    occurred_at: datetime | None = None
    level: str | None = None
    codes: tuple[str, ...] = ()  # empty: the rule's risk codes
    hidden_from: tuple[str, ...] = ()  # blind tags of people who must never see it (sealing)


@dataclass(frozen=True)
class ScanContext:
    """What a detector may look at: the time "as of", and the part of the data in this scan.

    ``case_nos`` limits an incremental scan to the cases whose events changed; ``staff_ids`` to
    the people whose statistics those changes touch; ``unit_ids`` to the units whose parameters
    this evaluation uses (a unit's local override splits a rule into groups); ``fingerprints``
    to those findings (one record's rules after it is written: only alerts with these
    fingerprints are found or resolved, and a kind that can reads only their rows). ``None``:
    no limit.
    """

    as_of: datetime
    case_nos: frozenset[str] | None = None
    staff_ids: frozenset[int] | None = None
    unit_ids: frozenset[int] | None = None
    fingerprints: frozenset[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def cases(self) -> QuerySet[Case]:
        """The cases in this scan (every case of the units in scope, or the changed ones)."""
        cases = Case.objects.all()
        if self.unit_ids is not None:
            cases = cases.filter(unit_id__in=self.unit_ids)
        if self.case_nos is not None:
            cases = cases.filter(case_no__in=self.case_nos)
        return cases

    def events(self, *, lines: Collection[str] = ()) -> QuerySet[Event]:
        """Events of the cases in this scan (of ``lines`` only, if given), up to "as of"."""
        events = Event.objects.filter(occurred_at__lte=self.as_of)
        if self.case_nos is not None:
            events = events.filter(case_no__in=self.case_nos)
        if self.unit_ids is not None or lines:
            cases = Case.objects.all()
            if self.unit_ids is not None:
                cases = cases.filter(unit_id__in=self.unit_ids)
            if lines:
                cases = cases.filter(line__in=lines)
            events = events.filter(case_no__in=cases.values("case_no"))
        return events


def chunks(items: Collection[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def case_refs(case_nos: Collection[str]) -> dict[str, CaseRef]:
    """The projection of each case number (cases without a projection are left out)."""
    refs: dict[str, CaseRef] = {}
    for chunk in chunks(case_nos):
        for row in Case.objects.filter(case_no__in=chunk).values_list(
            "pk", "case_no", "unit_id", "line", "prosecutor_id", "department_id"
        ):
            refs[row[1]] = CaseRef(*row)
    return refs


def event_evidence(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Evidence entries for event rows (``event_id``, ``type``, ``occurred_at``, ``data``)."""
    return [
        {
            "event_id": row["event_id"],
            "type": row["type"],
            "occurred_at": row["occurred_at"].isoformat(),
            "data": row.get("data") or {},
        }
        for row in rows
    ]


class DetectorKind:
    """Base of every kind; see the module docstring. Subclasses set the class attributes."""

    name: ClassVar[str]
    label: ClassVar[str]
    subject: ClassVar[Literal["case", "staff"]] = "case"
    Params: ClassVar[type[StrictModel]]
    # A kind that can evaluate many rules in one pass over the data sets this and overrides
    # ``detect_many``; the engine then runs its plain rules together.
    batches: ClassVar[bool] = False
    # False for statistics over a whole population (a prosecutor's rate against the department's):
    # one new case barely moves them, and recomputing the departments an import touches costs
    # about as much as a full pass. Such rules run in full scans only (the daily scan, F13.5).
    incremental: ClassVar[bool] = True

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        raise NotImplementedError

    def detect_many(self, ctx: ScanContext, params: list[Any]) -> list[list[Finding]]:
        """The findings of each parameter set, in order (by default one ``detect`` each)."""
        return [list(self.detect(ctx, p)) for p in params]

    def parse_params(self, raw: Mapping[str, Any]) -> StrictModel:
        return self.Params.model_validate(dict(raw))
