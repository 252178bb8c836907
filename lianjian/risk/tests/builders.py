"""Building cases for the detectors' tests: a small organisation, events, and running a kind.

Everything goes through the real importer (``import_batch_run``), so the projections the
detectors read are the ones production builds.
"""

from __future__ import annotations

import json
from datetime import datetime
from itertools import count
from typing import Any

from lianjian.cases.tests.helpers import reference_lines
from lianjian.ingest.services import BatchResult, import_batch_run
from lianjian.risk.kinds import KINDS
from lianjian.risk.kinds.base import Finding, ScanContext

COUNTY = "510903"
CITY = "510900"
PROSECUTOR = "A100"  # 何平, 第二检察部 检察官
DEPT_HEAD = "A101"
CHIEF = "A102"
LAWYER = "15109200110001"  # 邓律 of 31510000MD0000001X; A100's classmate (relation RL1)
FIRM = "31510000MD0000001X"
AS_OF = datetime.fromisoformat("2026-06-30T18:00:00+08:00")

_ids = count(1)


def record(kind: str, **fields: Any) -> str:
    return json.dumps({"record": kind, **fields}, ensure_ascii=False)


def organisation(*extra: str) -> list[str]:
    """The contract sample's reference data, a deputy chief and a second prosecutor, plus ``extra``."""
    return [
        *reference_lines(),
        record(
            "staff",
            id="A103",
            name="王副",
            unit=COUNTY,
            department="D2",
            position="DEPUTY_CHIEF",
            is_quota_prosecutor=True,
            joined_on="2009-09-01",
            left_on=None,
        ),
        record(
            "staff",
            id="A104",
            name="周明",
            unit=COUNTY,
            department="D2",
            position="PROSECUTOR",
            is_quota_prosecutor=True,
            joined_on="2015-09-01",
            left_on=None,
        ),
        *extra,
    ]


def case_no(n: int | None = None, *, unit: str = COUNTY) -> str:
    return f"遂船检刑诉受[2026]{unit}{n if n is not None else next(_ids):06d}号"


def ev(
    case: str,
    event_type: str,
    occurred_at: str,
    data: dict[str, Any] | None = None,
    *,
    unit: str = COUNTY,
    actor: str | None = None,
    event_id: str | None = None,
) -> str:
    """One event line; times without an offset are +08:00 (dates alone are 09:00)."""
    if len(occurred_at) == 10:
        occurred_at += "T09:00:00"
    if "+" not in occurred_at[10:]:
        occurred_at += "+08:00"
    return record(
        "event",
        event_id=event_id or f"E{next(_ids):07d}",
        case_no=case,
        unit=unit,
        type=event_type,
        occurred_at=occurred_at,
        actor=actor,
        data=data or {},
    )


def received(
    case: str, on: str, *, line: str = "CRIMINAL", case_type: str = "PROSECUTION_REVIEW", **data: Any
) -> str:
    return ev(case, "RECEIVED", on, {"line": line, "case_type": case_type, **data})


def assigned(case: str, on: str, prosecutor: str = PROSECUTOR, **data: Any) -> str:
    return ev(
        case, "ASSIGNED", on, {"prosecutor": prosecutor, "department": "D2", "method": "RANDOM", **data}
    )


def load(lines: list[str]) -> BatchResult:
    """Import ``lines`` as one batch; fail the test loudly if the importer refused it."""
    result = import_batch_run(actor=None, source_name="test.jsonl", lines_or_reader=lines)
    assert result.is_accepted, [(i.location.line, i.field, i.message) for i in result.issues]
    return result


def detect(kind: str, params: dict[str, Any], *, as_of: datetime = AS_OF, **scope: Any) -> list[Finding]:
    """Run one kind with ``params`` over the database, as the engine would (no writes)."""
    detector = KINDS[kind]
    parsed = detector.parse_params(params)
    return sorted(detector.detect(ScanContext(as_of=as_of, **scope), parsed), key=lambda f: f.fingerprint)
