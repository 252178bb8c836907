"""The compliance watch of the interference register (F5.5, DOMAIN_RULES.md §2.7 R-3G-02…04):
rules whose alerts only 纪检监察 sees (``audience`` CLUE_HANDLE, recipients DISCIPLINE).

- :class:`ZeroRecords` (``zero_records``, R-3G-02) — a person with no record for N months while
  handling many cases (疑似应报未报);
- :class:`UnreportedContact` (``unreported_contact``, R-3G-03) — a ``CONTACT`` outside office or
  hours, without approval, and no record within 3 days (CT-PRC-03);
- R-3G-04 reuses the ``conflict`` kind (a former staff member as lawyer on the former unit's cases,
  《检察官法》第三十七条, CT-PRC-05);
- :class:`Retaliation` (``retaliation``, CF-01, LB-03) — a recorder with an adverse post change
  within 12 months after recording; hidden from the people they recorded.

All three kinds read the register's plain classification only — never sealed content — and their
titles name what was found, not what a record says. They look at records as well as events, and
records arrive without events, so they are full-scan kinds (``incremental = False``): an
incremental scan could not see that a record now answers a contact.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from django.db.models import Count, Q
from django.utils import timezone
from pydantic import Field

from lianjian.cases.models import Case
from lianjian.common.permissions import Perm
from lianjian.common.sealing import person_tags
from lianjian.interference.choices import RecordCategory
from lianjian.interference.models import PeriodicReport, Record, ReportingSetting
from lianjian.org.choices import StaffChangeKind
from lianjian.org.models import Staff, StaffChange, Unit
from lianjian.risk.catalogue.spec import RuleSpec
from lianjian.risk.kinds.base import (
    Condition,
    DetectorKind,
    Finding,
    ScanContext,
    StrictModel,
    case_refs,
    chunks,
    event_evidence,
)
from lianjian.risk.kinds.concentration import months_before

logger = logging.getLogger(__name__)

AUDIENCE = str(Perm.CLUE_HANDLE)
RECIPIENTS = ("DISCIPLINE",)
MAX_EVIDENCE_CASES = 20
# Alert.hidden_from_key holds "|t1|t2|…|" in 200 characters: 7 tags of 24.
MAX_HIDDEN_TAGS = 7
CHANGE_LABELS = dict(StaffChangeKind.choices)


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _months_after(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def unit_settings(unit_ids: set[int]) -> dict[int, ReportingSetting | None]:
    """Each unit's reporting setting: its own, or its nearest ancestor's (``None``: none in the chain)."""
    if not unit_ids:
        return {}
    paths = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))
    codes = {code for path in paths.values() for code in path.split("/") if code}
    by_code = {
        s.unit.code: s for s in ReportingSetting.objects.filter(unit__code__in=codes).select_related("unit")
    }
    result: dict[int, ReportingSetting | None] = {}
    for pk, path in paths.items():
        chain = [code for code in path.split("/") if code]
        result[pk] = next((by_code[code] for code in reversed(chain) if code in by_code), None)
    return result


# ---------------------------------------------------------------------------------------------
# R-3G-02 零记录


class ZeroRecordsParams(StrictModel):
    """Defaults for units without a 报告设置 (ReportingSetting) in their chain; a unit's setting wins."""

    zero_months: int = Field(default=6, ge=1, le=36, description="连续无记录的月数（单位未设置时）")
    caseload_threshold: int = Field(
        default=30, ge=0, le=10000, description="同期承办案件数阈值，超过才提示（单位未设置时）"
    )


class ZeroRecords(DetectorKind):
    """A person with no interference record (and no report listing records) for N consecutive
    months while assigned more than the threshold of cases in the same months (R-3G-02)."""

    name = "zero_records"
    label = "长期零记录而办案量大"
    subject = "staff"
    Params = ZeroRecordsParams
    incremental = False

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        as_of = ctx.as_of
        today = _local_day(as_of)
        handlers = Case.objects.filter(prosecutor__isnull=False, assigned_at__lte=as_of)
        if ctx.unit_ids is not None:
            handlers = handlers.filter(prosecutor__unit_id__in=ctx.unit_ids)
        if ctx.staff_ids is not None:
            handlers = handlers.filter(prosecutor_id__in=ctx.staff_ids)
        unit_ids = set(handlers.order_by().values_list("prosecutor__unit_id", flat=True).distinct())
        settings = unit_settings(unit_ids)
        # One window per distinct (months, threshold).
        groups: dict[tuple[int, int], set[int]] = defaultdict(set)
        for unit_id in unit_ids:
            setting = settings.get(unit_id)
            months = setting.zero_months if setting else params.zero_months
            threshold = setting.caseload_threshold if setting else params.caseload_threshold
            groups[(months, threshold)].add(unit_id)
        for (months, threshold), units in sorted(groups.items()):
            yield from self._group(ctx, handlers, units, months, threshold, today)

    def _group(
        self, ctx: ScanContext, handlers: Any, units: set[int], months: int, threshold: int, today: date
    ) -> Iterator[Finding]:
        start = months_before(timezone.localtime(ctx.as_of), months)
        start_day = start.date()
        counts = dict(
            handlers.filter(prosecutor__unit_id__in=units, assigned_at__gt=start)
            .order_by()
            .values_list("prosecutor_id")
            .annotate(n=Count("pk"))
            .filter(n__gt=threshold)
            .values_list("prosecutor_id", "n")
        )
        if not counts:
            return
        ids = set(counts)
        # Obliged for the whole window: in post before it began, not left, not retired.
        people = {
            s["pk"]: s
            for s in Staff.objects.filter(pk__in=ids)
            .filter(Q(joined_on__isnull=True) | Q(joined_on__lte=start_day))
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
            .values("pk", "staff_no", "name", "unit_id", "joined_on")
        }
        # Left or retired by "as of", or (re)joined within the window, by the post history.
        gone = set(
            StaffChange.objects.filter(staff_id__in=people, effective_on__lte=today)
            .filter(
                Q(change__in=[StaffChangeKind.LEAVE, StaffChangeKind.RETIRE])
                | Q(change=StaffChangeKind.JOIN, effective_on__gt=start_day)
            )
            .values_list("staff_id", flat=True)
        )
        recorded = set(
            Record.objects.filter(recorder_id__in=people, recorded_at__gt=start, recorded_at__lte=ctx.as_of)
            .values_list("recorder_id", flat=True)
            .distinct()
        )
        reported = set(
            PeriodicReport.objects.filter(
                staff_id__in=people,
                period_end__gt=start_day,
                period_start__lte=today,
                submitted_at__isnull=False,
                is_zero=False,
            ).values_list("staff_id", flat=True)
        )
        zero_reports: dict[int, int] = dict(
            PeriodicReport.objects.filter(
                staff_id__in=people, period_end__gt=start_day, period_start__lte=today, is_zero=True
            )
            .order_by()
            .values_list("staff_id")
            .annotate(n=Count("pk"))
            .values_list("staff_id", "n")
        )
        found = sorted(set(people) - gone - recorded - reported, key=lambda pk: people[pk]["staff_no"])
        for pk in found:
            person = people[pk]
            cases = list(
                handlers.filter(prosecutor_id=pk, assigned_at__gt=start)
                .order_by("assigned_at", "case_no")
                .values_list("case_no", flat=True)[:MAX_EVIDENCE_CASES]
            )
            yield Finding(
                fingerprint=person["staff_no"],
                unit_id=person["unit_id"],
                subject_staff_id=pk,
                title=f"{person['name']}连续 {months} 个月无“三个规定”记录，同期承办案件 {counts[pk]} 件",
                occurred_at=ctx.as_of,
                evidence={
                    "staff": person["staff_no"],
                    "staff_name": person["name"],
                    "months": months,
                    "window_start": start_day.isoformat(),
                    "caseload": counts[pk],
                    "threshold": threshold,
                    "zero_reports": zero_reports.get(pk, 0),
                    "cases": cases,
                },
            )


# ---------------------------------------------------------------------------------------------
# R-3G-03 工作外接触未在 3 日内报告


class UnreportedContactParams(StrictModel):
    """``days``: the reporting deadline (CT-PRC-03: 3 日内, the day of the contact not counted);
    ``include_approved``: also contacts with an ``approval_ref`` (R-3G-03 looks at those without)."""

    days: int = Field(default=3, ge=1, le=30, description="接触后须在几日内记录报告")
    include_approved: bool = Field(default=False, description="已有审批单号的工作外接触也检查")


class UnreportedContact(DetectorKind):
    """A ``CONTACT`` outside office or hours (without approval) for which the contacting staff
    member (the event's ``actor``) recorded nothing by the end of the ``days``-th day after it
    (R-3G-03, CT-PRC-03): no record linking the case, and no RC-05 record without a case about a
    contact on the same day."""

    name = "unreported_contact"
    label = "工作外接触未按时记录报告"
    subject = "case"
    Params = UnreportedContactParams
    incremental = False

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        outside = Condition(field="in_office", value=False).q() | Condition(field="in_hours", value=False).q()
        events = ctx.events().filter(outside, type="CONTACT")
        if not params.include_approved:
            events = events.filter(Condition(field="approval_ref", op="empty").q())
        rows: list[dict[str, Any]] = [
            dict(row)
            for row in events.order_by("occurred_at", "event_id").values(
                "event_id", "case_no", "unit_id", "type", "occurred_at", "actor_id", "actor_no", "data"
            )
        ]
        if not rows:
            return
        by_no = dict(
            Staff.objects.filter(
                staff_no__in={r["actor_no"] for r in rows if not r["actor_id"] and r["actor_no"]}
            ).values_list("staff_no", "pk")
        )
        due: list[tuple[dict[str, Any], int, datetime]] = []
        for row in rows:
            staff_id = row["actor_id"] or by_no.get(row["actor_no"])
            if staff_id is None:
                continue
            day = _local_day(row["occurred_at"]) + timedelta(days=params.days)
            deadline = timezone.make_aware(datetime.combine(day, time.max), timezone.get_current_timezone())
            if deadline > ctx.as_of:
                continue  # still within the period
            due.append((row, staff_id, deadline))
        if not due:
            return
        records: dict[int, list[tuple[datetime, str, str, date]]] = defaultdict(list)
        for chunk in chunks(sorted({staff for _, staff, _ in due})):
            for recorder, recorded_at, category, case_no, occurred_at in Record.objects.filter(
                recorder_id__in=chunk,
                recorded_at__gte=min(r["occurred_at"] for r, _, _ in due),
                recorded_at__lte=ctx.as_of,
            ).values_list("recorder_id", "recorded_at", "category", "case_no", "occurred_at"):
                records[recorder].append((recorded_at, category, case_no, _local_day(occurred_at)))
        refs = case_refs({row["case_no"] for row, _, _ in due})
        names = dict(Staff.objects.filter(pk__in={s for _, s, _ in due}).values_list("pk", "name"))
        for row, staff_id, deadline in due:
            day = _local_day(row["occurred_at"])
            answered = any(
                row["occurred_at"] <= at <= deadline
                and (
                    case_no == row["case_no"]
                    or (category == RecordCategory.RC05 and not case_no and occurred_on == day)
                )
                for at, category, case_no, occurred_on in records[staff_id]
            )
            if answered:
                continue
            ref = refs.get(row["case_no"])
            where = _outside(row["data"] or {})
            yield Finding(
                fingerprint=f"{row['case_no']}:{row['event_id']}",
                unit_id=ref.unit_id if ref else row["unit_id"],
                case_id=ref.pk if ref else None,
                case_no=row["case_no"],
                subject_staff_id=staff_id,
                title=f"{names.get(staff_id, '')}{where}接触当事人、律师，{params.days} 日内未记录报告",
                occurred_at=row["occurred_at"],
                evidence={
                    "events": event_evidence([row]),
                    "staff_id": staff_id,
                    "staff_name": names.get(staff_id, ""),
                    "deadline": deadline.isoformat(),
                    "params": params.model_dump(mode="json"),
                },
            )


# ---------------------------------------------------------------------------------------------
# 打击报复监测 (CF-01, LB-03)

Adverse = Literal["TRANSFER", "DEMOTE", "PUNISH", "LEAVE"]


class RetaliationParams(StrictModel):
    """``changes``: the post changes counted as adverse (docs/detectors/retaliation.md: 降职、处分
    always; 调动、离职 because 调离、辞退 are what CF-01 forbids, though many are routine);
    ``window_months``: how long after recording."""

    changes: tuple[Adverse, ...] = Field(
        default=("TRANSFER", "DEMOTE", "PUNISH", "LEAVE"),
        min_length=1,
        description="视为不利的岗位变动：TRANSFER 调动、DEMOTE 降职、PUNISH 处分、LEAVE 离职",
    )
    window_months: int = Field(default=12, ge=1, le=60, description="记录后多少个月内")


def hidden_tags(tags: set[str]) -> tuple[str, ...] | None:
    """The tags to hide an alert from: all of them if they fit in ``Alert.hidden_from_key``; else
    those of staff members (only they can sign in) among them; ``None`` if even those do not fit."""
    if len(tags) <= MAX_HIDDEN_TAGS:
        return tuple(sorted(tags))
    kept: set[str] = set()
    for staff_no, name in Staff.objects.values_list("staff_no", "name").iterator():
        own = set(person_tags(staff_no=staff_no, name=name, every_key=True)) & tags
        if own:
            kept.add(min(own))  # one matching tag is enough: any of a user's tags hides the alert
    return tuple(sorted(kept)) if len(kept) <= MAX_HIDDEN_TAGS else None


class Retaliation(DetectorKind):
    """A recorder with an adverse post change (``StaffChange``) effective within ``window_months``
    after they recorded (``Record.recorded_at``): possible 打击报复 of a person who recorded truly.
    Hidden from every person named in that recorder's records."""

    name = "retaliation"
    label = "记录人记录后遭遇不利岗位变动"
    subject = "staff"
    Params = RetaliationParams
    incremental = False

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        today = _local_day(ctx.as_of)
        records = Record.objects.filter(recorded_at__lte=ctx.as_of)
        if ctx.staff_ids is not None:
            records = records.filter(recorder_id__in=ctx.staff_ids)
        by_recorder: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in records.order_by("recorded_at", "pk").values(
            "recorder_id", "recorded_at", "unit_id", "no", "intervener_tags"
        ):
            by_recorder[row["recorder_id"]].append(dict(row))
        if not by_recorder:
            return
        changes = (
            StaffChange.objects.filter(
                staff_id__in=by_recorder, change__in=list(params.changes), effective_on__lte=today
            )
            .order_by("effective_on", "change_no")
            .values("change_no", "staff_id", "staff__staff_no", "staff__name", "effective_on", "change")
        )
        for change in changes:
            own = by_recorder[change["staff_id"]]
            before = [
                r
                for r in own
                if _local_day(r["recorded_at"])
                <= change["effective_on"]
                <= _months_after(_local_day(r["recorded_at"]), params.window_months)
            ]
            if not before:
                continue
            anchor = before[-1]
            if ctx.unit_ids is not None and anchor["unit_id"] not in ctx.unit_ids:
                continue
            tags = {t for r in own for t in r["intervener_tags"].split("|") if t}
            hidden = hidden_tags(tags)
            if hidden is None:
                logger.warning(
                    "retaliation finding %s withheld: too many people to hide it from", change["change_no"]
                )
                continue
            months = _months_between(_local_day(anchor["recorded_at"]), change["effective_on"])
            label = CHANGE_LABELS.get(change["change"], change["change"])
            yield Finding(
                fingerprint=f"{change['staff__staff_no']}:{change['change_no']}",
                unit_id=anchor["unit_id"],
                subject_staff_id=change["staff_id"],
                title=f"记录人{change['staff__name']}记录报告后 {months} 个月内发生岗位变动：{label}",
                occurred_at=timezone.make_aware(
                    datetime.combine(change["effective_on"], time.min), timezone.get_current_timezone()
                ),
                evidence={
                    "staff": change["staff__staff_no"],
                    "staff_name": change["staff__name"],
                    "change_no": change["change_no"],
                    "change": change["change"],
                    "effective_on": change["effective_on"].isoformat(),
                    "records": [r["no"] for r in before],
                    "last_recorded_on": _local_day(anchor["recorded_at"]).isoformat(),
                    "params": params.model_dump(mode="json"),
                },
                hidden_from=hidden,
            )


def _months_between(start: date, end: date) -> int:
    """The fewest whole months after ``start`` that reach ``end`` (at least 1, for the title)."""
    months = 1
    while _months_after(start, months) < end:
        months += 1
    return months


# ---------------------------------------------------------------------------------------------
# 预警说明 (the alert page's sentence, lianjian/risk/explain.py), from the evidence above


def explain_zero_records(evidence: Mapping[str, Any], title: str) -> str:
    who = evidence.get("staff_name") or evidence["staff"]
    return (
        f"{who}自 {evidence['window_start']} 起连续 {evidence['months']} 个月没有“三个规定”记录"
        f"（期间零报告 {evidence.get('zero_reports', 0)} 份），同期承办案件 {evidence['caseload']} 件，"
        f"超过阈值 {evidence['threshold']} 件。请了解是否有应记未记的情况（R-3G-02）。"
    )


def _outside(data: Mapping[str, Any]) -> str:
    """ "非工作场所、非工作时间" — whichever the contact's data says."""
    labels = (("in_office", "非工作场所"), ("in_hours", "非工作时间"))
    return "、".join(label for key, label in labels if data.get(key) is False)


def explain_unreported_contact(evidence: Mapping[str, Any], title: str) -> str:
    [event] = evidence["events"][:1]
    where = _outside(event.get("data") or {}) or "工作以外"
    when = timezone.localtime(datetime.fromisoformat(event["occurred_at"]))
    deadline = timezone.localtime(datetime.fromisoformat(evidence["deadline"]))
    who = evidence.get("staff_name") or "承办人员"
    return (
        f"{who}于 {when:%Y-%m-%d %H:%M} 在{where}接触当事人、律师，没有审批单号；"
        f"至 {deadline:%Y-%m-%d} 期限届满，未见本人登记涉及本案的记录或当日的 RC-05 类记录"
        "（CT-PRC-03：3 日内报告）。"
    )


def explain_retaliation(evidence: Mapping[str, Any], title: str) -> str:
    label = CHANGE_LABELS.get(evidence["change"], evidence["change"])
    months = (evidence.get("params") or {}).get("window_months", 12)
    who = evidence.get("staff_name") or evidence["staff"]
    count = len(evidence.get("records") or [])
    return (
        f"{who}于 {evidence['effective_on']} 发生岗位变动：{label}。此前 {months} 个月内本人登记过 {count} 条"
        f"“三个规定”记录（最近一次 {evidence['last_recorded_on']}）。请核实该变动是否有法定事由、"
        "是否经法定程序，是否属于打击报复（CF-01、LB-03）。"
    )


EXPLAINERS = {
    "zero_records": explain_zero_records,
    "unreported_contact": explain_unreported_contact,
    "retaliation": explain_retaliation,
}

KINDS: list[DetectorKind] = [ZeroRecords(), UnreportedContact(), Retaliation()]

RULES: list[RuleSpec] = [
    RuleSpec(
        code="R-3G-02",
        name="连续多月零记录而承办案件较多（疑似应报未报）",
        kind="zero_records",
        risk_codes=("R-3G-02", "LB-02"),
        params={"zero_months": 6, "caseload_threshold": 30},
        level="NOTICE",
        recipients=RECIPIENTS,
        audience=AUDIENCE,
        description="检察人员连续 N 个月没有任何“三个规定”记录（所交定期报告均为零报告），"
        "同期承办案件数却超过"
        "阈值，提示纪检监察部门了解是否应记未记。月数和阈值取本院或最近上级院的报告设置，未设置的用本规则参数。"
        "依据：最高检 2019 年实施办法的月报告、零报告制度（RP-02）；不记录或不如实记录的责任（LB-02）。",
    ),
    RuleSpec(
        code="R-3G-03",
        name="非工作时间、场所接触当事人、律师后 3 日内未记录报告",
        kind="unreported_contact",
        risk_codes=("R-3G-03", "CT-PRC-03", "RC-05"),
        params={"days": 3, "include_approved": False},
        level="WARNING",
        recipients=RECIPIENTS,
        audience=AUDIENCE,
        description="办案系统记录了承办人员在非工作时间或非工作场所、未经审批接触当事人、律师，"
        "而该人员在接触后 "
        "3 日内（接触当日不计）没有登记 RC-05 类或涉及该案件的“三个规定”记录。依据：两高三部接触交往规定关于"
        "意外接触后 3 日内向本单位纪检监察部门报告的规定（CT-PRC-03、RP-03）。",
    ),
    RuleSpec(
        code="R-3G-04",
        name="离任检察人员担任原任职单位案件的律师",
        kind="conflict",
        risk_codes=("R-3G-04", "GX07", "CT-PRC-05"),
        params={"checks": ["FORMER_STAFF"], "years_after_leaving": 0, "lines": []},
        level="WARNING",
        recipients=RECIPIENTS,
        audience=AUDIENCE,
        description="离任检察人员以律师身份出现在原任职单位办理案件的辩护人、诉讼代理人名单中，且无准予回避的决定。"
        "依据：《检察官法》第三十七条（离任后不得担任原任职检察院办理案件的诉讼代理人或者辩护人，监护人、近亲属"
        "除外）；两高三部接触交往规定的离任限制（CT-PRC-05）。离任两年内在其他检察院案件中执业的情形见 "
        "R-GX07-FORMER-STAFF。",
    ),
    RuleSpec(
        code="R-3G-RETALIATION",
        name="如实记录人员记录后 12 个月内遭遇不利岗位变动（打击报复监测）",
        kind="retaliation",
        risk_codes=("LB-03", "CF-01"),
        params={"changes": ["TRANSFER", "DEMOTE", "PUNISH", "LEAVE"], "window_months": 12},
        level="WARNING",
        recipients=RECIPIENTS,
        audience=AUDIENCE,
        description="登记过“三个规定”记录的人员在记录后 12 个月内被调动、降职、处分或离职，"
        "提示纪检监察部门核实"
        "是否属于打击报复。依据：如实记录的行为受法律和组织保护，非因法定事由、非经法定程序，不得将其免职、调离、"
        "辞退或者作降级、撤职、开除等处分（CF-01）；对如实记录人员打击报复的，依纪依法给予处分（LB-03）。"
        "本预警对记录中涉及的被记录人一律不可见。",
    ),
]
