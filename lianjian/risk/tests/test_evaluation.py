"""Detection quality on generated data (issue 4 §4): every injected situation raises its code,
no benign look-alike raises the code it must not — `lianjian scan --evaluate` on a small set."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from lianjian.ingest.generator.writer import GeneratorConfig, generate
from lianjian.ingest.readers import reader_for
from lianjian.ingest.registry import kind_labels
from lianjian.ingest.services import import_batch_run
from lianjian.risk.evaluation import TruthFileError, evaluate, read_truth
from lianjian.risk.services import risk_catalogue_install

pytestmark = pytest.mark.django_db

# 2,000 cases at a 20 % rate: 200 injections (more than the cycle of 91) and 200 look-alikes
# (more than their cycle of 75), so every code of DATA_CONTRACT.md §3 and every look-alike occurs.
CONFIG = GeneratorConfig(cases=2000, seed=11, risk_rate=0.2, counties=4, cities=2, compact=True)


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    data = tmp_path / "g.jsonl"
    generate(CONFIG, data)
    risk_catalogue_install()
    result = import_batch_run(
        actor=None,
        source_name=data.name,
        lines_or_reader=[reader_for(data.name, kinds=kind_labels(), path=data)],
    )
    assert result.is_accepted
    return tmp_path / "g.truth.jsonl"


def test_every_injected_situation_raises_its_code_and_no_look_alike_does(generated: Path) -> None:
    out = StringIO()

    call_command("scan", evaluate=str(generated), json=True, stdout=out)

    report = json.loads(out.getvalue())
    codes = {c["code"]: c for c in report["evaluation"]["codes"]}
    _, items = read_truth(generated)
    expected = {i["risk_code"] for i in items if i["kind"] == "must_raise"}
    assert len(expected) == 49  # every code of DATA_CONTRACT.md §3
    assert {code: (codes[code]["hits"], codes[code]["false_alerts"]) for code in expected} == {
        code: (codes[code]["expected"], 0) for code in expected
    }
    assert report["evaluation"]["perfect"] is True
    assert [r["rule"] for r in report["rules"] if r["error"]] == []


def test_a_missing_alert_is_reported_as_missed(generated: Path) -> None:
    call_command("scan", full=True, as_of="2026-06-30T18:00:00+08:00", stdout=StringIO())
    from lianjian.risk.models import Alert

    Alert.objects.filter(rule__code="R-GX01").delete()

    quality = {c.code: c for c in evaluate(generated).codes}

    assert quality["GX01"].hits == 0 and len(quality["GX01"].missed) == quality["GX01"].expected > 0
    assert quality["GX02"].hits == quality["GX02"].expected


def test_a_broken_truth_file_is_a_chinese_error(tmp_path: Path) -> None:
    bad = tmp_path / "t.jsonl"
    bad.write_text('{"kind": "meta"}\n{not json\n', encoding="utf-8")

    with pytest.raises(TruthFileError, match="第 2 行不是有效的 JSON"):
        read_truth(bad)
    with pytest.raises(TruthFileError, match="无法读取"):
        read_truth(tmp_path / "missing.jsonl")


def test_one_pass_of_all_key_node_rules_finds_what_each_rule_finds_in_sql(generated: Path) -> None:
    from datetime import datetime

    from lianjian.risk.kinds import KINDS
    from lianjian.risk.kinds.base import ScanContext, any_of
    from lianjian.risk.kinds.key_node import KeyNodeParams
    from lianjian.risk.models import Rule

    kind = KINDS["key_node"]
    rules = list(Rule.objects.filter(kind="key_node").order_by("code"))
    params = [KeyNodeParams.model_validate(rule.params) for rule in rules]
    ctx = ScanContext(as_of=datetime.fromisoformat("2026-06-30T18:00:00+08:00"))

    together = kind.detect_many(ctx, params)

    for rule, p, findings in zip(rules, params, together, strict=True):
        in_sql = set(ctx.events(lines=p.lines).filter(any_of(p.events)).values_list("case_no", flat=True))
        assert {f.case_no for f in findings} == in_sql, rule.code
    assert sum(len(f) for f in together) > 100
