"""The test suite: the database from LIANJIAN_DATABASE_URL (PostgreSQL round) or SQLite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Tests never touch the user's ~/.lianjian.
os.environ.setdefault("LIANJIAN_HOME", tempfile.mkdtemp(prefix="lianjian-test-home-"))

from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-not-for-any-deployment"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LIANJIAN_AUDIT_KEY = "test-audit-key"
LIANJIAN_SEAL_KEYS = "index:000102030405060708090a0b0c0d0e0f;1:101112131415161718191a1b1c1d1e1f"
LIANJIAN_AUDIT_CHECKPOINT_DIR = Path(tempfile.mkdtemp(prefix="lianjian-checkpoints-"))
# Transactional tests empty the database between tests (lianjian/audit/management/commands/flush.py).
LIANJIAN_AUDIT_FLUSH_ALLOWED = True
