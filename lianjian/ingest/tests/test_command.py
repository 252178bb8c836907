"""`lianjian import`: exit codes, the Chinese summary, --json, and bad files without tracebacks."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from lianjian.ingest.services import BatchResult
from lianjian.ingest.tests.conftest import sample_lines, table_counts
from lianjian.org.models import Staff

pytestmark = pytest.mark.django_db


def lianjian_import(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def reference_file(tmp_path: Path, reference_lines: list[str]) -> Path:
    path = tmp_path / "reference.jsonl"
    path.write_text("\n".join(reference_lines) + "\n", encoding="utf-8")
    return path


def test_import_writes_and_exits_zero(reference_file: Path) -> None:
    code, out, err = lianjian_import(str(reference_file))

    assert code == 0
    assert "已写入" in out
    assert "人员 staff" in out
    assert err == ""
    assert Staff.objects.count() == 3


def test_import_json_summary(reference_file: Path) -> None:
    lianjian_import(str(reference_file))

    code, out, _err = lianjian_import("--json", "--no-scan", str(reference_file))

    summary = json.loads(out)
    assert code == 0
    assert summary["status"] == "ACCEPTED"
    assert summary["counts"]["staff"] == {
        "records": 3,
        "duplicates": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 3,
    }
    assert summary["errors"] == []


def test_several_files_form_one_batch(tmp_path: Path, reference_lines: list[str]) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.ndjson"
    first.write_text("\n".join(reference_lines[3:]), encoding="utf-8")  # staff before their units
    second.write_text("\n".join(reference_lines[:3]), encoding="utf-8")

    code, out, _err = lianjian_import("--json", str(first), str(second))

    assert code == 0
    assert json.loads(out)["records"] == 11


def test_rejected_batch_exits_one_and_prints_errors(tmp_path: Path) -> None:
    path = tmp_path / "sample.jsonl"
    lines = sample_lines()
    lines[11] = lines[11].replace('"unit": "510903"', '"unit": "999999"')  # the first event
    path.write_text("\n".join(lines), encoding="utf-8")
    before = table_counts()

    code, out, err = lianjian_import(str(path))

    assert code == 1
    assert "已拒绝" in out
    assert f"{path}:12 unit 引用的单位不存在：999999（数据库和本批次中均未找到） [unknown_reference]" in err
    assert table_counts() == before


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.jsonl", None, "文件无法读取：文件不存在 [unreadable_file]"),
        ("empty.jsonl", b"", "文件为空，没有可导入的记录 [empty_file]"),
        ("gbk.jsonl", '{"record": "unit", "name": "四川"}'.encode("gb18030"), "文件编码无法识别"),
        ("units.xls", b"PK", "不支持的文件格式：.xls"),
        (
            "units.xlsx",
            b"PK",
            "无法作为 Excel 工作簿（.xlsx）读取，文件可能已损坏或不是 Excel 文件 [invalid_xlsx]",
        ),
    ],
)
def test_bad_files_give_a_chinese_error_and_exit_one(
    tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    code, _out, err = lianjian_import(str(path))

    assert code == 1
    assert expected in err
    assert "Traceback" not in err


def test_dry_run_writes_nothing(reference_file: Path) -> None:
    code, out, _err = lianjian_import("--dry-run", str(reference_file))

    assert code == 0
    assert "试运行" in out
    assert Staff.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_console_command_against_a_fresh_sqlite_database(tmp_path: Path, reference_file: Path) -> None:
    env = {
        **os.environ,
        "LIANJIAN_DATABASE_URL": f"sqlite:///{tmp_path / 'lj.sqlite3'}",
        "LIANJIAN_HOME": str(tmp_path / "home"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = str(Path(sys.executable).with_name("lianjian"))
    subprocess.run([command, "migrate", "-v", "0"], env=env, check=True, capture_output=True)  # noqa: S603

    first = subprocess.run([command, "import", str(reference_file)], env=env, capture_output=True, text=True)  # noqa: S603
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"record": "unit", "code": "1"\n', encoding="utf-8")
    second = subprocess.run([command, "import", str(bad)], env=env, capture_output=True, text=True)  # noqa: S603

    assert (first.returncode, second.returncode) == (0, 1)
    assert "已写入" in first.stdout
    assert f"{bad}:1 - JSON 格式错误" in second.stderr
    assert "Traceback" not in second.stderr


# The progress bar (stderr only) and the summary of unknown event types.

COMMAND = importlib.import_module("lianjian.ingest.management.commands.import")


class Terminal(StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def run_with(*args: str, stderr: StringIO | None = None) -> tuple[int, str, str]:
    out, err = StringIO(), stderr if stderr is not None else StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def reporting_importer(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int | None]]:
    """The importer, reporting progress 0/4 … 4/4 through a ``progress`` keyword before it runs."""
    calls: list[tuple[int, int | None]] = []
    real = COMMAND.import_batch_run

    def fake(*, progress: Any = None, **kwargs: Any) -> BatchResult:
        if progress is not None:
            for done in range(5):
                calls.append((done, 4))
                progress(done, 4)
        return real(**kwargs)

    monkeypatch.setattr(COMMAND, "import_batch_run", fake)
    return calls


def test_progress_draws_a_bar_on_stderr(reporting_importer: list[Any], reference_file: Path) -> None:
    code, out, err = run_with("--progress", str(reference_file))

    assert code == 0
    assert reporting_importer == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    frames = err.split("\r")[1:]
    assert frames[0].startswith("导入进度 [------------------------------]   0.0% 0/4 用时 ")
    assert frames[-1].startswith("导入进度 [##############################] 100.0% 4/4 用时 ")
    assert err.endswith("\n")
    assert "导入进度" not in out
    assert out.startswith("导入批次 #")


def test_json_output_stays_pure_json_with_the_progress_bar(
    reporting_importer: list[Any], reference_file: Path
) -> None:
    code, out, err = run_with("--json", "--progress", str(reference_file))

    assert code == 0
    assert json.loads(out)["status"] == "ACCEPTED"
    assert "100.0% 4/4" in err


def test_no_bar_when_stderr_is_not_a_terminal(reporting_importer: list[Any], reference_file: Path) -> None:
    code, _out, err = run_with(str(reference_file))

    assert (code, err, reporting_importer) == (0, "", [])


def test_a_terminal_gets_the_bar_unless_no_progress(
    reporting_importer: list[Any], reference_file: Path
) -> None:
    _code, _out, shown = run_with(str(reference_file), stderr=Terminal())
    _code, _out, hidden = run_with("--no-progress", str(reference_file), stderr=Terminal())

    assert "100.0% 4/4" in shown
    assert hidden == ""


def test_an_importer_without_progress_is_called_without_it(
    monkeypatch: pytest.MonkeyPatch, reference_file: Path
) -> None:
    real = COMMAND.import_batch_run
    seen: list[set[str]] = []

    def plain(*, actor: Any, source_name: str, lines_or_reader: Any, dry_run: bool = False) -> BatchResult:
        seen.append({"actor", "source_name", "lines_or_reader", "dry_run"})
        return real(actor=actor, source_name=source_name, lines_or_reader=lines_or_reader, dry_run=dry_run)

    monkeypatch.setattr(COMMAND, "import_batch_run", plain)

    code, _out, err = run_with("--progress", str(reference_file))

    assert (code, err, len(seen)) == (0, "", 1)


def test_the_bar_is_redrawn_at_most_ten_times_a_second_and_always_at_the_end() -> None:
    now = [0.0]
    stream = StringIO()
    bar = COMMAND.ProgressBar(OutputWrapper(stream), width=10, clock=lambda: now[0])

    for done, at in ((0, 0.0), (1, 0.05), (2, 0.12), (3, 0.15), (4, 0.16)):
        now[0] = at
        bar(done, 4)
    bar.finish()

    assert stream.getvalue().split("\r")[1:] == [
        "导入进度 [----------]   0.0% 0/4 用时 0.0 秒",
        "导入进度 [#####-----]  50.0% 2/4 用时 0.1 秒",
        "导入进度 [##########] 100.0% 4/4 用时 0.2 秒\n",
    ]


def test_the_bar_counts_without_a_known_total() -> None:
    stream = StringIO()
    bar = COMMAND.ProgressBar(OutputWrapper(stream), clock=lambda: 2.5)

    bar(12345, None)

    assert stream.getvalue() == "\r导入进度 已处理 12,345 用时 0.0 秒"


def test_summary_lists_unknown_event_types_in_chinese(tmp_path: Path) -> None:
    lines = sample_lines()
    event = json.loads(lines[11])
    for number in (1, 2):
        lines.append(json.dumps({**event, "event_id": f"SN-X{number}", "type": "CUSTOM_NOTE", "data": {}}))
    lines.append(json.dumps({**event, "event_id": "SN-Y1", "type": "ALPHA", "data": {}}))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")

    code, out, _err = run_with(str(path))

    assert code == 0
    assert "未知事件类型 ALPHA：1 条（已保存）\n未知事件类型 CUSTOM_NOTE：2 条（已保存）\n" in out
    assert "event_unknown_type" not in out
    assert "律师事务所 lawfirm" in out
