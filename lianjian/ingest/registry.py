"""The record kinds the importer accepts, each mapped to its handler, in dependency order.

An explicit list (STYLE.md §3): greppable, no import magic. A batch is checked and written kind
by kind in this order, so that a record's references are written before it (a lawyer's
``former_staff`` needs staff; a relation needs its lawyer). Adding a kind is one handler in its
domain app's ``records.py`` and one line here; ``tests/test_registry.py`` keeps this list and
DATA_CONTRACT.md §1 in step.
"""

from __future__ import annotations

from lianjian.cases import records as cases_records
from lianjian.common.records import RecordHandler, RecordKind
from lianjian.org import records as org_records

REFERENCE_HANDLERS: dict[str, RecordHandler] = {
    "unit": org_records.UnitHandler(),
    "department": org_records.DepartmentHandler(),
    "staff": org_records.StaffHandler(),
    "lawyer": org_records.LawyerHandler(),
    "staff_change": org_records.StaffChangeHandler(),
    "relation": org_records.RelationHandler(),
    "power": org_records.PowerHandler(),
}
"""The kinds of reference data: held whole, checked, planned and written by their handlers."""

REGISTRY: dict[str, RecordKind] = {
    **REFERENCE_HANDLERS,
    "event": cases_records.EventHandler(),
}
"""Every accepted kind; events last, streamed through :class:`lianjian.cases.stream.EventStream`."""

PLANNED_KINDS: dict[str, str] = {}
"""Kinds of the contract not handled yet: reported as 暂不支持, not as unknown."""

DERIVED_LABELS: dict[str, str] = {
    "lawfirm": "律师事务所",
    "unit_path": "下级单位路径",
    "case": "案件（投影）",
    cases_records.UNKNOWN_TYPES: "未知事件类型",
}
"""Rows written as a consequence of records (firms of lawyers, paths of a moved subtree, the
projections of the cases that new events touch), and the batch's events of unknown types (by
type: stored, counted here, never dropped)."""


def kind_labels() -> dict[str, str]:
    """Every accepted kind → its Chinese label (for messages, summaries and table file names)."""
    return {kind: handler.label for kind, handler in REGISTRY.items()}
