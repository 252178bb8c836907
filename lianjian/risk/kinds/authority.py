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

Strategy: the list is small (about 150 units × 16 decisions) and so is the post history (a few
changes per person), so both are resolved in memory (:class:`PowerTable`, :class:`Posts`); the
events are read set-wise in two passes over the ``DECIDED`` events, with no per-event subquery:

1. one aggregate: per decider (``data.by``, else the actor), decision and kind, the first and last
   decision time. For each such triple the post history and the list say, in Python, on which
   days of that span the decider's position was not allowed — usually on none;
2. the decisions of the triples that were outside the list on some day, restricted to those
   days (one condition per decision and kind: its deciders and its span), together with the
   ``CORRECTED`` events in the scan. Each decision returned is judged exactly in Python
   (``staff_post_on`` and ``power_rule_for``, in memory); one that a ``CORRECTED`` event amends
   is judged on its corrected data instead (they are few).

A decision for which no line is in force anywhere in the decider's chain raises nothing (the
list is silent; ``staff_may_decide`` says "not allowed", but an alert on every decision the list
forgot to name would be noise — a gap in the list is a matter for whoever maintains it).

One finding per case, fingerprinted by the case number, listing every decision outside the list.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import CharField, F, Max, Min, Q, QuerySet, Value
from django.db.models.expressions import Expression
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, NullIf
from django.utils import timezone
from pydantic import Field

from lianjian.cases.choices import CaseLine, DecisionLevel
from lianjian.cases.models import Case, Event
from lianjian.cases.projection import EventView, effective_data
from lianjian.org.choices import Decision, NonProsecutionKind, StaffPosition
from lianjian.org.models import PowerRule, Staff, StaffChange, Unit
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
ONE_DAY = timedelta(days=1)
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


class PowerTable:
    """The power list resolved for every unit: :func:`org.selectors.power_rule_for` in memory."""

    def __init__(
        self,
        lines: Iterable[PowerLine],
        chains: Mapping[int, list[int]],
        codes: Mapping[int, str] | None = None,
    ) -> None:
        self.chains = dict(chains)
        self.codes = dict(codes or {})
        self.lines: dict[tuple[int, str, str], list[PowerLine]] = defaultdict(list)
        starts: dict[str, set[date]] = defaultdict(set)
        for line in lines:
            self.lines[(line.unit_id, line.decision, line.kind)].append(line)
            starts[line.decision].add(line.effective_from)
        for entries in self.lines.values():
            entries.sort(key=lambda entry: entry.effective_from)
        self.specific: dict[str, frozenset[str]] = defaultdict(frozenset)
        for _unit, decision, kind in self.lines:
            if kind:
                self.specific[decision] = self.specific[decision] | {kind}
        self.decisions = sorted({decision for _unit, decision, _kind in self.lines})
        # The days on which some line of a decision starts: the only days its answers change.
        self.starts = {decision: sorted(days) for decision, days in starts.items()}

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
        return cls(lines, chains, {pk: code for pk, code, _path in units})

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

    def outside(self, unit_id: int, position: str, decision: str, kind: str, day: date) -> bool:
        """Whether a line is in force for ``unit_id`` on ``day`` and does not allow ``position``."""
        line = self.line_for(unit_id, decision, kind, day)
        return line is not None and position not in line.positions


class Posts:
    """Some people's post history in memory: :func:`org.selectors.staff_post_on`, by staff number,
    without a query per call. Each change sets the unit and the position it names; before the first
    change (and where none names them) the staff record's values stand."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self.current: dict[int, tuple[int, str]] = {}
        self.days: dict[int, list[date]] = {}
        self.after: dict[int, list[tuple[int, str]]] = {}
        self._asked: set[str] = set()

    def load(self, staff_nos: Iterable[str]) -> None:
        """Read the records and post histories of those of ``staff_nos`` not read yet."""
        wanted = {no for no in staff_nos if no and no not in self._asked}
        self._asked |= wanted
        found: list[int] = []
        for chunk in chunks(wanted):
            for pk, staff_no, name, unit_id, position in (
                Staff.objects.filter(staff_no__in=chunk)
                .order_by()
                .values_list("pk", "staff_no", "name", "unit_id", "position")
            ):
                self.ids[staff_no] = pk
                self.names[pk] = name
                self.current[pk] = (unit_id, position)
                self.days[pk], self.after[pk] = [], []
                found.append(pk)
        for chunk in chunks(found):
            # In the database's order, as staff_post_on reads them.
            for staff_id, effective_on, unit_id, position in (
                StaffChange.objects.filter(staff_id__in=chunk)
                .order_by("staff_id", "effective_on", "change_no")
                .values_list("staff_id", "effective_on", "unit_id", "position")
            ):
                before = self.after[staff_id][-1] if self.after[staff_id] else self.current[staff_id]
                self.days[staff_id].append(effective_on)
                self.after[staff_id].append((unit_id or before[0], position or before[1]))

    def staff_id(self, staff_no: str) -> int | None:
        return self.ids.get(staff_no)

    def post_on(self, staff_id: int, day: date) -> tuple[int, str]:
        """(unit id, position) held on ``day``."""
        index = bisect.bisect_right(self.days[staff_id], day) - 1
        return self.after[staff_id][index] if index >= 0 else self.current[staff_id]

    def outside_days(
        self, table: PowerTable, staff_id: int, decision: str, kind: str, first: date, last: date
    ) -> tuple[date, date] | None:
        """The first day of ``first``…``last`` on which the person's decisions of ``decision`` (lines
        of ``kind``) are outside the list, and the day after the last such day; ``None``: no day.
        The answer changes only on the days a post change or a line of the decision starts."""
        cuts = sorted(
            {
                first,
                *(
                    day
                    for day in [*self.days[staff_id], *table.starts.get(decision, [])]
                    if first < day <= last
                ),
            }
        )
        begin: date | None = None
        end = first
        for index, day in enumerate(cuts):
            unit_id, position = self.post_on(staff_id, day)
            if table.outside(unit_id, position, decision, kind, day):
                begin = day if begin is None else begin
                end = cuts[index + 1] if index + 1 < len(cuts) else last + ONE_DAY
        return None if begin is None else (begin, end)


def _local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _decider() -> Expression:
    """The decider's staff number: ``data.by``, else the actor's (``None``: neither)."""
    return Cast(
        Coalesce(
            NullIf(KeyTextTransform("by", "data"), Value("")),
            NullIf(F("actor_no"), Value("")),
            output_field=CharField(),
        ),
        output_field=CharField(),
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
        level: Q = Q()
        if params.exempt_levels:
            level = Condition(field="level", op="not_in", value=[str(e) for e in params.exempt_levels]).q()
        decided = ctx.events(lines=params.lines).filter(type="DECIDED").filter(level)
        wanted = {str(decision) for decision in params.decisions}
        posts = Posts()
        terms = self._terms(
            table, posts, decided, [d for d in table.decisions if not wanted or d in wanted], zone
        )
        # Pass 2: the candidate decisions and every correction in the scan, in one read.
        plain: Q = Q(pk__in=[])
        if terms:
            plain = Q(type="DECIDED") & reduce(or_, terms) & level
            if params.lines:
                plain &= Q(case_no__in=Case.objects.filter(line__in=params.lines).values("case_no"))
        rows = (
            ctx.events()
            .annotate(decider_no=_decider())
            .filter(Q(type="CORRECTED") | plain)
            .order_by()
            .values(
                "case_no", "event_id", "type", "occurred_at", "data", "actor_no", "corrects", "decider_no"
            )
        )
        corrected: set[str] = set()
        corrections: dict[str, list[EventView]] = defaultdict(list)
        candidates: list[dict[str, Any]] = []
        # Few rows: a plain query, not a server-side cursor (which PostgreSQL never runs in parallel).
        for row in rows:
            if row["type"] == "CORRECTED":
                corrected.add(row["corrects"])
                corrections[row["case_no"]].append(
                    EventView(row["event_id"], "CORRECTED", row["occurred_at"], "", "", row["data"])
                )
            else:
                candidates.append(dict(row))
        violations: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for candidate in candidates:
            if candidate["event_id"] in corrected:
                continue  # judged on its corrected data below
            found = self._judge(
                table,
                posts,
                candidate,
                candidate["data"] or {},
                str(candidate["decider_no"] or ""),
                wanted,
                zone,
            )
            if found is not None:
                violations[candidate["case_no"]].append(found)
        for found in self._corrected(decided, corrected, corrections, table, posts, params, zone):
            violations[found["case_no"]].append(found)
        yield from self._findings(violations, table, posts, params)

    @staticmethod
    def _terms(
        table: PowerTable, posts: Posts, decided: QuerySet[Event], decisions: list[str], zone: tzinfo
    ) -> list[Q]:
        """Pass 1: per decider, decision and kind the span of their decisions; the conditions (one
        per decision and kind) on the decisions of those that were outside the list on some day."""
        if not decisions:
            return []
        wanted = set(decisions)
        spans: dict[tuple[str, str, str], tuple[datetime, datetime]] = {}
        for decider_no, decision, kind, first, last in (
            decided.annotate(
                decider_no=_decider(),
                decision_code=KeyTextTransform("decision", "data"),
                kind_code=KeyTextTransform("kind", "data"),
            )
            .values("decider_no", "decision_code", "kind_code")
            .annotate(first=Min("occurred_at"), last=Max("occurred_at"))
            .order_by()
            .values_list("decider_no", "decision_code", "kind_code", "first", "last")
        ):
            # The decision and the decider are tested here: a test on each row costs more than the group.
            if decider_no is None or decision not in wanted:
                continue
            key = (str(decider_no), decision, table.kind_key(decision, str(kind or "")))
            if key in spans:
                first, last = min(first, spans[key][0]), max(last, spans[key][1])
            spans[key] = (first, last)
        posts.load(decider_no for decider_no, _decision, _kind in spans)
        outside: dict[tuple[str, str], tuple[set[str], date, date]] = {}
        for (decider_no, decision, kind), (first, last) in spans.items():
            staff_id = posts.staff_id(decider_no)
            if staff_id is None:
                continue  # not a member of staff: no unit, no line
            days = posts.outside_days(
                table,
                staff_id,
                decision,
                kind,
                timezone.localtime(first, zone).date(),
                timezone.localtime(last, zone).date(),
            )
            if days is None:
                continue
            if (decision, kind) in outside:
                deciders, begin, end = outside[(decision, kind)]
                days = (min(begin, days[0]), max(end, days[1]))
            else:
                deciders = set()
            deciders.add(decider_no)
            outside[(decision, kind)] = (deciders, *days)
        terms = []
        for (decision, kind), (deciders, begin, end) in sorted(outside.items()):
            query = Condition(field="decision", value=decision).q()
            if kind:
                query &= Condition(field="kind", value=kind).q()
            elif table.specific[decision]:
                specific: list[Scalar] = [*sorted(table.specific[decision])]
                query &= Condition(field="kind", op="not_in", value=specific).q()
            # The period and the deciders first: cheaper on each row than the tests on ``data``.
            terms.append(
                Q(occurred_at__gte=_local_midnight(begin, zone), occurred_at__lt=_local_midnight(end, zone))
                & Q(decider_no__in=sorted(deciders))
                & query
            )
        return terms

    @staticmethod
    def _judge(
        table: PowerTable,
        posts: Posts,
        row: Mapping[str, Any],
        data: Mapping[str, Any],
        decider_no: str,
        wanted: set[str],
        zone: tzinfo,
    ) -> dict[str, Any] | None:
        """The violation row of one decided event with ``data``, or ``None`` if it is within the list."""
        decision, kind = str(data.get("decision") or ""), str(data.get("kind") or "")
        if wanted and decision not in wanted:
            return None
        staff_id = posts.staff_id(decider_no)
        if staff_id is None:
            return None
        day = timezone.localtime(row["occurred_at"], zone).date()
        unit_id, position = posts.post_on(staff_id, day)
        if not table.outside(unit_id, position, decision, table.kind_key(decision, kind), day):
            return None
        return {
            "case_no": row["case_no"],
            "event_id": row["event_id"],
            "type": row["type"],
            "occurred_at": row["occurred_at"],
            "data": data,
            "decider_no": decider_no,
            "decider_id": staff_id,
            "decided_on": day,
            "decider_unit": unit_id,
            "position": position,
        }

    @staticmethod
    def _corrected(
        decided: QuerySet[Event],
        corrected: set[str],
        corrections: Mapping[str, list[EventView]],
        table: PowerTable,
        posts: Posts,
        params: AuthorityParams,
        zone: tzinfo,
    ) -> Iterator[dict[str, Any]]:
        """Corrected decisions (few), judged in Python on their effective data."""
        rows: list[dict[str, Any]] = []
        for chunk in chunks(sorted(corrected - {""})):
            rows.extend(
                dict(row)
                for row in decided.filter(event_id__in=chunk).values(
                    "case_no", "event_id", "type", "occurred_at", "data", "actor_no"
                )
            )
        if not rows:
            return
        effective: dict[str, tuple[dict[str, Any], str]] = {}
        for row in rows:
            view = EventView(row["event_id"], row["type"], row["occurred_at"], "", "", row["data"])
            data = effective_data([view, *corrections.get(row["case_no"], [])])[row["event_id"]]
            effective[row["event_id"]] = (data, str(data.get("by") or row["actor_no"] or ""))
        posts.load(decider_no for _data, decider_no in effective.values())
        wanted = {str(d) for d in params.decisions}
        exempt = {str(level) for level in params.exempt_levels}
        for row in rows:
            data, decider_no = effective[row["event_id"]]
            if str(data.get("level") or "") in exempt:
                continue
            found = Authority._judge(table, posts, row, data, decider_no, wanted, zone)
            if found is not None:
                yield found

    @staticmethod
    def _findings(
        violations: Mapping[str, list[dict[str, Any]]],
        table: PowerTable,
        posts: Posts,
        params: AuthorityParams,
    ) -> Iterator[Finding]:
        """One finding per case, its decisions in time order with the line each one broke."""
        refs = case_refs(violations)
        names, unit_codes = posts.names, table.codes
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
