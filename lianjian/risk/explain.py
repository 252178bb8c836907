"""What an alert found, in a plain Chinese sentence or two (the alert page's 预警说明, F4.4).

One function per detector kind, keyed by the rule's kind name (``EXPLAINERS``), reads the
alert's evidence — the dict each kind in :mod:`lianjian.risk.kinds` writes, documented in
docs/detectors/*.md — and its parameters at the time. Evidence is stored JSON: an old alert may
predate a key, a hand-made one may hold anything. So every reader looks keys up defensively and
:func:`alert_explanation` falls back to the alert's title when a function raises or finds
nothing to say; the page never fails on odd evidence.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from lianjian.cases.choices import EventType, LawyerRole
from lianjian.cases.models import Case
from lianjian.org.choices import Decision, NonProsecutionKind, RelationKind, StaffPosition

logger = logging.getLogger(__name__)

Explainer = Callable[[Mapping[str, Any], str], str]


class MissingEvidence(LookupError):
    """A key the sentence needs is absent or of the wrong shape (the caller falls back)."""


def _get(evidence: Mapping[str, Any], key: str) -> Any:
    value = evidence.get(key)
    if value is None or value == "":
        raise MissingEvidence(key)
    return value


def _day(value: Any) -> str:
    """``YYYY-MM-DD`` of an ISO date or datetime text (the local day of a datetime)."""
    text = str(value or "")
    if len(text) > 10:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text[:10]
        if moment.tzinfo is not None:
            moment = timezone.localtime(moment)
        return moment.date().isoformat()
    if not text:
        raise MissingEvidence("date")
    return text


def _label(choices: Any, code: Any) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code or "")


def _percent(value: Any) -> str:
    return f"{float(value):.0%}"


def _events(evidence: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    events = evidence.get("events")
    if not isinstance(events, Sequence) or isinstance(events, str):
        return []
    return sorted(
        (e for e in events if isinstance(e, Mapping)), key=lambda e: str(e.get("occurred_at") or "")
    )


def _event_label(event: Mapping[str, Any]) -> str:
    code = str(event.get("type") or "")
    label = _label(EventType, code)
    return label or code


# --- one function per kind -------------------------------------------------------------------


def explain_time_limit(evidence: Mapping[str, Any], title: str) -> str:
    """办案期限: from when the clock ran, the limit, the last day, and how late (or how near)."""
    limit = _get(evidence, "time_limit")
    if not isinstance(limit, Mapping):
        raise MissingEvidence("time_limit")
    name = str(_get(limit, "name"))
    name = name if name.endswith("期限") else f"{name}期限"  # "审查逮捕（在押）" → "审查逮捕（在押）期限"
    # "7日" / "1个月" as the periods write them, spaced like the rest of the sentence
    length = re.sub(r"(\d+)\s*(日|个月)", r"\1 \2", str(_get(limit, "limit")))
    text = f"{name}自 {_day(_get(evidence, 'start'))} 起算，法定 {length}"
    extension = evidence.get("extension_days") or 0
    excluded = evidence.get("excluded_days") or 0
    if extension:
        text += f"，依法延长 {extension} 日"
    if excluded:
        text += f"，扣除不计入期限的 {excluded} 日"
    text += f"，至 {_day(_get(evidence, 'deadline'))} 届满"
    if evidence.get("rolled_over"):
        text += "（届满日遇节假日顺延）"
    days = int(_get(evidence, "days"))
    state = _get(evidence, "state")
    if state == "WARNING":
        text += f"；截至 {_day(_get(evidence, 'as_of'))} 尚未办结，剩余 {days} 日。"
    elif evidence.get("done_on"):
        text += f"；{_day(evidence['done_on'])} 才办结，超期 {days} 日。"
    else:
        text += f"；截至 {_day(_get(evidence, 'as_of'))} 尚未办结，已超期 {days} 日。"
    basis = limit.get("basis")
    return f"{text}依据：{basis}。" if basis else text


def _decision_label(decision: Mapping[str, Any]) -> str:
    label = _label(Decision, decision.get("decision"))
    if decision.get("kind") in NonProsecutionKind.values:
        label = _label(NonProsecutionKind, decision["kind"])
    return label


def explain_authority(evidence: Mapping[str, Any], title: str) -> str:
    """超越权力清单决定: who decided what, in which position, and who the list allows."""
    decisions = _get(evidence, "decisions")
    if not isinstance(decisions, Sequence) or not decisions or not isinstance(decisions[0], Mapping):
        raise MissingEvidence("decisions")
    first = decisions[0]
    who = first.get("decider_name") or _get(first, "decider")
    position = _label(StaffPosition, first.get("position"))
    text = f"{who}（{position}）于 {_day(_get(first, 'decided_on'))} 作出{_decision_label(first)}决定"
    allowed = [_label(StaffPosition, p) for p in first.get("allowed_positions") or []]
    if allowed:
        text += f"，而本院权力清单规定该决定由{'、'.join(allowed)}作出"
    else:
        text += "，本院权力清单未授权该职务作出该决定"
    count = int(evidence.get("decision_count") or len(decisions))
    if count > 1:
        text += f"；本案共有 {count} 项超出权力清单的决定"
    return text + "。"


def explain_comparison(evidence: Mapping[str, Any], title: str) -> str:
    """比对: a sentence recommendation against the judgment, a decision against the proposal,
    or two values of the case that should agree."""
    if "recommended_months" in evidence:
        recommended = int(_get(evidence, "recommended_months"))
        judged = int(_get(evidence, "judged_months"))
        allowed = float(_get(evidence, "allowed_months"))
        direction = "高于" if judged > recommended else "低于"
        return (
            f"检察机关量刑建议 {recommended} 个月，法院于 {_day(_get(evidence, 'judged_at'))} 判处 "
            f"{judged} 个月，{direction}建议 {abs(judged - recommended)} 个月，"
            f"超出规则允许的 {allowed:g} 个月偏离。"
        )
    if "pairs" in evidence:
        events = {str(e.get("event_id")): e for e in _events(evidence)}
        pairs = _get(evidence, "pairs")
        if not isinstance(pairs, Sequence) or not pairs or not isinstance(pairs[0], Mapping):
            raise MissingEvidence("pairs")
        proposal = events.get(str(pairs[0].get("proposed")))
        decision = events.get(str(pairs[0].get("decided")))
        if proposal is None or decision is None:
            raise MissingEvidence("events")
        proposed_data, decided_data = proposal.get("data") or {}, decision.get("data") or {}
        text = (
            f"承办检察官于 {_day(proposal.get('occurred_at'))} 提出{_decision_label(proposed_data)}的意见，"
            f"{_day(decision.get('occurred_at'))} 作出的决定却为{_decision_label(decided_data)}，"
            "与承办意见不一致"
        )
        count = int(evidence.get("count") or len(pairs))
        return text + (f"（本案共 {count} 次）。" if count > 1 else "。")
    values = _get(evidence, "values")
    if not isinstance(values, Mapping):
        raise MissingEvidence("values")
    shown = "；".join(f"{_field_label(k)}：{_field_value(k, v)}" for k, v in values.items())
    return f"案件数据比对发现：{title}。比对的数据为 {shown}。"


def _case_field(name: str) -> Any:
    try:
        return Case._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _field_label(name: str) -> str:
    """A case field's Chinese name (its ``verbose_name``), else the name as stored."""
    field = _case_field(name)
    return str(getattr(field, "verbose_name", name))


def _field_value(name: str, value: Any) -> str:
    """A compared value as staff read it: a choice's label, 是/否, （空）, or the value."""
    if value is None or value == "" or value == []:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    field = _case_field(name)
    choices = dict(getattr(field, "choices", None) or [])
    if isinstance(value, list):
        return "、".join(str(choices.get(item, item)) for item in value)
    return str(choices.get(value, value))


def explain_conflict(evidence: Mapping[str, Any], title: str) -> str:
    """利益冲突未回避: the registered relation, or the lawyer's recent service here."""
    role = _label(LawyerRole, evidence.get("role")) or "律师"
    lawyer = f"{evidence.get('lawyer_name') or ''}（{_get(evidence, 'lawyer')}）"
    engaged = evidence.get("engaged_at") or []
    since = f"于 {_day(engaged[0])} 受委托" if isinstance(engaged, list) and engaged else "受委托"
    if _get(evidence, "check") == "RELATION":
        relations = evidence.get("relations") or []
        kinds = "、".join(
            _label(RelationKind, r.get("relation")) for r in relations if isinstance(r, Mapping)
        )
        prosecutor = evidence.get("prosecutor_name") or _get(evidence, "prosecutor")
        return (
            f"本案{role}{lawyer}{since}，承办检察官{prosecutor}与其登记有{kinds or '社会'}关系，"
            "依照回避规定应当申请回避，但案件中未见回避记录。"
        )
    former = evidence.get("former_staff_name") or _get(evidence, "former_staff")
    if evidence.get("served_here"):
        left = _day(evidence.get("left_on"))
        return f"本案{role}{lawyer}{since}，其系本院离任人员{former}（{left} 离任），应当回避而未回避。"
    return (
        f"本案{role}{lawyer}{since}，其原为检察人员{former}，{_day(_get(evidence, 'left_on'))} 离任，"
        f"离任未满规定年限（{_day(_get(evidence, 'barred_until'))} 前）即担任本案{role}。"
    )


def explain_key_node(evidence: Mapping[str, Any], title: str) -> str:
    """关键节点: the event that the rule watches for, and when it happened."""
    events = _events(evidence)
    if not events:
        raise MissingEvidence("events")
    first = events[0]
    text = (
        f"案件于 {_day(first.get('occurred_at'))} 发生“{_event_label(first)}”，"
        f"属于规则“{title}”关注的关键节点"
    )
    count = int(evidence.get("event_count") or len(events))
    return text + (f"（本案共 {count} 次）。" if count > 1 else "。")


def explain_sequence(evidence: Mapping[str, Any], title: str) -> str:
    """先后发生: the earlier event, the later one, and the days between."""
    events = _events(evidence)
    if len(events) < 2:
        raise MissingEvidence("events")
    before, after = events[0], events[-1]
    days = int(_get(evidence, "days"))
    text = (
        f"案件于 {_day(before.get('occurred_at'))} 发生“{_event_label(before)}”后，"
        f"{days} 日内（{_day(after.get('occurred_at'))}）又发生“{_event_label(after)}”"
    )
    params = evidence.get("params")
    within = params.get("within_days") if isinstance(params, Mapping) else None
    if within:
        text += f"，在规则设定的 {within} 日以内"
    return text + "。"


def explain_concentration(evidence: Mapping[str, Any], title: str) -> str:
    """代理集中: how many of the prosecutor's cases in the window one lawyer or firm had."""
    prosecutor = evidence.get("prosecutor_name") or _get(evidence, "prosecutor")
    if evidence.get("by") == "firm":
        whom = f"律师事务所{evidence.get('firm_name') or _get(evidence, 'firm_id')}"
    else:
        whom = f"律师{evidence.get('lawyer_name') or _get(evidence, 'lawyer')}"
    text = (
        f"{prosecutor}在 {_day(_get(evidence, 'window_start'))} 至 {_day(_get(evidence, 'window_end'))} "
        f"承办的 {_get(evidence, 'total_cases')} 件案件中，有 {_get(evidence, 'case_count')} 件由{whom}代理，"
        f"占 {_percent(_get(evidence, 'share'))}"
    )
    params = evidence.get("params")
    if isinstance(params, Mapping) and params.get("min_share") is not None:
        text += f"，超过规则设定的 {_percent(params['min_share'])}"
    return text + "。"


def explain_peer_outlier(evidence: Mapping[str, Any], title: str) -> str:
    """同部门偏离: the prosecutor's rate against the rest of the department's."""
    prosecutor = evidence.get("prosecutor_name") or _get(evidence, "prosecutor")
    params = evidence.get("params")
    label = (params.get("label") if isinstance(params, Mapping) else "") or "该比例"
    text = (
        f"{prosecutor}在 {_day(_get(evidence, 'window_start'))} 至 {_day(_get(evidence, 'window_end'))} "
        f"{label}为 {_percent(_get(evidence, 'rate'))}（{_get(evidence, 'numerator')}/"
        f"{_get(evidence, 'denominator')}），同部门（{evidence.get('department_name') or '本部门'}）"
        f"其他 {evidence.get('peer_prosecutors', '')} 名检察官合计为 {_percent(_get(evidence, 'peer_rate'))}"
        f"（{_get(evidence, 'peer_numerator')}/{_get(evidence, 'peer_denominator')}）"
    )
    ratio = evidence.get("ratio")
    if ratio:
        text += f"，是同部门的 {float(ratio):g} 倍"
    return text + "，明显偏离同部门水平。"


EXPLAINERS: dict[str, Explainer] = {
    "authority": explain_authority,
    "comparison": explain_comparison,
    "concentration": explain_concentration,
    "conflict": explain_conflict,
    "key_node": explain_key_node,
    "peer_outlier": explain_peer_outlier,
    "sequence": explain_sequence,
    "time_limit": explain_time_limit,
}


def register_explainer(kind: str, explainer: Explainer) -> None:
    """Add the sentence of a kind registered by an app above risk (its AppConfig.ready())."""
    EXPLAINERS.setdefault(kind, explainer)


def alert_explanation(*, kind: str, evidence: Any, title: str, rule_name: str = "") -> str:
    """The sentence for an alert of a rule of ``kind``; ``title`` when it cannot be made.

    ``rule_name`` is what the kinds that write no title of their own (关键节点, 先后发生) are
    about; the others read the figures from ``evidence``.
    """
    explainer = EXPLAINERS.get(kind)
    if explainer is None or not isinstance(evidence, Mapping):
        return title
    try:
        text = explainer(evidence, rule_name or title)
    except (LookupError, TypeError, ValueError, AttributeError):
        logger.info("alert evidence of kind %s lacks what its explanation needs", kind, exc_info=True)
        return title
    return text or title
