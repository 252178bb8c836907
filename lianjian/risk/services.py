"""Writes of the risk catalogue and rules: installing the standard library, revisions, changes.

Every change is a new version with its history row and an audit event in the same transaction
(F3.2, F4.2). Detection itself is ``lianjian.risk.engine`` (the only writer of alerts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.audit.services import audit_record
from lianjian.org.models import Unit
from lianjian.risk.catalogue.rules import standard_rules
from lianjian.risk.catalogue.spec import RuleSpec
from lianjian.risk.choices import AlertLevel, Recipient, RiskCategory, RiskLine, RiskPointLevel
from lianjian.risk.disposal import (
    DisposalError,
    DisposalForbidden,
    EscalationResult,
    alert_approve,
    alert_propose,
    alert_reopen,
    alert_return,
    alert_sign,
    alert_transfer,
    alert_verify,
    alerts_escalate,
)
from lianjian.risk.engine import kind_of, validate_params
from lianjian.risk.models import (
    RevisionAction,
    RiskPoint,
    RiskPointRevision,
    Rule,
    RuleOverride,
    RuleRevision,
)

# The disposal workflow's services live in lianjian.risk.disposal (with its state machine and
# deadlines); they are re-exported here, where callers look for writes.
__all__ = [
    "DisposalError",
    "DisposalForbidden",
    "EscalationResult",
    "alert_approve",
    "alert_propose",
    "alert_reopen",
    "alert_return",
    "alert_sign",
    "alert_transfer",
    "alert_verify",
    "alerts_escalate",
]

STANDARD_POINTS = Path(__file__).parent / "catalogue" / "standard_points.json"
CATALOGUE_EPOCH = date(2020, 1, 1)  # effective date of the preloaded library (seed 000 is in force)

POINT_FIELDS = (
    "name",
    "line",
    "category",
    "level",
    "powers",
    "legal_basis",
    "responsible_department",
    "description",
    "prevent",
    "monitor",
    "dispose",
    "is_detectable",
)
_CHOICES = {"line": RiskLine, "category": RiskCategory, "level": RiskPointLevel}


class CatalogueError(ValueError):
    """A catalogue or rule change that cannot be made (Chinese message)."""


@dataclass(frozen=True)
class InstallCounts:
    points_created: int
    rules_created: int


def standard_points() -> list[dict[str, Any]]:
    """The preloaded risk points (``catalogue/standard_points.json``), as dicts of model fields."""
    if not STANDARD_POINTS.exists():
        return []
    raw = json.loads(STANDARD_POINTS.read_text(encoding="utf-8"))
    return [
        {**{k: v for k, v in item.items() if k != "detectable"}, "is_detectable": item["detectable"]}
        for item in raw
    ]


def point_snapshot(point: RiskPoint) -> dict[str, Any]:
    return {"code": point.code, **{name: getattr(point, name) for name in POINT_FIELDS}}


def clean_point_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Check the fields of a risk point (from a form or a workbook); Chinese errors."""
    unknown = set(fields) - set(POINT_FIELDS)
    if unknown:
        raise CatalogueError(f"未知字段：{'、'.join(sorted(unknown))}")
    for name, choices in _CHOICES.items():
        if name in fields and fields[name] not in choices.values:
            raise CatalogueError(f"{name} 的取值 {fields[name]!r} 无效，应为 {'/'.join(choices.values)} 之一")
    for name in ("powers", "prevent", "monitor", "dispose"):
        if name in fields and not (
            isinstance(fields[name], list) and all(isinstance(i, str) and i.strip() for i in fields[name])
        ):
            raise CatalogueError(f"{name} 应为非空文字的列表")
    if "name" in fields and not str(fields["name"]).strip():
        raise CatalogueError("风险点名称不能为空")
    return fields


def _revision(point: RiskPoint, action: str, *, actor: Any | None, effective_from: date, reason: str) -> None:
    RiskPointRevision.objects.create(
        point=point,
        version=point.version,
        action=action,
        snapshot=point_snapshot(point),
        effective_from=effective_from,
        reason=reason[:200],
        changed_at=timezone.now(),
        changed_by=actor if getattr(actor, "pk", None) else None,
    )


def _rule_revision(rule: Rule, *, actor: Any | None, reason: str) -> None:
    RuleRevision.objects.create(
        rule=rule,
        version=rule.version,
        params=rule.params,
        level=rule.level,
        recipients=rule.recipients,
        is_enabled=rule.is_enabled,
        reason=reason[:200],
        changed_at=timezone.now(),
        changed_by=actor if getattr(actor, "pk", None) else None,
    )


def _rule_from_spec(spec: RuleSpec) -> Rule:
    validate_params(kind_of(Rule(code=spec.code, kind=spec.kind)), spec.params, rule_code=spec.code)
    return Rule(
        code=spec.code,
        name=spec.name,
        kind=spec.kind,
        description=spec.description,
        params=spec.params,
        risk_codes=list(spec.risk_codes),
        level=spec.level,
        recipients=list(spec.recipients),
        audience=spec.audience,
    )


@transaction.atomic
def risk_catalogue_install(*, actor: Any | None = None) -> InstallCounts:
    """Add the standard risk points and rules that are missing; never change existing ones.

    Safe to run again (``lianjian init`` runs it): a point or rule that a unit has revised keeps
    its revision.
    """
    have_points = set(RiskPoint.objects.filter(unit__isnull=True).values_list("code", flat=True))
    points = [
        RiskPoint(
            code=item["code"],
            unit=None,
            effective_from=CATALOGUE_EPOCH,
            **clean_point_fields({k: v for k, v in item.items() if k != "code"}),
        )
        for item in standard_points()
        if item["code"] not in have_points
    ]
    RiskPoint.objects.bulk_create(points)
    for point in RiskPoint.objects.filter(unit__isnull=True, code__in=[p.code for p in points]):
        _revision(point, RevisionAction.ADD, actor=actor, effective_from=CATALOGUE_EPOCH, reason="预置标准库")
    have_rules = set(Rule.objects.values_list("code", flat=True))
    rules = [_rule_from_spec(spec) for spec in standard_rules() if spec.code not in have_rules]
    Rule.objects.bulk_create(rules)
    for rule in Rule.objects.filter(code__in=[r.code for r in rules]):
        _rule_revision(rule, actor=actor, reason="预置标准规则")
    if points or rules:
        audit_record(
            actor=actor,
            action="risk.catalogue.install",
            after={"points": [p.code for p in points], "rules": [r.code for r in rules]},
        )
    return InstallCounts(points_created=len(points), rules_created=len(rules))


@transaction.atomic
def rule_change(
    *,
    rule: Rule,
    actor: Any | None,
    reason: str,
    params: dict[str, Any] | None = None,
    level: str | None = None,
    recipients: list[str] | None = None,
    is_enabled: bool | None = None,
) -> Rule:
    """Change a rule's parameters, level, recipients or switch: a new version with its history."""
    if not reason.strip():
        raise CatalogueError("请填写修改理由")
    before = {
        "params": rule.params,
        "level": rule.level,
        "recipients": rule.recipients,
        "is_enabled": rule.is_enabled,
    }
    if params is not None:
        validate_params(kind_of(rule), params, rule_code=rule.code)
        rule.params = params
    if level is not None:
        if level not in AlertLevel.values:
            raise CatalogueError(f"预警等级 {level} 无效")
        rule.level = level
    if recipients is not None:
        bad = [r for r in recipients if r not in Recipient.values]
        if bad or not recipients:
            raise CatalogueError(f"接收人无效：{'、'.join(bad) or '至少选择一类接收人'}")
        rule.recipients = recipients
    if is_enabled is not None:
        rule.is_enabled = is_enabled
    after = {
        "params": rule.params,
        "level": rule.level,
        "recipients": rule.recipients,
        "is_enabled": rule.is_enabled,
    }
    if after == before:
        raise CatalogueError("没有任何修改")
    rule.version += 1
    rule.save()
    _rule_revision(rule, actor=actor, reason=reason)
    audit_record(
        actor=actor, action="risk.rule.change", target=rule, before=before, after={**after, "reason": reason}
    )
    return rule


@transaction.atomic
def rule_override_set(
    *, rule: Rule, unit: Unit, actor: Any | None, params: dict[str, Any], is_enabled: bool | None, reason: str
) -> RuleOverride:
    """Set a unit's local parameters for a rule (本地库), validated merged over the rule's."""
    if not reason.strip():
        raise CatalogueError("请填写修改理由")
    validate_params(kind_of(rule), {**rule.params, **params}, rule_code=rule.code)
    override, _ = RuleOverride.objects.update_or_create(
        rule=rule, unit=unit, defaults={"params": params, "is_enabled": is_enabled}
    )
    audit_record(
        actor=actor,
        action="risk.rule.override",
        target=rule,
        after={"unit": unit.code, "params": params, "is_enabled": is_enabled, "reason": reason},
    )
    return override


@transaction.atomic
def risk_point_revise(
    *,
    point: RiskPoint,
    actor: Any | None,
    changes: dict[str, Any],
    effective_from: date,
    reason: str,
) -> RiskPoint:
    """Revise a risk point (内容修正): a new version from ``effective_from``, with its history."""
    if not reason.strip():
        raise CatalogueError("请填写修订理由")
    clean_point_fields(changes)
    before = point_snapshot(point)
    for name, value in changes.items():
        setattr(point, name, value)
    if point_snapshot(point) == before:
        raise CatalogueError("没有任何修改")
    point.version += 1
    point.save()
    _revision(point, RevisionAction.CHANGE, actor=actor, effective_from=effective_from, reason=reason)
    audit_record(
        actor=actor, action="risk.point.revise", target=point, before=before, after=point_snapshot(point)
    )
    return point


@transaction.atomic
def risk_point_add(
    *,
    unit: Unit | None,
    actor: Any | None,
    code: str,
    fields: dict[str, Any],
    effective_from: date,
    reason: str,
) -> RiskPoint:
    """Add a point: to the standard library (``unit`` None) or to a unit's local library."""
    code = code.strip()
    if not code or len(code) > 16:
        raise CatalogueError("风险点编码不能为空，且不超过 16 个字符")
    if RiskPoint.objects.filter(unit=unit, code=code).exists():
        raise CatalogueError(f"风险点 {code} 已存在")
    missing = [name for name in ("name", "line", "category", "level") if not fields.get(name)]
    if missing:
        raise CatalogueError(f"缺少必填项：{'、'.join(missing)}")
    point = RiskPoint.objects.create(
        code=code, unit=unit, effective_from=effective_from, **clean_point_fields(fields)
    )
    _revision(point, RevisionAction.ADD, actor=actor, effective_from=effective_from, reason=reason or "新增")
    audit_record(actor=actor, action="risk.point.add", target=point, after=point_snapshot(point))
    return point


@transaction.atomic
def risk_point_retire(*, point: RiskPoint, actor: Any | None, retired_on: date, reason: str) -> RiskPoint:
    """Retire a point from ``retired_on``; it stays in the history and in past alerts."""
    if not reason.strip():
        raise CatalogueError("请填写停用理由")
    if point.retired_on is not None:
        raise CatalogueError(f"风险点 {point.code} 已于 {point.retired_on} 停用")
    point.retired_on = retired_on
    point.version += 1
    point.save()
    _revision(point, RevisionAction.RETIRE, actor=actor, effective_from=retired_on, reason=reason)
    audit_record(
        actor=actor, action="risk.point.retire", target=point, after={"retired_on": retired_on.isoformat()}
    )
    return point
