"""Checking the audit chain end to end (``lianjian audit verify``, the page's 校验 button).

One pass over the rows in ``seq`` order, streamed in chunks through a raw cursor, recomputing
each link. The rows are hashed as the cursor gives them (see :mod:`lianjian.audit.chain`): going
through the ORM would decode every JSON column and parse every timestamp only to encode them
again, which took more time than the HMAC-SM3 itself. The first broken link is named, with what
is wrong with it:

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

from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from lianjian.audit.chain import GENESIS, HASHED_COLUMNS, OCCURRED_AT_SQL, chain_key, link_bytes
from lianjian.audit.checkpoints import Checkpoint, CheckpointScan, scan
from lianjian.audit.models import AuditEvent
from lianjian.common.crypto import provider

CHUNK_SIZE = 5000

# Positions in a row of :func:`chain_rows`.
_SEQ, _PREV_HASH, _HASH = 0, len(HASHED_COLUMNS) - 1, len(HASHED_COLUMNS)


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


def _against_checkpoints(
    anchored: list[Checkpoint], *, seq: int, stored_hash: str, prev: str
) -> VerifyResult | None:
    for checkpoint in anchored:
        if checkpoint.hash != stored_hash or checkpoint.count != seq:
            row_id = _row_id(seq)
            return _broken(
                "checkpoint_mismatch",
                f"第 {seq} 条审计记录（ID {row_id}）与 {_local(checkpoint.created_at)} 的检查点不符："
                "审计链在该检查点之前被改写",
                checked=seq - 1,
                seq=seq,
                row_id=row_id,
                head=(seq - 1, prev),
            )
    return None


def _row_id(seq: int) -> int | None:
    return AuditEvent.objects.filter(seq=seq).values_list("id", flat=True).first()


def chain_rows() -> Generator[tuple[Any, ...]]:
    """Every event as ``(*HASHED_COLUMNS, hash)`` in ``seq`` order, as hashed, streamed.

    A server-side cursor on PostgreSQL, so memory stays flat however long the chain is. The row
    ``id`` is not read (one column less on every row); a broken row's is looked up by ``seq``.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(
        OCCURRED_AT_SQL[connection.vendor] if name == "occurred_at" else connection.ops.quote_name(name)
        for name in (*HASHED_COLUMNS, "hash")
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY seq")  # noqa: S608 (names are ours)
        while chunk := cursor.fetchmany(CHUNK_SIZE):
            yield from chunk


def audit_chain_verify(*, checkpoint_directory: Path | None = None) -> VerifyResult:
    """Verify every link of the chain, then the chain against the signed checkpoints.

    Reads only; safe to run while events are being appended (it checks the rows that existed
    when it started).
    """
    checkpoints = scan(checkpoint_directory)
    anchors: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints.valid:
        anchors.setdefault(checkpoint.seq, []).append(checkpoint)
    with closing(chain_rows()) as rows:
        return _walk(rows, anchors, checkpoints)


def _walk(
    rows: Iterator[tuple[Any, ...]], anchors: dict[int, list[Checkpoint]], checkpoints: CheckpointScan
) -> VerifyResult:
    hmac = provider.hmac_keyed(chain_key())
    expected_seq, prev = 1, GENESIS
    for row in rows:
        seq, stored_hash = row[_SEQ], row[_HASH]
        if seq != expected_seq:
            checked = expected_seq - 1
            missing = (
                f"第 {expected_seq} 条审计记录缺失（序号 {checked} 之后是 {seq}）：记录被删除"
                if seq > expected_seq
                else f"审计记录（ID {_row_id(seq)}）的序号 {seq} 无效（序号从 1 开始）：记录被改动"
            )
            return _broken(
                "seq_gap",
                missing,
                checked=checked,
                seq=expected_seq,
                row_id=None,
                head=(checked, prev),
            )
        if row[_PREV_HASH] != prev:
            row_id = _row_id(seq)
            return _broken(
                "link_broken",
                f"第 {seq} 条审计记录（ID {row_id}）与前一条链接不上（前一条哈希不符）："
                "中间的记录被删除后重新编号，或记录顺序被改变",
                checked=seq - 1,
                seq=seq,
                row_id=row_id,
                head=(seq - 1, prev),
            )
        if hmac(link_bytes(row[:_HASH])).hex() != stored_hash:
            # A wrong key makes every row fail; the first row is where that shows.
            hint = (
                "；若从第 1 条起全部不符，也可能是审计密钥（LIANJIAN_AUDIT_KEY）与写入时不同"
                if seq == 1
                else ""
            )
            row_id = _row_id(seq)
            return _broken(
                "content_changed",
                f"第 {seq} 条审计记录（ID {row_id}）的内容被修改：哈希不符{hint}",
                checked=seq - 1,
                seq=seq,
                row_id=row_id,
                head=(seq - 1, prev),
            )
        if seq in anchors:
            broken = _against_checkpoints(anchors[seq], seq=seq, stored_hash=stored_hash, prev=prev)
            if broken is not None:
                return broken
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
