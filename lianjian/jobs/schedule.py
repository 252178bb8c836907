"""Every scheduled job of the platform, declared in this one place (ARCHITECTURE.md).

A job names its target by dotted path, imported only when the job runs: the jobs app sits above
the domain apps but imports none of them, so a target that is not installed (yet) makes its
run SKIPPED instead of breaking the worker. A target takes ``now`` (the slot's time) as a
keyword argument and returns a dict of counts, which the run records.

Slots are wall-clock times in Beijing time (Asia/Shanghai, no daylight saving), whatever the
server's own time zone: 01:00 there is 17:00 UTC of the day before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Period(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


_LENGTH = {
    Period.MINUTE: timedelta(minutes=1),
    Period.HOUR: timedelta(hours=1),
    Period.DAY: timedelta(days=1),
}


@dataclass(frozen=True)
class Cadence:
    """Every minute, every hour at ``minute``, or every day at ``hour``:``minute`` Beijing time."""

    period: Period
    hour: int = 0
    minute: int = 0

    @property
    def length(self) -> timedelta:
        return _LENGTH[self.period]

    @property
    def cron(self) -> str:
        """The cadence as a crontab line (minute hour day month weekday), in Beijing time."""
        if self.period is Period.MINUTE:
            return "* * * * *"
        if self.period is Period.HOUR:
            return f"{self.minute} * * * *"
        return f"{self.minute} {self.hour} * * *"

    @property
    def label(self) -> str:
        if self.period is Period.MINUTE:
            return "每分钟"
        if self.period is Period.HOUR:
            return f"每小时第 {self.minute} 分"
        return f"每天 {self.hour:02d}:{self.minute:02d}（北京时间）"

    def latest(self, now: datetime) -> datetime:
        """The last slot at or before ``now`` (aware, in Beijing time)."""
        local = now.astimezone(SHANGHAI)
        if self.period is Period.MINUTE:
            return local.replace(second=0, microsecond=0)
        if self.period is Period.HOUR:
            slot = local.replace(minute=self.minute, second=0, microsecond=0)
        else:
            slot = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        return slot - self.length if slot > local else slot

    def next(self, now: datetime) -> datetime:
        """The first slot after ``now``."""
        return self.latest(now) + self.length

    def is_slot(self, value: datetime) -> bool:
        return self.latest(value) == value


@dataclass(frozen=True)
class Job:
    name: str
    title: str  # shown to users
    cadence: Cadence
    target: str  # dotted path of a callable(*, now: datetime) -> dict[str, Any]


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "scan.daily",
            "每日全量检测（办案期限与风险检测）",
            Cadence(Period.DAY, hour=1, minute=0),
            "lianjian.jobs.targets.scan_daily",
        ),
        Job(
            "alerts.escalate",
            "预警逾期升级",
            Cadence(Period.HOUR, minute=0),
            "lianjian.jobs.targets.alerts_escalate",
        ),
        Job(
            "alerts.route",
            "预警分派",
            Cadence(Period.MINUTE),
            "lianjian.risk.routing.alerts_route",
        ),
        Job(
            "deliveries.process",
            "通知发送",
            Cadence(Period.MINUTE),
            "lianjian.notify.services.deliveries_process",
        ),
        Job(
            "periodic.reports",
            "“三个规定”定期报告提醒与逾期标记",
            Cadence(Period.DAY, hour=8, minute=0),
            "lianjian.interference.reporting.reports_daily",
        ),
    )
}
