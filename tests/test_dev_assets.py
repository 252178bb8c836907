"""dev.py's asset step: ECharts from the npm package, checked, or a warning and nothing written.

No registry is reached: a stand-in ``npm`` on PATH writes the tarball ``npm pack`` would.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

import dev

JS = b"/* echarts stand-in */ var echarts = {};"
LICENSE = b"Apache License 2.0"
NOTICE = b"Apache ECharts"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tarball(path: Path, js: bytes = JS) -> str:
    """Write a package tarball like the registry's; return its npm integrity string."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in (
            ("package/dist/echarts.min.js", js),
            ("package/LICENSE", LICENSE),
            ("package/NOTICE", NOTICE),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


@pytest.fixture
def pinned(monkeypatch: Any) -> None:
    monkeypatch.setattr(
        dev,
        "ECHARTS_FILES",
        {
            "package/dist/echarts.min.js": ("echarts.min.js", sha256(JS)),
            "package/LICENSE": ("LICENSE", sha256(LICENSE)),
            "package/NOTICE": ("NOTICE", sha256(NOTICE)),
        },
    )


def fake_npm(tmp_path: Path, monkeypatch: Any, source: Path) -> Path:
    """An ``npm`` that copies ``source`` into its working directory as ``npm pack`` names it, and
    logs its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "npm.log"
    script = bin_dir / "npm"
    script.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys\n"
        f"open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        f"shutil.copy({str(source)!r}, 'echarts-{dev.ECHARTS_VERSION}.tgz')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return log


def test_installs_the_checked_files(tmp_path: Path, monkeypatch: Any, pinned: None) -> None:
    source = tmp_path / "source.tgz"
    monkeypatch.setattr(dev, "ECHARTS_INTEGRITY", tarball(source))
    log = fake_npm(tmp_path, monkeypatch, source)
    target = tmp_path / "static" / "vendor" / "echarts"

    assert dev.install_echarts(target) is True
    assert (target / "echarts.min.js").read_bytes() == JS
    assert (target / "LICENSE").read_bytes() == LICENSE
    assert (target / "NOTICE").read_bytes() == NOTICE
    assert log.read_text() == f"pack echarts@{dev.ECHARTS_VERSION} --silent\n"

    # Installed with the right digests: a second run does not call npm.
    assert dev.install_echarts(target) is True
    assert log.read_text().count("pack") == 1


def test_a_tarball_that_does_not_match_the_pinned_integrity_is_refused(
    tmp_path: Path, monkeypatch: Any, pinned: None, capsys: Any
) -> None:
    source = tmp_path / "source.tgz"
    tarball(source)
    monkeypatch.setattr(dev, "ECHARTS_INTEGRITY", "sha512-" + "A" * 86 + "==")
    fake_npm(tmp_path, monkeypatch, source)
    target = tmp_path / "echarts"

    assert dev.install_echarts(target) is False
    assert not target.exists()
    assert "校验值不符" in capsys.readouterr().out


def test_a_file_that_does_not_match_its_digest_is_refused(
    tmp_path: Path, monkeypatch: Any, pinned: None, capsys: Any
) -> None:
    source = tmp_path / "source.tgz"
    monkeypatch.setattr(dev, "ECHARTS_INTEGRITY", tarball(source, js=b"tampered"))
    fake_npm(tmp_path, monkeypatch, source)
    target = tmp_path / "echarts"

    assert dev.install_echarts(target) is False
    assert not target.exists()
    assert "echarts.min.js 校验值不符" in capsys.readouterr().out


def test_without_npm_setup_warns_and_carries_on(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    target = tmp_path / "echarts"

    assert dev.install_echarts(target) is False
    assert not target.exists()
    out = capsys.readouterr().out
    assert "未安装 ECharts" in out
    assert "show their figures as tables" in out


def test_the_project_names_no_registry_host() -> None:
    text = Path(dev.__file__).read_text(encoding="utf-8")
    assert "registry.npmjs.org" not in text
    assert "http" not in text
