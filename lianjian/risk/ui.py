"""View helpers of the risk pages: reads scoped to the user, and what the pages show.

Reads that reach a user go through a ``*_visible_to(user)`` here or in :mod:`selectors`
(STYLE.md §2). The catalogue and the rules are reference data, but a unit's local library
(本地库) belongs to that unit: a user sees the standard library (标准库) and the local libraries
of the units their 风险查看 scope reaches and of those units' superiors (whose points they
inherit). Who may *change* a library follows the 风险维护 scope: a unit's library, if the scope
covers the whole unit; the standard library and the standard rules, only if it covers the top
unit (or everything), because a standard change applies in every unit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from pydantic import ValidationError

from lianjian.cases.choices import EventType
from lianjian.cases.selectors import cases_visible_to, events_of_case_visible_to
from lianjian.common.listing import (
    LIST_REGION_ID,
    Button,
    Column,
    cell_text,
    query_without,
    wants_list_region,
    xlsx_response,
)
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope
from lianjian.org.models import Department, Staff, Unit
from lianjian.risk.choices import AlertLevel, AlertStatus, ScanStatus
from lianjian.risk.kinds import KINDS
from lianjian.risk.kinds.base import DetectorKind
from lianjian.risk.models import (
    Alert,
    RiskPoint,
    RiskPointRevision,
    Rule,
    RuleOverride,
    RuleRevision,
    ScanRuleResult,
    ScanRun,
)
from lianjian.risk.selectors import AUDIENCES, effective_points
from lianjian.risk.services import POINT_FIELDS

STANDARD = "__standard__"  # the standard library's key in forms and URLs
STANDARD_LABEL = "标准库"

LEVEL_BADGES: dict[str, str] = {
    AlertLevel.NOTICE: "text-bg-info",
    AlertLevel.WARNING: "text-bg-warning",
    AlertLevel.SUPERVISED: "text-bg-danger",
}
STATUS_BADGES: dict[str, str] = {
    AlertStatus.OPEN: "text-bg-danger",
    AlertStatus.RESOLVED: "text-bg-secondary",
}
POINT_LEVEL_BADGES: dict[str, str] = {
    "HIGH": "text-bg-danger",
    "MEDIUM": "text-bg-warning",
    "LOW": "text-bg-info",
}
SCAN_BADGES: dict[str, str] = {
    ScanStatus.RUNNING: "text-bg-secondary",
    ScanStatus.SUCCEEDED: "text-bg-success",
    ScanStatus.PARTIAL: "text-bg-warning",
    ScanStatus.FAILED: "text-bg-danger",
}


# --- units and libraries ------------------------------------------------------------------------


def _units_reached(scope: Scope) -> QuerySet[Unit]:
    """Units a scope reaches, including the unit of a department or person in it."""
    if scope.is_empty:
        return Unit.objects.none()
    q = scope.filter(unit_path="path", unit="pk")
    if scope.department_ids:
        q |= Q(pk__in=Department.objects.filter(pk__in=scope.department_ids).values("unit_id"))
    if scope.staff_ids:
        q |= Q(pk__in=Staff.objects.filter(pk__in=scope.staff_ids).values("unit_id"))
    return Unit.objects.filter(q)


def catalogue_units(user: Any) -> list[Unit]:
    """Units whose catalogue in force the user may look at (their 风险查看 reach), top first."""
    return list(_units_reached(user.scope(Perm.RISK_VIEW)).order_by("path"))


def home_unit(user: Any, units: Sequence[Unit]) -> Unit | None:
    """The unit whose catalogue a user sees first: their own, else the top of their reach."""
    staff = getattr(user, "staff", None)
    if staff is not None and any(u.pk == staff.unit_id for u in units):
        return next(u for u in units if u.pk == staff.unit_id)
    return min(units, key=lambda u: (u.depth, u.path)) if units else None


def _chain_codes(units: QuerySet[Unit]) -> list[str]:
    """The codes of ``units`` and of all their superiors."""
    codes: set[str] = set()
    for path in units.values_list("path", flat=True):
        codes.update(code for code in path.split("/") if code)
    return sorted(codes)


def points_visible_to(user: Any) -> QuerySet[RiskPoint]:
    """The standard library, and the local points of the units reached and their superiors."""
    scope: Scope = user.scope(Perm.RISK_VIEW)
    if scope.is_empty:
        return RiskPoint.objects.none()
    if scope.everything:
        return RiskPoint.objects.select_related("unit")
    codes = _chain_codes(_units_reached(scope))
    return RiskPoint.objects.filter(Q(unit__isnull=True) | Q(unit__code__in=codes)).select_related("unit")


def units_risk_manageable_by(user: Any) -> QuerySet[Unit]:
    """Units whose local library the user may maintain (the whole unit within 风险维护)."""
    scope: Scope = user.scope(Perm.RISK_MANAGE)
    if scope.is_empty:
        return Unit.objects.none()
    return Unit.objects.filter(scope.filter(unit_path="path", unit="pk"))


def maintains_standard(user: Any) -> bool:
    """Whether the user maintains the standard library and rules: 风险维护 over the top unit(s)."""
    scope: Scope = user.scope(Perm.RISK_MANAGE)
    if scope.everything:
        return True
    if scope.is_empty:
        return False
    roots = list(Unit.objects.filter(parent__isnull=True))
    return bool(roots) and all(scope.covers_unit(root) for root in roots)


def points_manageable_by(user: Any) -> QuerySet[RiskPoint]:
    """Points the user may revise or retire: of the libraries they maintain."""
    q = Q(unit__in=units_risk_manageable_by(user))
    if maintains_standard(user):
        q |= Q(unit__isnull=True)
    return RiskPoint.objects.filter(q).select_related("unit")


def library_choices(user: Any) -> list[tuple[str, str]]:
    """(key, label) of the libraries the user may add to: the standard library, then units."""
    choices = [(STANDARD, f"{STANDARD_LABEL}（全部单位适用）")] if maintains_standard(user) else []
    choices += [(u.code, f"{u.name}（本地库）") for u in units_risk_manageable_by(user).order_by("path")]
    return choices


def library_unit(key: str) -> Unit | None:
    """The unit of a library key (``None``: the standard library). Call with a validated key."""
    return None if key == STANDARD else Unit.objects.get(code=key)


def library_label(point: RiskPoint) -> str:
    return point.unit.name if point.unit is not None else STANDARD_LABEL


# --- the catalogue ---------------------------------------------------------------------------


def catalogue_points(unit: Unit | None, *, day: date, include_retired: bool = False) -> QuerySet[RiskPoint]:
    """The catalogue of ``unit`` on ``day`` (:func:`effective_points`), with the points of its
    libraries not yet in force, and (asked) the retired ones whose code is no longer in force."""
    in_force = effective_points(unit, day=day)
    libraries = Q(unit__isnull=True)
    if unit is not None:
        libraries |= Q(unit__code__in=unit.ancestor_codes())
    ids = [p.pk for p in in_force]
    ids += RiskPoint.objects.filter(libraries, effective_from__gt=day).values_list("pk", flat=True)
    if include_retired:
        codes = [p.code for p in in_force]
        ids += (
            RiskPoint.objects.filter(libraries, retired_on__lte=day)
            .exclude(code__in=codes)
            .values_list("pk", flat=True)
        )
    return (
        RiskPoint.objects.filter(pk__in=ids)
        .select_related("unit")
        .order_by("code", F("unit__depth").asc(nulls_first=True))
    )


def catalogue_search(
    points: QuerySet[RiskPoint], *, line: str = "", category: str = "", level: str = "", text: str = ""
) -> QuerySet[RiskPoint]:
    if line:
        points = points.filter(line=line)
    if category:
        points = points.filter(category=category)
    if level:
        points = points.filter(level=level)
    if text:
        points = points.filter(
            Q(code__icontains=text)
            | Q(name__icontains=text)
            | Q(description__icontains=text)
            | Q(responsible_department__icontains=text)
        )
    return points


def point_status(point: RiskPoint, day: date) -> str:
    if point.effective_from > day:
        return f"待生效（{point.effective_from:%Y-%m-%d}起）"
    if point.retired_on is not None:
        if point.retired_on <= day:
            return f"已停用（{point.retired_on:%Y-%m-%d}）"
        return f"有效（{point.retired_on:%Y-%m-%d}停用）"
    return "有效"


def field_label(name: str) -> str:
    field: Any = RiskPoint._meta.get_field(name)
    return str(field.verbose_name)


def point_revisions(point: RiskPoint) -> list[dict[str, Any]]:
    """The point's history, newest first, each with the fields it changed."""
    revisions = list(
        RiskPointRevision.objects.filter(point=point).select_related("changed_by").order_by("version")
    )
    rows: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for revision in revisions:
        snapshot = revision.snapshot or {}
        changed = (
            [field_label(name) for name in POINT_FIELDS if snapshot.get(name) != previous.get(name)]
            if previous is not None
            else []
        )
        rows.append({"revision": revision, "changed": changed})
        previous = snapshot
    return rows[::-1]


# --- rules -----------------------------------------------------------------------------------


def rules_visible_to(user: Any) -> QuerySet[Rule]:
    """The rules (standard configuration: every holder of 风险查看 reads them all)."""
    if not user.has_lianjian_perm(Perm.RISK_VIEW):
        return Rule.objects.none()
    return Rule.objects.order_by("code")


def rule_search(
    rules: QuerySet[Rule], *, text: str = "", kind: str = "", level: str = "", enabled: str = ""
) -> QuerySet[Rule]:
    if text:
        rules = rules.filter(Q(code__icontains=text) | Q(name__icontains=text))
    if kind:
        rules = rules.filter(kind=kind)
    if level:
        rules = rules.filter(level=level)
    if enabled:
        rules = rules.filter(is_enabled=enabled == "yes")
    return rules


def open_alert_counts(alerts: QuerySet[Alert]) -> dict[int, int]:
    """Open alerts per rule id, within the alerts given (already scoped to the user)."""
    rows = alerts.filter(status=AlertStatus.OPEN).order_by().values("rule").annotate(n=Count("id"))
    return {row["rule"]: row["n"] for row in rows}


def rule_codes_and_names() -> list[tuple[str, str]]:
    """Every rule's code and name (the alert filter's choices)."""
    return list(Rule.objects.order_by("code").values_list("code", "name"))


def kind_choices() -> list[tuple[str, str]]:
    return [(name, kind.label) for name, kind in sorted(KINDS.items())]


def kind_label(rule: Rule) -> str:
    kind = KINDS.get(rule.kind)
    return kind.label if kind is not None else f"{rule.kind}（未注册）"


def detector_of(rule: Rule) -> DetectorKind | None:
    return KINDS.get(rule.kind)


def rule_revisions(rule: Rule) -> QuerySet[RuleRevision]:
    return RuleRevision.objects.filter(rule=rule).select_related("changed_by").order_by("-version")


def rule_results(rule: Rule, *, limit: int = 10) -> list[ScanRuleResult]:
    """The rule's share of the latest runs, newest first."""
    return list(
        ScanRuleResult.objects.filter(rule=rule)
        .select_related("run")
        .order_by("-run__started_at", "-id")[:limit]
    )


def rule_overrides_visible_to(user: Any, rule: Rule) -> QuerySet[RuleOverride]:
    """The rule's local parameters of units in the user's reach and their superiors."""
    scope: Scope = user.scope(Perm.RISK_VIEW)
    overrides = RuleOverride.objects.filter(rule=rule).select_related("unit").order_by("unit__path")
    if scope.everything:
        return overrides
    return overrides.filter(unit__code__in=_chain_codes(_units_reached(scope)))


def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False, default=str)


_JSON_TYPES = {
    "string": "文字",
    "integer": "整数",
    "number": "数字",
    "boolean": "是/否（true/false）",
    "null": "空（null）",
    "object": "对象",
    "array": "列表",
}


def _schema_type(schema: Mapping[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " 或 ".join(_schema_type(option) for option in schema["anyOf"])
    if "enum" in schema:
        return "取值：" + " / ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "const" in schema:
        return "固定为 " + json.dumps(schema["const"], ensure_ascii=False)
    kind = schema.get("type", "")
    if kind == "array":
        items = schema.get("items")
        if isinstance(items, Mapping):
            inner = _schema_type(items)
            return f"（{inner}）的列表" if " 或 " in inner else f"{inner} 的列表"
        if isinstance(items, list):  # a tuple of fixed length
            return "列表：" + "、".join(_schema_type(i) for i in items)
        return "列表"
    if isinstance(kind, list):
        return " 或 ".join(_JSON_TYPES.get(str(k), str(k)) for k in kind)
    return _JSON_TYPES.get(str(kind), str(kind) or "任意")


_CONSTRAINTS = {
    "minItems": "至少 {} 项",
    "maxItems": "最多 {} 项",
    "minLength": "至少 {} 个字符",
    "maxLength": "最多 {} 个字符",
    "minimum": "≥ {}",
    "maximum": "≤ {}",
    "exclusiveMinimum": "> {}",
    "exclusiveMaximum": "< {}",
    "pattern": "格式 {}",
}


def _chinese(text: Any) -> str:
    """``text`` if it is written in Chinese, else "" (the kinds' docstrings are English, for
    developers; a page shows staff only Chinese descriptions)."""
    text = str(text or "")
    return text if any("\u4e00" <= char <= "\u9fff" for char in text) else ""


def _constraints(schema: Mapping[str, Any]) -> str:
    return "；".join(text.format(schema[key]) for key, text in _CONSTRAINTS.items() if key in schema)


@dataclass(frozen=True)
class SchemaTable:
    """One object of a parameter schema: its fields as (field, type, required, default, notes)."""

    name: str
    description: str
    rows: list[dict[str, str]]


def schema_tables(kind: DetectorKind) -> list[SchemaTable]:
    """The kind's parameter model (``Params.model_json_schema()``) as tables, the top one first."""
    schema = kind.Params.model_json_schema()

    def table(name: str, node: Mapping[str, Any]) -> SchemaTable:
        required = set(node.get("required", []))
        rows = [
            {
                "field": field,
                "type": _schema_type(spec),
                "required": "是" if field in required else "否",
                "default": json.dumps(spec["default"], ensure_ascii=False) if "default" in spec else "",
                "notes": "；".join(
                    part for part in (_chinese(spec.get("description")), _constraints(spec)) if part
                ),
            }
            for field, spec in node.get("properties", {}).items()
        ]
        return SchemaTable(name=name, description=_chinese(node.get("description")), rows=rows)

    tables = [table("参数", schema)]
    tables += [table(name, node) for name, node in schema.get("$defs", {}).items()]
    return tables


# Pydantic's messages are English; staff read Chinese (errors by the error type, with its context).
_PYDANTIC_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "不允许的参数（未知字段，请检查拼写）",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符（应符合 {pattern}）",
    "literal_error": "取值应为 {expected} 之一",
    "enum": "取值应为 {expected} 之一",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
}


def _location(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "参数"


def _message(error: Mapping[str, Any]) -> str:
    template = _PYDANTIC_MESSAGES.get(error["type"])
    if template is not None:
        try:
            return template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            return template.split("{", 1)[0].strip()
    message = str(error.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message or "取值无效"


def params_errors(kind: DetectorKind, params: Any) -> list[str]:
    """The problems of ``params`` for ``kind``, in Chinese (empty: they are valid)."""
    if not isinstance(params, dict):
        return ["参数应为一个 JSON 对象（以 { 开头、以 } 结尾）"]
    try:
        kind.parse_params(params)
    except ValidationError as exc:
        return [f"{_location(error['loc'])}：{_message(error)}" for error in exc.errors()]
    return []


def parse_json_object(text: str) -> tuple[dict[str, Any] | None, str]:
    """``text`` as a JSON object, or ``(None, a Chinese reason)``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"参数不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列附近有误）"
    if not isinstance(value, dict):
        return None, "参数应为一个 JSON 对象（以 { 开头、以 } 结尾）"
    return value, ""


# --- alerts and runs -------------------------------------------------------------------------


def _about_person(staff: Staff) -> Q:
    """Alerts on the cases ``staff`` handles, or about ``staff`` (the subject of the alert)."""
    return Q(case__prosecutor=staff) | Q(subject_staff=staff)


def _of_department(department: Department) -> Q:
    """Alerts on the department's cases, or about one of its people (an alert without a case)."""
    return Q(case__department=department) | Q(case__isnull=True, subject_staff__department=department)


def alert_views(user: Any) -> list[str]:
    """The alert list's tabs open to the user: 我的 and 本部门 need a staff record (and a
    department); 本院 (everything in the user's scope) is always there."""
    staff = getattr(user, "staff", None)
    views = []
    if staff is not None:
        views.append("mine")
        if staff.department_id is not None:
            views.append("department")
    return [*views, "unit"]


def unit_view_label(user: Any) -> str:
    """ "本院预警", or "本院及下级院预警" when the user's scope reaches subordinate units."""
    scope: Scope = user.scope(Perm.ALERT_VIEW)
    return "本院及下级院预警" if scope.everything or scope.subtree_paths else "本院预警"


def alert_view(alerts: QuerySet[Alert], user: Any, view: str) -> QuerySet[Alert]:
    """``alerts`` (already scoped) narrowed to a tab: the user's own, their department's, or all."""
    staff = getattr(user, "staff", None)
    if view == "mine":
        return alerts.filter(_about_person(staff)) if staff is not None else alerts.none()
    if view == "department":
        if staff is None or staff.department_id is None:
            return alerts.none()
        return alerts.filter(_of_department(staff.department))
    return alerts


def alert_search(
    alerts: QuerySet[Alert],
    *,
    level: str = "",
    unit: Unit | None = None,
    department: Department | None = None,
    person: Staff | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Alert]:
    """``alerts`` narrowed by level, unit (with its subordinates), department, person (the case's
    prosecutor or the alert's subject) and the day raised."""
    if level:
        alerts = alerts.filter(level=level)
    if unit is not None:
        alerts = alerts.filter(unit__path__startswith=unit.path)
    if department is not None:
        alerts = alerts.filter(_of_department(department))
    if person is not None:
        alerts = alerts.filter(_about_person(person))
    if since is not None:
        alerts = alerts.filter(raised_at__date__gte=since)
    if until is not None:
        alerts = alerts.filter(raised_at__date__lte=until)
    return alerts


def alert_units(user: Any) -> list[Unit]:
    """Units offered by the alert filter: those the user's 预警查看 scope reaches."""
    return list(_units_reached(user.scope(Perm.ALERT_VIEW)).order_by("path"))


def alert_departments(user: Any) -> list[Department]:
    """Departments offered by the alert filter: those the user's 预警查看 scope reaches (a
    department of a reached unit, the department itself, or a reached person's department)."""
    scope: Scope = user.scope(Perm.ALERT_VIEW)
    if scope.is_empty:
        return []
    q = scope.filter(unit_path="unit__path", unit="unit", department="pk")
    if scope.staff_ids and not scope.everything:
        q |= Q(pk__in=Staff.objects.filter(pk__in=sorted(scope.staff_ids)).values("department_id"))
    return list(Department.objects.filter(q).select_related("unit").order_by("unit__path", "code"))


def alert_people(user: Any, alerts: QuerySet[Alert]) -> list[Staff]:
    """People offered by the alert filter: those within the user's 预警查看 scope who handle a
    case of, or are the subject of, one of ``alerts`` (the user's visible alerts)."""
    scope: Scope = user.scope(Perm.ALERT_VIEW)
    if scope.is_empty:
        return []
    concerned = Q(pk__in=alerts.order_by().values("case__prosecutor")) | Q(
        pk__in=alerts.order_by().values("subject_staff")
    )
    within = scope.filter(unit_path="unit__path", unit="unit", department="department", staff="pk")
    return list(Staff.objects.filter(within).filter(concerned).order_by("unit__path", "staff_no"))


def with_case_visibility(alerts: QuerySet[Alert], user: Any) -> QuerySet[Alert]:
    """``alerts`` annotated ``case_visible``: whether the user may open the alert's case page."""
    if not user.has_lianjian_perm(Perm.CASE_VIEW):
        return alerts.annotate(case_visible=Value(False))
    visible = cases_visible_to(user).filter(pk=OuterRef("case_id"))
    return alerts.annotate(case_visible=Exists(visible))


def alert_status_counts(alerts: QuerySet[Alert]) -> list[dict[str, Any]]:
    """How many of ``alerts`` are in each status (every status listed, zero too)."""
    counts = {row["status"]: row["n"] for row in alerts.order_by().values("status").annotate(n=Count("id"))}
    return [
        {"status": value, "label": label, "count": counts.get(value, 0), "css": STATUS_BADGES.get(value, "")}
        for value, label in AlertStatus.choices
    ]


def _local_time(text: Any) -> str:
    if not isinstance(text, str):
        return cell_text(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return cell_text(moment)


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def evidence_events(evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The events of an alert's evidence as timeline rows, oldest first."""
    labels = dict(EventType.choices)
    events = [e for e in evidence.get("events") or [] if isinstance(e, Mapping)]
    rows = [
        {
            "time": _local_time(event.get("occurred_at")),
            "sort": str(event.get("occurred_at") or ""),
            "event_id": str(event.get("event_id") or ""),
            "type": str(event.get("type") or ""),
            "type_label": labels.get(str(event.get("type") or ""), ""),
            "data": [(str(k), _compact(v)) for k, v in (event.get("data") or {}).items()],
        }
        for event in events
    ]
    return sorted(rows, key=lambda row: (row["sort"], row["event_id"]))


def _evidence_ids(evidence: Mapping[str, Any]) -> set[str]:
    return {
        str(e.get("event_id"))
        for e in evidence.get("events") or []
        if isinstance(e, Mapping) and e.get("event_id")
    }


def alert_timeline(user: Any, alert: Alert) -> tuple[list[dict[str, Any]], bool]:
    """The alert's evidence as a timeline, and whether it is the case's whole event stream.

    For an alert on a case the user may view (案件查看), every event of the case in projection
    order, those the evidence names marked ``is_key`` (关键); otherwise — an alert about a person,
    or a case outside the user's 案件查看 scope — the evidence's own events, all of them key.
    """
    evidence = alert.evidence if isinstance(alert.evidence, Mapping) else {}
    key_ids = _evidence_ids(evidence)
    if alert.case_no and user.has_lianjian_perm(Perm.CASE_VIEW):
        events = list(events_of_case_visible_to(user, alert.case_no))
        if events:
            labels = dict(EventType.choices)
            return [
                {
                    "time": cell_text(timezone.localtime(event.occurred_at)),
                    "event_id": event.event_id,
                    "type": event.type,
                    "type_label": labels.get(event.type, ""),
                    "data": [(str(k), _compact(v)) for k, v in sorted((event.data or {}).items())],
                    "is_key": event.event_id in key_ids,
                }
                for event in events
            ], True
    return [{**row, "is_key": True} for row in evidence_events(evidence)], False


def alert_points(alert: Alert) -> tuple[list[RiskPoint], list[str]]:
    """The risk points in force for the alert's unit today with the alert's codes (their legal
    basis and control measures), and the codes that have no point in force."""
    codes = [str(code) for code in alert.risk_codes or []]
    by_code = {p.code: p for p in effective_points(alert.unit, day=today()) if p.code in codes}
    return [by_code[c] for c in codes if c in by_code], [c for c in codes if c not in by_code]


def evidence_figures(evidence: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Everything else the evidence names (figures, counts), except the events and parameters."""
    return [(str(k), _compact(v)) for k, v in evidence.items() if k not in ("events", "params")]


def _restricted_audiences(user: Any) -> list[str]:
    return [str(a) for a in AUDIENCES if not user.has_lianjian_perm(a)]


def scan_runs_visible_to(user: Any) -> QuerySet[ScanRun]:
    """Detection runs, for those who run detection (检测运行) — but not a run of restricted rules
    only (the one after a “三个规定” record is written) for a user outside their audience: its
    time and counts alone would tell that someone just recorded one."""
    if not user.has_lianjian_perm(Perm.SCAN_RUN):
        return ScanRun.objects.none()
    runs = ScanRun.objects.select_related("actor").order_by("-started_at", "-id")
    restricted = _restricted_audiences(user)
    if restricted:
        results = ScanRuleResult.objects.filter(run=OuterRef("pk"))
        runs = runs.exclude(
            Exists(results.filter(rule__audience__in=restricted))
            & ~Exists(results.exclude(rule__audience__in=restricted))
        )
    return runs


def run_results(run: ScanRun, user: Any | None = None) -> QuerySet[ScanRuleResult]:
    """A run's results per rule; for ``user``, without the rules whose audience they lack."""
    results = ScanRuleResult.objects.filter(run=run).select_related("rule").order_by("rule__code")
    if user is not None:
        results = results.exclude(rule__audience__in=_restricted_audiences(user))
    return results


# --- the list page with coloured cells ------------------------------------------------------


@dataclass(frozen=True)
class BadgeColumn(Column):
    """A column shown as a coloured badge (levels, statuses); ``css`` gives its class per object."""

    css: Callable[[Any], str] | None = None


def render_risk_list(
    request: HttpRequest,
    *,
    title: str,
    queryset: QuerySet[Any],
    columns: Sequence[Column],
    filter_form: Any = None,
    toolbar: Sequence[Button] = (),
    summary: Sequence[Mapping[str, Any]] = (),
    per_page: int = 20,
    export: Callable[[], HttpResponse] | None = None,
    extra_context: Mapping[str, Any] | None = None,
    template_name: str = "risk/list.html",
) -> HttpResponse:
    """The shell's list page (``common.listing.render_list``) with badge cells and a summary line.

    ``export`` replaces the default Excel export of the table's columns.
    """
    if request.GET.get("export") == "xlsx":
        if export is not None:
            return export()
        return xlsx_response(filename=title, columns=columns, objects=queryset.iterator(chunk_size=2000))
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    rows = [
        [
            {
                "text": cell_text(c.value(obj)),
                "url": c.url(obj) if c.url else None,
                "testid": c.testid,
                "css": c.css(obj) if isinstance(c, BadgeColumn) and c.css else "",
            }
            for c in columns
        ]
        for obj in page.object_list
    ]
    context = {
        "page_title": title,
        "columns": columns,
        "rows": rows,
        "page_obj": page,
        "filter_form": filter_form,
        "toolbar": toolbar,
        "summary": summary,
        "query_without_page": query_without(request, "page", "export"),
        "list_region_id": LIST_REGION_ID,
        **(extra_context or {}),
    }
    template = "risk/_list_region.html" if wants_list_region(request) else template_name
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def today() -> date:
    return timezone.localdate()
