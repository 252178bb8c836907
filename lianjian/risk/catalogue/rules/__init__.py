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

__all__ = ["STANDARD_RULES"]
