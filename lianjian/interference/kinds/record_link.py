"""Records of the register that 检务督察 must know of (GX05, R-3G-01; docs/detectors/record_link.md).

- ``R-GX05-RECORD``: a record linked to a case (过问干预办案, GX05) → an alert on that case;
- ``R-3G-01-CLUE``: a record of category RC-05 or RC-06 (DOMAIN_RULES.md §2.9 R-3G-01) → a
  廉政风险线索 alert, with or without a case.

Both alerts are for 检务督察 only (audience ``interference.supervise``) and say no more than
they may read: the record's number, never the intervener, the content or the recorder. They are
raised in the unit the record is reported to (a skip-level record alerts the superior unit), and
hidden from the people recorded as the intervener (their blind tags). They name the case by its
number only (no case link): the case's department or handling prosecutor must not bring an
inspector of the record's own unit to a skip-level record.

Records are not events: after a record is written :func:`record_detect` runs these rules for it
at once (``scan_run`` with ``case_nos``), and the nightly full scan keeps them in step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import Q
from pydantic import Field

from lianjian.common.permissions import Perm
from lianjian.interference.choices import CLUE_CATEGORIES, RecordCategory
from lianjian.interference.models import Record
from lianjian.risk.catalogue.spec import RuleSpec
from lianjian.risk.kinds.base import DetectorKind, Finding, ScanContext, StrictModel

logger = logging.getLogger(__name__)

GX05_RULE = "R-GX05-RECORD"
CLUE_RULE = "R-3G-01-CLUE"


def fingerprint(record_id: int) -> str:
    return f"record:{record_id}"


def _record_ids(fingerprints: Iterable[str]) -> set[int]:
    """The record ids of ``fingerprint`` values (others, of no record, are left out)."""
    prefix = fingerprint(0)[:-1]
    return {
        int(fp[len(prefix) :]) for fp in fingerprints if fp.startswith(prefix) and fp[len(prefix) :].isdigit()
    }


def intervener_tags(record: Record | str) -> tuple[str, ...]:
    """The blind tags of a record's intervener, from ``|t1|t2|``."""
    key = record if isinstance(record, str) else record.intervener_tags
    return tuple(tag for tag in key.split("|") if tag)


class RecordLinkParams(StrictModel):
    """``linked_only``: only records linked to a case; ``categories``: only these (empty: all)."""

    linked_only: bool = Field(default=False, description="只看关联案件的记录")
    categories: tuple[RecordCategory, ...] = Field(
        default=(), description="只看这些填报分类的记录（空：全部）"
    )


class RecordLink(DetectorKind):
    """A record of the interference register that meets the parameters: linked to a case, of the
    given categories. One finding per record (fingerprint ``record:<id>``), in the record's
    reporting unit, hidden from its intervener; the title names the record number only.

    In an incremental scan it reads only the records of the scan's cases — a record without a
    case has the case number ``""``, which :func:`record_detect` passes for it.
    """

    name = "record_link"
    label = "“三个规定”记录"
    Params = RecordLinkParams

    def detect(self, ctx: ScanContext, params: Any) -> Iterator[Finding]:
        records = Record.objects.filter(recorded_at__lte=ctx.as_of)
        if params.linked_only:
            records = records.filter(case__isnull=False)
        if params.categories:
            records = records.filter(category__in=[str(c) for c in params.categories])
        if ctx.case_nos is not None:
            records = records.filter(case_no__in=sorted(ctx.case_nos))
        if ctx.unit_ids is not None:
            records = records.filter(report_unit_id__in=sorted(ctx.unit_ids))
        if ctx.fingerprints is not None:
            records = records.filter(pk__in=sorted(_record_ids(ctx.fingerprints)))
        rows = records.order_by("pk").values_list(
            "pk",
            "no",
            "report_unit_id",
            "case_no",
            "category",
            "skip_level",
            "occurred_at",
            "intervener_tags",
        )
        for pk, no, unit_id, case_no, category, skip_level, occurred_at, tags in rows.iterator(
            chunk_size=2000
        ):
            if params.linked_only:
                title = f"案件关联“三个规定”记录（编号 {no}）"
            else:
                title = f"“三个规定”记录提示廉政风险线索（编号 {no}）"
            yield Finding(
                fingerprint=fingerprint(pk),
                unit_id=unit_id,
                case_no=case_no,
                title=title,
                occurred_at=occurred_at,
                codes=() if params.linked_only else (category,),
                hidden_from=intervener_tags(tags),
                # Evidence is shown to whoever sees the alert: the number and the plain
                # classification only, never content, names or attachments.
                evidence={
                    "record_id": pk,
                    "record_no": no,
                    "category": category,
                    "skip_level": skip_level,
                    "params": params.model_dump(mode="json"),
                },
            )


def explain_record_link(evidence: Mapping[str, Any], rule_name: str) -> str:
    """The alert page's sentence: the record number and why, nothing a reader of the alert may
    not read (the intervener, content and recorder stay in the record, behind the policy)."""
    no = evidence.get("record_no")
    if not no:
        return ""
    where = "（越级报告至本院）" if evidence.get("skip_level") else ""
    if evidence.get("params", {}).get("linked_only"):
        return f"“三个规定”记录 {no}{where}关联了本案（GX05），请检务督察关注该案办理情况。"
    category = evidence.get("category")
    return f"“三个规定”记录 {no}{where}的填报分类为 {category}，作为廉政风险线索推送检务督察（R-3G-01）。"


KINDS: list[DetectorKind] = [RecordLink()]
EXPLAINERS = {"record_link": explain_record_link}
RULES: list[RuleSpec] = [
    RuleSpec(
        code=GX05_RULE,
        name="案件关联“三个规定”记录",
        kind="record_link",
        risk_codes=("GX05",),
        params={"linked_only": True},
        level="NOTICE",
        recipients=("INSPECTION",),
        audience=str(Perm.INTERFERENCE_SUPERVISE),
        description=(
            "记录人登记的“三个规定”记录关联了案件（GX05 过问干预办案）：提示检务督察关注该案。"
            "仅检务督察可见，标题只含记录编号；被记录人本人看不到。"
        ),
    ),
    RuleSpec(
        code=CLUE_RULE,
        name="“三个规定”记录提示廉政风险线索",
        kind="record_link",
        risk_codes=tuple(sorted(str(c) for c in CLUE_CATEGORIES)),
        params={"categories": sorted(str(c) for c in CLUE_CATEGORIES)},
        level="WARNING",
        recipients=("INSPECTION",),
        audience=str(Perm.INTERFERENCE_SUPERVISE),
        description=(
            "填报分类为 RC-05（非工作时间、地点接触交往）或 RC-06（不当过问或干预、插手）的记录，"
            "自动生成廉政风险线索推送检务督察（R-3G-01）。仅检务督察可见，被记录人本人看不到。"
        ),
    ),
]
RECORD_RULES = (GX05_RULE, CLUE_RULE)


def record_detect(record_id: int) -> None:
    """Run the record rules for one record now (after it is written and committed).

    The cases looked at are the record's and those its alerts were on (a correction may move or
    remove the link), so that an alert no longer found is resolved. A failure is logged and
    never reaches the recorder: the record is already saved, and the nightly scan catches up.
    """
    from lianjian.risk.engine import scan_run
    from lianjian.risk.models import Alert

    try:
        record = Record.objects.filter(pk=record_id).values_list("case_no", flat=True).first()
        if record is None:
            return
        case_nos = {record}
        case_nos.update(
            Alert.objects.filter(
                Q(rule__code__in=RECORD_RULES), fingerprint=fingerprint(record_id)
            ).values_list("case_no", flat=True)
        )
        scan_run(
            rules=list(RECORD_RULES),
            case_nos=case_nos,
            fingerprints={fingerprint(record_id)},
            note="“三个规定”记录写入后检测",
        )
    except Exception:  # the record stands; the nightly scan raises what this missed
        logger.exception("detection after interference record %s failed", record_id)
