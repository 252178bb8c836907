"""Slots on a controlled clock: Beijing wall-clock times whatever the UTC date."""

from __future__ import annotations

from datetime import UTC, datetime

from lianjian.jobs.schedule import JOBS, SHANGHAI, Cadence, Period

DAILY = Cadence(Period.DAY, hour=1, minute=0)
HOURLY = Cadence(Period.HOUR, minute=0)
MINUTELY = Cadence(Period.MINUTE)


def bj(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_schedule_declares_the_jobs_with_their_cadences() -> None:
    assert {name: (job.cadence.cron, job.target) for name, job in JOBS.items()} == {
        "scan.daily": ("0 1 * * *", "lianjian.jobs.targets.scan_daily"),
        "alerts.escalate": ("0 * * * *", "lianjian.jobs.targets.alerts_escalate"),
        "alerts.route": ("* * * * *", "lianjian.risk.routing.alerts_route"),
        "deliveries.process": ("* * * * *", "lianjian.notify.services.deliveries_process"),
        "periodic.reports": ("0 8 * * *", "lianjian.interference.reporting.reports_daily"),
    }


def test_the_daily_slot_is_01_00_beijing_which_is_17_00_utc_of_the_day_before() -> None:
    # 16:59:59 UTC on the 6th is 00:59:59 on the 7th in Beijing: the slot is still the 6th's.
    assert DAILY.latest(utc("2026-12-06T16:59:59")) == bj("2026-12-06T01:00:00")
    assert DAILY.latest(utc("2026-12-06T17:00:00")) == bj("2026-12-07T01:00:00")
    assert DAILY.latest(utc("2026-12-06T17:00:00")) == utc("2026-12-06T17:00:00")
    assert DAILY.next(utc("2026-12-06T17:00:00")) == bj("2026-12-08T01:00:00")
    # Across midnight UTC (08:00 Beijing) nothing changes: the slot is still that morning's 01:00.
    assert DAILY.latest(utc("2026-12-06T23:59:00")) == DAILY.latest(utc("2026-12-07T00:01:00"))
    assert DAILY.latest(utc("2026-12-07T00:01:00")) == bj("2026-12-07T01:00:00")


def test_the_hourly_and_minutely_slots() -> None:
    assert HOURLY.latest(bj("2026-12-07T09:59:59")) == bj("2026-12-07T09:00:00")
    assert HOURLY.latest(bj("2026-12-07T10:00:00")) == bj("2026-12-07T10:00:00")
    assert HOURLY.next(bj("2026-12-07T23:30:00")) == bj("2026-12-08T00:00:00")
    assert Cadence(Period.HOUR, minute=15).latest(bj("2026-12-07T10:14:00")) == bj("2026-12-07T09:15:00")
    assert MINUTELY.latest(bj("2026-12-07T10:05:59.999")) == bj("2026-12-07T10:05:00")
    assert MINUTELY.next(bj("2026-12-07T23:59:30")) == bj("2026-12-08T00:00:00")


def test_labels_and_slot_checks() -> None:
    assert DAILY.label == "每天 01:00（北京时间）"
    assert HOURLY.label == "每小时第 0 分"
    assert MINUTELY.label == "每分钟"
    assert DAILY.is_slot(bj("2026-12-07T01:00:00"))
    assert not DAILY.is_slot(bj("2026-12-07T01:00:01"))
