"""The register's detector kinds and rules, added to the detection engine from
:meth:`InterferenceConfig.ready` (risk sits below this app and cannot import it).

- :mod:`.record_link` — a record linked to a case (GX05, for 检务督察 only) and the clue
  categories RC-05/RC-06 (R-3G-01);
- :mod:`.watch` — the compliance watch for 纪检监察 only (R-3G-02, R-3G-03, R-3G-04, retaliation).
"""

from __future__ import annotations


def register_all() -> None:
    from lianjian.interference.kinds import record_link, watch
    from lianjian.risk.catalogue.rules import register_rules
    from lianjian.risk.explain import register_explainer
    from lianjian.risk.kinds import register

    for module in (record_link, watch):
        for kind in module.KINDS:
            register(kind)
        register_rules(module.RULES)
        for name, explainer in getattr(module, "EXPLAINERS", {}).items():
            register_explainer(name, explainer)
