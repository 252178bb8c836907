"""Signed checkpoints of the chain head, kept outside the database (ARCHITECTURE.md "Audit chain").

A hash chain cannot see its newest rows deleted: the shortened chain is still a valid chain. So
the head (``seq``, hash, row count, time) is written at least daily and on demand as a small JSON
file signed with HMAC-SM3 under the chain key, in ``LIANJIAN_AUDIT_CHECKPOINT_DIR`` (which belongs
on storage the database administrator cannot write). Verification compares the chain with every
valid checkpoint; a file whose signature fails is reported as tampered.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from lianjian.audit.chain import canonical, chain_key
from lianjian.common.crypto import provider

FORMAT = "lianjian.audit.checkpoint/1"
PREFIX = "audit-checkpoint-"
SUFFIX = ".json"


@dataclass(frozen=True)
class Checkpoint:
    """The chain head at one moment: its ``seq`` and hash, the number of rows, the time."""

    seq: int
    hash: str
    count: int
    created_at: datetime
    path: Path | None = None

    def body(self) -> dict[str, Any]:
        """The signed content (everything but the signature and where the file lies)."""
        return {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "count": self.count,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class CheckpointScan:
    """What a checkpoint directory holds: the checkpoints that verify, the files that do not."""

    valid: tuple[Checkpoint, ...]
    tampered: tuple[Path, ...]

    @property
    def newest(self) -> Checkpoint | None:
        return max(self.valid, key=lambda c: (c.seq, c.created_at), default=None)


def checkpoint_dir() -> Path:
    return Path(settings.LIANJIAN_AUDIT_CHECKPOINT_DIR)


def sign(body: dict[str, Any]) -> str:
    """HMAC-SM3 of the canonical body. ``format`` keeps it apart from event hashes."""
    return provider.hmac(chain_key(), canonical(body)).hex()


def store(checkpoint: Checkpoint, directory: Path | None = None) -> Path:
    """Write ``checkpoint`` as a new signed file (written aside, then renamed into place)."""
    directory = directory or checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    body = checkpoint.body()
    document = {**body, "signature": sign(body)}
    stamp = checkpoint.created_at.strftime("%Y%m%dT%H%M%S%f")
    path = directory / f"{PREFIX}{checkpoint.seq:012d}-{stamp}{SUFFIX}"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return path


def parse(path: Path) -> Checkpoint | None:
    """The checkpoint in ``path``, or None if the file is malformed or its signature fails."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        signature = document.pop("signature")
        checkpoint = Checkpoint(
            seq=document["seq"],
            hash=document["hash"],
            count=document["count"],
            created_at=datetime.fromisoformat(document["created_at"]),
            path=path,
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    if not (
        isinstance(signature, str)
        and type(checkpoint.seq) is int
        and type(checkpoint.count) is int
        and isinstance(checkpoint.hash, str)
        and document == checkpoint.body()
    ):
        return None
    if not hmac.compare_digest(signature, sign(document)):
        return None
    return checkpoint


def scan(directory: Path | None = None) -> CheckpointScan:
    """Every checkpoint file in the directory, sorted into valid and tampered."""
    directory = directory or checkpoint_dir()
    if not directory.is_dir():
        return CheckpointScan((), ())
    valid: list[Checkpoint] = []
    tampered: list[Path] = []
    for path in sorted(directory.glob(f"{PREFIX}*{SUFFIX}")):
        checkpoint = parse(path)
        if checkpoint is None:
            tampered.append(path)
        else:
            valid.append(checkpoint)
    return CheckpointScan(tuple(valid), tuple(tampered))
