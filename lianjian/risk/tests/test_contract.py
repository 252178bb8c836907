"""Contract tests of the catalogue: rules ↔ kinds ↔ tests ↔ doc pages, and every canonical code
of DATA_CONTRACT.md §3 raised by some rule."""

from __future__ import annotations

import json
from pathlib import Path

from lianjian.risk.catalogue.rules import STANDARD_RULES, standard_rules
from lianjian.risk.kinds import KINDS, REGISTERED
from lianjian.risk.services import STANDARD_POINTS

ROOT = Path(__file__).resolve().parents[3]
CANONICAL = (
    [f"GX{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10)]
    + [f"XS{n:02d}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)]
    + [f"MS{n:02d}" for n in range(1, 9)]
    + [f"XZ{n:02d}" for n in range(1, 10)]
    + [f"GY{n:02d}" for n in range(1, 11)]
    + ["ZH01", "ZH03"]
)


def test_every_rule_names_a_registered_kind_with_valid_parameters() -> None:
    for spec in STANDARD_RULES:
        assert spec.kind in KINDS, spec.code
        KINDS[spec.kind].parse_params(spec.params)


def test_rule_codes_are_unique_and_their_risk_codes_are_in_the_catalogue() -> None:
    codes = [spec.code for spec in standard_rules()]
    points = {p["code"] for p in json.loads(STANDARD_POINTS.read_text(encoding="utf-8"))}
    assert len(codes) == len(set(codes))
    assert {c for spec in standard_rules() for c in spec.risk_codes} <= points


def test_every_canonical_code_has_a_rule() -> None:
    raised = {c for spec in STANDARD_RULES for c in spec.risk_codes}
    assert sorted(set(CANONICAL) - raised) == []


def test_every_kind_has_a_test_and_a_doc_page_and_is_registered_once() -> None:
    names = [kind.name for kind in REGISTERED]
    assert len(names) == len(set(names))
    for name in KINDS:
        app = type(KINDS[name]).__module__.split(".")[1]  # a kind registered by an app above risk
        assert (ROOT / "lianjian" / app / "tests" / "kinds" / f"test_{name}.py").exists(), name
        assert (ROOT / "docs" / "detectors" / f"{name}.md").exists(), name
        kind = KINDS[name]
        assert kind.label and kind.subject in ("case", "staff") and kind.__doc__


def test_kinds_registered_by_other_apps_have_their_test_and_doc_page_in_that_app() -> None:
    """A kind that an app above risk registers (``lianjian.risk.kinds.register``) is tested in
    that app (``lianjian/<app>/tests/kinds/test_<kind>.py``) and documented like the others."""
    built_in = {kind.name for kind in REGISTERED}
    for name, kind in KINDS.items():
        if name in built_in:
            continue
        app = type(kind).__module__.split(".")[1]
        assert app != "risk", name
        assert (ROOT / "lianjian" / app / "tests" / "kinds" / f"test_{name}.py").exists(), name
        assert (ROOT / "docs" / "detectors" / f"{name}.md").exists(), name
        assert kind.label and kind.subject in ("case", "staff") and kind.__doc__


def test_rules_registered_by_other_apps_name_a_kind_and_known_codes() -> None:
    points = {p["code"] for p in json.loads(STANDARD_POINTS.read_text(encoding="utf-8"))}
    codes = [spec.code for spec in standard_rules()]
    assert len(codes) == len(set(codes))
    for spec in standard_rules():
        assert spec.kind in KINDS, spec.code
        KINDS[spec.kind].parse_params(spec.params)
        assert set(spec.risk_codes) <= points, spec.code


# Detectable points whose rule needs data that is not there yet, and why.
PENDING: dict[str, str] = {}


def test_every_detectable_point_has_a_rule_or_a_stated_reason() -> None:
    points = json.loads(STANDARD_POINTS.read_text(encoding="utf-8"))
    raised = {c for spec in standard_rules() for c in spec.risk_codes}
    detectable = {p["code"] for p in points if p["detectable"]}
    assert sorted(detectable - raised - set(PENDING)) == []
    assert sorted(set(PENDING) & raised) == []  # a pending entry goes once its rule exists


def test_every_detectable_point_of_the_contract_is_marked_detectable() -> None:
    points = {p["code"]: p for p in json.loads(STANDARD_POINTS.read_text(encoding="utf-8"))}
    assert [code for code in CANONICAL if not points[code]["detectable"]] == []
