"""`lianjian alerts [--json] [--case NO] [--risk CODE] [--status S] [--rule R]` (DATA_CONTRACT.md §4)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.risk.choices import AlertStatus
from lianjian.risk.models import Alert
from lianjian.risk.selectors import alerts_filtered


def alert_json(alert: Alert) -> dict[str, Any]:
    """The contract's fields of an alert, and a few more."""
    return {
        "id": alert.pk,
        "risk_codes": list(alert.risk_codes),
        "rule": alert.rule.code,
        "level": alert.level,
        "case_no": alert.case_no or None,
        "subject_staff": alert.subject_staff.staff_no if alert.subject_staff else None,
        "unit": alert.unit.code,
        "status": alert.status,
        "title": alert.title,
        "occurred_at": alert.occurred_at.isoformat() if alert.occurred_at else None,
        "raised_at": alert.raised_at.isoformat(),
        "last_seen_at": alert.last_seen_at.isoformat(),
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "disposal_state": alert.disposal_state,
        "disposal_opinion": alert.disposal_opinion or None,
        "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
        "evidence": alert.evidence,
    }


class Command(BaseCommand):
    help = "列出预警 / list alerts"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="以 JSON 数组输出 / print a JSON array")
        parser.add_argument("--case", metavar="NO", help="案件编号 / case number")
        parser.add_argument("--risk", metavar="CODE", help="风险点编码 / risk code")
        parser.add_argument("--status", metavar="S", help=f"状态 / status: {', '.join(AlertStatus.values)}")
        parser.add_argument("--rule", metavar="CODE", help="规则编码 / rule code")

    def handle(self, *args: Any, **options: Any) -> None:
        status = options["status"]
        if status and status.upper() not in AlertStatus.values:
            raise CommandError(f"状态 {status} 无效，应为 {'/'.join(AlertStatus.values)} 之一 [bad_status]")
        alerts = alerts_filtered(
            Alert.objects.select_related("rule", "unit", "subject_staff").order_by("id"),
            case_no=options["case"],
            risk_code=options["risk"],
            status=status.upper() if status else None,
            rule=options["rule"],
        )
        if options["json"]:
            self.stdout.write("[")
            first = True
            for alert in alerts.iterator(chunk_size=2000):
                self.stdout.write(("" if first else ",") + json.dumps(alert_json(alert), ensure_ascii=False))
                first = False
            self.stdout.write("]")
            return
        count = 0
        for alert in alerts.iterator(chunk_size=2000):
            count += 1
            who = alert.case_no or (alert.subject_staff.staff_no if alert.subject_staff else "")
            self.stdout.write(
                f"{alert.pk:>7} {alert.get_level_display()} {alert.get_status_display()} "
                f"{alert.get_disposal_state_display()} "
                f"{'/'.join(alert.risk_codes)} {alert.rule.code} {who} {alert.title}"
            )
        self.stdout.write(f"共 {count:,} 条预警")
