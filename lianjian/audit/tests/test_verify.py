"""Verification names the first broken link: edits, deletions, reorderings, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from lianjian.audit.chain import GENESIS
from lianjian.audit.checkpoints import Checkpoint, scan, store
from lianjian.audit.management.commands.audit import Command as AuditCommand
from lianjian.audit.models import AuditChainHead, AuditEvent
from lianjian.audit.services import ChainBrokenError, audit_checkpoint_write
from lianjian.audit.tests.helpers import event_id, record, tamper
from lianjian.audit.verify import VerifyResult, audit_chain_verify

pytestmark = pytest.mark.django_db


def _delete_newest(count: int) -> None:
    """Delete the newest rows and wind the head back, as a careful attacker would."""
    newest = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    tamper("DELETE FROM audit_auditevent WHERE seq > %s", [newest - count])
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first() or {"seq": 0, "hash": GENESIS}
    AuditChainHead.objects.filter(pk=1).update(**head)


def test_an_intact_chain_verifies() -> None:
    record(5)

    result = audit_chain_verify()

    assert result == VerifyResult(
        ok=True,
        checked=5,
        code="intact",
        reason="审计链完整：5 条",
        head_seq=5,
        head_hash=AuditEvent.objects.get(seq=5).hash,
    )


def test_an_empty_chain_verifies() -> None:
    result = audit_chain_verify()

    assert (result.ok, result.checked, result.reason, result.head_hash) == (
        True,
        0,
        "审计链完整：0 条",
        GENESIS,
    )


def test_an_edited_row_is_named_as_changed_content() -> None:
    record(5)
    tamper("UPDATE audit_auditevent SET after = %s WHERE seq = 3", [json.dumps({"状态": "已撤回"})])

    result = audit_chain_verify()

    assert (result.ok, result.code, result.first_broken_seq, result.first_broken_id) == (
        False,
        "content_changed",
        3,
        event_id(3),
    )
    assert result.checked == 2
    assert result.reason == f"第 3 条审计记录（ID {event_id(3)}）的内容被修改：哈希不符"


def test_an_edit_that_keeps_the_json_value_but_not_its_text_is_detected() -> None:
    record(3)
    tamper("UPDATE audit_auditevent SET after = %s WHERE seq = 2", ['{"n": 3, "状态": "已提交"}'])

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq, result.checked) == ("content_changed", 2, 1)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor_name", "别人"),
        ("actor_unit_path", "/620000/"),
        ("action", "test.thing.delete"),
        ("target_id", "999"),
        ("target_type", "test.other"),
        ("target_repr", "事项9"),
        ("actor_unit", "620100"),
        ("before", "null"),
        ("actor_id", "99"),
        ("ip", "10.0.0.9"),
        ("occurred_at", "2020-01-01 00:00:00"),
    ],
)
def test_an_edit_of_any_column_is_detected(column: str, value: str) -> None:
    record(3)
    tamper(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = 2", [value])  # noqa: S608

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq) == ("content_changed", 2)


def test_a_wrong_key_is_suggested_when_the_first_row_fails(settings: Any) -> None:
    record(2)
    settings.LIANJIAN_AUDIT_KEY = "another-key"

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq) == ("content_changed", 1)
    assert result.reason.endswith("也可能是审计密钥（LIANJIAN_AUDIT_KEY）与写入时不同")


def test_an_edited_row_with_a_made_up_hash_is_detected() -> None:
    record(3)
    tamper("UPDATE audit_auditevent SET action = 'x.y.z', hash = %s WHERE seq = 2", ["f" * 64])

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq) == ("content_changed", 2)


def test_a_deleted_row_is_named_as_missing() -> None:
    record(5)
    tamper("DELETE FROM audit_auditevent WHERE seq = 3")

    result = audit_chain_verify()

    assert (result.ok, result.code, result.first_broken_seq, result.first_broken_id) == (
        False,
        "seq_gap",
        3,
        None,
    )
    assert result.reason == "第 3 条审计记录缺失（序号 2 之后是 4）：记录被删除"


def test_a_deleted_first_row_is_detected() -> None:
    record(3)
    tamper("DELETE FROM audit_auditevent WHERE seq = 1")

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq, result.checked) == ("seq_gap", 1, 0)


def test_a_deleted_row_with_the_rest_renumbered_is_named_as_a_broken_link() -> None:
    record(5)
    tamper("DELETE FROM audit_auditevent WHERE seq = 3")
    tamper("UPDATE audit_auditevent SET seq = seq - 1 WHERE seq > 3")

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq) == ("link_broken", 3)
    assert "前一条哈希不符" in result.reason


def test_two_swapped_rows_are_named_as_a_broken_link() -> None:
    events = record(5)
    tamper("UPDATE audit_auditevent SET seq = -1 WHERE seq = 3")
    tamper("UPDATE audit_auditevent SET seq = 3 WHERE seq = 4")
    tamper("UPDATE audit_auditevent SET seq = 4 WHERE seq = -1")

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq, result.first_broken_id) == ("link_broken", 3, events[3].pk)
    assert "顺序被改变" in result.reason


def test_an_edited_link_is_named_as_a_broken_link() -> None:
    record(4)
    tamper("UPDATE audit_auditevent SET prev_hash = %s WHERE seq = 4", ["0" * 64])

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq) == ("link_broken", 4)


def test_only_the_first_break_is_named() -> None:
    record(6)
    tamper("UPDATE audit_auditevent SET action = 'x.y.z' WHERE seq IN (2, 5)")

    assert audit_chain_verify().first_broken_seq == 2


def test_deleted_newest_rows_pass_without_a_checkpoint() -> None:
    """The limit of any hash chain, and the reason checkpoints exist."""
    record(5)
    _delete_newest(2)

    assert audit_chain_verify().ok


def test_deleted_newest_rows_are_detected_against_a_checkpoint() -> None:
    record(5)
    audit_checkpoint_write()
    _delete_newest(2)

    result = audit_chain_verify()

    assert (result.ok, result.code, result.first_broken_seq, result.checked) == (
        False,
        "rows_missing_at_end",
        4,
        3,
    )
    assert result.reason.startswith("审计链只到第 3 条，而 ")
    assert result.reason.endswith("的检查点记录到第 5 条：最新的 2 条审计记录被删除")


def test_rows_replaced_after_a_checkpoint_are_detected_at_its_seq() -> None:
    record(5)
    audit_checkpoint_write()
    _delete_newest(2)
    record(3, first=100)  # new rows 4, 5, 6 chain correctly onto row 3

    result = audit_chain_verify()

    assert (result.code, result.first_broken_seq, result.first_broken_id) == (
        "checkpoint_mismatch",
        5,
        event_id(5),
    )


def test_a_chain_that_grew_after_a_checkpoint_verifies_against_it() -> None:
    record(3)
    checkpoint = audit_checkpoint_write()
    record(2, first=4)

    result = audit_chain_verify()

    assert (result.ok, result.checked, result.checkpoint) == (True, 5, checkpoint)


def test_the_newest_valid_checkpoint_is_used(checkpoint_dir: Path) -> None:
    record(2)
    audit_checkpoint_write()
    record(2, first=3)
    newest = audit_checkpoint_write()

    assert audit_chain_verify().checkpoint == newest
    assert [c.seq for c in scan(checkpoint_dir).valid] == [2, 4]


def test_a_forged_checkpoint_is_reported_as_tampered(checkpoint_dir: Path) -> None:
    record(3)
    path = audit_checkpoint_write().path
    assert path is not None
    document = json.loads(path.read_text(encoding="utf-8"))
    document["seq"], document["count"] = 2, 2  # someone hides row 3 …
    path.write_text(json.dumps(document), encoding="utf-8")

    result = audit_chain_verify()

    assert (result.ok, result.code, result.first_broken_seq) == (False, "checkpoint_tampered", None)
    assert result.reason == f"检查点文件签名无效（被篡改或伪造）：{path.name}"


def test_a_checkpoint_signed_with_another_key_is_reported_as_tampered(checkpoint_dir: Path) -> None:
    record(2)
    with mock.patch("lianjian.audit.checkpoints.chain_key", return_value=b"the attacker's guess"):
        store(Checkpoint(seq=1, hash=AuditEvent.objects.get(seq=1).hash, count=1, created_at=timezone.now()))

    assert audit_chain_verify().code == "checkpoint_tampered"


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"seq": 1}'])
def test_a_malformed_checkpoint_file_is_reported_as_tampered(checkpoint_dir: Path, content: str) -> None:
    checkpoint_dir.mkdir(parents=True)
    (checkpoint_dir / "audit-checkpoint-000000000001-x.json").write_text(content, encoding="utf-8")

    assert audit_chain_verify().code == "checkpoint_tampered"


def test_a_broken_chain_is_not_signed(checkpoint_dir: Path) -> None:
    record(3)
    tamper("UPDATE audit_auditevent SET action = 'x.y.z' WHERE seq = 2")

    with pytest.raises(ChainBrokenError) as caught:
        audit_checkpoint_write()

    assert caught.value.result.first_broken_seq == 2
    assert not checkpoint_dir.exists() or not list(checkpoint_dir.iterdir())


def test_a_checkpoint_file_holds_the_signed_head(checkpoint_dir: Path) -> None:
    record(2)

    checkpoint = audit_checkpoint_write()

    assert checkpoint.path is not None and checkpoint.path.parent == checkpoint_dir
    document = json.loads(checkpoint.path.read_text(encoding="utf-8"))
    assert set(document) == {"format", "seq", "hash", "count", "created_at", "signature"}
    assert (document["seq"], document["count"]) == (2, 2)
    assert document["hash"] == AuditEvent.objects.get(seq=2).hash
    assert len(document["signature"]) == 64


def test_verify_command_reports_an_intact_chain(capsys: pytest.CaptureFixture[str]) -> None:
    record(4)

    call_command("audit", "verify")

    out = capsys.readouterr().out
    assert out.splitlines()[0] == "审计链完整：4 条"
    assert "尚无检查点" in out


def test_verify_command_exits_1_naming_the_first_broken_link(capsys: pytest.CaptureFixture[str]) -> None:
    record(4)
    tamper("DELETE FROM audit_auditevent WHERE seq = 2")

    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify")

    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip() == (
        "审计链校验失败：第 2 条审计记录缺失（序号 1 之后是 3）：记录被删除"
    )


def test_checkpoint_command_writes_a_checkpoint_that_verify_then_uses(
    checkpoint_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(3)

    call_command("audit", "checkpoint")
    call_command("audit", "verify")

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("已写入检查点：第 3 条，共 3 条 → ")
    assert out[1] == "审计链完整：3 条"
    assert out[2].endswith("的检查点（第 3 条）核对一致。")
    assert len(scan(checkpoint_dir).valid) == 1


def test_checkpoint_command_refuses_a_broken_chain(capsys: pytest.CaptureFixture[str]) -> None:
    record(3)
    tamper("UPDATE audit_auditevent SET action = 'x.y.z' WHERE seq = 3")

    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "checkpoint")

    assert exit_info.value.code == 1
    assert "未写入检查点" in capsys.readouterr().err


def test_command_help_documents_the_retention_setting() -> None:
    help_text = AuditCommand().create_parser("lianjian", "audit").format_help()

    assert "LIANJIAN_AUDIT_RETENTION_DAYS" in help_text
    assert "下限 184 天" in help_text
