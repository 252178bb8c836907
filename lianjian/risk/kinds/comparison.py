"""Comparisons (比对): a case whose values, compared with each other or with given ones, disagree.

One kind, four checks (``compare``), each optionally narrowed by conditions on the case's
projection (``where``: :class:`~lianjian.risk.kinds.fields.CaseCondition`; ``lines``):

- ``decision_vs_proposal`` — a ``DECIDED`` by a level above the prosecutor whose decision (or kind
  of non-prosecution) differs from the prosecutor's ``PROPOSED`` it answers (GX02);
- ``fields_differ`` — two text fields of the ``Case`` projection differ: 审结案由 ≠ 移送案由 (XS05);
- ``list_differs`` — a list field is not exactly the one value of a text field: 判决罪名 ≠ 起诉案由
  (XS05);
- ``sentence_deviation`` — the judged months deviate from the prosecutor's sentencing
  recommendation by more than the allowed range (XS04);
- none — the ``where`` conditions alone: 认罪认罚的故意伤害等案件作不起诉 (XS12), 公益诉讼线索未立案
  即办结 (GY01).

One finding per case, fingerprinted by the case number. Everything is filtered in SQL; the few
candidate rows are then read to build the evidence. Checks on the projection read corrected values
(the projection applies ``CORRECTED`` events); checks on events (the proposal a decision answers,
the recommendation a judgment is compared with) treat the cases whose events were corrected up to
"as of" as candidates too and decide them on the corrected data.

The projection is the case's current state: a projection check needs its time field (``at``) to be
set and not after "as of", which keeps facts recorded after "as of" out of a back-dated scan.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import models
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Abs, Cast, Coalesce, Greatest, Lag
from django.db.models.lookups import GreaterThan
from pydantic import Field, model_validator

from lianjian.cases.choices import Decision, DecisionLevel, EventType, NonProsecutionKind
from lianjian.cases.models import Case, Event
from lianjian.risk.kinds.base import (
    DetectorKind,
    Finding,
    ScanContext,
    StrictModel,
    chunks,
    event_evidence,
)
from lianjian.risk.kinds.events import corrected_cases, effective_events, scan_events
from lianjian.risk.kinds.fields import CaseCondition, CaseText, CaseTime

MAX_EVIDENCE_EVENTS = 20
T = EventType

EventTypeName = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,39}$")]
ABOVE_PROSECUTOR = (
    DecisionLevel.DEPT_HEAD.value,
    DecisionLevel.DEPUTY_CHIEF.value,
    DecisionLevel.CHIEF.value,
    DecisionLevel.COMMITTEE.value,
)


class FieldsDiffer(StrictModel):
    """Two text fields of the projection, both given, differ (default: 案由 vs 移送案由)."""

    check: Literal["fields_differ"] = Field(description="比对方式：两个文本字段不一致")
    left: CaseText = Field(default="cause", description="第一个文本字段（默认审结案由）")
    right: CaseText = Field(default="transferred_cause", description="第二个文本字段（默认移送案由）")


class ListDiffers(StrictModel):
    """A list field, not empty, is not exactly ``[value]`` (default: 判决罪名 vs 案由)."""

    check: Literal["list_differs"] = Field(description="比对方式：列表字段不恰好是某文本字段的值")
    items: Literal["judgment_charges"] = Field(default="judgment_charges", description="列表字段（判决罪名）")
    value: CaseText = Field(default="cause", description="与之比较的文本字段（默认案由）")


class SentenceDeviation(StrictModel):
    """The judged months (``Case.judgment_months``) against the sentencing recommendation: the
    ``months`` of the latest ``DECIDED`` of ``recommendations`` up to the judgment.

    A finding when the deviation exceeds ``max(ratio × recommended, months)`` in ``direction``.
    Defaults (25 %, at least 2 months, both ways): 2 months is the narrowest range that fixed-range
    recommendations are given for short sentences, and 25 % is about the widest share of the range
    given for longer ones; the court should as a rule adopt the recommendation in a plea case
    (《刑事诉讼法》第二百零一条). Read from events, not the projection, so that a later decision
    (a 抗诉 after the judgment) does not hide the recommendation.
    """

    check: Literal["sentence_deviation"] = Field(description="比对方式：判处刑期偏离量刑建议")
    ratio: float = Field(default=0.25, ge=0, le=10, description="允许偏离占建议刑期的比例（0.25 即 25%）")
    months: int = Field(default=2, ge=0, le=600, description="允许偏离的最少月数（月）")
    direction: Literal["both", "above", "below"] = Field(
        default="both", description="偏离方向：both 双向，above 重于建议，below 轻于建议"
    )
    recommendations: tuple[str, ...] = Field(
        default=(Decision.PROSECUTE.value, Decision.CHANGE_PROSECUTION.value),
        description="作为量刑建议的决定（决定代码）",
    )

    def allowed(self, recommended: int) -> float:
        """The largest deviation that is not a finding."""
        return max(self.ratio * recommended, float(self.months))

    def deviates(self, recommended: int, judged: int) -> bool:
        """Whether ``judged`` is outside the allowed range around ``recommended``."""
        difference = judged - recommended
        if self.direction == "above":
            return difference > self.allowed(recommended)
        if self.direction == "below":
            return -difference > self.allowed(recommended)
        return abs(difference) > self.allowed(recommended)


class DecisionVsProposal(StrictModel):
    """A ``DECIDED`` at one of ``levels`` that differs from the ``PROPOSED`` it answers: the latest
    proposal before it with no other decision in between (a decision without one is not compared).

    The decision codes differ, or both are ``NON_PROSECUTE`` and their ``kind`` differs (kind is
    a field of non-prosecution only, DATA_CONTRACT.md §2). ``decisions``: only decisions with these
    codes (empty: all).
    """

    check: Literal["decision_vs_proposal"] = Field(description="比对方式：决定与承办人意见不一致")
    levels: tuple[str, ...] = Field(
        default=ABOVE_PROSECUTOR, min_length=1, description="比对这些层级作出的决定（默认检察官以上）"
    )
    decisions: tuple[str, ...] = Field(default=(), description="只比对这些决定（决定代码；空：全部）")


Check = Annotated[
    FieldsDiffer | ListDiffers | SentenceDeviation | DecisionVsProposal, Field(discriminator="check")
]


class ComparisonParams(StrictModel):
    """``compare``: the check (None: the ``where`` conditions alone); ``where``: conditions on the
    projection, all of which must hold; ``lines``: cases of these lines only (empty: all);
    ``at``: the projection time that dates a projection check (None: the check's own — the
    judgment for judgment checks, the decision otherwise); ``current_stage``: ``at`` must fall in
    the current stage; ``evidence_events``: the event types listed as evidence of a projection check.
    """

    compare: Check | None = Field(default=None, description="比对方式（空：只按条件 where 判断）")
    where: tuple[CaseCondition, ...] = Field(default=(), description="对案件投影的条件，须全部满足")
    lines: tuple[str, ...] = Field(default=(), description="只看这些业务条线的案件（空：全部）")
    at: CaseTime | None = Field(
        default=None, description="投影比对以哪个时间为准（空：判决类取判决时间，其余取决定时间）"
    )
    current_stage: bool = Field(default=False, description="该时间须在本阶段内（不早于本阶段受理时间）")
    evidence_events: tuple[EventTypeName, ...] = Field(
        default=(T.RECEIVED, T.CORRECTED, T.DECIDED, T.JUDGMENT, T.CLOSED),
        description="投影比对的证据列出的事件类型",
    )

    @model_validator(mode="after")
    def _something_to_check(self) -> ComparisonParams:
        if self.compare is None and not self.where:
            raise ValueError("需要比对方式（compare）或至少一个条件（where）")
        return self

    def time_field(self) -> str:
        """The projection time a projection check is dated by."""
        if self.at is not None:
            return self.at
        if isinstance(self.compare, ListDiffers | SentenceDeviation):
            return "judged_at"
        return "decided_at"


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _verbose(name: str) -> str:
    field = Case._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _decision_text(data: Mapping[str, Any]) -> str:
    text = _label(Decision, str(data.get("decision") or ""))
    kind = data.get("kind")
    if data.get("decision") == Decision.NON_PROSECUTE and kind:
        text = _label(NonProsecutionKind, str(kind))
    return text


def _answers(proposal: Mapping[str, Any], decision: Mapping[str, Any]) -> bool:
    """Whether ``decision`` is what ``proposal`` proposed (the kind counts for non-prosecution)."""
    if (decision.get("decision") or "") != (proposal.get("decision") or ""):
        return False
    if decision.get("decision") == Decision.NON_PROSECUTE:
        return (decision.get("kind") or "") == (proposal.get("kind") or "")
    return True


class Comparison(DetectorKind):
    """A case whose compared values disagree (see the module docstring for the checks)."""

    name = "comparison"
    label = "比对"
    Params = ComparisonParams

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        """One finding per case on which the check holds, as of ``ctx.as_of``."""
        if isinstance(params.compare, DecisionVsProposal):
            yield from self._decisions(ctx, params, params.compare)
        elif isinstance(params.compare, SentenceDeviation):
            yield from self._deviations(ctx, params, params.compare)
        else:
            yield from self._projection(ctx, params)

    # --- the projection -----------------------------------------------------------------------

    def _cases(self, ctx: ScanContext, params: ComparisonParams) -> QuerySet[Case]:
        cases = ctx.cases()
        if params.lines:
            cases = cases.filter(line__in=params.lines)
        for condition in params.where:
            cases = cases.filter(condition.q())
        return cases

    def _dated(self, ctx: ScanContext, params: ComparisonParams, cases: QuerySet[Case]) -> QuerySet[Case]:
        at = params.time_field()
        cases = cases.filter(**{f"{at}__isnull": False, f"{at}__lte": ctx.as_of})
        if params.current_stage:
            cases = cases.filter(**{f"{at}__gte": F("received_at")})
        return cases

    def _projection(self, ctx: ScanContext, params: ComparisonParams) -> Iterator[Finding]:
        compare = params.compare
        at = params.time_field()
        cases = self._dated(ctx, params, self._cases(ctx, params))
        shown: list[str] = [c.field for c in params.where]
        if isinstance(compare, FieldsDiffer):
            cases = cases.exclude(**{compare.left: ""}).exclude(**{compare.right: ""})
            cases = cases.exclude(**{compare.left: F(compare.right)})
            shown += [compare.left, compare.right]
        elif isinstance(compare, ListDiffers):
            cases = (
                cases.exclude(**{compare.value: ""})
                .annotate(_first=KT(f"{compare.items}__0"), _second=KT(f"{compare.items}__1"))
                .filter(_first__isnull=False)
                .filter(~Q(_first=F(compare.value)) | Q(_second__isnull=False))
            )
            shown += [compare.items, compare.value]
        fields = list(dict.fromkeys(["pk", "case_no", "unit_id", at, *shown]))
        rows = list(cases.order_by("case_no").values(*fields))
        if not rows:
            return
        evidence = effective_events(ctx, [row["case_no"] for row in rows], params.evidence_events)
        for row in rows:
            values = {name: _iso(row[name]) for name in dict.fromkeys(shown)}
            if isinstance(compare, ListDiffers) and row[compare.items] == [row[compare.value]]:
                continue  # SQL is the filter; this is the exact test
            yield Finding(
                fingerprint=row["case_no"],
                unit_id=row["unit_id"],
                case_id=row["pk"],
                case_no=row["case_no"],
                title=self._title(compare, row),
                occurred_at=row[at],
                evidence={
                    "events": event_evidence(evidence.get(row["case_no"], [])[:MAX_EVIDENCE_EVENTS]),
                    "values": values,
                    at: _iso(row[at]),
                    "params": params.model_dump(mode="json"),
                },
            )

    def _title(self, compare: Any, row: Mapping[str, Any]) -> str:
        if isinstance(compare, FieldsDiffer):
            return (
                f"{_verbose(compare.right)}“{row[compare.right]}”与"
                f"{_verbose(compare.left)}“{row[compare.left]}”不一致"
            )
        if isinstance(compare, ListDiffers):
            items = "、".join(str(item) for item in row[compare.items])
            return (
                f"{_verbose(compare.items)}“{items}”与{_verbose(compare.value)}“{row[compare.value]}”不一致"
            )
        return ""

    # --- the sentencing recommendation against the judgment -------------------------------------

    def _deviations(
        self, ctx: ScanContext, params: ComparisonParams, compare: SentenceDeviation
    ) -> Iterator[Finding]:
        def judged_cases(scan: ScanContext) -> QuerySet[Case]:
            return self._dated(scan, params, self._cases(scan, params)).filter(judgment_months__isnull=False)

        months = Cast(KT("data__months"), IntegerField())
        recommending = Q(
            type=T.DECIDED, data__decision__in=compare.recommendations, data__has_key="months"
        ) & ~Q(data__months=None)
        # Candidates: the cases with a recommendation that deviates from the judgment it precedes,
        # read from the recommendations (few), each joined to its case by the unique case number
        # (a hash or an index join, whatever the statistics say; no subquery per case).
        deviating_case = (
            judged_cases(ctx)
            .filter(case_no=OuterRef("case_no"), judged_at__gte=OuterRef("occurred_at"))
            .filter(self._deviating(compare, OuterRef("_months"), F("judgment_months")))
        )
        candidates = set(
            scan_events(ctx)
            .filter(recommending)
            .annotate(_months=months)
            .filter(Exists(deviating_case))
            .order_by()
            .values_list("case_no", flat=True)
        )
        # The exact test, on the candidates only: the latest recommendation up to the judgment.
        latest = Subquery(
            Event.objects.filter(
                recommending, case_no=OuterRef("case_no"), occurred_at__lte=OuterRef("judged_at")
            )
            .order_by("-occurred_at", "-event_id")
            .annotate(_months=months)
            .values("_months")[:1],
            output_field=IntegerField(),
        )
        found: set[str] = set()
        for chunk in chunks(sorted(candidates)):
            # No recommendation: the difference is NULL and the comparison not true.
            found |= set(
                judged_cases(replace(ctx, case_nos=frozenset(chunk)))
                .annotate(_recommended=latest)
                .filter(self._deviating(compare, F("_recommended"), F("judgment_months")))
                .order_by()
                .values_list("case_no", flat=True)
            )
        corrected = corrected_cases(ctx, [T.DECIDED], lines=params.lines)
        for chunk in chunks(sorted(corrected - found)):
            found |= set(
                judged_cases(replace(ctx, case_nos=frozenset(chunk)))
                .order_by()
                .values_list("case_no", flat=True)
            )
        if not found:
            return
        rows = {
            row["case_no"]: row
            for chunk in chunks(sorted(found))
            for row in Case.objects.filter(case_no__in=chunk).values(
                "pk", "case_no", "unit_id", "judgment_months", "judged_at"
            )
        }
        events = effective_events(ctx, found, [T.DECIDED, T.JUDGMENT])
        for case_no in sorted(found):
            row = rows[case_no]
            judged_at, judged = row["judged_at"], row["judgment_months"]
            if judged_at is None or judged is None:
                continue  # not possible: the cases were filtered on both
            recommendation = None
            judgment = None
            for event in events.get(case_no, []):
                data = event["data"]
                if event["type"] == T.JUDGMENT and event["occurred_at"] <= judged_at:
                    judgment = event
                elif (
                    event["occurred_at"] <= judged_at
                    and data.get("decision") in compare.recommendations
                    and isinstance(data.get("months"), int)
                    and not isinstance(data.get("months"), bool)
                ):
                    recommendation = event
            if recommendation is None:
                continue
            recommended: int = recommendation["data"]["months"]
            if not compare.deviates(recommended, judged):
                continue
            shown = [recommendation, *([judgment] if judgment is not None else [])]
            allowed_months = compare.allowed(recommended)
            yield Finding(
                fingerprint=case_no,
                unit_id=row["unit_id"],
                case_id=row["pk"],
                case_no=case_no,
                title=f"量刑建议 {recommended} 个月，判处 {judged} 个月，"
                f"偏离 {abs(judged - recommended)} 个月（允许 {allowed_months:g} 个月）",
                occurred_at=judged_at,
                evidence={
                    "events": event_evidence(shown),
                    "recommended_months": recommended,
                    "judged_months": judged,
                    "deviation_months": judged - recommended,
                    "allowed_months": allowed_months,
                    "judged_at": judged_at.isoformat(),
                    "params": params.model_dump(mode="json"),
                },
            )

    @staticmethod
    def _deviating(compare: SentenceDeviation, recommended: Any, judged: Any) -> Q:
        """``judged`` months deviate from ``recommended`` by more than allowed (SQL)."""
        difference = ExpressionWrapper(judged - recommended, output_field=IntegerField())
        if compare.direction == "above":
            measured: Any = difference
        elif compare.direction == "below":
            measured = ExpressionWrapper(recommended - judged, output_field=IntegerField())
        else:
            measured = Abs(difference)
        allowed = Greatest(
            ExpressionWrapper(recommended * Value(compare.ratio), output_field=FloatField()),
            Value(float(compare.months)),
            output_field=FloatField(),
        )
        return Q(GreaterThan(measured, allowed))

    # --- the decision against the proposal it answers -----------------------------------------

    def _decisions(
        self, ctx: ScanContext, params: ComparisonParams, compare: DecisionVsProposal
    ) -> Iterator[Finding]:
        # The watched decisions; the scope (units, lines, ``where``) is applied to the cases found.
        watched = scan_events(ctx).filter(type=T.DECIDED, data__level__in=compare.levels)
        if compare.decisions:
            watched = watched.filter(data__decision__in=compare.decisions)

        # The proposal a decision answers is the event just before it among the case's proposals
        # and decisions, if that is a proposal: one window (LAG) over those events of the cases
        # with a watched decision, instead of a subquery per decision.
        def before(expression: Any) -> Window:
            return Window(
                Lag(expression),
                partition_by=[F("case_no")],
                order_by=[F("occurred_at").asc(), F("event_id").asc()],
            )

        kind = Coalesce(KT("data__kind"), Value(""), output_field=models.TextField())
        answering = (
            scan_events(ctx)
            .filter(type__in=[T.PROPOSED, T.DECIDED], case_no__in=watched.values("case_no"))
            .annotate(
                _decision=Coalesce(KT("data__decision"), Value(""), output_field=models.TextField()),
                _kind=kind,
                _before=before("type"),
                _proposed=before(KT("data__decision")),
                _proposed_kind=before(kind),
            )
            .filter(_before=T.PROPOSED, _proposed__isnull=False)
            .filter(
                ~Q(_decision=F("_proposed"))
                | Q(_decision=Decision.NON_PROSECUTE.value, _proposed=Decision.NON_PROSECUTE.value)
                & ~Q(_kind=F("_proposed_kind"))
            )
        )
        # Read out, not nested: a window query inside ``IN`` may be planned as a rescanned inner
        # side of a nested loop (the whole window once per outer row) when statistics are stale —
        # seen on PostgreSQL: one query of a 2,000-case scan ran for over an hour.
        at_level_of = Coalesce(KT("data__level"), Value(""), output_field=models.TextField())
        differing = {
            case_no
            for case_no, kind_of, at_level, decision in answering.annotate(_level=at_level_of)
            .order_by()
            .values_list("case_no", "type", "_level", "_decision")
            if kind_of == T.DECIDED
            and at_level in compare.levels
            and (not compare.decisions or decision in compare.decisions)
        }
        cases = self._cases(ctx, params)
        found = {
            case_no
            for chunk in chunks(sorted(differing))
            for case_no in cases.filter(case_no__in=chunk).order_by().values_list("case_no", flat=True)
        }
        # Cases with corrections of proposals or decisions are decided on the corrected data, if
        # they have a decision (a few cases: each read by its number).
        corrected = corrected_cases(ctx, [T.PROPOSED, T.DECIDED], lines=params.lines)
        for chunk in chunks(sorted(corrected - found)):
            scan = replace(ctx, case_nos=frozenset(chunk))
            decided = scan_events(scan).filter(type=T.DECIDED).order_by().values("case_no")
            found |= set(
                self._cases(scan, params)
                .filter(case_no__in=decided)
                .order_by()
                .values_list("case_no", flat=True)
            )
        if not found:
            return
        refs = {
            row["case_no"]: row
            for chunk in chunks(sorted(found))
            for row in Case.objects.filter(case_no__in=chunk).values("pk", "case_no", "unit_id")
        }
        for case_no, events in sorted(effective_events(ctx, found, [T.PROPOSED, T.DECIDED]).items()):
            pairs = self._differing_pairs(events, compare)
            ref = refs.get(case_no)
            if not pairs or ref is None:
                continue
            proposal, decision = pairs[0]
            level = _label(DecisionLevel, str(decision["data"].get("level") or ""))
            yield Finding(
                fingerprint=case_no,
                unit_id=ref["unit_id"],
                case_id=ref["pk"],
                case_no=case_no,
                title=f"承办人意见为{_decision_text(proposal['data'])}，{level}决定{_decision_text(decision['data'])}",
                occurred_at=decision["occurred_at"],
                evidence={
                    "events": event_evidence(
                        [event for pair in pairs for event in pair][:MAX_EVIDENCE_EVENTS]
                    ),
                    "pairs": [{"proposed": p["event_id"], "decided": d["event_id"]} for p, d in pairs],
                    "count": len(pairs),
                    "params": params.model_dump(mode="json"),
                },
            )

    @staticmethod
    def _differing_pairs(
        events: list[dict[str, Any]], compare: DecisionVsProposal
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(proposal, decision) for each watched decision that differs from the proposal it answers."""
        pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
        pending: dict[str, Any] | None = None
        for event in events:
            if event["type"] == T.PROPOSED:
                pending = event
                continue
            data = event["data"]
            watched = data.get("level") in compare.levels and (
                not compare.decisions or data.get("decision") in compare.decisions
            )
            if (
                watched
                and pending is not None
                and pending["data"].get("decision")
                and not _answers(pending["data"], data)
            ):
                pairs.append((pending, event))
            pending = None
        return pairs
