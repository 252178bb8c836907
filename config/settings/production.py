"""Production: PostgreSQL, explicit secret and hosts, no insecure default (STYLE.md §6)."""

from __future__ import annotations

import os

from config import env
from config.settings.base import *  # noqa: F403

SECRET_KEY = env.text("LIANJIAN_SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.listing("LIANJIAN_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise env.ConfigurationError("生产环境必须设置 LIANJIAN_ALLOWED_HOSTS")
LIANJIAN_AUDIT_KEY = env.text("LIANJIAN_AUDIT_KEY")
# The register's keys must be provided (a key file or inline), never created on the fly.
LIANJIAN_SEAL_KEY_CREATE = False
if not (env.text("LIANJIAN_SEAL_KEYS", "") or os.environ.get("LIANJIAN_SEAL_KEY_FILE")):
    raise env.ConfigurationError(
        "生产环境必须设置 LIANJIAN_SEAL_KEY_FILE 或 LIANJIAN_SEAL_KEYS（“三个规定”记录的加密密钥）"
    )
SESSION_COOKIE_SECURE = env.boolean("LIANJIAN_HTTPS", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
