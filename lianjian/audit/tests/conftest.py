"""Fixtures of the audit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def checkpoint_dir(settings: Any, tmp_path: Path) -> Path:
    """Each test starts with no checkpoint (the suite-wide directory is shared)."""
    directory = tmp_path / "checkpoints"
    settings.LIANJIAN_AUDIT_CHECKPOINT_DIR = directory
    return directory
