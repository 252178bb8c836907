#!/usr/bin/env python3
"""The two commands of the README, needing only Python 3.11+ and git.

    python3 dev.py demo   set up, then run `lianjian demo` (embedded SQLite, demo data, web UI)
    python3 dev.py test   set up, then run lint, types, the import contract and the test suite
                          on SQLite and on PostgreSQL

Setup is a virtual environment in .venv with the project installed from pyproject.toml; it is
redone only when pyproject.toml changes. It then installs the static assets no PyPI package
carries (Apache ECharts, from the npm registry by package name through the npm client, checked
against a pinned integrity); without npm the dashboards show their figures as tables.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".lianjian-installed"

# Apache ECharts for the dashboards' charts (ARCHITECTURE.md: static assets come from a package
# registry at setup and are served locally). The integrity is the registry's own
# (`npm view echarts@<version> dist.integrity`); the file's digest is that of the tarball's copy.
ECHARTS_VERSION = "5.6.0"
ECHARTS_INTEGRITY = (
    "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="
)
ECHARTS_FILES = {
    "package/dist/echarts.min.js": (
        "echarts.min.js",
        "bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1",
    ),
    "package/LICENSE": ("LICENSE", "634293835b43a6dd2094fa39182a3d9a6b9ca43b7fdb9ac354e8037af2a3093a"),
    "package/NOTICE": ("NOTICE", "fa99ac3af859d0e13166906dc53a73ad34a08898da7e8ae83407275496e9e30c"),
}
ECHARTS_DIR = ROOT / "lianjian" / "dashboard" / "static" / "vendor" / "echarts"


def run(*args: str, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(args), flush=True)
    result = subprocess.run(args, cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _echarts_warning(reason: str) -> None:
    print(
        f"警告：未安装 ECharts（{reason}），工作台的图表将以表格显示。\n"
        f"Warning: ECharts not installed ({reason}); the dashboards show their figures as tables.",
        flush=True,
    )


def install_echarts(target: Path = ECHARTS_DIR) -> bool:
    """Put echarts.min.js (with its LICENSE and NOTICE) under ``target`` from the npm package.

    Skipped when the files are there with the pinned digests. Needs ``npm`` on PATH (the client
    resolves the registry from its own configuration); without it, or when the tarball does not
    match the pinned integrity, it warns and leaves everything as it was. Returns whether the
    files are in place.
    """
    if all(_sha256(target / name) == digest for name, digest in ECHARTS_FILES.values()):
        return True
    npm = shutil.which("npm")
    if npm is None:
        _echarts_warning("未找到 npm / npm not found on PATH")
        return False
    print(f"安装 ECharts {ECHARTS_VERSION}（npm pack）…", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            result = subprocess.run(  # noqa: S603
                [npm, "pack", f"echarts@{ECHARTS_VERSION}", "--silent"],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            _echarts_warning(f"npm pack 失败 / failed: {exc}")
            return False
        tarball = Path(tmp) / f"echarts-{ECHARTS_VERSION}.tgz"
        if result.returncode != 0 or not tarball.is_file():
            _echarts_warning(f"npm pack 失败 / failed: {result.stderr.strip()[-300:]}")
            return False
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if integrity != ECHARTS_INTEGRITY:
            _echarts_warning("安装包校验值不符 / the tarball does not match the pinned integrity")
            return False
        contents: dict[str, bytes] = {}
        with tarfile.open(tarball, "r:gz") as archive:
            for member, (name, digest) in ECHARTS_FILES.items():
                extracted = archive.extractfile(member)
                data = extracted.read() if extracted is not None else b""
                if hashlib.sha256(data).hexdigest() != digest:
                    _echarts_warning(f"{member} 校验值不符 / digest mismatch")
                    return False
                contents[name] = data
    target.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        partial = target / f".{name}.part"
        partial.write_bytes(data)
        partial.replace(target / name)
    print(f"ECharts {ECHARTS_VERSION} 已安装到 {target}", flush=True)
    return True


def setup(*, dev: bool) -> None:
    install_echarts()
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
