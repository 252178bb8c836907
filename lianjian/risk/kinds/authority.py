"""Decisions beyond the power list (越权决定, GX03): who decided held a post the list does not allow.

The power list (检察官权力清单, ``org.PowerRule``) says which positions of a unit may take each
decision from a date; a unit without its own line for a decision inherits its nearest superior's,
and a line for one kind of non-prosecution is more specific than a line for every kind *of the
same unit* (``org.selectors.power_rule_for``). A ``DECIDED`` event is outside the list when the
position its decider held on the decision day (the post history, ``org.selectors.staff_post_on``)
is not among the positions of the line in force for the decider's unit on that day — exactly the
answer of ``org.selectors.staff_may_decide``, which this kind reproduces set-wise instead of
calling it per event. The legal basis: 《人民检察院组织法》第二十九条 and 《检察官法》第九条 (检察官在
检察长领导下开展工作，重大办案事项由检察长决定，检察长可以将部分职权委托检察官行使),
《人民检察院刑事诉讼规则》第四条 (检察官、检察长、检察委员会在各自职权范围内作出决定) and
《人民检察院组织法》第三十四条 (检察官对其职权范围内作出的决定负责).

Strategy: the list is small (about 150 units × 16 decisions), so it is resolved in Python into
the few distinct groups (decision, kind, allowed positions, date range) → units (23 for the
generator's list). Each group is one condition on the ``DECIDED`` events: that decision, kind and
period, a decider whose unit on the day is one of the group's units and whose position on the day
(correlated subqueries on the post history) is not allowed; the groups are OR-ed into one query
(per batch of ``GROUPS_PER_QUERY``), so the events are read once. A decided event that a
``CORRECTED`` event amends is left out of that query and judged in Python on its corrected data
(they are few). A decision for which no line is in force anywhere in the decider's chain raises
nothing (the list is silent; ``staff_may_decide`` says "not allowed", but an alert on every
decision the list forgot to name would be noise — a gap in the list is a matter for whoever
maintains it).

One finding per case, fingerprinted by the case number, listing every decision outside the list.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import CharField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf, TruncDate
from django.utils import timezone
from pydantic import Field

from lianjian.cases.choices import CaseLine, DecisionLevel
from lianjian.cases.models import Event
from lianjian.cases.projection import EventView, effective_data
from lianjian.org.choices import Decision, NonProsecutionKind, StaffPosition
from lianjian.org.models import PowerRule, Staff, StaffChange, Unit
from lianjian.org.selectors import staff_post_on
from lianjian.risk.kinds.base import (
    Condition,
    DetectorKind,
    Finding,
    Scalar,
    ScanContext,
    StrictModel,
    case_refs,
    chunks,
    event_evidence,
)

MAX_EVIDENCE_DECISIONS = 20
GROUPS_PER_QUERY = 40
POSITION_LABELS = dict(StaffPosition.choices)
DECISION_LABELS = dict(Decision.choices)
KIND_LABELS = dict(NonProsecutionKind.choices)


class AuthorityParams(StrictModel):
    """``lines``: only cases of these lines; ``decisions``: only these decision codes (empty: all);
    ``exempt_levels``: decisions recorded at these levels are not checked (e.g. ``COMMITTEE``: the
    procuratorial committee discusses and decides major cases, 《人民检察院组织法》第三十一条、第三十三条,
    whoever is recorded as ``by``)."""

    lines: tuple[CaseLine, ...] = Field(default=(), description="只看这些业务条线的案件（空：全部）")
    decisions: tuple[Decision, ...] = Field(default=(), description="只检查这些决定（空：全部）")
    exempt_levels: tuple[DecisionLevel, ...] = Field(
        default=(), description="不检查以这些决定层级作出的决定（如检察委员会）"
    )


@dataclass(frozen=True)
class PowerLine:
    """One line of the power list, as loaded."""

    pk: int
    unit_id: int
    unit_code: str
    decision: str
    kind: str
    effective_from: date
    positions: tuple[str, ...]


@dataclass(frozen=True)
class PowerGroup:
    """Decisions of ``decision`` (of ``kind``; ``None``: of any kind without a line of its own)
    taken from ``start`` (inclusive) to ``end`` (exclusive; ``None``: open) by someone of one of
    ``units``: only ``positions`` may take them."""

    decision: str
    kind: str | None
    positions: tuple[str, ...]
    start: date
    end: date | None
    units: frozenset[int]


class PowerTable:
    """The power list resolved for every unit: :func:`org.selectors.power_rule_for` in memory."""

    def __init__(self, lines: Iterable[PowerLine], chains: Mapping[int, list[int]]) -> None:
        self.chains = dict(chains)
        self.lines: dict[tuple[int, str, str], list[PowerLine]] = defaultdict(list)
        for line in lines:
            self.lines[(line.unit_id, line.decision, line.kind)].append(line)
        for entries in self.lines.values():
            entries.sort(key=lambda entry: entry.effective_from)
        self.specific: dict[str, frozenset[str]] = defaultdict(frozenset)
        for _unit, decision, kind in self.lines:
            if kind:
                self.specific[decision] = self.specific[decision] | {kind}
        self.decisions = sorted({decision for _unit, decision, _kind in self.lines})

    @classmethod
    def load(cls) -> PowerTable:
        """Every unit's chain (nearest first) and every line, in two queries."""
        units = list(Unit.objects.values_list("pk", "code", "path"))
        by_code = {code: pk for pk, code, _path in units}
        chains = {
            pk: [by_code[code] for code in reversed([c for c in path.split("/") if c]) if code in by_code]
            for pk, _code, path in units
        }
        lines = [
            PowerLine(pk, unit_id, code, decision, kind, start, tuple(positions or ()))
            for pk, unit_id, code, decision, kind, start, positions in PowerRule.objects.values_list(
                "pk", "unit_id", "unit__code", "decision", "kind", "effective_from", "positions"
            )
        ]
        return cls(lines, chains)

    def kind_key(self, decision: str, kind: str) -> str:
        """The kind whose lines apply: ``kind`` if some unit has a line for it, else ``""``."""
        return kind if kind and kind in self.specific[decision] else ""

    def line_for(self, unit_id: int, decision: str, kind: str, day: date) -> PowerLine | None:
        """The line in force for ``unit_id`` on ``day``: the nearest unit of the chain that has one,
        and at that unit the line for ``kind`` before the line for every kind."""
        kinds = [kind, ""] if kind else [""]
        for candidate in self.chains.get(unit_id, []):
            for wanted in kinds:
                entries = self.lines.get((candidate, decision, wanted), [])
                index = bisect.bisect_right([entry.effective_from for entry in entries], day) - 1
                if index >= 0:
                    return entries[index]
        return None

    def groups(self, decisions: Iterable[str] = ()) -> list[PowerGroup]:
        """The distinct (decision, kind, positions, period) → units of the whole list."""
        wanted = set(decisions) or set(self.decisions)
        units: dict[tuple[str, str | None, tuple[str, ...], date, date | None], set[int]] = defaultdict(set)
        for unit_id, chain in self.chains.items():
            for decision in self.decisions:
                if decision not in wanted:
                    continue
                for kind in [*sorted(self.specific[decision]), None]:
                    for start, end, positions in self._periods(chain, unit_id, decision, kind or ""):
                        units[(decision, kind, positions, start, end)].add(unit_id)
        return [
            PowerGroup(decision, kind, positions, start, end, frozenset(members))
            for (decision, kind, positions, start, end), members in sorted(
                units.items(), key=lambda item: (item[0][0], item[0][1] or "", item[0][3], item[0][2])
            )
        ]

    def _periods(
        self, chain: list[int], unit_id: int, decision: str, kind: str
    ) -> Iterator[tuple[date, date | None, tuple[str, ...]]]:
        """The unit's periods of one answer: the answer changes only where a line of the chain starts."""
        starts = sorted(
            {
                entry.effective_from
                for candidate in chain
                for wanted in {kind, ""}
                for entry in self.lines.get((candidate, decision, wanted), [])
            }
        )
        answers: list[tuple[date, tuple[str, ...]]] = []
        for start in starts:
            line = self.line_for(unit_id, decision, kind, start)
            positions = tuple(sorted(line.positions)) if line is not None else None
            if positions is None:
                continue
            if answers and answers[-1][1] == positions:
                continue  # the same positions under a newer line: one period
            answers.append((start, positions))
        for index, (start, positions) in enumerate(answers):
            end = answers[index + 1][0] if index + 1 < len(answers) else None
            yield start, end, positions


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _annotated(events: QuerySet[Event], zone: tzinfo) -> QuerySet[Event]:
    """Events with their decider (``data.by``, else the actor), the decision day in local time, and
    the decider's unit and position on that day from the post history (``staff_post_on``)."""
    history = StaffChange.objects.filter(
        staff_id=OuterRef("decider_id"), effective_on__lte=OuterRef("decided_on")
    )
    staff = Staff.objects.filter(pk=OuterRef("decider_id")).order_by()
    return events.annotate(
        decider_no=Coalesce(
            NullIf(KeyTextTransform("by", "data"), Value("")),
            NullIf(F("actor_no"), Value("")),
            output_field=CharField(),
        ),
        decider_id=Subquery(
            Staff.objects.filter(staff_no=OuterRef("decider_no")).order_by().values("pk")[:1]
        ),
        decided_on=TruncDate("occurred_at", tzinfo=zone),
        decider_unit=Coalesce(
            Subquery(
                history.filter(unit__isnull=False)
                .order_by("-effective_on", "-change_no")
                .values("unit_id")[:1]
            ),
            Subquery(staff.values("unit_id")[:1]),
            output_field=IntegerField(),
        ),
        position=Coalesce(
            Subquery(
                history.exclude(position="").order_by("-effective_on", "-change_no").values("position")[:1]
            ),
            Subquery(staff.values("position")[:1]),
            output_field=CharField(),
        ),
    )


ROW_FIELDS = (
    "case_no",
    "event_id",
    "type",
    "occurred_at",
    "data",
    "decider_no",
    "decider_id",
    "decided_on",
    "decider_unit",
    "position",
)


class Authority(DetectorKind):
    """A case with a ``DECIDED`` event whose decider's position on the day the power list of the
    decider's unit does not allow for that decision (and kind)."""

    name = "authority"
    label = "超越权力清单决定"
    Params = AuthorityParams

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        table = PowerTable.load()
        zone = timezone.get_default_timezone()
        decided = ctx.events(lines=params.lines).filter(type="DECIDED")
        if params.exempt_levels:
            decided = decided.filter(
                Condition(
                    field="level", op="not_in", value=[str(level) for level in params.exempt_levels]
                ).q()
            )
        corrected = ctx.events().filter(type="CORRECTED").values("corrects")
        plain = _annotated(decided.exclude(event_id__in=corrected), zone)
        violations: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # The groups are OR-ed into one query per batch: one pass over the decided events instead of
        # one per group (three times faster on PostgreSQL, measured), in batches that keep the
        # expression within SQLite's depth limit. A decider who resolves to no staff has no unit
        # and fails every group's unit test.
        for batch in chunks(table.groups(params.decisions), GROUPS_PER_QUERY):
            rows = plain.filter(reduce(or_, (self._group_q(table, group) for group in batch)))
            for row in rows.values(*ROW_FIELDS).iterator(chunk_size=2000):
                violations[row["case_no"]].append(row)
        for row in self._corrected(ctx, decided, corrected, table, params, zone):
            violations[row["case_no"]].append(row)
        yield from self._findings(violations, table, params)

    @staticmethod
    def _group_q(table: PowerTable, group: PowerGroup) -> Q:
        """The events outside a group's line: its decision, its kind (or any kind without lines of
        its own), its period, a decider of one of its units holding a position not allowed."""
        zone = timezone.get_default_timezone()
        query = Condition(field="decision", value=group.decision).q()
        if group.kind is not None:
            query &= Condition(field="kind", value=group.kind).q()
        elif table.specific[group.decision]:
            specific: list[Scalar] = [*sorted(table.specific[group.decision])]
            query &= Condition(field="kind", op="not_in", value=specific).q()
        query &= Q(occurred_at__gte=_local_midnight(group.start, zone))
        if group.end is not None:
            query &= Q(occurred_at__lt=_local_midnight(group.end, zone))
        # The post-history subqueries last: they are evaluated only for the group's own events.
        return query & Q(decider_unit__in=sorted(group.units)) & ~Q(position__in=list(group.positions))

    @staticmethod
    def _corrected(
        ctx: ScanContext,
        decided: QuerySet[Event],
        corrected: QuerySet[Event, Any],
        table: PowerTable,
        params: AuthorityParams,
        zone: tzinfo,
    ) -> Iterator[dict[str, Any]]:
        """Corrected decisions (few), judged in Python on their effective data."""
        rows = list(
            decided.filter(event_id__in=corrected).values(
                "case_no", "event_id", "type", "occurred_at", "data", "actor_no"
            )
        )
        if not rows:
            return
        corrections: dict[str, list[EventView]] = defaultdict(list)
        for chunk in chunks({row["case_no"] for row in rows}):
            for case_no, event_id, occurred_at, data in (
                ctx.events()
                .filter(case_no__in=chunk, type="CORRECTED")
                .values_list("case_no", "event_id", "occurred_at", "data")
            ):
                corrections[case_no].append(EventView(event_id, "CORRECTED", occurred_at, "", "", data))
        staff_nos: set[str] = set()
        effective: dict[str, dict[str, Any]] = {}
        for row in rows:
            view = EventView(row["event_id"], row["type"], row["occurred_at"], "", "", row["data"])
            data = effective_data([view, *corrections[row["case_no"]]])[row["event_id"]]
            effective[row["event_id"]] = data
            staff_nos.add(str(data.get("by") or row["actor_no"] or ""))
        people = {person.staff_no: person for person in Staff.objects.filter(staff_no__in=staff_nos)}
        wanted = {str(d) for d in params.decisions}
        exempt = {str(level) for level in params.exempt_levels}
        for row in rows:
            data = effective[row["event_id"]]
            decision, kind = str(data.get("decision") or ""), str(data.get("kind") or "")
            if (wanted and decision not in wanted) or str(data.get("level") or "") in exempt:
                continue
            person = people.get(str(data.get("by") or row["actor_no"] or ""))
            if person is None:
                continue
            day = timezone.localtime(row["occurred_at"], zone).date()
            unit_id, _department, position = staff_post_on(person, day)
            line = table.line_for(unit_id, decision, table.kind_key(decision, kind), day)
            if line is None or position in line.positions:
                continue
            yield {
                **row,
                "data": data,
                "decider_no": person.staff_no,
                "decider_id": person.pk,
                "decided_on": day,
                "decider_unit": unit_id,
                "position": position,
            }

    @staticmethod
    def _findings(
        violations: Mapping[str, list[dict[str, Any]]], table: PowerTable, params: AuthorityParams
    ) -> Iterator[Finding]:
        """One finding per case, its decisions in time order with the line each one broke."""
        refs = case_refs(violations)
        deciders = {row["decider_id"] for rows in violations.values() for row in rows}
        names = dict(Staff.objects.filter(pk__in=deciders).values_list("pk", "name"))
        unit_codes = dict(Unit.objects.values_list("pk", "code"))
        for case_no in sorted(violations):
            ref = refs.get(case_no)
            if ref is None:
                continue
            rows = sorted(violations[case_no], key=lambda row: (row["occurred_at"], row["event_id"]))
            decisions = []
            for row in rows[:MAX_EVIDENCE_DECISIONS]:
                data = row["data"] or {}
                decision, kind = str(data.get("decision") or ""), str(data.get("kind") or "")
                line = table.line_for(
                    row["decider_unit"], decision, table.kind_key(decision, kind), row["decided_on"]
                )
                decisions.append(
                    {
                        "event_id": row["event_id"],
                        "decision": decision,
                        "kind": kind,
                        "level": data.get("level"),
                        "decided_on": row["decided_on"].isoformat(),
                        "decider": row["decider_no"],
                        "decider_name": names.get(row["decider_id"], ""),
                        "position": row["position"],
                        "decider_unit": unit_codes.get(row["decider_unit"], ""),
                        "allowed_positions": list(line.positions) if line else [],
                        "power_line": None
                        if line is None
                        else {
                            "unit": line.unit_code,
                            "decision": line.decision,
                            "kind": line.kind,
                            "effective_from": line.effective_from.isoformat(),
                            "inherited": line.unit_id != row["decider_unit"],
                        },
                    }
                )
            first = decisions[0]
            label = DECISION_LABELS.get(first["decision"], first["decision"])
            if first["kind"]:
                label = KIND_LABELS.get(first["kind"], label)
            yield Finding(
                fingerprint=case_no,
                unit_id=ref.unit_id,
                case_id=ref.pk,
                case_no=case_no,
                subject_staff_id=rows[0]["decider_id"],
                title=(
                    f"{first['decider_name'] or first['decider']}（"
                    f"{POSITION_LABELS.get(first['position'], first['position'])}）于 {first['decided_on']} "
                    f"作出{label}决定，超出权力清单" + (f"（共 {len(rows)} 项决定）" if len(rows) > 1 else "")
                ),
                occurred_at=rows[0]["occurred_at"],
                evidence={
                    "events": event_evidence(rows[:MAX_EVIDENCE_DECISIONS]),
                    "decisions": decisions,
                    "decision_count": len(rows),
                    "params": params.model_dump(mode="json"),
                },
            )
