"""The `lianjian` console command: Django's management commands under our settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from config.env import ConfigurationError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line([sys.argv[0], *sys.argv[1:]])
    except ConfigurationError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
