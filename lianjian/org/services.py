"""Writes of the organisation made from the web shell: local power-list lines, relation entries.

Reference data arrives through the importer; these are the two edits made by hand — a unit's
local override of the power list (权力清单本地调整) and an entry of the relationship register
(特殊关系登记). Each checks the actor's scope again, validates, and records an audit event in
the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.audit.services import audit_record
from lianjian.common.permissions import Perm
from lianjian.org.choices import (
    Decision,
    NonProsecutionKind,
    RelationKind,
    RelationOtherKind,
    StaffPosition,
)
from lianjian.org.models import Lawyer, PowerRule, Relation, Staff, Unit
from lianjian.org.selectors import staff_relation_manageable_by

LOCAL_RELATION_PREFIX = "RL-LOCAL-"


def _power_rule_values(rule: PowerRule) -> dict[str, Any]:
    return {
        "unit": rule.unit.code,
        "decision": rule.decision,
        "kind": rule.kind,
        "effective_from": rule.effective_from.isoformat(),
        "positions": list(rule.positions),
    }


@transaction.atomic
def power_rule_create(
    *,
    actor: Any,
    unit: Unit,
    decision: str,
    kind: str,
    effective_from: date,
    positions: list[str],
) -> PowerRule:
    """Add a line to ``unit``'s own power list, overriding the superior's from ``effective_from``.

    The actor must hold 权力清单维护 over the whole unit. ``kind`` (a non-prosecution kind)
    narrows a 不起诉 line; other decisions take no kind. Raises :class:`ValidationError` with a
    Chinese message, writing nothing, when a check fails.
    """
    if not actor.scope(Perm.POWER_MANAGE).covers_unit(unit):
        raise ValidationError("您无权调整该单位的权力清单")
    if decision not in Decision.values:
        raise ValidationError("决定类型无效")
    if kind and kind not in NonProsecutionKind.values:
        raise ValidationError("不起诉类别无效")
    if kind and decision != Decision.NON_PROSECUTE:
        raise ValidationError("只有“不起诉”决定可以指定不起诉类别")
    if not positions:
        raise ValidationError("请至少选择一个有权职务")
    unknown = [p for p in positions if p not in StaffPosition.values]
    if unknown:
        raise ValidationError(f"职务编码无效：{'、'.join(unknown)}")
    # Keep the order of the position list (检察长 first), without repeats.
    ordered = [p for p in StaffPosition.values if p in set(positions)]
    if PowerRule.objects.filter(
        unit=unit, decision=decision, kind=kind, effective_from=effective_from
    ).exists():
        raise ValidationError("该单位已有同一决定类型、不起诉类别和生效日期的权力清单条目")
    rule = PowerRule.objects.create(
        unit=unit,
        decision=decision,
        kind=kind,
        effective_from=effective_from,
        positions=ordered,
        extra={"source": "local"},
    )
    audit_record(actor=actor, action="org.power_rule.create", target=rule, after=_power_rule_values(rule))
    return rule


def _relation_values(relation: Relation) -> dict[str, Any]:
    return {
        "relation_no": relation.relation_no,
        "staff": relation.staff.staff_no,
        "other_kind": relation.other_kind,
        "other": relation.other,
        "other_name": relation.other_name,
        "relation": relation.relation,
    }


@transaction.atomic
def relation_create(
    *,
    actor: Any,
    staff: Staff,
    other_kind: str,
    other: str,
    other_name: str,
    relation: str,
) -> Relation:
    """Register a relation of ``staff`` by hand (F1.3), numbered ``RL-LOCAL-<n>``.

    ``other`` is a lawyer's 执业证号 (``LAWYER``, must name a known lawyer), a staff 工号
    (``STAFF``, must name known staff other than ``staff``) or any identifier of a person
    (``PERSON``). The actor must hold 关系维护 over ``staff``. Raises :class:`ValidationError`
    with a Chinese message, writing nothing, when a check fails.
    """
    if not staff_relation_manageable_by(actor).filter(pk=staff.pk).exists():
        raise ValidationError("您无权为该人员登记特殊关系")
    if other_kind not in RelationOtherKind.values:
        raise ValidationError("对方类别无效")
    if relation not in RelationKind.values:
        raise ValidationError("关系类型无效")
    other = other.strip()
    other_name = other_name.strip()
    if not other:
        raise ValidationError("请填写对方标识（律师执业证号、人员工号或身份标识）")
    other_lawyer = other_staff = None
    if other_kind == RelationOtherKind.LAWYER:
        other_lawyer = Lawyer.objects.filter(license_no=other).first()
        if other_lawyer is None:
            raise ValidationError(f"未找到执业证号为 {other} 的律师")
        other_name = other_name or other_lawyer.name
    elif other_kind == RelationOtherKind.STAFF:
        other_staff = Staff.objects.filter(staff_no=other).first()
        if other_staff is None:
            raise ValidationError(f"未找到工号为 {other} 的人员")
        if other_staff.pk == staff.pk:
            raise ValidationError("不能登记与本人的关系")
        other_name = other_name or other_staff.name
    elif not other_name:
        raise ValidationError("请填写对方姓名")
    entry = Relation.objects.create(
        # A placeholder first: the number is taken from the primary key, unique without a race.
        relation_no=f"{LOCAL_RELATION_PREFIX}TMP-{uuid.uuid4().hex[:24]}",
        staff=staff,
        other_kind=other_kind,
        other=other,
        other_name=other_name,
        relation=relation,
        other_lawyer=other_lawyer,
        other_staff=other_staff,
        extra={"source": "local"},
    )
    number = f"{LOCAL_RELATION_PREFIX}{entry.pk}"
    if Relation.objects.filter(relation_no=number).exists():  # an imported entry took it
        number = f"{number}-{uuid.uuid4().hex[:6]}"
    entry.relation_no = number
    entry.save(update_fields=["relation_no"])
    audit_record(actor=actor, action="org.relation.create", target=entry, after=_relation_values(entry))
    return entry
