"""Benchmark: the staff list under different data scopes (issue 2 §4 and §6), at province scale.

Imports the province of ``province.py`` (150 units, 8,000 staff) into a fresh database, creates
one user per scope below, and requests through Django's test client (``force_login``, the whole
middleware stack, templates rendered):

- ``/org/staff/`` — the first page (20 rows) with the unit/department tree;
- ``/org/staff/?unit=<city>`` — the first page narrowed to city 620100 and its counties;
- ``/org/staff/?unit=<city>&export=xlsx`` — the Excel export of that city's staff.

Each request is made once to warm up, then 20 times; the figures are the median and the
slowest of the 20, and the statements one request sends.

Users: 承办检察官 of county 620101 (本人), 部门负责人 of its 第一检察部 (本部门), 检务督察 of city
620100 (本院及下级), 政治部 of the province (本院及下级), 院领导 with 全部.

    .venv/bin/python bench/scope_lists.py [--repeat 20] [--profile] [--json]
        [--database-url postgres://postgres@127.0.0.1:5432/]
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from harness import (
    arguments,
    bench_database,
    machine,
    measure,
    print_json,
    print_table,
    profile_text,
    time_requests,
)
from province import province_import

CITY = "620100"
COUNTY = "620101"


@dataclass(frozen=True)
class Persona:
    label: str
    username: str
    role: str
    scope: str
    unit: str  # the anchor unit
    staff_position: str
    staff_department: str
    department_scope: bool = False


PERSONAS = (
    Persona("承办检察官·本人 (county SELF)", "prosecutor", "PROSECUTOR", "SELF", COUNTY, "PROSECUTOR", ""),
    Persona(
        "部门负责人·本部门 (DEPARTMENT)", "head", "DEPT_HEAD", "DEPARTMENT", COUNTY, "DEPT_HEAD", "D01", True
    ),
    Persona(
        "检务督察·本院及下级 (city)", "inspector", "INSPECTION", "UNIT_AND_BELOW", CITY, "DEPT_HEAD", "D30"
    ),
    Persona(
        "政治部·本院及下级 (province)",
        "political",
        "POLITICAL",
        "UNIT_AND_BELOW",
        "620000",
        "DEPT_HEAD",
        "D40",
    ),
    Persona("院领导·全部 (ALL)", "leader", "LEADER", "ALL", "620000", "CHIEF", ""),
)


def _create_user(persona: Persona) -> Any:
    """A user linked to a staff member of the anchor unit, with one role assignment."""
    from lianjian.accounts.models import RoleAssignment, User
    from lianjian.org.models import Department, Staff, Unit

    unit = Unit.objects.get(code=persona.unit)
    staff_query = Staff.objects.filter(unit=unit, position=persona.staff_position).order_by("staff_no")
    if persona.staff_department:
        staff_query = staff_query.filter(department__code=persona.staff_department)
    staff = staff_query.first()
    if staff is None:
        raise SystemExit(f"no {persona.staff_position} in {persona.unit} for {persona.username}")
    user = User.objects.create_user(persona.username, password=None, display_name=staff.name, staff=staff)
    department = (
        Department.objects.get(unit=unit, code=persona.staff_department) if persona.department_scope else None
    )
    RoleAssignment.objects.create(
        user=user,
        role=persona.role,
        scope=persona.scope,
        unit=None if persona.scope == "ALL" else unit,
        department=department,
    )
    return user


def _visible(user: Any, unit_code: str) -> int:
    from lianjian.org import selectors

    org = selectors.org_filter_for(user, unit_code=unit_code)
    return selectors.staff_search(user, org=org).count()


def _tree_cost(user: Any, repeat: int) -> dict[str, Any]:
    """The side tree alone: building it (two queries) and rendering shell/_tree.html."""
    from django.template.loader import render_to_string

    from lianjian.org import selectors

    def build() -> Any:
        return selectors.org_tree_for(user, url_for=lambda kind, key: f"/org/staff/?{kind}={key}")

    def count(nodes: Any) -> int:
        return sum(1 + count(node.children) for node in nodes)

    tree = build()
    render_to_string("shell/_tree.html", {"nodes": tree})
    built, rendered = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        tree = build()
        built.append(time.perf_counter() - started)
        started = time.perf_counter()
        html = render_to_string("shell/_tree.html", {"nodes": tree})
        rendered.append(time.perf_counter() - started)
    return {
        "nodes": count(tree),
        "build_median_ms": statistics.median(built) * 1000,
        "render_median_ms": statistics.median(rendered) * 1000,
        "bytes": len(html.encode()),
    }


def main() -> None:
    options = arguments(
        __doc__.splitlines()[0],
        lambda parser: (
            parser.add_argument("--repeat", type=int, default=20, help="timed requests per URL"),
            parser.add_argument(
                "--profile",
                action="store_true",
                help="also print cProfile's top functions of the 全部 user's first list page",
            ),
        ),
    )
    results: list[dict[str, Any]] = []
    with bench_database("scope_lists", options.database_url) as db:
        from django.test import Client

        setup = measure(province_import)
        users = [(persona, _create_user(persona)) for persona in PERSONAS]
        for persona, user in users:
            client = Client()
            client.force_login(user)
            for page, url, unit in (
                ("list, first page", "/org/staff/", ""),
                (f"list, ?unit={CITY}", f"/org/staff/?unit={CITY}", CITY),
                (f"Excel export, ?unit={CITY}", f"/org/staff/?unit={CITY}&export=xlsx", CITY),
            ):
                figures, response = time_requests(client, url, options.repeat)
                if figures["status"] != 200:
                    raise SystemExit(f"{url}: HTTP {figures['status']}")
                figures["rows_on_page"] = response.content.count(b'data-testid="staff-link"')
                results.append(
                    {
                        "user": persona.label,
                        "page": page,
                        "url": url,
                        "visible": _visible(user, unit),
                        **figures,
                    }
                )
        trees = [{"user": persona.label, **_tree_cost(user, options.repeat)} for persona, user in users]
        label = db.label
        profiled = ""
        if options.profile:
            client = Client()
            client.force_login(users[-1][1])
            client.get("/org/staff/")
            profiled = profile_text(lambda: client.get("/org/staff/"), limit=30)

    print(f"scope_lists — {label}; province imported in {setup.seconds:.1f} s ({setup.result:,} records)")
    print_table(
        f"staff list through the test client: median and slowest of {options.repeat} requests "
        "after one warm-up",
        ["user (scope)", "page", "rows in scope", "median ms", "max ms", "SQL ms", "queries", "KiB"],
        [
            [
                row["user"],
                row["page"],
                row["visible"],
                row["median_ms"],
                row["max_ms"],
                row["sql_median_ms"],
                row["queries"]
                if row["queries_min"] == row["queries_max"]
                else f"{row['queries_min']}–{row['queries_max']}",
                row["bytes"] / 1024,
            ]
            for row in results
        ],
    )
    print_table(
        f"where a list page's time goes: the side tree alone, median of {options.repeat}",
        ["user (scope)", "tree nodes", "build ms (org_tree_for)", "render ms (shell/_tree.html)", "KiB"],
        [
            [row["user"], row["nodes"], row["build_median_ms"], row["render_median_ms"], row["bytes"] / 1024]
            for row in trees
        ],
    )
    if profiled:
        print(f"\ncProfile of one /org/staff/ for {PERSONAS[-1].label} (top functions by own time):")
        print(profiled)
    if options.json:
        print_json(
            {
                "benchmark": "scope_lists",
                "database": label,
                "machine": machine(),
                "repeat": options.repeat,
                "results": results,
                "tree": trees,
            }
        )


if __name__ == "__main__":
    main()
