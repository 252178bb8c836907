"""The registry and DATA_CONTRACT.md §1 agree both ways."""

from __future__ import annotations

from lianjian.ingest.registry import PLANNED_KINDS, REFERENCE_HANDLERS, REGISTRY
from lianjian.ingest.services import STREAMED_KIND

CONTRACT_KINDS = {"unit", "department", "staff", "staff_change", "lawyer", "relation", "power", "event"}


def test_registry_and_contract_list_the_same_kinds() -> None:
    assert set(REGISTRY) | set(PLANNED_KINDS) == CONTRACT_KINDS
    assert not set(REGISTRY) & set(PLANNED_KINDS)


def test_every_kind_but_the_streamed_one_has_a_reference_handler_in_the_same_order() -> None:
    assert [kind for kind in REGISTRY if kind != STREAMED_KIND] == list(REFERENCE_HANDLERS)
    assert STREAMED_KIND in REGISTRY


def test_each_handler_is_registered_under_its_own_kind() -> None:
    assert all(handler.kind == kind for kind, handler in REGISTRY.items())


def test_references_come_before_the_records_that_need_them() -> None:
    order = list(REGISTRY)
    assert order.index("unit") < order.index("department") < order.index("staff")
    assert order.index("staff") < order.index("lawyer") < order.index("relation")
    assert order.index("staff") < order.index("staff_change")
