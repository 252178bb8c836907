"""A generated file imports whole through `lianjian import`, and again without changes."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lianjian.cases.models import Case, Event
from lianjian.ingest.generator.writer import GeneratorConfig, generate
from lianjian.ingest.services import import_batch_run
from lianjian.org.models import Lawyer, PowerRule, Staff, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(tmp_path: Path) -> tuple[Path, list[str]]:
    out = tmp_path / "generated.jsonl"
    generate(GeneratorConfig(cases=300, seed=4, risk_rate=0.2), out)
    return out, out.read_text(encoding="utf-8").splitlines()


def test_generated_file_imports_whole(generated: tuple[Path, list[str]]) -> None:
    _path, lines = generated
    events = sum(1 for line in lines if '"record": "event"' in line)

    result = import_batch_run(actor=None, source_name="generated.jsonl", lines_or_reader=lines)

    assert result.issues == []
    assert result.is_accepted
    assert Event.objects.count() == events
    assert Case.objects.count() == 300
    assert Unit.objects.count() == sum(1 for line in lines if '"record": "unit"' in line)
    assert Staff.objects.count() == sum(1 for line in lines if '"record": "staff"' in line)
    assert Lawyer.objects.exclude(former_staff=None).exists()
    assert PowerRule.objects.count() == sum(1 for line in lines if '"record": "power"' in line)


def test_generated_file_imports_again_unchanged(generated: tuple[Path, list[str]]) -> None:
    _path, lines = generated
    import_batch_run(actor=None, source_name="generated.jsonl", lines_or_reader=lines)
    events = Event.objects.count()

    again = import_batch_run(actor=None, source_name="generated.jsonl", lines_or_reader=lines)

    assert again.is_accepted
    assert again.issues == []
    assert again.counts["event"]["created"] == 0
    assert again.counts["event"]["unchanged"] == events
    assert all(
        counts.get("created", 0) == 0 and counts.get("updated", 0) == 0 for counts in again.counts.values()
    )
    assert Event.objects.count() == events


def test_generate_command_writes_data_and_truth(tmp_path: Path) -> None:
    out = StringIO()
    target = tmp_path / "demo.jsonl"

    call_command("generate", "--cases", "50", "--seed", "1", "--out", str(target), stdout=out)

    assert target.exists()
    assert (tmp_path / "demo.truth.jsonl").read_text(encoding="utf-8").startswith('{"kind": "meta"')
    assert "案件 50 件" in out.getvalue()


def test_generate_command_takes_the_organisation_options(tmp_path: Path) -> None:
    target = tmp_path / "small.jsonl"

    call_command(
        "generate",
        "--cases",
        "50",
        "--counties",
        "4",
        "--cities",
        "2",
        "--compact",
        "--out",
        str(target),
        stdout=StringIO(),
    )

    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    levels = sorted(r["level"] for r in records if r["record"] == "unit")
    assert levels == ["CITY", "CITY", "COUNTY", "COUNTY", "COUNTY", "COUNTY", "PROVINCE"]
    assert not [r for r in records if r["record"] == "staff" and r["position"] in {"CLERK", "ASSISTANT"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cases", "0"], "案件数应在 1 到"),
        (["--cases", "many"], "案件数应为正整数"),
        (["--cases", "5", "--risk-rate", "0.9"], "风险注入比例应在 0 到 0.5 之间"),
        (["--cases", "5", "--seed", "-1"], "随机种子应在 0 到"),
        (["--cases", "5", "--province", "999999"], "未知的省级行政区划代码"),
        (["--cases", "5", "--counties", "four"], "基层院数应为正整数"),
        (["--cases", "5", "--cities", "0"], "市级院数应在 1 到 1000 之间"),
    ],
)
def test_generate_command_refuses_bad_arguments_in_chinese(
    tmp_path: Path, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("generate", *args, "--out", str(tmp_path / "x.jsonl"))

    assert list(tmp_path.iterdir()) == []


def test_generate_command_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("generate", "--cases", "5", "--out", str(tmp_path / "nowhere" / "x.jsonl"))


def test_power_list_truth_holds_against_the_imported_post_history(tmp_path: Path) -> None:
    from django.utils import timezone

    from lianjian.org.selectors import staff_may_decide

    out = tmp_path / "powers.jsonl"
    generate(GeneratorConfig(cases=600, seed=8, risk_rate=0.3), out)
    lines = out.read_text(encoding="utf-8").splitlines()
    import_batch_run(actor=None, source_name="powers.jsonl", lines_or_reader=lines)
    truth = [
        json.loads(line)
        for line in (tmp_path / "powers.truth.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    expected = {
        line["case_no"]: line["kind"] == "must_not_raise" for line in truth[1:] if line["risk_code"] == "GX03"
    }
    assert set(expected.values()) == {True, False}

    for case_no, allowed in expected.items():
        decided = Event.objects.filter(case_no=case_no, type="DECIDED").order_by("occurred_at").first()
        assert decided is not None
        data = decided.data
        answer = staff_may_decide(
            Staff.objects.get(staff_no=data["by"]),
            data["decision"],
            timezone.localtime(decided.occurred_at).date(),
            data.get("kind", ""),
        )
        assert answer.allowed is allowed, (case_no, answer.reason)

    violations = {case_no for case_no, allowed in expected.items() if not allowed}
    staff = {person.staff_no: person for person in Staff.objects.all()}
    for decided in Event.objects.filter(type="DECIDED").exclude(case_no__in=violations):
        data = decided.data
        answer = staff_may_decide(
            staff[data["by"]],
            data["decision"],
            timezone.localtime(decided.occurred_at).date(),
            data.get("kind", ""),
        )
        assert answer.allowed, (decided.case_no, data, answer.reason)
