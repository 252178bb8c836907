"""(filled in by its area)"""

from __future__ import annotations

from lianjian.risk.catalogue.spec import RuleSpec
from lianjian.risk.kinds.base import DetectorKind

KINDS: list[DetectorKind] = []
RULES: list[RuleSpec] = []
