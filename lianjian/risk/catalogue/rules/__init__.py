"""The standard rules, one module per detector kind (installed by ``risk_catalogue_install``)."""

from __future__ import annotations

from lianjian.risk.catalogue.rules import (
    authority,
    comparison,
    concentration,
    conflict,
    key_node,
    peer_outlier,
    sequence,
    time_limit,
)
from lianjian.risk.catalogue.spec import RuleSpec

STANDARD_RULES: list[RuleSpec] = [
    *key_node.RULES,
    *time_limit.RULES,
    *sequence.RULES,
    *comparison.RULES,
    *authority.RULES,
    *conflict.RULES,
    *concentration.RULES,
    *peer_outlier.RULES,
]

# Rules that apps above risk contribute with their own kinds (the interference register's GX05
# and compliance watch), registered from their AppConfig.ready() by :func:`register_rules`.
EXTENSION_RULES: list[RuleSpec] = []


def register_rules(specs: list[RuleSpec]) -> None:
    have = {spec.code for spec in (*STANDARD_RULES, *EXTENSION_RULES)}
    EXTENSION_RULES.extend(spec for spec in specs if spec.code not in have)


def standard_rules() -> list[RuleSpec]:
    """Every rule ``risk_catalogue_install`` installs: the standard ones and the extensions."""
    return [*STANDARD_RULES, *EXTENSION_RULES]


__all__ = ["EXTENSION_RULES", "STANDARD_RULES", "register_rules", "standard_rules"]
