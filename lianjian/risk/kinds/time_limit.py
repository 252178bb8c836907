"""Time limits (办案期限): a stage decided after its legal last day, or open past it (超期), and
an open stage whose last day is near (临期, one level lower).

Computed by DOMAIN_RULES.md §0.3 through ``lianjian.risk.periods``: the start day is not counted
(《刑事诉讼法》第一百零五条第一款、第二款), months run to the same day (month-end rule), a last
day on a holiday rolls over to the next workday except when the suspect is in custody (第一百零五条
第四款), suspended periods (鉴定等) are not counted (第一百四十九条；规则第二百二十二条), an approved
extension adds its days up to the legal maximum, a resubmission after a return restarts the review
period (第一百七十五条第三款；规则第三百四十六条), and a change of jurisdiction starts a new stage
at the receiving procuratorate (规则第三百五十一条第二款) because it receives with its own
``RECEIVED``.

Two modes:

- ``stage``: the stages (``CaseStage``) of the given case types, from receipt (or the latest
  resubmission) to the stage's decision or close.
- ``events``: from an event to a later event on the same case (e.g. 告知诉讼权利 within 3 days
  of receiving a case for prosecution review, 规则第四十条).

Set-based: SQL selects the few candidate stages or events that could be late (elapsed time above
the shortest possible limit, less the warning window); only those get their exact deadline
computed, with the holiday calendar.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.db.models import DateTimeField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from pydantic import Field, model_validator

from lianjian.cases.models import CaseStage, Event
from lianjian.risk.kinds.base import (
    Condition,
    DetectorKind,
    EventMatch,
    Finding,
    ScanContext,
    StrictModel,
    any_of,
    case_refs,
    chunks,
)
from lianjian.risk.periods import (
    CHINA_TIME,
    TIME_LIMITS,
    Deadline,
    Limit,
    WorkCalendar,
    compute_deadline,
    days_left,
    extension_in_days,
)

# The stage facts a limit may depend on, and where the projection keeps them.
STAGE_FACT_COLUMNS = {"detained": "is_detained", "fast_track": "case__is_fast_track"}
CALENDAR = WorkCalendar()


class LimitChoice(StrictModel):
    """Use the time limit ``code`` (periods.TIME_LIMITS) for stages meeting ``when``.

    ``when`` tests facts of the stage: ``detained`` (suspect in custody at receipt) and
    ``fast_track`` (速裁). The first choice whose ``when`` holds applies.
    """

    code: str = Field(description="期限编码（办案期限表中的编码）")
    when: dict[Literal["detained", "fast_track"], bool] = Field(
        default_factory=dict, description="适用条件：detained 受理时在押、fast_track 速裁（空：总是适用）"
    )
    start_where: tuple[Condition, ...] = Field(
        default=(), description="按事件计算时，起算事件的数据须满足的条件（如复议的 kind、target）"
    )
    urgent: bool = Field(default=False, description="适用该期限的紧急情形期限（如检察建议紧急的 15 日）")

    @model_validator(mode="after")
    def _known(self) -> LimitChoice:
        if self.code not in TIME_LIMITS:
            raise ValueError(f"未知的期限编码 {self.code}")
        if self.urgent and TIME_LIMITS[self.code].urgent_limit is None:
            raise ValueError(f"期限 {self.code} 没有紧急情形期限")
        return self

    def limit(self) -> Limit:
        row = TIME_LIMITS[self.code]
        return row.urgent_limit if self.urgent and row.urgent_limit is not None else row.limit


class TimeLimitParams(StrictModel):
    """Parameters of a time-limit rule (see the module docstring for the two modes)."""

    mode: Literal["stage", "events"] = Field(
        default="stage", description="计算方式：stage 按案件阶段，events 按两个事件之间"
    )
    case_types: tuple[str, ...] = Field(default=(), description="按阶段计算时，计算这些案件类别的阶段")
    limits: tuple[LimitChoice, ...] = Field(
        min_length=1, description="可适用的期限，按顺序取第一个适用条件成立的"
    )
    start: EventMatch | None = Field(default=None, description="按事件计算时的起算事件")
    end: tuple[EventMatch, ...] = Field(default=(), description="按事件计算时的截止事件（任一项）")
    warning_days: int = Field(
        default=5, ge=0, le=60, description="临期提示：距期限届满不超过该日数时提示（0：不提示）"
    )
    warning_level: Literal["NOTICE", "WARNING", "SUPERVISED"] = Field(
        default="NOTICE", description="临期提示的级别"
    )
    restart_on_resubmission: bool = Field(
        default=True, description="退回补充侦查后重新移送的，从重新移送之日重新计算期限"
    )
    lines: tuple[str, ...] = Field(default=(), description="按事件计算时只看这些业务条线的案件（空：全部）")
    in_custody: bool | None = Field(
        default=None,
        description="按事件计算时犯罪嫌疑人是否在押（在押的期满日不因节假日顺延）；空：取起算事件的 detained",
    )
    extension: EventMatch | None = Field(
        default=None, description="按事件计算时，起算与截止之间这些事件的 days 计为延长的日数"
    )
    extension_cap_months: int = Field(
        default=0, ge=0, le=24, description="按事件计算时延长合计的上限（月；0：按期限表的延长上限）"
    )

    @model_validator(mode="after")
    def _mode(self) -> TimeLimitParams:
        if self.mode == "stage" and not self.case_types:
            raise ValueError("按阶段计算期限时须指定案件类别 case_types")
        if self.mode == "events" and (self.start is None or not self.end):
            raise ValueError("按事件计算期限时须指定起算事件 start 和截止事件 end")
        return self


@dataclass(frozen=True)
class _Clock:
    """What a deadline is computed from, for one stage or event pair."""

    case_no: str
    fingerprint: str
    start_at: datetime
    end_at: datetime | None
    detained: bool
    fast_track: bool
    extension_days: int
    excluded_days: int
    facts: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


def local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TIME).date()


def choose(params: TimeLimitParams, clock: _Clock) -> LimitChoice | None:
    """The first limit whose conditions hold for the stage or the start event."""
    facts = {"detained": clock.detained, "fast_track": clock.fast_track}
    for choice in params.limits:
        if all(facts[name] == value for name, value in choice.when.items()) and all(
            c.holds(clock.data) for c in choice.start_where
        ):
            return choice
    return None


def legal_extension(choice: LimitChoice, start: date, granted_days: int, *, cap_months: int = 0) -> int:
    """Days of extension that count: what was granted, up to the legal maximum (if any)."""
    row = TIME_LIMITS[choice.code]
    if granted_days <= 0:
        return 0
    if cap_months:
        return min(granted_days, extension_in_days(start, choice.limit(), Limit(months=cap_months)))
    if row.extension is None:
        return 0
    if row.allows_further_extension:
        return granted_days
    return min(granted_days, extension_in_days(start, choice.limit(), row.extension))


class TimeLimitKind(DetectorKind):
    """Stages or event pairs past their legal last day (超期) or near it while open (临期)."""

    name = "time_limit"
    label = "办案期限"
    Params = TimeLimitParams

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        clocks = (
            self._stage_clocks(ctx, params) if params.mode == "stage" else self._event_clocks(ctx, params)
        )
        as_of_day = local_day(ctx.as_of)
        judged: list[tuple[_Clock, LimitChoice, Deadline, datetime | None, tuple[str, int, str | None]]] = []
        for clock in clocks:
            choice = choose(params, clock)
            if choice is None:
                continue
            code = choice.code
            start = local_day(clock.start_at)
            deadline = compute_deadline(
                start,
                choice.limit(),
                extension_days=legal_extension(
                    choice, start, clock.extension_days, cap_months=params.extension_cap_months
                ),
                excluded_days=clock.excluded_days,
                in_custody=clock.detained,
                calendar=CALENDAR,
            )
            done = clock.end_at if clock.end_at is not None and clock.end_at <= ctx.as_of else None
            finding = self._judge(clock, deadline, done, as_of_day, params, code)
            if finding is not None:
                judged.append((clock, choice, deadline, done, finding))
        # The projection of the cases found late only (most candidates are in time).
        refs = case_refs({clock.case_no for clock, *_ in judged})
        for clock, choice, deadline, done, (state, days, level) in judged:
            ref = refs.get(clock.case_no)
            if ref is None:
                continue
            code = choice.code
            limit = TIME_LIMITS[code]
            start = local_day(clock.start_at)
            yield Finding(
                fingerprint=f"{clock.fingerprint}:{state}",
                unit_id=ref.unit_id,
                case_id=ref.pk,
                case_no=clock.case_no,
                title=self._title(limit.name, state, days, deadline, done),
                occurred_at=done or ctx.as_of,
                level=level,
                evidence={
                    "state": state,
                    "time_limit": {
                        "code": code,
                        "name": limit.name,
                        "limit": str(choice.limit()),
                        "basis": limit.basis,
                    },
                    "start": start.isoformat(),
                    "deadline": deadline.last_day.isoformat(),
                    "nominal_last_day": deadline.nominal_last_day.isoformat(),
                    "extension_days": deadline.extension_days,
                    "excluded_days": deadline.excluded_days,
                    "rolled_over": deadline.rolled_over,
                    "in_custody": deadline.in_custody,
                    "done_on": local_day(done).isoformat() if done else None,
                    "as_of": ctx.as_of.isoformat(),
                    "days": days,
                    "facts": clock.facts,
                    "params": params.model_dump(mode="json"),
                },
            )

    @staticmethod
    def _judge(
        clock: _Clock, deadline: Deadline, done: datetime | None, as_of_day: date, params: Any, code: str
    ) -> tuple[str, int, str | None] | None:
        """("OVERDUE", days over, None) or ("WARNING", days left, level), or None if in time."""
        if done is not None:
            over = (local_day(done) - deadline.last_day).days
            return ("OVERDUE", over, None) if over > 0 else None
        left = days_left(deadline, as_of_day)
        if left < 0:
            return ("OVERDUE", -left, None)
        if params.warning_days and left <= params.warning_days:
            return ("WARNING", left, params.warning_level)
        return None

    @staticmethod
    def _title(name: str, state: str, days: int, deadline: Deadline, done: datetime | None) -> str:
        last = deadline.last_day.isoformat()
        if state == "WARNING":
            return f"{name}将于 {last} 届满（剩余 {days} 日）"
        if done is not None:
            return f"{name}超期：期限 {last} 届满，{local_day(done).isoformat()} 才办结（超期 {days} 日）"
        return f"{name}超期：期限 {last} 届满，至今未办结（已超期 {days} 日）"

    @staticmethod
    def _candidates(params: TimeLimitParams, as_of: datetime) -> Q:
        """Stages that may be late, per limit: longer than its shortest possible length (a month is
        at least 28 days), or open and near it. A superset: each is then computed exactly."""
        query = Q(pk__in=[])
        for choice in params.limits:
            limit = choice.limit()
            floor = limit.days or limit.months * 28
            facts = Q()
            for name, value in choice.when.items():
                column = STAGE_FACT_COLUMNS[name]
                facts &= (
                    Q(**{column: True}) if value else Q(**{column: False}) | Q(**{f"{column}__isnull": True})
                )
            near = as_of - timedelta(days=max(0, floor - params.warning_days))
            query |= facts & (
                Q(end__gt=F("received_at") + timedelta(days=floor))
                | Q(end__isnull=True, received_at__lt=near)
                | Q(end__gt=as_of, received_at__lt=near)
            )
        return query

    def _stage_clocks(self, ctx: ScanContext, params: TimeLimitParams) -> list[_Clock]:
        as_of = ctx.as_of
        # When a candidate stage ended, up to "as of": its first decision or close after the clock
        # started (a later decision — 撤回起诉, 抗诉 — does not move it), or else the next stage's
        # receipt (a change of jurisdiction hands the case on without a decision). Subqueries on
        # the index (case_no, occurred_at), evaluated for the candidate rows only.
        next_start = Subquery(
            CaseStage.objects.filter(case_id=OuterRef("case_id"), number__gt=OuterRef("number"))
            .order_by("number")
            .values("received_at")[:1]
        )
        first_end = Subquery(
            Event.objects.filter(
                case_no=OuterRef("case__case_no"),
                type__in=("DECIDED", "CLOSED"),
                occurred_at__gte=OuterRef("clock_start"),
                occurred_at__lte=as_of,
            )
            .filter(
                occurred_at__lt=Coalesce(
                    OuterRef("next_start"), Value(as_of + timedelta(days=1), output_field=DateTimeField())
                )
            )
            .order_by("occurred_at")
            .values("occurred_at")[:1]
        )
        stages = (
            CaseStage.objects.filter(case_type__in=params.case_types, received_at__lte=as_of)
            .filter(case__in=ctx.cases())
            .annotate(end=Coalesce("decided_at", "closed_at"))
            .filter(self._candidates(params, as_of))
            .annotate(clock_start=Coalesce("resubmitted_at", "received_at"), next_start=next_start)
            .values(
                "number",
                "case_type",
                "received_at",
                "resubmitted_at",
                "is_detained",
                "extension_days",
                "return_count",
                "suspended_total",
                "suspended_at",
                "next_start",
                "case__case_no",
                "case__stage",
                "case__is_fast_track",
                "case__returned_at",
            )
            .annotate(first_end=first_end)
            .order_by()  # not the model's (case, number), which joins and sorts by the case's ordering
        )
        clocks: list[_Clock] = []
        for row in stages.iterator(chunk_size=2000):
            current = row["number"] == row["case__stage"]
            if current and row["case__returned_at"] is not None and row["case__returned_at"] <= as_of:
                continue  # returned for supplementary investigation: the review clock stands still
            start_at = row["received_at"]
            if params.restart_on_resubmission and row["resubmitted_at"] and row["resubmitted_at"] <= as_of:
                start_at = row["resubmitted_at"]
            bound = row["next_start"]
            end_at = row["first_end"] or (bound if bound is not None and bound <= as_of else None)
            until = end_at if end_at is not None else as_of
            suspended = row["suspended_total"] or timedelta(0)
            if row["suspended_at"] is not None and row["suspended_at"] <= until:
                suspended += until - row["suspended_at"]
            clocks.append(
                _Clock(
                    case_no=row["case__case_no"],
                    fingerprint=f"{row['case__case_no']}#{row['number']}",
                    start_at=start_at,
                    end_at=end_at,
                    detained=bool(row["is_detained"]),
                    fast_track=bool(row["case__is_fast_track"]),
                    extension_days=row["extension_days"],
                    excluded_days=math.ceil(suspended.total_seconds() / 86400) if suspended else 0,
                    facts={
                        "stage": row["number"],
                        "case_type": row["case_type"],
                        "received_at": row["received_at"].isoformat(),
                        "resubmitted_at": row["resubmitted_at"].isoformat()
                        if row["resubmitted_at"]
                        else None,
                        "returns": row["return_count"],
                        "detained": bool(row["is_detained"]),
                        "fast_track": bool(row["case__is_fast_track"]),
                    },
                )
            )
        return clocks

    def _event_clocks(self, ctx: ScanContext, params: TimeLimitParams) -> list[_Clock]:
        assert params.start is not None
        as_of = ctx.as_of
        ends = Event.objects.filter(
            any_of(params.end),
            case_no=OuterRef("case_no"),
            occurred_at__gte=OuterRef("occurred_at"),
            occurred_at__lte=as_of,
        ).exclude(event_id=OuterRef("event_id"))  # a start event of an end type does not end itself
        # Candidates, per limit and its conditions on the start event: no end within the limit's
        # shortest length (an end before start + floor days falls on or before the last day,
        # whatever the hour), and old enough to be late or near it. A superset, computed exactly.
        candidates = Q(pk__in=[])
        for choice in params.limits:
            limit = choice.limit()
            floor = limit.days or limit.months * 28
            conditions = Q()
            for condition in choice.start_where:
                conditions &= condition.q()
            in_time = ends.filter(occurred_at__lt=OuterRef("occurred_at") + timedelta(days=floor))
            near = as_of - timedelta(days=max(0, floor - params.warning_days))
            candidates |= conditions & Q(occurred_at__lt=near) & Q(~Exists(in_time))
        first_end = Subquery(ends.order_by("occurred_at", "event_id").values("occurred_at")[:1])
        starts = (
            ctx.events(lines=params.lines)
            .filter(params.start.q())
            .filter(candidates)
            .annotate(first_end=first_end)
            .values("case_no", "event_id", "occurred_at", "data", "first_end")
            .order_by()  # each start is its own clock: no sort of the candidates needed
        )
        rows = list(starts.iterator(chunk_size=2000))
        case_nos = sorted({r["case_no"] for r in rows})
        extensions = self._times((params.extension,), case_nos, as_of) if params.extension else {}
        clocks = []
        for row in rows:
            begin = row["occurred_at"]
            end = row["first_end"]
            granted = sum(
                int(data.get("days") or 0)
                for moment, data, _ in extensions.get(row["case_no"], [])
                if moment >= begin and (end is None or moment <= end)
            )
            data = row["data"] or {}
            # in custody (第一百零五条第四款) as the rule says, else as the start event says
            detained = params.in_custody if params.in_custody is not None else bool(data.get("detained"))
            clocks.append(
                _Clock(
                    case_no=row["case_no"],
                    fingerprint=f"{row['case_no']}@{row['event_id']}",
                    start_at=begin,
                    end_at=end,
                    detained=detained,
                    fast_track=bool(data.get("fast_track")),
                    extension_days=granted,
                    excluded_days=0,
                    facts={"start_event": row["event_id"], "start_data": data},
                    data=data,
                )
            )
        return clocks

    @staticmethod
    def _times(
        matches: Iterable[EventMatch | None], case_nos: list[str], as_of: datetime
    ) -> dict[str, list[tuple[datetime, dict[str, Any], str]]]:
        """The times, data and ids of the events matching any of ``matches`` in the candidate cases."""
        wanted = [m for m in matches if m is not None]
        found: dict[str, list[tuple[datetime, dict[str, Any], str]]] = {}
        if not wanted:
            return found
        for chunk in chunks(case_nos):
            for case_no, moment, data, event_id in (
                Event.objects.filter(any_of(wanted), case_no__in=chunk, occurred_at__lte=as_of)
                .values_list("case_no", "occurred_at", "data", "event_id")
                .order_by("case_no", "occurred_at", "event_id")
            ):
                found.setdefault(case_no, []).append((moment, data or {}, event_id))
        return found
