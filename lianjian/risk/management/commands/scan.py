"""`lianjian scan [--full] [--as-of TIME] [--json] [--rule R …] [--params JSON --dry-run]
[--evaluate TRUTH]` (DATA_CONTRACT.md §4).

Without ``--full`` the scan is incremental: only cases whose events arrived since the last scan.
``--dry-run`` back-tests one rule (``--rule``) with ``--params`` against its current parameters
and writes nothing. ``--evaluate`` compares the alerts with a generator's ground truth and prints
per-code precision and recall (exit 1 unless recall is 100 % with no false alert).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.risk.engine import RuleParamsError, ScanReport, scan_backtest, scan_run
from lianjian.risk.evaluation import Evaluation, TruthFileError, evaluate, read_truth
from lianjian.risk.models import Rule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def parse_as_of(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is Beijing time (DATA_CONTRACT.md §1)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--as-of 不是有效的时间：{text!r}（例如 2026-06-30T18:00:00+08:00）[bad_as_of]"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class Command(BaseCommand):
    help = (
        "运行风险检测：默认增量（仅检测上次检测后有新事件的案件），--full 全量；--as-of 指定基准时间。"
        " / Run detection (incremental by default; --full for every case)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="全量检测 / every case")
        parser.add_argument("--as-of", metavar="TIME", help="基准时间（ISO 8601）/ the time taken as now")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
        parser.add_argument(
            "--rule", action="append", metavar="CODE", help="只运行这些规则 / only these rules"
        )
        parser.add_argument("--params", metavar="JSON", help="回测用的参数 / parameters to back-test")
        parser.add_argument("--dry-run", action="store_true", help="回测，不写入 / back-test, write nothing")
        parser.add_argument(
            "--evaluate", metavar="TRUTH", help="对照标准答案评估 / compare with ground truth"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"]) if options["as_of"] else None
        if options["dry_run"]:
            self._backtest(options, as_of)
            return
        if options["params"]:
            raise CommandError("--params 只能与 --dry-run 一起使用 [params_without_dry_run]")
        truth = Path(options["evaluate"]) if options["evaluate"] else None
        if truth is not None:
            try:
                meta, _ = read_truth(truth)
            except TruthFileError as exc:
                raise CommandError(f"{exc} [bad_truth_file]") from None
            if as_of is None and meta.get("as_of"):
                as_of = parse_as_of(str(meta["as_of"]))
        rules = options["rule"]
        if rules:
            unknown = sorted(
                set(rules) - set(Rule.objects.filter(code__in=rules).values_list("code", flat=True))
            )
            if unknown:
                raise CommandError(f"规则不存在：{'、'.join(unknown)} [unknown_rule]")
        report = scan_run(as_of=as_of, full=options["full"] or truth is not None, rules=rules, note="命令行")
        evaluation = evaluate(truth) if truth is not None else None
        if options["json"]:
            payload: dict[str, Any] = report.as_dict()
            if evaluation is not None:
                payload["evaluation"] = evaluation.as_dict()
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self._print_report(report)
            if evaluation is not None:
                self._print_evaluation(evaluation)
        for failed in report.failed:
            self.stderr.write(f"规则 {failed.rule} 运行失败：{failed.error.splitlines()[0]} [rule_failed]")
        if evaluation is not None and not evaluation.perfect:
            sys.exit(1)

    def _backtest(self, options: dict[str, Any], as_of: datetime | None) -> None:
        rules = options["rule"] or []
        if len(rules) != 1:
            raise CommandError("回测需要且只能指定一条规则：--rule 规则编码 [dry_run_needs_one_rule]")
        rule = Rule.objects.filter(code=rules[0]).first()
        if rule is None:
            raise CommandError(f"规则不存在：{rules[0]} [unknown_rule]")
        try:
            params = json.loads(options["params"]) if options["params"] else rule.params
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"--params 不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）[bad_params]"
            ) from None
        if not isinstance(params, dict):
            raise CommandError("--params 应为 JSON 对象 [bad_params]")
        try:
            result = scan_backtest(rule=rule, params=params, as_of=as_of)
        except RuleParamsError as exc:
            raise CommandError(f"{exc} [bad_params]") from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"回测 {rule.code} {rule.name}（未写入任何数据）\n"
            f"  现行参数检出 {len(result.current):,} 项，拟用参数检出 {len(result.proposed):,} 项\n"
            f"  新增 {len(result.new):,} 项，不再检出 {len(result.gone):,} 项，用时 {result.seconds:.2f} 秒"
        )
        for label, items in (("新增", result.new), ("不再检出", result.gone)):
            for item in items[:10]:
                self.stdout.write(f"    {label}：{item}")

    def _print_report(self, report: ScanReport) -> None:
        scope = "全量" if report.case_count is None else f"增量，{report.case_count:,} 件案件有新事件"
        self.stdout.write(
            f"检测完成（{scope}，基准时间 {report.as_of.isoformat()}，用时 {report.seconds:.2f} 秒）"
        )
        self.stdout.write(f"{'规则':<22}{'检出':>8}{'新增':>8}{'仍存在':>8}{'已消除':>8}{'秒':>8}")
        for o in report.outcomes:
            mark = "  失败" if o.error else ""
            self.stdout.write(
                f"{o.rule:<24}{o.found:>8,}{o.new:>8,}{o.still_open:>8,}{o.resolved:>8,}{o.seconds:>9.2f}{mark}"
            )
        t = report.totals()
        self.stdout.write(
            f"{'合计':<22}{t['found']:>8,}{t['new']:>8,}{t['still_open']:>8,}{t['resolved']:>8,}"
        )

    def _print_evaluation(self, evaluation: Evaluation) -> None:
        self.stdout.write("\n对照标准答案 / against the ground truth")
        self.stdout.write(
            f"{'编码':<8}{'应报':>6}{'检出':>6}{'召回率':>9}{'误报':>6}{'未列':>6}{'精确率':>9}"
        )
        for c in evaluation.codes:
            self.stdout.write(
                f"{c.code:<10}{c.expected:>6}{c.hits:>6}{percent(c.recall):>10}{c.false_alerts:>6}"
                f"{c.unlisted:>6}{percent(c.precision):>10}"
            )
            for missed in c.missed[:5]:
                self.stdout.write(f"    漏报：{missed}")
            for false in c.false[:5]:
                self.stdout.write(f"    误报：{false}")
        self.stdout.write("全部召回且无误报" if evaluation.perfect else "未达到：存在漏报或误报")
