"""Typed readers of the environment that fail loudly (STYLE.md §1).

Every setting that differs between machines comes from a ``LIANJIAN_*`` variable read here, so
that a misspelt or malformed value stops the process with a Chinese message instead of running
with a silent default.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url


class ConfigurationError(RuntimeError):
    """A setting in the environment is missing or malformed."""


def text(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigurationError(f"缺少环境变量 {name} (missing environment variable {name})")
        return default
    return value


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"环境变量 {name} 应为整数，实为 {raw!r}") from exc


def boolean(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"环境变量 {name} 应为 true/false，实为 {raw!r}")


def listing(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def home() -> Path:
    """``LIANJIAN_HOME``: where the embedded database, keys and checkpoints live."""
    path = Path(os.environ.get("LIANJIAN_HOME") or Path.home() / ".lianjian").expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database(default_path: Path) -> dict[str, Any]:
    """``LIANJIAN_DATABASE_URL`` (``sqlite:///PATH`` or ``postgres://…``), else SQLite in the home.

    SQLite runs in WAL mode with IMMEDIATE transactions and a busy timeout: with the default
    deferred mode concurrent writers fail with "database is locked" (ARCHITECTURE.md).
    """
    url = os.environ.get("LIANJIAN_DATABASE_URL") or f"sqlite:///{default_path}"
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    except Exception as exc:
        raise ConfigurationError(f"LIANJIAN_DATABASE_URL 无法解析：{url!r}") from exc
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    elif engine == "django.db.backends.postgresql":
        config.setdefault("OPTIONS", {})
    else:
        raise ConfigurationError(f"不支持的数据库：{engine}（只支持 SQLite 与 PostgreSQL）")
    return config


def secret_key(home_dir: Path) -> str:
    """``LIANJIAN_SECRET_KEY``, else a key generated once and kept in the home (embedded default)."""
    value = os.environ.get("LIANJIAN_SECRET_KEY")
    if value:
        return value
    path = home_dir / "secret.key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def queue(default_path: Path) -> str:
    """``LIANJIAN_QUEUE_URL`` (``sqlite:///PATH`` or ``redis://HOST:PORT/DB``), else SQLite in the home.

    The SQLite queue needs no server: ``lianjian serve`` runs its worker on threads of its own
    process. Redis is for production with ``lianjian worker`` processes on several machines.
    """
    url = os.environ.get("LIANJIAN_QUEUE_URL") or f"sqlite:///{default_path}"
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return url
    if url.startswith(("redis://", "rediss://")):
        return url
    raise ConfigurationError(
        f"LIANJIAN_QUEUE_URL 无法识别：{url!r}（应为 sqlite:///路径 或 redis://主机:端口/库号）"
    )
