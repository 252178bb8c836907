"""Sealing confidential fields at rest (SM4-GCM) and blind indexes over them (HMAC-SM3).

The keys live outside the database, in a key file (``LIANJIAN_SEAL_KEY_FILE``; the embedded
default keeps ``seal.keys`` in the home, mode 0600) or in ``LIANJIAN_SEAL_KEYS``. The file has
one key per line::

    index:<32 hex digits>      a blind-index key (tags that find a person without naming them);
                               the last index line is the current one
    1:<32 hex digits>          a data key; the last numbered line is the current one

A sealed value is ``0x01 ‖ key id (2 bytes) ‖ nonce ‖ ciphertext ‖ tag``: the key id says which
key opens it, so rotating is appending a new numbered line and running ``lianjian interference
rekey``, which seals every value again under the new key; the old line can be removed after that
(docs/interference/README.md "加密与密钥"). The associated data binds a value to its row, so a ciphertext
copied to another row does not open.

A tag carries no key id. New tags use the current index key; the tags that hide things from a
person are computed under every index key in the file (``person_tags(every_key=True)``), so a
newly appended index line hides nothing less. The same ``rekey`` computes the stored tags again
under the current key, after which the old index line can be removed.
"""

from __future__ import annotations

import os
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from lianjian.common import crypto

FORMAT = 1
_lock = threading.Lock()
_cache: dict[str, Keyring] = {}


class SealError(RuntimeError):
    """A key is missing or a sealed value does not open (wrong key, tampered, moved)."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[int, bytes]
    current: int
    index_keys: tuple[bytes, ...]  # in the file's order; the last is the current one

    @property
    def index_key(self) -> bytes:
        """The current blind-index key (new tags are computed under it)."""
        return self.index_keys[-1]

    @classmethod
    def parse(cls, text: str, *, source: str) -> Keyring:
        keys: dict[int, bytes] = {}
        index_keys: list[bytes] = []
        current = 0
        for number, raw in enumerate(text.replace(";", "\n").splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, _, value = line.partition(":")
            try:
                key = bytes.fromhex(value.strip())
            except ValueError:
                raise SealError(f"{source} 第 {number} 行的密钥不是十六进制") from None
            if len(key) != 16:
                raise SealError(f"{source} 第 {number} 行的密钥应为 128 位（32 个十六进制字符）")
            if name.strip() == "index":
                index_keys = [k for k in index_keys if k != key] + [key]
                continue
            if not name.strip().isdigit() or not 0 < int(name) < 65536:
                raise SealError(f"{source} 第 {number} 行：密钥编号应为 1–65535 的整数或 index")
            keys[int(name)] = key
            current = int(name)
        if not keys or not index_keys:
            raise SealError(f"{source} 中至少要有一个数据密钥和一个 index 密钥")
        return cls(keys=keys, current=current, index_keys=tuple(index_keys))


def new_key_file_text() -> str:
    return f"index:{secrets.token_hex(16)}\n1:{secrets.token_hex(16)}\n"


def key_file_path() -> Path:
    return Path(settings.LIANJIAN_SEAL_KEY_FILE)


def keyring() -> Keyring:
    """The keys, from ``LIANJIAN_SEAL_KEYS`` or the key file (created with fresh keys only for the
    embedded default, ``LIANJIAN_SEAL_KEY_CREATE``)."""
    inline = settings.LIANJIAN_SEAL_KEYS
    if inline:
        cache_key = "inline:" + inline
        if cache_key not in _cache:
            _cache[cache_key] = Keyring.parse(inline, source="LIANJIAN_SEAL_KEYS")
        return _cache[cache_key]
    path = key_file_path()
    with _lock:
        if not path.exists():
            if not settings.LIANJIAN_SEAL_KEY_CREATE:
                raise SealError(f"密钥文件不存在：{path}（设置 LIANJIAN_SEAL_KEY_FILE）")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(new_key_file_text())
        stamp = f"file:{path}:{path.stat().st_mtime_ns}"
        if stamp not in _cache:
            _cache[stamp] = Keyring.parse(path.read_text(), source=str(path))
        return _cache[stamp]


def seal(plaintext: bytes, *, context: str) -> bytes:
    ring = keyring()
    body = crypto.provider.encrypt(ring.keys[ring.current], plaintext, context.encode())
    return bytes([FORMAT]) + ring.current.to_bytes(2, "big") + body


def sealed_key_id(value: bytes | memoryview) -> int:
    return int.from_bytes(bytes(value[1:3]), "big")


def unseal(sealed: bytes | memoryview, *, context: str) -> bytes:
    value = bytes(sealed)
    if len(value) < 3 or value[0] != FORMAT:
        raise SealError("密文格式不可识别")
    ring = keyring()
    key = ring.keys.get(sealed_key_id(value))
    if key is None:
        raise SealError(f"缺少编号为 {sealed_key_id(value)} 的密钥，无法解密")
    try:
        return crypto.provider.decrypt(key, value[3:], context.encode())
    except Exception as exc:  # InvalidTag: wrong key, tampered or moved to another row
        raise SealError("密文无法解密（密钥不符或数据被改动）") from exc


def normalised_name(name: str) -> str:
    """A name as compared for blind indexes: NFKC, no spaces or the middle dot's variants."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·•‧・.").casefold()


def blind_tag(kind: str, value: str, *, key: bytes | None = None) -> str:
    """A keyed tag for ``value`` (``kind`` is ``staff`` or ``name``) under ``key`` (default: the
    current index key): equal values give equal tags, and without the key a tag says nothing."""
    digest = crypto.provider.hmac(key or keyring().index_key, f"{kind}:{value}".encode())
    return digest.hex()[:24]


def person_values(*, staff_no: str = "", name: str = "") -> list[tuple[str, str]]:
    """The ``(kind, value)`` pairs a person's tags are computed from (staff number, normalised name)."""
    values = []
    if staff_no:
        values.append(("staff", staff_no.strip()))
    if normalised_name(name):
        values.append(("name", normalised_name(name)))
    return values


def person_tags(*, staff_no: str = "", name: str = "", every_key: bool = False) -> list[str]:
    """The tags by which a person is found among the people recorded (intervener exclusion): under
    the current index key (what is stored), or with ``every_key`` under each key of the ring (what
    hides things from the person, also while stored tags are still under an older key)."""
    ring = keyring()
    keys = ring.index_keys if every_key else (ring.index_key,)
    values = person_values(staff_no=staff_no, name=name)
    return [blind_tag(kind, value, key=key) for key in keys for kind, value in values]


def tags_key(tags: list[str]) -> str:
    """``|t1|t2|`` for a ``contains`` lookup that works on both databases ("" for none)."""
    return "|" + "|".join(sorted(set(tags))) + "|" if tags else ""
