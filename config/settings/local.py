"""The embedded default: one machine, SQLite under LIANJIAN_HOME, the `lianjian` command."""

from __future__ import annotations

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import LIANJIAN_HOME

SECRET_KEY = env.secret_key(LIANJIAN_HOME)
DEBUG = env.boolean("LIANJIAN_DEBUG", False)
ALLOWED_HOSTS = env.listing("LIANJIAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
