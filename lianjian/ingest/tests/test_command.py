"""`lianjian import`: exit codes, the Chinese summary, --json, and bad files without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

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
