"""The demo of `lianjian demo`: the generator's data for a few thousand cases, one account per role.

The data is ``lianjian generate``'s (lianjian/ingest/generator), sized for a demo: a province
unit, two city units and four county units with their departments, about 130 staff with positions
and post history, lawyers and firms, relations, the province's power list with local lines, and
3,000 cases with their events — every canonical risk situation of DATA_CONTRACT.md §3 injected at
least once, with benign look-alikes and the ground truth. The records go through the same importer
as real data. The demo accounts are given to people of the generated organisation, found by their
post (unit level, department kind, position), not by code.
"""

from __future__ import annotations

from dataclasses import dataclass

from lianjian.ingest.generator.timeline import AS_OF as GENERATOR_AS_OF
from lianjian.ingest.generator.writer import GeneratorConfig

# 3,000 cases at a 10 % rate: 150 injections, more than the 91 of the situation cycle, so every
# risk code of §3 occurs; compact staffing keeps the organisation at about 130 people.
DEMO_CONFIG = GeneratorConfig(cases=3000, seed=2026, risk_rate=0.1, counties=4, cities=2, compact=True)
DEMO_SOURCE_NAME = "演示数据.jsonl"
DEMO_CHANGES_SOURCE_NAME = "演示数据-记录人岗位变动.jsonl"  # the register demo's retaliation situation
# The generator's data end at its "as of"; the demo's detection takes the same time as now, so
# that its 超期/临期 alerts are the ones the ground truth lists.
DEMO_AS_OF = GENERATOR_AS_OF
DEMO_TRUTH_NAME = "demo.truth.jsonl"  # written under LIANJIAN_HOME
DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - printed to the operator by `lianjian demo`


@dataclass(frozen=True)
class DemoPost:
    """Who holds a demo account: a post in the generated organisation.

    The unit is the first unit of ``level`` by code, or the unit of the account ``in_unit_of``;
    the person is the one in post there with ``position`` in a department of ``department_kind``
    ("" for any department), or in the department of the account ``in_department_of``. Among
    several, the one who handles the most cases, then the lowest 工号.
    """

    level: str = ""
    department_kind: str = ""
    position: str = ""
    in_unit_of: str = ""
    in_department_of: str = ""


@dataclass(frozen=True)
class DemoAccountSpec:
    """One demo account: its role, data scope and post (``None``: an unlinked administrator)."""

    username: str
    role: str
    scope: str
    post: DemoPost | None


# One demo account per role, in the order they are picked (later posts may refer to earlier ones).
DEMO_ACCOUNTS: tuple[DemoAccountSpec, ...] = (
    DemoAccountSpec("prosecutor", "PROSECUTOR", "SELF", DemoPost("COUNTY", "CRIMINAL", "PROSECUTOR")),
    DemoAccountSpec(
        "depthead", "DEPT_HEAD", "DEPARTMENT", DemoPost(position="DEPT_HEAD", in_department_of="prosecutor")
    ),
    DemoAccountSpec("leader", "LEADER", "UNIT_AND_BELOW", DemoPost("CITY", "", "CHIEF")),
    DemoAccountSpec(
        "casemgmt", "CASE_MANAGEMENT", "UNIT_AND_BELOW", DemoPost("PROVINCE", "CASE_MANAGEMENT", "DEPT_HEAD")
    ),
    DemoAccountSpec("inspector", "INSPECTION", "UNIT_AND_BELOW", DemoPost("CITY", "INSPECTION", "DEPT_HEAD")),
    DemoAccountSpec(
        "discipline",
        "DISCIPLINE",
        "UNIT",
        DemoPost(department_kind="DISCIPLINE", position="DEPT_HEAD", in_unit_of="prosecutor"),
    ),
    DemoAccountSpec(
        "political", "POLITICAL", "UNIT_AND_BELOW", DemoPost("PROVINCE", "POLITICAL", "DEPT_HEAD")
    ),
    DemoAccountSpec("sysadmin", "SYSTEM_ADMIN", "ALL", None),
    DemoAccountSpec("secadmin", "SECURITY_ADMIN", "ALL", None),
    DemoAccountSpec("auditadmin", "AUDIT_ADMIN", "ALL", None),
)
