"""Whether every record of an API batch lies within the units of the token that sent it.

An integrating system's token reaches its units and their subordinates (F2.3). Before a batch is
imported, every record is placed in the unit tree as it will stand after the batch — a unit sent
in the same batch counts under the parent the batch gives it — and the whole batch is refused
if any record reaches outside:

- ``unit``: the unit as it stands now (if it exists) and its new parent must lie within, so a
  token creates, renames and moves units only below its own units (never its own unit or a root);
- ``department``, ``power``: their ``unit``;
- ``event``: its ``unit``, and the unit of its case if the case exists already (a token cannot add
  events to another unit's case by naming its number);
- ``staff``: the new ``unit`` and, for existing staff, the current one;
- ``staff_change``, ``relation``: the staff member's unit (as sent in the batch, or as stored),
  the stored staff of an existing change or relation, and a change's new ``unit``;
- ``lawyer``: shared reference data of no unit, always allowed.

A unit or staff member that does not exist gets the same answer as one outside the token's
units, so that a token cannot probe what exists beyond its reach. Records that fail validation
are left to the importer, which rejects the batch anyway. A kind without a rule here is refused:
a new record kind must state its rule before an integrating system can send it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from lianjian.cases.models import Case
from lianjian.common.records import Issue, Location, RecordModel
from lianjian.ingest.readers import RECORD_FIELD, Item
from lianjian.ingest.registry import REGISTRY
from lianjian.org.models import Relation, Staff, StaffChange, Unit

OUT_OF_SCOPE = "out_of_scope"


@dataclass
class _Batch:
    """The records of the batch that matter for placing them, and what the database says."""

    token_paths: tuple[str, ...]
    records: list[tuple[Location, str, RecordModel]] = field(default_factory=list)
    unit_parents: dict[str, str | None] = field(default_factory=dict)
    staff_units: dict[str, str] = field(default_factory=dict)
    stored_unit_paths: dict[str, str] = field(default_factory=dict)
    stored_staff_paths: dict[str, str] = field(default_factory=dict)
    stored_relation_paths: dict[str, str] = field(default_factory=dict)
    stored_change_paths: dict[str, str] = field(default_factory=dict)
    stored_case_paths: dict[str, str] = field(default_factory=dict)
    _memo: dict[str, bool] = field(default_factory=dict)

    def path_within(self, path: str | None) -> bool:
        return bool(path) and any(path.startswith(root) for root in self.token_paths)  # type: ignore[union-attr]

    def unit_within(self, code: str | None, _seen: frozenset[str] = frozenset()) -> bool:
        """Whether unit ``code`` lies within the token's units once the batch is written."""
        if code is None or code in _seen:
            return False
        if code not in self._memo:
            if code in self.unit_parents:
                parent = self.unit_parents[code]
                self._memo[code] = self.unit_within(parent, _seen | {code})
            else:
                self._memo[code] = self.path_within(self.stored_unit_paths.get(code))
        return self._memo[code]

    def staff_within(self, staff_no: str) -> bool:
        if staff_no in self.staff_units:
            return self.unit_within(self.staff_units[staff_no])
        return self.path_within(self.stored_staff_paths.get(staff_no))


def _issue(location: Location, name: str, message: str) -> Issue:
    return Issue(location, name, OUT_OF_SCOPE, message)


def _unit_message(code: str | None) -> str:
    return f"单位 {code} 不存在或不在本令牌授权的单位范围内" if code else "记录未落在本令牌授权的单位范围内"


def _check_unit(batch: _Batch, location: Location, record: Any) -> list[Issue]:
    issues = []
    stored = batch.stored_unit_paths.get(record.code)
    if stored is not None and not batch.path_within(stored):
        issues.append(_issue(location, "code", _unit_message(record.code)))
    elif record.parent is None:
        issues.append(_issue(location, "parent", "本令牌不能创建或修改顶级单位（上级单位编码为空）"))
    elif not batch.unit_within(record.parent):
        issues.append(
            _issue(
                location,
                "parent",
                f"上级单位 {record.parent} 不存在或不在本令牌授权的单位范围内"
                "（本令牌只能创建或修改其授权单位的下级单位）",
            )
        )
    return issues


def _check_unit_field(batch: _Batch, location: Location, record: Any) -> list[Issue]:
    unit = getattr(record, "unit", None)
    if batch.unit_within(unit):
        return []
    return [_issue(location, "unit", _unit_message(unit))]


def _check_staff(batch: _Batch, location: Location, record: Any) -> list[Issue]:
    stored = batch.stored_staff_paths.get(record.id)
    if stored is not None and not batch.path_within(stored):
        return [_issue(location, "id", f"人员 {record.id} 不在本令牌授权的单位范围内")]
    return _check_unit_field(batch, location, record)


def _staff_message(staff_no: str) -> str:
    return f"人员 {staff_no} 不存在或不在本令牌授权的单位范围内"


def _check_staff_change(batch: _Batch, location: Location, record: Any) -> list[Issue]:
    stored = batch.stored_change_paths.get(record.id)
    if stored is not None and not batch.path_within(stored):
        return [_issue(location, "id", f"岗位变动 {record.id} 不在本令牌授权的单位范围内")]
    if not batch.staff_within(record.staff):
        return [_issue(location, "staff", _staff_message(record.staff))]
    if record.unit is not None and not batch.unit_within(record.unit):
        return [_issue(location, "unit", _unit_message(record.unit))]
    return []


def _check_relation(batch: _Batch, location: Location, record: Any) -> list[Issue]:
    stored = batch.stored_relation_paths.get(record.id)
    if stored is not None and not batch.path_within(stored):
        return [_issue(location, "id", f"关系 {record.id} 不在本令牌授权的单位范围内")]
    if not batch.staff_within(record.staff):
        return [_issue(location, "staff", _staff_message(record.staff))]
    return []


def _check_event(batch: _Batch, location: Location, record: Any) -> list[Issue]:
    stored = batch.stored_case_paths.get(record.case_no)
    if stored is not None and not batch.path_within(stored):
        return [_issue(location, "case_no", f"案件 {record.case_no} 不在本令牌授权的单位范围内")]
    return _check_unit_field(batch, location, record)


def _always(batch: _Batch, location: Location, record: Any) -> list[Issue]:
    return []


RULES: dict[str, Callable[[_Batch, Location, Any], list[Issue]]] = {
    "unit": _check_unit,
    "department": _check_unit_field,
    "staff": _check_staff,
    "lawyer": _always,
    "staff_change": _check_staff_change,
    "relation": _check_relation,
    "power": _check_unit_field,
    "event": _check_event,
}
"""Record kind → how its place in the unit tree is checked (``tests/test_api.py`` keeps this in
step with the importer's registry)."""


def _collect(items: Iterable[Item], token_paths: tuple[str, ...]) -> tuple[_Batch, list[Issue]]:
    batch = _Batch(token_paths=token_paths)
    refused: list[Issue] = []
    for location, item in items:
        if isinstance(item, Issue):
            continue
        kind = item.get(RECORD_FIELD)
        handler = REGISTRY.get(kind) if isinstance(kind, str) else None
        if handler is None:
            continue  # the importer reports unknown kinds
        if kind not in RULES:
            refused.append(Issue(location, RECORD_FIELD, "kind_not_allowed", f"接口暂不接收此类记录：{kind}"))
            continue
        try:
            record = handler.schema.model_validate({k: v for k, v in item.items() if k != RECORD_FIELD})
        except ValidationError:
            continue  # the importer reports it and rejects the batch
        batch.records.append((location, kind, record))
        if kind == "unit":
            batch.unit_parents[record.code] = record.parent  # type: ignore[attr-defined]
        elif kind == "staff":
            batch.staff_units[record.id] = record.unit  # type: ignore[attr-defined]
    return batch, refused


def _load(batch: _Batch) -> None:
    """Read the stored places of everything the batch names, a few queries in all."""
    unit_codes: set[str] = set(batch.unit_parents)
    staff_nos: set[str] = set()
    relation_nos: set[str] = set()
    change_nos: set[str] = set()
    case_nos: set[str] = set()
    for _, kind, record in batch.records:
        values: Any = record
        for name in ("unit", "parent"):
            code = getattr(values, name, None)
            if isinstance(code, str):
                unit_codes.add(code)
        if kind == "staff":
            staff_nos.add(values.id)
        elif kind in {"staff_change", "relation"}:
            staff_nos.add(values.staff)
            (change_nos if kind == "staff_change" else relation_nos).add(values.id)
        elif kind == "event":
            case_nos.add(values.case_no)
    batch.stored_unit_paths = _by_chunks(Unit.objects, "code", "path", unit_codes)
    batch.stored_staff_paths = _by_chunks(Staff.objects, "staff_no", "unit__path", staff_nos)
    batch.stored_relation_paths = _by_chunks(
        Relation.objects, "relation_no", "staff__unit__path", relation_nos
    )
    batch.stored_change_paths = _by_chunks(StaffChange.objects, "change_no", "staff__unit__path", change_nos)
    batch.stored_case_paths = _by_chunks(Case.objects, "case_no", "unit__path", case_nos)


def _by_chunks(manager: Any, key: str, value: str, keys: set[str], size: int = 900) -> dict[str, str]:
    found: dict[str, str] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), size):
        rows = manager.filter(**{f"{key}__in": ordered[start : start + size]}).values_list(key, value)
        found.update(dict(rows))
    return found


def batch_scope_issues(items: Sequence[Item], *, token_paths: tuple[str, ...]) -> list[Issue]:
    """Every record of ``items`` that would reach outside the units at ``token_paths``.

    Reads only. An empty list means the batch may be imported.
    """
    batch, issues = _collect(items, token_paths)
    _load(batch)
    for location, kind, record in batch.records:
        issues.extend(RULES[kind](batch, location, record))
    issues.sort(key=lambda issue: issue.location.line)
    return issues
