"""Checking the audit chain end to end (``lianjian audit verify``, the page's 校验 button).

One pass over the rows in ``seq`` order, streamed in chunks, recomputing each link. The first
broken link is named, with what is wrong with it:

- ``seq_gap``: a ``seq`` is missing (a row deleted), or the chain does not start at 1;
- ``link_broken``: a row's ``prev_hash`` is not its predecessor's hash (rows deleted and renumbered,
  or reordered);
- ``content_changed``: a row's content no longer gives its hash (edited);
- ``checkpoint_mismatch``: the row at a checkpoint's ``seq`` has another hash than the checkpoint
  (the chain was rewritten with the key, or rows replaced);
- ``rows_missing_at_end``: the chain ends before the newest checkpoint (newest rows deleted);
- ``checkpoint_tampered``: a checkpoint file's signature fails (forged or edited).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from lianjian.audit.chain import GENESIS, HASHED_COLUMNS, canonical, chain_key, timestamp_text
from lianjian.audit.checkpoints import Checkpoint, scan
from lianjian.audit.models import AuditEvent
from lianjian.common.crypto import provider

CHUNK_SIZE = 5000


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of one verification; ``code`` is stable English, ``reason`` is for people."""

    ok: bool
    checked: int
    code: str
    reason: str
    first_broken_seq: int | None = None
    first_broken_id: int | None = None
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoint: Checkpoint | None = None


def _local(moment: object) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[arg-type]


def _broken(
    code: str, reason: str, *, checked: int, seq: int | None, row_id: int | None, head: tuple[int, str]
) -> VerifyResult:
    return VerifyResult(
        ok=False,
        checked=checked,
        code=code,
        reason=reason,
        first_broken_seq=seq,
        first_broken_id=row_id,
        head_seq=head[0],
        head_hash=head[1],
    )


def audit_chain_verify(*, checkpoint_directory: Path | None = None) -> VerifyResult:
    """Verify every link of the chain, then the chain against the signed checkpoints.

    Reads only; safe to run while events are being appended (it checks the rows that existed
    when it started).
    """
    checkpoints = scan(checkpoint_directory)
    anchors: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints.valid:
        anchors.setdefault(checkpoint.seq, []).append(checkpoint)
    key = chain_key()
    hmac = provider.hmac
    expected_seq, prev = 1, GENESIS
    rows = (
        AuditEvent.objects.order_by("seq")
        .values_list("id", *HASHED_COLUMNS, "hash")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for row in rows:
        row_id, stored_hash = row[0], row[-1]
        fields = dict(zip(HASHED_COLUMNS, row[1:-1], strict=True))
        seq = fields["seq"]
        head = (expected_seq - 1, prev)
        checked = expected_seq - 1
        if seq != expected_seq:
            missing = (
                f"第 {expected_seq} 条审计记录缺失（序号 {expected_seq - 1} 之后是 {seq}）：记录被删除"
                if seq > expected_seq
                else f"审计记录（ID {row_id}）的序号 {seq} 无效（序号从 1 开始）：记录被改动"
            )
            return _broken(
                "seq_gap",
                missing,
                checked=checked,
                seq=expected_seq,
                row_id=None,
                head=head,
            )
        if fields["prev_hash"] != prev:
            return _broken(
                "link_broken",
                f"第 {seq} 条审计记录（ID {row_id}）与前一条链接不上（前一条哈希不符）："
                "中间的记录被删除后重新编号，或记录顺序被改变",
                checked=checked,
                seq=seq,
                row_id=row_id,
                head=head,
            )
        fields["occurred_at"] = timestamp_text(fields["occurred_at"])
        if hmac(key, canonical(fields)).hex() != stored_hash:
            # A wrong key makes every row fail; the first row is where that shows.
            hint = (
                "；若从第 1 条起全部不符，也可能是审计密钥（LIANJIAN_AUDIT_KEY）与写入时不同"
                if seq == 1
                else ""
            )
            return _broken(
                "content_changed",
                f"第 {seq} 条审计记录（ID {row_id}）的内容被修改：哈希不符{hint}",
                checked=checked,
                seq=seq,
                row_id=row_id,
                head=head,
            )
        for checkpoint in anchors.get(seq, ()):
            if checkpoint.hash != stored_hash or checkpoint.count != seq:
                return _broken(
                    "checkpoint_mismatch",
                    f"第 {seq} 条审计记录（ID {row_id}）与 {_local(checkpoint.created_at)} 的检查点不符："
                    "审计链在该检查点之前被改写",
                    checked=checked,
                    seq=seq,
                    row_id=row_id,
                    head=head,
                )
        prev = stored_hash
        expected_seq += 1
    count = expected_seq - 1
    head = (count, prev)
    newest = checkpoints.newest
    if newest is not None and newest.seq > count:
        return _broken(
            "rows_missing_at_end",
            f"审计链只到第 {count} 条，而 {_local(newest.created_at)} 的检查点记录到第 {newest.seq} 条："
            f"最新的 {newest.seq - count} 条审计记录被删除",
            checked=count,
            seq=count + 1,
            row_id=None,
            head=head,
        )
    if checkpoints.tampered:
        names = "、".join(path.name for path in checkpoints.tampered)
        return _broken(
            "checkpoint_tampered",
            f"检查点文件签名无效（被篡改或伪造）：{names}",
            checked=count,
            seq=None,
            row_id=None,
            head=head,
        )
    return VerifyResult(
        ok=True,
        checked=count,
        code="intact",
        reason=f"审计链完整：{count} 条",
        head_seq=count,
        head_hash=prev,
        checkpoint=newest,
    )
