"""The parameter models of every kind: described in Chinese for the rule pages."""

from __future__ import annotations

from typing import Any

from lianjian.risk.kinds import REGISTERED


def _chinese(text: str | None) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text or "")


def _undescribed(node: dict[str, Any], name: str) -> list[str]:
    return [
        f"{name}.{field}"
        for field, spec in node.get("properties", {}).items()
        if not _chinese(spec.get("description"))
    ]


def test_every_parameter_and_nested_parameter_has_a_chinese_description() -> None:
    missing: list[str] = []
    for kind in REGISTERED:
        schema = kind.Params.model_json_schema()
        missing += _undescribed(schema, kind.name)
        for name, node in schema.get("$defs", {}).items():
            missing += _undescribed(node, f"{kind.name}:{name}")
    assert missing == []
