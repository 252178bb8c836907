"""Who reads which audit events: the data scope of ``Perm.AUDIT_VIEW``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lianjian.audit.selectors import audit_events_visible_to
from lianjian.audit.services import audit_record
from lianjian.audit.tests.helpers import Actor
from lianjian.common.permissions import Perm
from lianjian.common.scope import Scope

pytestmark = pytest.mark.django_db

COUNTY = Actor(pk=1, name="城关区", audit_unit_code="620102", audit_unit_path="/620000/620100/620102/")
CITY = Actor(pk=2, name="兰州市", audit_unit_code="620100", audit_unit_path="/620000/620100/")
OTHER_CITY_COUNTY = Actor(
    pk=3, name="嘉峪关", audit_unit_code="620201", audit_unit_path="/620000/620200/620201/"
)
# A sibling whose code starts like 620100's: the trailing "/" keeps it out of 620100's subtree.
LOOKALIKE = Actor(pk=4, name="相似编码", audit_unit_code="6201001", audit_unit_path="/620000/6201001/")


@dataclass
class Reader:
    granted: Scope
    asked: list[Perm]

    def scope(self, perm: Perm) -> Scope:
        self.asked.append(perm)
        return self.granted


@pytest.fixture
def events() -> None:
    for actor in (COUNTY, CITY, OTHER_CITY_COUNTY, LOOKALIKE, None):
        audit_record(actor=actor, action="org.staff.update")


def _actors(reader: Reader) -> list[str]:
    return list(audit_events_visible_to(reader).values_list("actor_name", flat=True))


def test_scope_all_sees_every_event_newest_first(events: None) -> None:
    reader = Reader(Scope(everything=True), [])

    assert _actors(reader) == ["系统", "相似编码", "嘉峪关", "兰州市", "城关区"]
    assert reader.asked == [Perm.AUDIT_VIEW]


def test_a_subtree_scope_sees_the_events_of_actors_in_the_subtree(events: None) -> None:
    reader = Reader(Scope(subtree_paths=("/620000/620100/",)), [])

    assert _actors(reader) == ["兰州市", "城关区"]


def test_several_subtrees_give_the_union(events: None) -> None:
    reader = Reader(Scope(subtree_paths=("/620000/620100/620102/", "/620000/620200/")), [])

    assert _actors(reader) == ["嘉峪关", "城关区"]


@pytest.mark.parametrize(
    "scope",
    [
        Scope(),
        Scope(unit_ids=frozenset({1})),
        Scope(department_ids=frozenset({1})),
        Scope(staff_ids=frozenset({1})),
    ],
)
def test_no_scope_or_a_narrow_scope_sees_nothing(events: None, scope: Scope) -> None:
    assert _actors(Reader(scope, [])) == []
