"""Detection quality against the generator's ground truth (`lianjian scan --evaluate FILE`).

The truth file (``lianjian generate``) lists, for each injected situation, the case (or the
prosecutor, for statistical codes) and the code it must raise, and for each benign look-alike
the code it must not raise. Per risk code this reports:

- recall: the share of ``must_raise`` items that an alert with the code covers;
- false alerts: ``must_not_raise`` items that an alert with the code covers;
- unlisted: open alerts with the code on cases or people the truth does not mention;
- precision: listed hits ÷ (listed hits + false alerts + unlisted).

A GX08 warning (临期) on an ordinary open case inside the warning window is legitimate and is
counted as unlisted, not as false (the generator documents this exception).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lianjian.risk.models import Alert


class TruthFileError(ValueError):
    """The ground-truth file cannot be read (Chinese message)."""


@dataclass
class CodeQuality:
    code: str
    expected: int = 0
    hits: int = 0
    false_alerts: int = 0
    unlisted: int = 0
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.hits / self.expected if self.expected else None

    @property
    def precision(self) -> float | None:
        raised = self.hits + self.false_alerts + self.unlisted
        return self.hits / raised if raised else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "expected": self.expected,
            "hits": self.hits,
            "recall": self.recall,
            "false_alerts": self.false_alerts,
            "unlisted": self.unlisted,
            "precision": self.precision,
            "missed": self.missed[:20],
            "false": self.false[:20],
        }


@dataclass
class Evaluation:
    meta: dict[str, Any]
    codes: list[CodeQuality]

    @property
    def perfect(self) -> bool:
        """Recall 100 % and no false alert on any code."""
        return all(c.hits == c.expected and not c.false_alerts for c in self.codes)

    def as_dict(self) -> dict[str, Any]:
        return {"meta": self.meta, "perfect": self.perfect, "codes": [c.as_dict() for c in self.codes]}


def read_truth(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The meta line and the items of a truth file."""
    meta: dict[str, Any] = {}
    items: list[dict[str, Any]] = []
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise TruthFileError(f"标准答案文件第 {number} 行不是有效的 JSON：{exc.msg}") from None
                if not isinstance(item, dict):
                    raise TruthFileError(f"标准答案文件第 {number} 行不是 JSON 对象")
                if item.get("kind") == "meta":
                    meta = item
                elif item.get("kind") in ("must_raise", "must_not_raise") and item.get("risk_code"):
                    items.append(item)
                else:
                    raise TruthFileError(f"标准答案文件第 {number} 行缺少 kind 或 risk_code")
    except OSError as exc:
        raise TruthFileError(f"无法读取标准答案文件 {path}：{exc.strerror}") from None
    except UnicodeDecodeError:
        raise TruthFileError(f"标准答案文件 {path} 不是 UTF-8 编码") from None
    return meta, items


def _key(case_no: str | None, staff_no: str | None) -> str:
    return f"case:{case_no}" if case_no else f"staff:{staff_no}"


def evaluate(path: Path) -> Evaluation:
    """Compare every alert in the database with the truth file at ``path``."""
    meta, items = read_truth(path)
    must: dict[str, set[str]] = defaultdict(set)
    must_not: dict[str, set[str]] = defaultdict(set)
    for item in items:
        target = must if item["kind"] == "must_raise" else must_not
        target[item["risk_code"]].add(_key(item.get("case_no"), item.get("subject_staff")))
    raised: dict[str, set[str]] = defaultdict(set)
    rows = Alert.objects.open().values_list("risk_codes", "case_no", "subject_staff__staff_no")
    for codes, case_no, staff_no in rows.iterator(chunk_size=5000):
        for code in codes:
            raised[code].add(_key(case_no or None, staff_no))
    result: list[CodeQuality] = []
    for code in sorted(set(must) | set(must_not) | set(raised)):
        quality = CodeQuality(code=code, expected=len(must[code]))
        hit = must[code] & raised[code]
        quality.hits = len(hit)
        quality.missed = sorted(must[code] - raised[code])
        false = must_not[code] & raised[code] - must[code]
        quality.false_alerts = len(false)
        quality.false = sorted(false)
        quality.unlisted = len(raised[code] - must[code] - must_not[code])
        result.append(quality)
    return Evaluation(meta=meta, codes=result)
