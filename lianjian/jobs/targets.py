"""Adapters from the domain services to the job contract (``now`` in, a dict of counts out).

The domain apps are imported inside the functions, at run time, so that the jobs app has no
import-time dependency on them (pyproject.toml's layers contract).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def scan_daily(*, now: datetime) -> dict[str, Any]:
    """The full detection scan of ``lianjian scan --full``, with the slot's time as "as of"."""
    from lianjian.risk.engine import scan_run

    report = scan_run(as_of=now, full=True, note="每日定时全量检测")
    return {"scan_run": report.run_id, **report.totals(), "failed_rules": len(report.failed)}


def alerts_escalate(*, now: datetime) -> dict[str, Any]:
    """Raise overdue alerts one level (lianjian.risk.disposal.alerts_escalate)."""
    from lianjian.risk.disposal import alerts_escalate as escalate

    return dict(escalate(now=now).counts())
