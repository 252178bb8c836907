"""Conflicts of interest with the lawyers on a case (利益冲突, GX07), where no recusal was granted.

Two checks, each its own standard rule:

- ``RELATION``: the handling prosecutor (``Case.prosecutor``) has a registered relation
  (``org.Relation``, ``other_kind`` LAWYER) with a lawyer engaged on the case (``CaseLawyer``) —
  《刑事诉讼法》第二十九条第（四）项 (与本案当事人有其他关系，可能影响公正处理案件的，应当自行回避),
  《人民检察院刑事诉讼规则》第二十四条 (应当自行提出回避；没有自行提出的，人民检察院应当决定其回避);
- ``FORMER_STAFF``: an engaged lawyer is a former staff member (``Lawyer.former_staff``) who served
  in the case's unit (the staff record's unit or any unit of the post history), or who left a
  procuratorate no more than ``years_after_leaving`` years before the engagement — 《检察官法》
  第三十七条 (检察官从人民检察院离任后两年内，不得以律师身份担任诉讼代理人或者辩护人；离任后不得
  担任原任职检察院办理案件的诉讼代理人或者辩护人).

Either is cleared by a ``RECUSAL_DECIDED`` with ``granted`` true naming that staff member on the
case (the prosecutor; for a former staff member, that person). A prosecutor who recused and was
replaced by ``ASSIGNED`` is no longer ``Case.prosecutor``, so the look-alike raises nothing; a
replacement who is related too raises (the recusal names someone else).

Set-based: one query per check over ``CaseLawyer`` joined to ``Case`` and ``Lawyer``, with
``Exists`` on ``Relation``, on the post history and on the recusal events; the few engagements it
returns are grouped in Python (the two-year window is computed there, by calendar years). One
finding per case, lawyer and check: ``f"{case_no}:{license_no}:{check}"``.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, Literal

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from pydantic import Field

from lianjian.cases.choices import CaseLine, LawyerRole
from lianjian.cases.models import CaseLawyer, Event
from lianjian.org.choices import RelationKind, RelationOtherKind
from lianjian.org.models import Relation, StaffChange, Unit
from lianjian.risk.kinds.base import DetectorKind, Finding, ScanContext, StrictModel, chunks, event_evidence

Check = Literal["RELATION", "FORMER_STAFF"]
RELATION_LABELS = dict(RelationKind.choices)
ROLE_LABELS = dict(LawyerRole.choices)
ENGAGEMENT_FIELDS = (
    "case_id",
    "case__case_no",
    "case__unit_id",
    "case__prosecutor_id",
    "case__prosecutor__staff_no",
    "case__prosecutor__name",
    "lawyer_id",
    "license_no",
    "lawyer__name",
    "firm_id",
    "role",
    "engaged_at",
    "withdrawn_at",
)


class ConflictParams(StrictModel):
    """``checks``: which conflicts to look for; ``relation_kinds``: only relations of these kinds
    (empty: every kind); ``years_after_leaving``: the window after leaving a procuratorate in which
    a former staff member may not act as a lawyer (0: only the unit they served in counts);
    ``lines``: only cases of these lines (empty: all)."""

    checks: tuple[Check, ...] = Field(
        default=("RELATION", "FORMER_STAFF"),
        min_length=1,
        description="检查哪些冲突：RELATION 承办检察官与律师有登记的关系，FORMER_STAFF 律师为离任人员",
    )
    relation_kinds: tuple[RelationKind, ...] = Field(default=(), description="只看这些关系类别（空：全部）")
    years_after_leaving: int = Field(
        default=2, ge=0, le=20, description="离任后不得担任律师的年数（0：只看原任职单位）"
    )
    lines: tuple[CaseLine, ...] = Field(default=(), description="只看这些业务条线的案件（空：全部）")


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes the last day of February."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _granted_recusal(ctx: ScanContext, staff_no_field: str) -> Exists:
    """A granted ``RECUSAL_DECIDED`` on the outer engagement's case naming ``staff_no_field``."""
    return Exists(
        Event.objects.filter(
            case_no=OuterRef("case__case_no"),
            type="RECUSAL_DECIDED",
            occurred_at__lte=ctx.as_of,
            data__granted=True,
        )
        .annotate(recused=KeyTextTransform("staff", "data"))
        .filter(recused=OuterRef(staff_no_field))
    )


class Conflict(DetectorKind):
    """A lawyer on the case related to its prosecutor, or barred as former staff, and no recusal."""

    name = "conflict"
    label = "利益冲突未回避"
    Params = ConflictParams

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        cases = ctx.cases()
        if params.lines:
            cases = cases.filter(line__in=params.lines)
        engagements = CaseLawyer.objects.filter(case__in=cases, engaged_at__lte=ctx.as_of)
        grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        if "RELATION" in params.checks:
            for row in self._related(ctx, engagements, params):
                grouped[(row["case__case_no"], row["license_no"], "RELATION")].append(row)
        if "FORMER_STAFF" in params.checks:
            for row in self._former(ctx, engagements, params):
                grouped[(row["case__case_no"], row["license_no"], "FORMER_STAFF")].append(row)
        yield from self._findings(ctx, grouped, params)

    @staticmethod
    def _related(
        ctx: ScanContext, engagements: QuerySet[CaseLawyer], params: ConflictParams
    ) -> Iterator[dict[str, Any]]:
        """Engagements of a lawyer related to the case's prosecutor, with the relations."""
        relations = Relation.objects.filter(
            staff_id=OuterRef("case__prosecutor_id"),
            other_kind=RelationOtherKind.LAWYER,
            other_lawyer_id=OuterRef("lawyer_id"),
        )
        if params.relation_kinds:
            relations = relations.filter(relation__in=params.relation_kinds)
        rows = list(
            engagements.filter(Exists(relations))
            .filter(~_granted_recusal(ctx, "case__prosecutor__staff_no"))
            .values(*ENGAGEMENT_FIELDS)
        )
        pairs: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
        for chunk in chunks(rows, 1000):
            found = Relation.objects.filter(
                other_kind=RelationOtherKind.LAWYER,
                staff_id__in={row["case__prosecutor_id"] for row in chunk},
                other_lawyer_id__in={row["lawyer_id"] for row in chunk},
            ).order_by("relation_no")
            if params.relation_kinds:
                found = found.filter(relation__in=params.relation_kinds)
            for relation_no, staff_id, lawyer_id, kind in found.values_list(
                "relation_no", "staff_id", "other_lawyer_id", "relation"
            ):
                pairs[(staff_id, lawyer_id)].append({"relation_no": relation_no, "relation": kind})
        for row in rows:
            yield {**row, "relations": pairs[(row["case__prosecutor_id"], row["lawyer_id"])]}

    @staticmethod
    def _former(
        ctx: ScanContext, engagements: QuerySet[CaseLawyer], params: ConflictParams
    ) -> Iterator[dict[str, Any]]:
        """Engagements of former staff who served in the case's unit or left within the window."""
        served_in_history = Exists(
            StaffChange.objects.filter(
                staff_id=OuterRef("lawyer__former_staff_id"), unit_id=OuterRef("case__unit_id")
            )
        )
        served_here: Q = Q(lawyer__former_staff__unit_id=F("case__unit_id")) | Q(served_in_history)
        candidates: Q = served_here
        if params.years_after_leaving > 0:
            candidates = candidates | Q(lawyer__former_staff__left_on__isnull=False)
        rows = (
            engagements.filter(lawyer__former_staff__isnull=False)
            .filter(candidates)
            .filter(~_granted_recusal(ctx, "lawyer__former_staff__staff_no"))
            .annotate(served_here=ExpressionWrapper(served_here, output_field=BooleanField()))
            .values(
                *ENGAGEMENT_FIELDS,
                "served_here",
                "lawyer__former_staff__staff_no",
                "lawyer__former_staff__name",
                "lawyer__former_staff__unit__code",
                "lawyer__former_staff__left_on",
            )
        )
        # Few rows: a plain query, not a server-side cursor (which PostgreSQL never runs in parallel).
        for row in rows:
            engaged_on = timezone.localtime(row["engaged_at"]).date()
            left_on: date | None = row["lawyer__former_staff__left_on"]
            until = add_years(left_on, params.years_after_leaving) if left_on is not None else None
            # 离任后两年内: the day of leaving is not counted (《刑事诉讼法》第一百零五条第二款: 期间开始
            # 的时和日不算在期间以内, DOMAIN_RULES.md PC-01), so the period ends on the same date two
            # years on, and an engagement on that date is still within it.
            recent = until is not None and params.years_after_leaving > 0 and engaged_on <= until
            if not (row["served_here"] or recent):
                continue
            yield {
                **row,
                "served_here": bool(row["served_here"]),
                "recent": recent,
                "engaged_on": engaged_on,
                "until": until,
            }

    @staticmethod
    def _findings(
        ctx: ScanContext, grouped: Mapping[tuple[str, str, str], list[dict[str, Any]]], params: ConflictParams
    ) -> Iterator[Finding]:
        """One finding per case, lawyer and check, naming the engagement (and assignment) events."""
        events: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for chunk in chunks({case_no for case_no, _license, _check in grouped}):
            for event in (
                ctx.events()
                .filter(case_no__in=chunk, type__in=["LAWYER_ENGAGED", "ASSIGNED"])
                .order_by("occurred_at", "event_id")
                .values("case_no", "event_id", "type", "occurred_at", "data")
            ):
                key = (
                    str((event["data"] or {}).get("lawyer") or "")
                    if event["type"] == "LAWYER_ENGAGED"
                    else ""
                )
                events[(event["case_no"], key)].append(dict(event))
        unit_codes = dict(Unit.objects.values_list("pk", "code"))
        for (case_no, license_no, check), rows in sorted(grouped.items()):
            rows = sorted(rows, key=lambda row: row["engaged_at"])
            first = rows[0]
            engaged = events[(case_no, license_no)]
            assigned = events[(case_no, "")][-1:] if check == "RELATION" else []
            evidence: dict[str, Any] = {
                "check": check,
                "events": event_evidence([*engaged, *assigned]),
                "lawyer": license_no,
                "lawyer_name": first["lawyer__name"],
                "firm_id": first["firm_id"],
                "role": first["role"],
                "engaged_at": [row["engaged_at"].isoformat() for row in rows],
                "case_unit": unit_codes.get(first["case__unit_id"], ""),
                "params": params.model_dump(mode="json"),
            }
            role = ROLE_LABELS.get(first["role"], "律师") if first["role"] else "律师"
            lawyer = f"{first['lawyer__name']}（{license_no}）"
            if check == "RELATION":
                relations = first["relations"]
                evidence["prosecutor"] = first["case__prosecutor__staff_no"]
                evidence["prosecutor_name"] = first["case__prosecutor__name"]
                evidence["relations"] = relations
                kinds = "、".join(RELATION_LABELS.get(r["relation"], r["relation"]) for r in relations)
                prosecutor = first["case__prosecutor__name"]
                title = f"承办检察官{prosecutor}与{role}{lawyer}有登记关系（{kinds}），未回避"
                subject = first["case__prosecutor_id"]
            else:
                evidence.update(
                    former_staff=first["lawyer__former_staff__staff_no"],
                    former_staff_name=first["lawyer__former_staff__name"],
                    former_unit=first["lawyer__former_staff__unit__code"],
                    left_on=_iso(first["lawyer__former_staff__left_on"]),
                    engaged_on=first["engaged_on"].isoformat(),
                    served_here=first["served_here"],
                    within_years=first["recent"],
                    barred_until=_iso(first["until"]),
                )
                if first["served_here"]:
                    title = f"{role}{lawyer}系本院离任人员{first['lawyer__former_staff__name']}"
                else:
                    title = (
                        f"律师{lawyer}离开检察机关（{_iso(first['lawyer__former_staff__left_on'])}）"
                        f"未满 {params.years_after_leaving} 年即担任本案{role}"
                    )
                subject = None
            yield Finding(
                fingerprint=f"{case_no}:{license_no}:{check}",
                unit_id=first["case__unit_id"],
                case_id=first["case_id"],
                case_no=case_no,
                subject_staff_id=subject,
                title=title,
                occurred_at=first["engaged_at"],
                evidence=evidence,
            )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
