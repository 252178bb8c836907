"""The registry of detector kinds: one line per kind, greppable (STYLE.md §3).

Adding a kind is one module, one line here, one test (``tests/kinds/test_<kind>.py``) and one
doc page (``docs/detectors/<kind>.md``); a contract test holds the four together.
"""

from __future__ import annotations

from lianjian.risk.kinds.authority import Authority
from lianjian.risk.kinds.base import DetectorKind
from lianjian.risk.kinds.comparison import Comparison
from lianjian.risk.kinds.concentration import Concentration
from lianjian.risk.kinds.conflict import Conflict
from lianjian.risk.kinds.key_node import KeyNode
from lianjian.risk.kinds.peer_outlier import PeerOutlier
from lianjian.risk.kinds.sequence import Sequence
from lianjian.risk.kinds.time_limit import TimeLimitKind

REGISTERED: tuple[DetectorKind, ...] = (
    KeyNode(),
    TimeLimitKind(),
    Sequence(),
    Comparison(),
    Authority(),
    Conflict(),
    Concentration(),
    PeerOutlier(),
)

KINDS: dict[str, DetectorKind] = {kind.name: kind for kind in REGISTERED}


def register(kind: DetectorKind) -> None:
    """Add a kind from an app above risk (its AppConfig.ready()); the engine and the rule pages
    then treat it like the built-in ones. Its module, test and doc page live in that app."""
    KINDS.setdefault(kind.name, kind)


__all__ = ["KINDS", "REGISTERED", "register"]
