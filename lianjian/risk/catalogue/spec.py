"""The shape of a standard rule in the catalogue's code (installed by ``risk_catalogue_install``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RuleSpec:
    """A standard rule: a kind with parameters, the risk codes it raises, level and recipients.

    ``code`` is ``R-`` plus the risk code and, where one code has several rules, a suffix
    (``R-GX08-ARREST``). ``level`` is NOTICE / WARNING / SUPERVISED; ``recipients`` are
    ``Recipient`` values (HANDLER, DEPT_HEAD, LEADER, CASE_MANAGEMENT, INSPECTION, DISCIPLINE).
    """

    code: str
    name: str
    kind: str
    risk_codes: tuple[str, ...]
    params: dict[str, Any]
    level: str = "NOTICE"
    recipients: tuple[str, ...] = ("HANDLER", "DEPT_HEAD")
    description: str = ""
    audience: str = ""  # a permission code: only its holders see the alerts (Rule.audience)
    extra: dict[str, Any] = field(default_factory=dict)
