"""The detection engine: runs the rules, and is the only writer of alerts (ARCHITECTURE.md).

For each enabled rule the engine validates its parameters, splits its units into groups by
their local overrides (nearest override above a unit wins), lets the rule's kind detect within
each group, and upserts the findings on ``(rule, fingerprint)``:

- found, alert open → still open (``last_seen_at`` moves on);
- found, alert resolved earlier → opened again (counted new);
- found, no alert → new alert;
- an open alert within the scan's reach that was not found → resolved.

An overdue time limit stays a fact because its finding keeps being found (the late decision
does not go away); a 临期 warning resolves when the stage closes in time.

Each rule runs in its own savepoint: a failing rule is logged and recorded with its error, and
the other rules still run. An incremental scan looks only at the cases whose events arrived
after the last scan's watermark, and at the people those cases are handled by.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from pydantic import ValidationError

from lianjian.audit.services import audit_record
from lianjian.cases.models import Case, Event
from lianjian.common.sealing import tags_key
from lianjian.org.models import Unit
from lianjian.risk.choices import ALERT_LEVEL_ORDER, AlertStatus, ScanMode, ScanStatus
from lianjian.risk.kinds import KINDS
from lianjian.risk.kinds.base import DetectorKind, Finding, ScanContext, StrictModel, chunks
from lianjian.risk.models import Alert, Rule, RuleOverride, ScanRuleResult, ScanRun
from lianjian.risk.routing import alerts_route_after_scan

logger = logging.getLogger(__name__)

# Above this many changed cases an incremental scan runs over every case instead: one set-based
# pass is cheaper than a long list of case numbers (and SQLite limits the list's length).
INCREMENTAL_LIMIT = 10_000


class RuleParamsError(ValueError):
    """A rule's parameters do not fit its kind (a Chinese message for the user)."""


@dataclass
class RuleOutcome:
    """What one rule did in a run (or would do, in a dry run)."""

    rule: str
    name: str
    found: int = 0
    new: int = 0
    still_open: int = 0
    resolved: int = 0
    seconds: float = 0.0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "found": self.found,
            "new": self.new,
            "still_open": self.still_open,
            "resolved": self.resolved,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass
class ScanReport:
    """A run's result: per-rule outcomes and totals (``run_id`` is None for a dry run)."""

    mode: str
    as_of: datetime
    run_id: int | None
    case_count: int | None
    outcomes: list[RuleOutcome]
    seconds: float

    @property
    def failed(self) -> list[RuleOutcome]:
        return [o for o in self.outcomes if o.error]

    def totals(self) -> dict[str, int]:
        return {
            key: sum(getattr(o, key) for o in self.outcomes)
            for key in ("found", "new", "still_open", "resolved")
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "as_of": self.as_of.isoformat(),
            "run": self.run_id,
            "cases": self.case_count,
            "seconds": round(self.seconds, 3),
            "totals": self.totals(),
            "rules": [o.as_dict() for o in self.outcomes],
        }


def codes_key(codes: Iterable[str]) -> str:
    """The search key of a list of risk codes: ``|GX02|XS03|``."""
    return "|" + "|".join(codes) + "|"


def kind_of(rule: Rule) -> DetectorKind:
    try:
        return KINDS[rule.kind]
    except KeyError:
        raise RuleParamsError(f"规则 {rule.code} 的检测类型 {rule.kind} 未注册") from None


def validate_params(kind: DetectorKind, params: Mapping[str, Any], *, rule_code: str = "") -> StrictModel:
    """The kind's parameter model for ``params``, or :class:`RuleParamsError` in Chinese."""
    try:
        return kind.parse_params(params)
    except ValidationError as exc:
        problems = "；".join(
            f"{'.'.join(str(p) for p in error['loc']) or '参数'}：{error['msg']}" for error in exc.errors()
        )
        raise RuleParamsError(f"规则 {rule_code} 的参数无效：{problems}") from exc


def unit_groups(
    rule: Rule, params: Mapping[str, Any]
) -> list[tuple[frozenset[int] | None, dict[str, Any], bool]]:
    """(units, parameters, enabled) per group of units sharing one effective override.

    Without overrides: one group, every unit (``None``). Otherwise each unit takes the override
    of its nearest ancestor-or-self, merged over the rule's parameters.
    """
    overrides = {o.unit_id: o for o in RuleOverride.objects.filter(rule=rule)}
    if not overrides:
        return [(None, dict(params), rule.is_enabled)]
    units = list(Unit.objects.values_list("pk", "code", "path"))
    by_code = {code: pk for pk, code, _ in units}
    groups: dict[int | None, set[int]] = {}
    for pk, _, path in units:
        owner: int | None = None
        for code in reversed([c for c in path.split("/") if c]):
            ancestor = by_code.get(code)
            if ancestor in overrides:
                owner = ancestor
                break
        groups.setdefault(owner, set()).add(pk)
    result: list[tuple[frozenset[int] | None, dict[str, Any], bool]] = []
    for owner, members in groups.items():
        if owner is None:
            result.append((frozenset(members), dict(params), rule.is_enabled))
            continue
        override = overrides[owner]
        enabled = rule.is_enabled if override.is_enabled is None else override.is_enabled
        result.append((frozenset(members), {**params, **override.params}, enabled))
    return result


def changed_since(watermark: int, upto: int) -> tuple[frozenset[str], frozenset[int]]:
    """Case numbers with events in ``(watermark, upto]``, and the prosecutors handling them."""
    case_nos = frozenset(
        Event.objects.filter(id__gt=watermark, id__lte=upto).values_list("case_no", flat=True).distinct()
    )
    staff: set[int] = set()
    for chunk in chunks(case_nos):
        staff.update(
            pk
            for pk in Case.objects.filter(case_no__in=chunk).values_list("prosecutor_id", flat=True)
            if pk is not None
        )
    return case_nos, frozenset(staff)


def _reach(rule: Rule, kind: DetectorKind, ctx: ScanContext) -> Q:
    """The alerts of ``rule`` that this evaluation may resolve."""
    reach = Q(rule=rule)
    if ctx.unit_ids is not None:
        reach &= Q(unit_id__in=ctx.unit_ids)
    if kind.subject == "case" and ctx.case_nos is not None:
        reach &= Q(case_no__in=ctx.case_nos)
    if kind.subject == "staff" and ctx.staff_ids is not None:
        reach &= Q(subject_staff_id__in=ctx.staff_ids)
    if ctx.fingerprints is not None:
        reach &= Q(fingerprint__in=sorted(ctx.fingerprints))
    return reach


def _existing(rule: Rule, fingerprints: Collection[str]) -> dict[str, tuple[int, str, str]]:
    """The alerts of ``rule`` already raised for ``fingerprints``: fingerprint → (id, status, level)."""
    found: dict[str, tuple[int, str, str]] = {}
    for chunk in chunks(fingerprints):
        found.update(
            (fp, (pk, status, level))
            for pk, fp, status, level in Alert.objects.filter(rule=rule, fingerprint__in=chunk).values_list(
                "pk", "fingerprint", "status", "level"
            )
        )
    return found


_LEVEL_RANK: dict[str, int] = {str(level): rank for level, rank in ALERT_LEVEL_ORDER.items()}


def _higher_level(a: str, b: str) -> str:
    return a if _LEVEL_RANK.get(a, 0) >= _LEVEL_RANK.get(b, 0) else b


def _apply(
    rule: Rule,
    kind: DetectorKind,
    ctx: ScanContext,
    findings: Iterable[Finding],
    outcome: RuleOutcome,
    *,
    run: ScanRun,
    now: datetime,
) -> None:
    """Upsert ``findings`` as alerts of ``rule``."""
    by_fp: dict[str, Finding] = {}
    for finding in findings:
        if ctx.fingerprints is None or finding.fingerprint in ctx.fingerprints:
            by_fp.setdefault(finding.fingerprint, finding)
    outcome.found += len(by_fp)
    existing = _existing(rule, by_fp)
    open_in_reach = set(
        Alert.objects.filter(_reach(rule, kind, ctx), status=AlertStatus.OPEN).values_list(
            "fingerprint", flat=True
        )
    )
    fresh = [fp for fp in by_fp if fp not in existing]
    reopened = [fp for fp, (_, status, _) in existing.items() if status != AlertStatus.OPEN]
    still = [fp for fp, (_, status, _) in existing.items() if status == AlertStatus.OPEN]
    gone = sorted(open_in_reach - set(by_fp))
    outcome.new += len(fresh) + len(reopened)
    outcome.still_open += len(still)
    outcome.resolved += len(gone)
    Alert.objects.bulk_create(
        [
            Alert(
                rule=rule,
                fingerprint=fp,
                risk_codes=list(by_fp[fp].codes or rule.risk_codes),
                codes_key=codes_key(by_fp[fp].codes or rule.risk_codes),
                level=by_fp[fp].level or rule.level,
                status=AlertStatus.OPEN,
                unit_id=by_fp[fp].unit_id,
                case_id=by_fp[fp].case_id,
                case_no=by_fp[fp].case_no,
                subject_staff_id=by_fp[fp].subject_staff_id,
                title=(by_fp[fp].title or rule.name)[:300],
                evidence=by_fp[fp].evidence,
                occurred_at=by_fp[fp].occurred_at,
                raised_at=now,
                last_seen_at=now,
                raised_by=run,
                audience=rule.audience,
                hidden_from_key=tags_key(list(by_fp[fp].hidden_from)),
            )
            for fp in fresh
        ],
        batch_size=500,
    )
    for chunk in chunks(still):
        Alert.objects.filter(rule=rule, fingerprint__in=chunk).update(last_seen_at=now)
    for fp in reopened:
        # The finding is back: open again and raised anew, but never at a lower level than it had
        # reached (an escalation for an overdue disposal step stays).
        f = by_fp[fp]
        Alert.objects.filter(rule=rule, fingerprint=fp).update(
            status=AlertStatus.OPEN,
            resolved_at=None,
            last_seen_at=now,
            raised_at=now,
            raised_by=run,
            level=_higher_level(existing[fp][2], f.level or rule.level),
            evidence=f.evidence,
            title=(f.title or rule.name)[:300],
            audience=rule.audience,
            hidden_from_key=tags_key(list(f.hidden_from)),
        )
    for chunk in chunks(gone):
        Alert.objects.filter(rule=rule, fingerprint__in=chunk, status=AlertStatus.OPEN).update(
            status=AlertStatus.RESOLVED, resolved_at=now
        )


def _evaluate(
    rule: Rule,
    base: ScanContext,
    *,
    run: ScanRun,
    now: datetime,
    found: list[Finding] | None = None,
    shared_seconds: float = 0.0,
) -> RuleOutcome:
    """Evaluate one rule (or apply the findings a batch already made for it) in its own savepoint."""
    outcome = RuleOutcome(rule=rule.code, name=rule.name)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            kind = kind_of(rule)
            if found is not None:
                _apply(rule, kind, base, found, outcome, run=run, now=now)
                outcome.seconds = time.perf_counter() - started + shared_seconds
                return outcome
            for units, group_params, enabled in unit_groups(rule, rule.params):
                parsed = validate_params(kind, group_params, rule_code=rule.code)
                if not enabled:  # switched off here: its alerts stay as they are
                    continue
                ctx = replace(base, unit_ids=units)
                _apply(rule, kind, ctx, kind.detect(ctx, parsed), outcome, run=run, now=now)
    except Exception as exc:  # one failing rule must not stop the others
        logger.exception("rule %s failed", rule.code)
        outcome = RuleOutcome(rule=rule.code, name=rule.name)
        outcome.error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, RuleParamsError):
            outcome.error += "\n" + traceback.format_exc(limit=4)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _batched_findings(rules: list[Rule], base: ScanContext) -> dict[str, tuple[list[Finding], float]]:
    """Findings of the rules whose kind evaluates many rules in one pass (``detect_many``).

    Only enabled rules without local overrides and with valid parameters take part; the others,
    and all of them if the pass fails, are evaluated one by one (so that an error is recorded on
    its rule). The pass's time is shared equally among its rules.
    """
    groups: dict[str, list[tuple[Rule, StrictModel]]] = {}
    overridden = set(RuleOverride.objects.values_list("rule_id", flat=True))
    for rule in rules:
        kind = KINDS.get(rule.kind)
        if kind is None or not kind.batches or not rule.is_enabled or rule.pk in overridden:
            continue
        try:
            parsed = validate_params(kind, rule.params, rule_code=rule.code)
        except RuleParamsError:
            continue
        groups.setdefault(rule.kind, []).append((rule, parsed))
    result: dict[str, tuple[list[Finding], float]] = {}
    for name, members in groups.items():
        started = time.perf_counter()
        try:
            per_rule = KINDS[name].detect_many(base, [params for _, params in members])
        except Exception:
            logger.exception("the batch of %s rules failed; evaluating them one by one", name)
            continue
        share = (time.perf_counter() - started) / len(members)
        for (rule, _), findings in zip(members, per_rule, strict=True):
            result[rule.code] = (findings, share)
    return result


def planner_for_detection() -> None:
    """PostgreSQL session settings for detection's queries on this connection.

    - no JIT compilation: the rules' queries are short set-based passes, for which JIT's compile
      time (seconds at 10 M events, measured) is never won back;
    - ``cursor_tuple_fraction = 1``: a rule reads every row its query returns, but Django's
      ``iterator()`` runs through a server-side cursor, which the planner otherwise plans for the
      first 10 % of the rows (nested loops where a hash join reads everything faster);
    - ``work_mem = 64MB``: the hashes and sorts of a province-wide pass (a hash of 400,000 end
      events is about 150 MB across the workers) stay in memory instead of spilling to disk.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
            cursor.execute("SET cursor_tuple_fraction = 1.0")
            cursor.execute("SET work_mem = '64MB'")


def last_watermark() -> int:
    """The watermark of the newest finished scan (0 before the first)."""
    run = (
        ScanRun.objects.exclude(mode=ScanMode.DRY_RUN)
        .filter(status__in=[ScanStatus.SUCCEEDED, ScanStatus.PARTIAL])
        .order_by("-watermark")
        .first()
    )
    return run.watermark if run else 0


def scan_run(
    *,
    as_of: datetime | None = None,
    full: bool = False,
    rules: Collection[str] | None = None,
    actor: Any | None = None,
    note: str = "",
    case_nos: Collection[str] | None = None,
    fingerprints: Collection[str] | None = None,
) -> ScanReport:
    """Run detection and write the alerts; record the run with per-rule counts and timings.

    ``full``: every case; otherwise the cases whose events arrived since the last scan (the
    first scan, or one after more than ``INCREMENTAL_LIMIT`` changed cases, covers every case
    and is recorded as full). ``rules``
    limits the run to those rule codes. ``as_of`` fixes "now" for time-limit rules.

    ``case_nos`` (with ``rules``): evaluate those cases only, for data that arrives other than
    as events (a record of the interference register); ``fingerprints`` (with ``case_nos``)
    narrows that to those findings, so that one record's check does not read or touch every
    other alert of its rules. A run limited by ``rules`` or ``case_nos`` keeps the last
    watermark, so the next incremental scan of every rule still sees every event that arrived
    since.
    """
    if fingerprints is not None and case_nos is None:
        raise ValueError("fingerprints narrows a case_nos run")
    started = time.perf_counter()
    now = timezone.now()
    as_of = as_of or now
    planner_for_detection()
    upto = Event.objects.aggregate(top=Max("id"))["top"] or 0
    since = None if full else last_watermark()
    base = ScanContext(as_of=as_of)
    case_count: int | None = None
    if case_nos is not None:
        upto = since = last_watermark()
        base = ScanContext(
            as_of=as_of,
            case_nos=frozenset(case_nos),
            fingerprints=frozenset(fingerprints) if fingerprints is not None else None,
        )
        case_count = len(base.case_nos or ())
    elif since:
        case_nos, staff_ids = changed_since(since, upto)
        if len(case_nos) <= INCREMENTAL_LIMIT:
            base = ScanContext(as_of=as_of, case_nos=case_nos, staff_ids=staff_ids)
            case_count = len(case_nos)
    full = case_count is None  # the first scan, or so many changes that every case is cheaper
    if rules is not None:
        upto = last_watermark()  # the other rules have not seen the events since
    run = ScanRun.objects.create(
        mode=ScanMode.FULL if full else ScanMode.INCREMENTAL,
        as_of=as_of,
        started_at=now,
        watermark=upto,
        since_watermark=since,
        case_count=case_count,
        actor=actor,
        note=note[:200],
    )
    selected = Rule.objects.order_by("code")
    if rules is not None:
        selected = selected.filter(code__in=list(rules))
    if not full:
        whole_population = [name for name, kind in KINDS.items() if not kind.incremental]
        selected = selected.exclude(kind__in=whole_population)
    outcomes: list[RuleOutcome] = []
    if case_count != 0:
        batched = _batched_findings(list(selected), base)
        for rule in selected:
            found, shared = batched.get(rule.code, (None, 0.0))
            outcomes.append(_evaluate(rule, base, run=run, now=now, found=found, shared_seconds=shared))
    with transaction.atomic():
        rule_ids = dict(Rule.objects.filter(code__in=[o.rule for o in outcomes]).values_list("code", "pk"))
        ScanRuleResult.objects.bulk_create(
            [
                ScanRuleResult(
                    run=run,
                    rule_id=rule_ids[o.rule],
                    found=o.found,
                    new=o.new,
                    still_open=o.still_open,
                    resolved=o.resolved,
                    seconds=o.seconds,
                    error=o.error,
                )
                for o in outcomes
            ]
        )
        report = ScanReport(
            mode=run.mode,
            as_of=as_of,
            run_id=run.pk,
            case_count=case_count,
            outcomes=outcomes,
            seconds=time.perf_counter() - started,
        )
        totals = report.totals()
        run.new, run.still_open, run.resolved = totals["new"], totals["still_open"], totals["resolved"]
        run.status = ScanStatus.PARTIAL if report.failed else ScanStatus.SUCCEEDED
        run.finished_at = timezone.now()
        run.seconds = report.seconds
        run.save()
        audit_record(
            actor=actor,
            action="risk.scan.run",
            target=run,
            after={
                "mode": run.mode,
                "as_of": as_of.isoformat(),
                "cases": case_count,
                **totals,
                "failed_rules": [o.rule for o in report.failed],
            },
        )
    if totals["new"]:
        # Routing runs after the run's transaction (and any caller's) has committed, and its
        # failure never fails the scan: the scheduler's next pass routes what is left.
        transaction.on_commit(alerts_route_after_scan)
    return report


@dataclass(frozen=True)
class Backtest:
    """A back-test of a rule: what the proposed and the current parameters find over history."""

    rule: str
    current: frozenset[str]
    proposed: frozenset[str]
    seconds: float

    @property
    def new(self) -> list[str]:
        """Findings the proposed parameters add."""
        return sorted(self.proposed - self.current)

    @property
    def gone(self) -> list[str]:
        """Findings the proposed parameters would no longer raise."""
        return sorted(self.current - self.proposed)

    def as_dict(self, *, limit: int = 50) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "current": len(self.current),
            "proposed": len(self.proposed),
            "new": len(self.new),
            "gone": len(self.gone),
            "new_examples": self.new[:limit],
            "gone_examples": self.gone[:limit],
            "seconds": round(self.seconds, 3),
        }


def _found(rule: Rule, params: Mapping[str, Any], as_of: datetime) -> set[str]:
    kind = kind_of(rule)
    found: set[str] = set()
    for units, group_params, enabled in unit_groups(rule, params):
        parsed = validate_params(kind, group_params, rule_code=rule.code)
        if enabled:
            ctx = ScanContext(as_of=as_of, unit_ids=units)
            found.update(f.fingerprint for f in kind.detect(ctx, parsed))
    return found


def scan_backtest(*, rule: Rule, params: Mapping[str, Any], as_of: datetime | None = None) -> Backtest:
    """Run ``rule`` over all history with ``params`` and with its current parameters, writing
    nothing (F4.2: a parameter change is back-tested before it is switched on).

    Raises :class:`RuleParamsError` (Chinese) when ``params`` do not fit the rule's kind.
    """
    started = time.perf_counter()
    as_of = as_of or timezone.now()
    validate_params(kind_of(rule), params, rule_code=rule.code)
    planner_for_detection()
    proposed = _found(rule, params, as_of)
    current = _found(rule, rule.params, as_of)
    return Backtest(
        rule=rule.code,
        current=frozenset(current),
        proposed=frozenset(proposed),
        seconds=time.perf_counter() - started,
    )
