"""Key-node events (关键节点): a case on which an event of a watched type occurred.

One finding per case however many matching events it has, fingerprinted by the case number;
the evidence lists every matching event. Used for the points that one event reveals: 上级院指令
(GX01), 敏感案件与越级信访 (GX10), 通知立案撤案 (XS01), 减刑假释 (XS08), the key nodes of the
civil, administrative and public-interest lines (MS, XZ, GY) and others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from lianjian.risk.kinds.base import (
    CaseRef,
    DetectorKind,
    EventMatch,
    Finding,
    ScanContext,
    StrictModel,
    any_of,
    case_refs,
    event_evidence,
)

MAX_EVIDENCE_EVENTS = 20


class KeyNodeParams(StrictModel):
    """``events``: any of these marks the case; ``lines``: only cases of these lines (empty: all)."""

    events: tuple[EventMatch, ...] = Field(min_length=1, description="关键事件：案件有任一项即报")
    lines: tuple[str, ...] = Field(default=(), description="只看这些业务条线的案件（空：全部）")


class KeyNode(DetectorKind):
    """A case with at least one event matching any of ``events`` (on a case of ``lines``).

    The engine runs every plain key-node rule in one pass (``detect_many``): one query reads the
    events matching any rule, and each row is given to the rules it matches, tested in memory
    with the same conditions — one scan of the events table instead of one per rule.
    """

    name = "key_node"
    label = "关键节点"
    Params = KeyNodeParams
    batches = True

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        return iter(self.detect_many(ctx, [params])[0])

    def detect_many(self, ctx: ScanContext, params: list[Any]) -> list[list[Finding]]:
        if not params:
            return []
        lines = set().union(*(p.lines for p in params)) if all(p.lines for p in params) else set()
        matches = [m for p in params for m in p.events]
        # The type test first, so that the planner rejects most rows before any JSON is read; no
        # ORDER BY, which could tempt it into walking an index over the whole table.
        rows = (
            ctx.events(lines=sorted(lines))
            .filter(type__in=sorted({m.type for m in matches}))
            .filter(any_of(matches))
            .values("case_no", "event_id", "type", "occurred_at", "data")
        )
        by_rule: list[dict[str, list[Any]]] = [defaultdict(list) for _ in params]
        by_type: dict[str, list[tuple[int, list[EventMatch]]]] = defaultdict(list)
        for index, p in enumerate(params):
            for event_type in {m.type for m in p.events}:
                by_type[event_type].append((index, [m for m in p.events if m.type == event_type]))
        ordered = sorted(
            rows.iterator(chunk_size=5000), key=lambda r: (r["case_no"], r["occurred_at"], r["event_id"])
        )
        for row in ordered:
            data = row["data"] if isinstance(row["data"], dict) else {}
            for index, candidates in by_type[row["type"]]:
                if any(m.holds(row["type"], data) for m in candidates):
                    by_rule[index][row["case_no"]].append(row)
        refs = case_refs({case_no for cases in by_rule for case_no in cases})
        return [self._findings(by_case, refs, p) for by_case, p in zip(by_rule, params, strict=True)]

    @staticmethod
    def _findings(by_case: dict[str, list[Any]], refs: dict[str, CaseRef], params: Any) -> list[Finding]:
        findings = []
        for case_no, events in by_case.items():
            ref = refs.get(case_no)
            if ref is None or (params.lines and ref.line not in params.lines):
                continue
            findings.append(
                Finding(
                    fingerprint=case_no,
                    unit_id=ref.unit_id,
                    case_id=ref.pk,
                    case_no=case_no,
                    title="",
                    occurred_at=events[0]["occurred_at"],
                    evidence={
                        "events": event_evidence(events[:MAX_EVIDENCE_EVENTS]),
                        "event_count": len(events),
                        "params": params.model_dump(mode="json"),
                    },
                )
            )
        return findings
