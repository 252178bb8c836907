"""Preparing the demo: the generator's data through the importer, one account per role."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from lianjian.accounts import services as accounts
from lianjian.accounts.choices import DataScope, Role
from lianjian.accounts.models import User
from lianjian.cases.models import Case
from lianjian.dashboard.demo import (
    DEMO_ACCOUNTS,
    DEMO_AS_OF,
    DEMO_CHANGES_SOURCE_NAME,
    DEMO_CONFIG,
    DEMO_PASSWORD,
    DEMO_SOURCE_NAME,
    DEMO_TRUTH_NAME,
    DemoPost,
)
from lianjian.ingest.generator.writer import Generator, GeneratorConfig
from lianjian.ingest.services import BatchResult, import_batch_run
from lianjian.interference.demo import register_demo
from lianjian.org.choices import UnitLevel
from lianjian.org.models import Department, Staff, Unit


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    scope: str
    staff: str


@dataclass
class DemoTruth:
    """The ground truth written beside the demo data: where, and how many lines of each kind."""

    path: Path
    must_raise: int = 0
    must_not_raise: int = 0
    codes: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class DemoResult:
    accepted: bool
    summary: str
    errors: list[str]
    accounts: list[DemoAccount]
    password: str
    truth: DemoTruth | None = None


def demo_staff_for(post: DemoPost, picked: dict[str, Staff | None]) -> Staff | None:
    """The person in ``post`` (see :class:`DemoPost`): in post, the most cases, then the lowest 工号."""
    people = Staff.objects.filter(left_on__isnull=True, position=post.position).select_related(
        "unit", "department"
    )
    anchor = picked.get(post.in_department_of or post.in_unit_of)
    if post.in_department_of:
        if anchor is None or anchor.department_id is None:
            return None
        people = people.filter(department_id=anchor.department_id)
    elif post.in_unit_of:
        if anchor is None:
            return None
        people = people.filter(unit_id=anchor.unit_id)
    else:
        unit = Unit.objects.filter(level=post.level).order_by("code").first()
        people = people.filter(unit=unit)
    if post.department_kind:
        people = people.filter(department__kind=post.department_kind)
    handled = dict(
        Case.objects.filter(prosecutor__in=people)
        .order_by()
        .values_list("prosecutor")
        .annotate(total=Count("pk"))
        .values_list("prosecutor", "total")
    )
    ranked = sorted(people, key=lambda person: (-handled.get(person.pk, 0), person.staff_no))
    return ranked[0] if ranked else None


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccount]:
    """Create each demo account with its role unless it exists; return them all.

    An existing account is left as it is (a second `lianjian demo` changes nothing). A new one is
    linked to the person :func:`demo_staff_for` finds for its post and its scope is anchored at
    that person's unit (and department, for a department scope).
    """
    accounts_out: list[DemoAccount] = []
    picked: dict[str, Staff | None] = {}
    for spec in DEMO_ACCOUNTS:
        user = User.objects.filter(username=spec.username).select_related("staff__unit").first()
        if user is None:
            staff = demo_staff_for(spec.post, picked) if spec.post else None
            if spec.post and staff is None:
                raise LookupError(f"演示组织中找不到账号 {spec.username} 对应的人员")
            user = accounts.user_create(
                actor=None,
                username=spec.username,
                display_name=staff.name if staff else str(Role(spec.role).label),
                staff=staff,
                password=DEMO_PASSWORD,
            )
            unit = staff.unit if staff else None
            department: Department | None = (
                staff.department if staff and spec.scope == DataScope.DEPARTMENT else None
            )
            accounts.role_grant_system(
                user=user, role=spec.role, scope=spec.scope, unit=unit, department=department
            )
        picked[spec.username] = user.staff
        accounts_out.append(
            DemoAccount(
                username=spec.username,
                role=str(Role(spec.role).label),
                scope=str(DataScope(spec.scope).label),
                staff=f"{user.staff.name}（{user.staff.unit.name}）" if user.staff else "—",
            )
        )
    return accounts_out


def _demo_lines(generator: Generator, truth_file: IO[str], truth: DemoTruth) -> Iterator[str]:
    """The run's lines one by one (reference records, then each case's events), truth aside."""
    yield from generator.reference_lines()
    for text, truth_text, _count, truth_lines in generator.case_chunks():
        yield from text.splitlines()
        if truth_text:
            truth_file.write(truth_text)
            for line in truth_lines:
                if line["kind"] == "must_raise":
                    truth.must_raise += 1
                    truth.codes.add(line["risk_code"])
                else:
                    truth.must_not_raise += 1


def _rejected(batch: BatchResult) -> DemoResult:
    return DemoResult(False, "", [f"{issue.as_dict()}" for issue in batch.issues], [], DEMO_PASSWORD)


def demo_load(*, config: GeneratorConfig = DEMO_CONFIG, truth_path: Path | None = None) -> DemoResult:
    """Import the generated demo data in one batch (idempotent) and make sure the accounts exist.

    The lines stream from the generator into ``import_batch_run``; the ground truth goes to
    ``truth_path`` (default ``LIANJIAN_HOME/demo.truth.jsonl``). Run again, the batch finds
    everything unchanged and the accounts are kept.
    """
    generator = Generator(config)
    truth = DemoTruth(truth_path or Path(settings.LIANJIAN_HOME) / DEMO_TRUTH_NAME)
    truth.path.parent.mkdir(parents=True, exist_ok=True)
    with truth.path.open("w", encoding="utf-8", newline="\n") as truth_file:
        truth_file.write(json.dumps(generator.meta(), ensure_ascii=False) + "\n")
        result = import_batch_run(
            actor=None,
            source_name=DEMO_SOURCE_NAME,
            lines_or_reader=_demo_lines(generator, truth_file, truth),
        )
    if not result.is_accepted:
        return _rejected(result)
    try:
        demo_accounts = demo_accounts_ensure()
        register = register_demo(as_of=DEMO_AS_OF)  # the interference register's records and reports
    except LookupError as exc:
        return DemoResult(False, "", [str(exc)], [], DEMO_PASSWORD)
    if register.staff_changes:
        changes = import_batch_run(
            actor=None,
            source_name=DEMO_CHANGES_SOURCE_NAME,
            lines_or_reader=[json.dumps(line, ensure_ascii=False) for line in register.staff_changes],
        )
        if not changes.is_accepted:
            return _rejected(changes)
    created = sum(kind.get("created", 0) for kind in result.counts.values())
    unchanged = sum(kind.get("unchanged", 0) for kind in result.counts.values())
    levels = Counter(Unit.objects.values_list("level", flat=True))
    summary = (
        f"单位 {sum(levels.values())} 个（省级 {levels[UnitLevel.PROVINCE]}、市级 {levels[UnitLevel.CITY]}、"
        f"县级 {levels[UnitLevel.COUNTY]}），部门 {Department.objects.count()} 个，"
        f"人员 {Staff.objects.count()} 人，案件 {Case.objects.count():,} 件"
        f"（本次新增 {created:,} 条记录，未变 {unchanged:,} 条）"
        + (f"；{register.summary}" if register.records else "")
    )
    return DemoResult(True, summary, [], demo_accounts, DEMO_PASSWORD, truth)
