#!/usr/bin/env python3
"""The two commands of the README, needing only Python 3.11+ and git.

    python3 dev.py demo   set up, then run `lianjian demo` (embedded SQLite, demo data, web UI)
    python3 dev.py test   set up, then run lint, types, the import contract and the test suite
                          on SQLite and on PostgreSQL

Setup is a virtual environment in .venv with the project installed from pyproject.toml; it is
redone only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".lianjian-installed"


def run(*args: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(args), flush=True)
    result = subprocess.run(args, cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def setup(*, dev: bool) -> None:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = STAMP.read_text() if STAMP.exists() else ""
    if stamp == f"{digest} dev" or (not dev and stamp == f"{digest} base"):
        return
    if not (BIN / "python").exists():
        print("创建虚拟环境 .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = ".[dev]" if dev else "."
    run(str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target)
    STAMP.write_text(f"{digest} {'dev' if dev else 'base'}")


def postgres_url() -> str | None:
    url = os.environ.get("LIANJIAN_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/lianjian")
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return url
    except OSError:
        return None


def test(pytest_args: list[str]) -> None:
    setup(dev=True)
    py = str(BIN / "python")
    run(py, "-m", "ruff", "check", ".")
    run(py, "-m", "ruff", "format", "--check", ".")
    run(py, "-m", "mypy", "config", "lianjian")
    run(str(BIN / "lint-imports"))
    env = {k: v for k, v in os.environ.items() if k != "LIANJIAN_DATABASE_URL"}
    print("\n== 测试套件：SQLite ==", flush=True)
    run(py, "-m", "pytest", *pytest_args, env=env)
    pg = postgres_url()
    if pg is None:
        if os.environ.get("CI"):
            sys.exit("PostgreSQL 未在 127.0.0.1:5432 应答，CI 必须在两种数据库上通过")
        print("\n(PostgreSQL 未应答，跳过 PostgreSQL 轮次 / PostgreSQL not answering: skipped)")
        return
    print("\n== 测试套件：PostgreSQL ==", flush=True)
    run(py, "-m", "pytest", *pytest_args, env={**env, "LIANJIAN_DATABASE_URL": pg})


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs under whatever python3 is
        sys.exit("需要 Python 3.11 或更高版本 (Python 3.11+ is required)")
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "setup"}:
        print(__doc__)
        sys.exit(2)
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "setup":
        setup(dev=True)
    elif command == "demo":
        setup(dev=False)
        lianjian = shutil.which("lianjian", path=str(BIN)) or str(BIN / "lianjian")
        os.execv(lianjian, [lianjian, "demo", *rest])  # noqa: S606
    else:
        test(rest)


if __name__ == "__main__":
    main()
