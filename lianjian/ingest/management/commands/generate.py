"""`lianjian generate --cases N [--seed S] --out FILE [--risk-rate R] [--province CODE] [--counties N]`.

DATA_CONTRACT.md §4: synthetic data in the contract, and the ground truth beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianjian.ingest.generator.places import PROVINCE_NAMES
from lianjian.ingest.generator.writer import GeneratorConfig, generate, truth_path_for

MAX_CASES = 50_000_000


def _cases(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"案件数应为正整数：{text!r}") from None
    if not 1 <= value <= MAX_CASES:
        raise argparse.ArgumentTypeError(f"案件数应在 1 到 {MAX_CASES:,} 之间：{value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"随机种子应为非负整数：{text!r}") from None
    if not 0 <= value < 2**31:
        raise argparse.ArgumentTypeError(f"随机种子应在 0 到 2147483647 之间：{value}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"风险注入比例应为 0 到 0.5 之间的小数：{text!r}") from None
    if not 0 <= value <= 0.5:
        raise argparse.ArgumentTypeError(f"风险注入比例应在 0 到 0.5 之间：{value}")
    return value


def _count(what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}应为正整数：{text!r}") from None
        if not 1 <= value <= 1000:
            raise argparse.ArgumentTypeError(f"{what}应在 1 到 1000 之间：{value}")
        return value

    return parse


def _province(text: str) -> str:
    if text not in PROVINCE_NAMES:
        raise argparse.ArgumentTypeError(f"未知的省级行政区划代码：{text!r}（例如 620000 甘肃省）")
    return text


class Command(BaseCommand):
    help = (
        "生成符合数据契约的模拟数据（JSON Lines）及其标准答案（FILE.truth.jsonl）。"
        " / Write synthetic data in the data contract and its ground truth beside it."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=_cases, required=True, metavar="N", help="案件数 / number of cases"
        )
        parser.add_argument(
            "--seed", type=_seed, default=2026, metavar="S", help="随机种子（默认 2026）/ seed"
        )
        parser.add_argument("--out", required=True, metavar="FILE", help="输出文件（.jsonl）/ output file")
        parser.add_argument(
            "--risk-rate",
            type=_rate,
            default=0.05,
            metavar="R",
            help="注入风险情形的案件比例（默认 0.05；另有同样多的良性相似案件）/ share with a risk",
        )
        parser.add_argument(
            "--province",
            type=_province,
            default="620000",
            metavar="CODE",
            help="省级行政区划代码（默认 620000）",
        )
        parser.add_argument(
            "--counties",
            type=_count("基层院数"),
            metavar="N",
            help="基层院数（默认随案件数增减）/ number of county units",
        )
        parser.add_argument(
            "--cities",
            type=_count("市级院数"),
            metavar="N",
            help="基层院只取自前 N 个市（默认全省）/ counties from the first N cities only",
        )
        parser.add_argument(
            "--compact",
            action="store_true",
            help="精简编制（演示用：无书记员、检察官助理，督察等部门只设负责人）/ compact staffing",
        )
        parser.add_argument(
            "--truth", metavar="FILE", help="标准答案文件（默认 FILE.truth.jsonl）/ ground truth file"
        )
        parser.add_argument("--quiet", action="store_true", help="不显示进度 / no progress on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        truth = Path(options["truth"]) if options["truth"] else truth_path_for(out)
        if out.suffix.lower() not in {".jsonl", ".ndjson", ".json"}:
            raise CommandError(f"输出文件应以 .jsonl 结尾：{out} [invalid_extension]")
        for path in (out, truth):
            if not path.parent.is_dir():
                raise CommandError(f"输出目录不存在：{path.parent} [directory_missing]")
            if path.is_dir():
                raise CommandError(f"输出路径是一个目录：{path} [is_directory]")
        if out.resolve() == truth.resolve():
            raise CommandError("标准答案文件不能与数据文件相同 [same_file]")
        config = GeneratorConfig(
            cases=options["cases"],
            seed=options["seed"],
            risk_rate=options["risk_rate"],
            province=options["province"],
            counties=options["counties"],
            cities=options["cities"],
            compact=options["compact"],
        )
        show = not options["quiet"] and config.cases >= 10_000
        began = time.monotonic()
        step = max(1, config.cases // 20)

        def progress(done: int) -> None:
            if done % step == 0 or done == config.cases:
                elapsed = time.monotonic() - began
                share = done * 100 // config.cases
                sys.stderr.write(f"\r已生成 {done:,}/{config.cases:,} 件（{share}%），用时 {elapsed:.0f} 秒")
                if done == config.cases:
                    sys.stderr.write("\n")
                sys.stderr.flush()

        try:
            summary = generate(config, out, truth_out=truth, progress=progress if show else None)
        except OSError as exc:
            raise CommandError(f"无法写入输出文件：{exc.strerror or exc} [write_failed]") from None
        self.stdout.write(
            f"已写入 {out}：参考数据 {summary.reference:,} 条，"
            f"案件 {summary.cases:,} 件，事件 {summary.events:,} 条；"
            f"标准答案 {truth}：应报 {summary.must_raise:,} 条，不应报 {summary.must_not_raise:,} 条；"
            f"用时 {summary.seconds:.1f} 秒"
        )
