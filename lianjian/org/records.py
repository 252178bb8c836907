"""The organisation's records of DATA_CONTRACT.md §1 and the handlers that import them.

``unit``, ``department``, ``staff``, ``staff_change``, ``lawyer``, ``relation`` and ``power``:
each is a pydantic model (field titles are the Chinese names used in messages and accepted as
table headers) and a handler implementing :class:`lianjian.common.records.RecordHandler`, listed
in ``lianjian.ingest.registry``. Handlers compare records with the database in *contract values*
(codes, not surrogate keys), so a record imported again with the same content is "unchanged"
and writes nothing; every row created or updated gets an audit event in the batch's transaction.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from django.db import models
from pydantic import BeforeValidator, Field, StringConstraints, field_validator

from lianjian.audit.services import AuditEntry, audit_record_many
from lianjian.common.records import (
    ContractBool,
    ContractDate,
    Key,
    KindPlan,
    Located,
    RecordContext,
    RecordModel,
)
from lianjian.org.choices import (
    Decision,
    DepartmentKind,
    NonProsecutionKind,
    RelationKind,
    RelationOtherKind,
    StaffChangeKind,
    StaffPosition,
    UnitLevel,
)
from lianjian.org.models import Department, LawFirm, Lawyer, PowerRule, Relation, Staff, StaffChange, Unit

CHUNK = 500  # keys per IN (...) query: well below SQLite's variable limit


# Lengths are the database columns' (PostgreSQL enforces them; SQLite would not).
UnitCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_.\-]+$")]
"""A unit code becomes part of the unit's path, so it may not contain "/"."""
Code32 = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Code40 = Annotated[str, StringConstraints(min_length=1, max_length=40)]
Code64 = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Name50 = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Name100 = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def _split_list(value: Any) -> Any:
    """Positions in a table cell: ``CHIEF,DEPUTY_CHIEF`` (also 、，; and spaces as separators)."""
    if isinstance(value, str):
        for separator in "、，;；":
            value = value.replace(separator, ",")
        return [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
    return value


# --- records ------------------------------------------------------------------------------------


class UnitRecord(RecordModel):
    code: UnitCode = Field(title="单位编码")
    name: Name100 = Field(title="单位名称")
    level: UnitLevel = Field(title="层级")
    parent: UnitCode | None = Field(default=None, title="上级单位编码")


class DepartmentRecord(RecordModel):
    unit: UnitCode = Field(title="单位编码")
    code: Code32 = Field(title="部门编码")
    name: Name100 = Field(title="部门名称")
    kind: DepartmentKind = Field(title="部门类别")


class StaffRecord(RecordModel):
    id: Code32 = Field(title="工号")
    name: Name50 = Field(title="姓名")
    unit: UnitCode = Field(title="单位编码")
    department: Code32 | None = Field(default=None, title="部门编码")
    position: StaffPosition = Field(title="职务")
    is_quota_prosecutor: ContractBool = Field(default=False, title="员额检察官")
    joined_on: ContractDate | None = Field(default=None, title="入职日期")
    left_on: ContractDate | None = Field(default=None, title="离职日期")


class StaffChangeRecord(RecordModel):
    id: Code40 = Field(title="变动编号")
    staff: Code32 = Field(title="工号")
    effective_on: ContractDate = Field(title="生效日期")
    change: StaffChangeKind = Field(title="变动类型")
    unit: UnitCode | None = Field(default=None, title="新单位编码")
    department: Code32 | None = Field(default=None, title="新部门编码")
    position: StaffPosition | None = Field(default=None, title="新职务")


class LawyerRecord(RecordModel):
    id: Code32 = Field(title="执业证号")
    name: Name50 = Field(title="姓名")
    firm_id: Code32 | None = Field(default=None, title="统一社会信用代码")
    firm_name: Name100 | None = Field(default=None, title="律师事务所")
    former_staff: Code32 | None = Field(default=None, title="原检察人员工号")


class RelationRecord(RecordModel):
    id: Code40 = Field(title="关系编号")
    staff: Code32 = Field(title="工号")
    other_kind: RelationOtherKind = Field(title="对方类别")
    other: Code64 = Field(title="对方标识")
    other_name: Name50 | None = Field(default=None, title="对方姓名")
    relation: RelationKind = Field(title="关系")


class PowerRecord(RecordModel):
    unit: UnitCode = Field(title="单位编码")
    decision: Decision = Field(title="决定类型")
    kind: NonProsecutionKind | None = Field(default=None, title="不起诉类别")
    effective_from: ContractDate = Field(title="生效日期")
    positions: Annotated[list[StaffPosition], BeforeValidator(_split_list)] = Field(title="有权职务")

    @field_validator("positions")
    @classmethod
    def _without_repeats(cls, value: list[StaffPosition]) -> list[StaffPosition]:
        return list(dict.fromkeys(value))


# --- handlers -----------------------------------------------------------------------------------

RecordT = TypeVar("RecordT", bound=RecordModel)
ModelT = TypeVar("ModelT", bound=models.Model)


def _chunks(items: Collection[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _code(value: Any) -> Any:
    """Enum members as their code; everything else unchanged (for comparing and auditing)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_code(item) for item in value]
    return value


def key_text(key: Key) -> str:
    return "/".join(key)


class OrgRecordHandler(Generic[RecordT, ModelT]):
    """Shared behaviour: bulk loading, comparing in contract values, bulk writes with audit."""

    kind: str
    label: str
    schema: type[RecordModel]
    model: type[ModelT]
    update_fields: ClassVar[list[str]]

    def key(self, record: Any) -> Key:
        raise NotImplementedError

    def load(self, keys: Collection[Key]) -> dict[Key, Any]:
        raise NotImplementedError

    def values(self, record: Any, ctx: RecordContext) -> dict[str, Any]:
        """The record's content as contract values (codes), comparable with :meth:`current`."""
        raise NotImplementedError

    def current(self, instance: Any) -> dict[str, Any]:
        raise NotImplementedError

    def assign(self, instance: Any, record: Any, ctx: RecordContext, plan: KindPlan) -> None:
        raise NotImplementedError

    def describe(self, record: Any) -> str:
        return f"{self.label} {key_text(self.key(record))}"

    def references(self, ctx: RecordContext) -> Iterable[tuple[Located[Any], str, str, Key]]:
        """(record, field, referenced kind, referenced key) of every reference in the batch."""
        return ()

    # -- checking

    def check(self, ctx: RecordContext) -> None:
        batch = ctx.batch(self.kind)
        if not batch:
            return
        ctx.require(self.kind, list(batch))
        self.check_references(ctx, list(self.references(ctx)))
        self.check_more(ctx)

    def check_more(self, ctx: RecordContext) -> None:
        """Checks particular to a kind (beyond existence of references)."""

    def check_references(
        self, ctx: RecordContext, references: Sequence[tuple[Located[Any], str, str, Key]]
    ) -> None:
        wanted: dict[str, set[Key]] = {}
        for _located, _field, kind, key in references:
            wanted.setdefault(kind, set()).add(key)
        for kind, keys in wanted.items():
            ctx.require(kind, keys)
        for located, field, kind, key in references:
            if not ctx.known(kind, key):
                ctx.report(
                    located,
                    field,
                    "unknown_reference",
                    f"引用的{KIND_LABELS[kind]}不存在：{key_text(key)}（数据库和本批次中均未找到）",
                )

    # -- planning and writing

    def plan(self, ctx: RecordContext) -> KindPlan:
        plan = KindPlan(self.kind)
        existing = ctx.existing(self.kind)
        for key, located in ctx.batch(self.kind).items():
            instance = existing.get(key)
            if instance is None:
                plan.create.append(located)
                continue
            desired = self.values(located.record, ctx)
            current = self.current(instance)
            changed = [name for name, value in desired.items() if current.get(name) != value]
            if changed:
                before = {name: current.get(name) for name in changed}
                plan.update.append((located, before, {name: desired[name] for name in changed}))
            else:
                plan.unchanged += 1
        return plan

    def write(self, ctx: RecordContext, plan: KindPlan) -> None:
        created = self.create(ctx, [located.record for located in plan.create], plan)
        self.update(ctx, plan)
        audit_record_many(actor=ctx.actor, entries=self.entries(ctx, plan, created))

    def create(self, ctx: RecordContext, records: Sequence[Any], plan: KindPlan) -> list[tuple[Any, Any]]:
        """Insert the records in bulk; remember the new rows (with their ids) in the context."""
        if not records:
            return []
        instances = []
        for record in records:
            instance = self.model()
            self.assign(instance, record, ctx, plan)
            instances.append(instance)
        self.model._default_manager.bulk_create(instances, batch_size=CHUNK)
        existing = ctx.existing(self.kind)
        if any(instance.pk is None for instance in instances):  # a backend without RETURNING
            fresh = self.load([self.key(record) for record in records])
            instances = [fresh[self.key(record)] for record in records]
        for record, instance in zip(records, instances, strict=True):
            existing[self.key(record)] = instance
        return list(zip(records, instances, strict=True))

    def update(self, ctx: RecordContext, plan: KindPlan) -> None:
        existing = ctx.existing(self.kind)
        changed = []
        for located, _before, _after in plan.update:
            instance = existing[self.key(located.record)]
            self.assign(instance, located.record, ctx, plan)
            changed.append(instance)
        if changed:
            self.model._default_manager.bulk_update(changed, self.update_fields, batch_size=CHUNK)

    def entries(self, ctx: RecordContext, plan: KindPlan, created: list[tuple[Any, Any]]) -> list[AuditEntry]:
        """Audit events: the full values of each created row, the changed values of each update."""
        existing = ctx.existing(self.kind)
        entries = [
            self.audit_entry("create", instance, record, None, self.values(record, ctx))
            for record, instance in created
        ]
        entries += [
            self.audit_entry("update", existing[self.key(located.record)], located.record, before, after)
            for located, before, after in plan.update
        ]
        return entries

    def audit_entry(
        self, verb: str, instance: Any, record: Any, before: dict[str, Any] | None, after: dict[str, Any]
    ) -> AuditEntry:
        return AuditEntry(
            action=f"org.{self.kind}.{verb}",
            target_type=self.model._meta.label_lower,
            target_id=str(instance.pk),
            target_repr=self.describe(record),
            before=before,
            after=after,
        )

    def _ref(self, ctx: RecordContext, kind: str, key: Key) -> Any:
        """The row referenced by ``key`` (loaded in checking, or written earlier in this batch)."""
        return ctx.existing(kind)[key]


class UnitHandler(OrgRecordHandler[UnitRecord, Unit]):
    """Units, written parent-first; ``path``/``depth`` follow the final tree.

    The unit table is small (a province has ~150 units, the nation a few thousand), so a batch
    with units loads it whole: the paths of every unit — also of subordinates not in the batch
    whose superior moved — are recomputed from the final parent links, and cycles are errors.
    """

    kind = "unit"
    label = "单位"
    schema = UnitRecord
    model = Unit
    update_fields = ["name", "level", "parent", "path", "depth", "extra"]

    def key(self, record: UnitRecord) -> Key:
        return (record.code,)

    def describe(self, record: UnitRecord) -> str:
        return f"{record.name}（{record.code}）"

    def load(self, keys: Collection[Key]) -> dict[Key, Unit]:
        found: dict[Key, Unit] = {}
        for chunk in _chunks({key[0] for key in keys}):
            for unit in Unit.objects.filter(code__in=chunk).select_related("parent"):
                found[(unit.code,)] = unit
        return found

    def values(self, record: UnitRecord, ctx: RecordContext) -> dict[str, Any]:
        return {
            "code": record.code,
            "name": record.name,
            "level": _code(record.level),
            "parent": record.parent,
            "extra": record.extra,
        }

    def current(self, instance: Unit) -> dict[str, Any]:
        return {
            "code": instance.code,
            "name": instance.name,
            "level": instance.level,
            "parent": instance.parent.code if instance.parent else None,
            "extra": instance.extra,
        }

    def references(self, ctx: RecordContext) -> Iterable[tuple[Located[Any], str, str, Key]]:
        for located in ctx.batch(self.kind).values():
            if located.record.parent is not None:
                yield located, "parent", "unit", (located.record.parent,)

    def check(self, ctx: RecordContext) -> None:
        if not ctx.batch(self.kind):
            return
        existing = ctx.existing(self.kind)
        for unit in Unit.objects.select_related("parent"):
            existing.setdefault((unit.code,), unit)
        super().check(ctx)

    def check_more(self, ctx: RecordContext) -> None:
        _paths, broken = self._tree(ctx)
        batch = ctx.batch(self.kind)
        for code, (error, message) in broken.items():
            located = batch.get((code,))
            if located is not None:
                ctx.report(located, "parent", error, message)

    def _tree(self, ctx: RecordContext) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
        """Final paths of every known unit, and the units whose parent chain is broken."""
        parent_of: dict[str, str | None] = {
            key[0]: (unit.parent.code if unit.parent else None) for key, unit in ctx.existing("unit").items()
        }
        for key, located in ctx.batch(self.kind).items():
            parent_of[key[0]] = located.record.parent
        paths: dict[str, str] = {}
        broken: dict[str, tuple[str, str]] = {}
        max_length = Unit._meta.get_field("path").max_length or 400
        for start in parent_of:
            chain: list[str] = []
            code: str | None = start
            while code is not None and code not in paths and code not in broken:
                if code in chain:
                    cycle = [*chain[chain.index(code) :], code]
                    for member in cycle:
                        broken[member] = ("unit_cycle", f"上级单位形成循环：{' → '.join(cycle)}")
                    break
                if code not in parent_of:  # an unknown parent: reported as a reference error
                    broken[code] = ("", "")
                    break
                chain.append(code)
                code = parent_of[code]
            base = "/" if code is None else paths.get(code)
            for member in reversed(chain):
                if base is None or member in broken:
                    broken.setdefault(member, ("", ""))
                    base = None
                    continue
                base = f"{base}{member}/"
                if len(base) > max_length:
                    broken[member] = ("path_too_long", f"单位层级过深：路径超过 {max_length} 个字符")
                    base = None
                    continue
                paths[member] = base
        return paths, {code: problem for code, problem in broken.items() if problem[0]}

    def plan(self, ctx: RecordContext) -> KindPlan:
        plan = super().plan(ctx)
        if not ctx.batch(self.kind):
            return plan
        paths, _broken = self._tree(ctx)
        plan.state["paths"] = paths
        touched = {self.key(located.record)[0] for located, _b, _a in plan.update}
        moved = [
            unit
            for key, unit in ctx.existing(self.kind).items()
            if key[0] not in touched and unit.pk is not None and paths.get(key[0], unit.path) != unit.path
        ]
        plan.state["moved"] = moved
        if moved:
            plan.derived["unit_path"] = {"updated": len(moved)}
        return plan

    def assign(self, instance: Unit, record: UnitRecord, ctx: RecordContext, plan: KindPlan) -> None:
        path = plan.state["paths"][record.code]
        instance.code = record.code
        instance.name = record.name
        instance.level = _code(record.level)
        instance.parent = self._ref(ctx, "unit", (record.parent,)) if record.parent else None
        instance.path = path
        instance.depth = path.count("/") - 2
        instance.extra = record.extra

    def write(self, ctx: RecordContext, plan: KindPlan) -> None:
        if not ctx.batch(self.kind):
            return
        paths: dict[str, str] = plan.state["paths"]
        by_depth: dict[int, list[UnitRecord]] = {}
        for located in plan.create:
            by_depth.setdefault(paths[located.record.code].count("/"), []).append(located.record)
        created = []
        for depth in sorted(by_depth):  # parents first: each level needs its parents' ids
            created += self.create(ctx, by_depth[depth], plan)
        self.update(ctx, plan)
        entries = self.entries(ctx, plan, created)
        moved: list[Unit] = plan.state["moved"]
        for unit in moved:  # subordinates not in the batch whose superior moved
            before = {"path": unit.path}
            unit.path = paths[unit.code]
            unit.depth = unit.path.count("/") - 2
            entries.append(
                AuditEntry(
                    action="org.unit.update",
                    target_type=Unit._meta.label_lower,
                    target_id=str(unit.pk),
                    target_repr=f"{unit.name}（{unit.code}）",
                    before=before,
                    after={"path": unit.path},
                )
            )
        Unit.objects.bulk_update(moved, ["path", "depth"], batch_size=CHUNK)
        audit_record_many(actor=ctx.actor, entries=entries)


class DepartmentHandler(OrgRecordHandler[DepartmentRecord, Department]):
    kind = "department"
    label = "部门"
    schema = DepartmentRecord
    model = Department
    update_fields = ["name", "kind", "extra"]

    def key(self, record: DepartmentRecord) -> Key:
        return (record.unit, record.code)

    def describe(self, record: DepartmentRecord) -> str:
        return f"{record.name}（{record.unit}/{record.code}）"

    def load(self, keys: Collection[Key]) -> dict[Key, Department]:
        wanted = set(keys)
        found: dict[Key, Department] = {}
        for chunk in _chunks({key[0] for key in wanted}):
            for department in Department.objects.filter(unit__code__in=chunk).select_related("unit"):
                key = (department.unit.code, department.code)
                if key in wanted:
                    found[key] = department
        return found

    def values(self, record: DepartmentRecord, ctx: RecordContext) -> dict[str, Any]:
        return {
            "unit": record.unit,
            "code": record.code,
            "name": record.name,
            "kind": _code(record.kind),
            "extra": record.extra,
        }

    def current(self, instance: Department) -> dict[str, Any]:
        return {
            "unit": instance.unit.code,
            "code": instance.code,
            "name": instance.name,
            "kind": instance.kind,
            "extra": instance.extra,
        }

    def references(self, ctx: RecordContext) -> Iterable[tuple[Located[Any], str, str, Key]]:
        for located in ctx.batch(self.kind).values():
            yield located, "unit", "unit", (located.record.unit,)

    def assign(
        self, instance: Department, record: DepartmentRecord, ctx: RecordContext, plan: KindPlan
    ) -> None:
        instance.unit = self._ref(ctx, "unit", (record.unit,))
        instance.code = record.code
        instance.name = record.name
        instance.kind = _code(record.kind)
        instance.extra = record.extra


class StaffHandler(OrgRecordHandler[StaffRecord, Staff]):
    kind = "staff"
    label = "人员"
    schema = StaffRecord
    model = Staff
    update_fields = [
        "name",
        "unit",
        "department",
        "position",
        "is_quota_prosecutor",
        "joined_on",
        "left_on",
        "extra",
    ]

    def key(self, record: StaffRecord) -> Key:
        return (record.id,)

    def describe(self, record: StaffRecord) -> str:
        return f"{record.name}（{record.id}）"

    def load(self, keys: Collection[Key]) -> dict[Key, Staff]:
        found: dict[Key, Staff] = {}
        for chunk in _chunks({key[0] for key in keys}):
            for staff in Staff.objects.filter(staff_no__in=chunk).select_related("unit", "department"):
                found[(staff.staff_no,)] = staff
        return found

    def values(self, record: StaffRecord, ctx: RecordContext) -> dict[str, Any]:
        return {
            "id": record.id,
            "name": record.name,
            "unit": record.unit,
            "department": record.department,
            "position": _code(record.position),
            "is_quota_prosecutor": record.is_quota_prosecutor,
            "joined_on": record.joined_on,
            "left_on": record.left_on,
            "extra": record.extra,
        }

    def current(self, instance: Staff) -> dict[str, Any]:
        return {
            "id": instance.staff_no,
            "name": instance.name,
            "unit": instance.unit.code,
            "department": instance.department.code if instance.department else None,
            "position": instance.position,
            "is_quota_prosecutor": instance.is_quota_prosecutor,
            "joined_on": instance.joined_on,
            "left_on": instance.left_on,
            "extra": instance.extra,
        }

    def references(self, ctx: RecordContext) -> Iterable[tuple[Located[Any], str, str, Key]]:
        for located in ctx.batch(self.kind).values():
            record = located.record
            yield located, "unit", "unit", (record.unit,)
            if record.department is not None:
                yield located, "department", "department", (record.unit, record.department)

    def check_more(self, ctx: RecordContext) -> None:
        for located in ctx.batch(self.kind).values():
            record = located.record
            if record.joined_on and record.left_on and record.left_on < record.joined_on:
                ctx.report(located, "left_on", "invalid_date_range", "离职日期早于入职日期")

    def assign(self, instance: Staff, record: StaffRecord, ctx: RecordContext, plan: KindPlan) -> None:
        instance.staff_no = record.id
        instance.name = record.name
        instance.unit = self._ref(ctx, "unit", (record.unit,))
        instance.department = (
            self._ref(ctx, "department", (record.unit, record.department)) if record.department else None
        )
        instance.position = _code(record.position)
        instance.is_quota_prosecutor = record.is_quota_prosecutor
        instance.joined_on = record.joined_on
        instance.left_on = record.left_on
        instance.extra = record.extra


class LawyerHandler(OrgRecordHandler[LawyerRecord, Lawyer]):
    """Lawyers and, derived from them, law firms (keyed by 统一社会信用代码)."""

    kind = "lawyer"
    label = "律师"
    schema = LawyerRecord
    model = Lawyer
    update_fields = ["name", "firm", "former_staff", "extra"]

    def key(self, record: LawyerRecord) -> Key:
        return (record.id,)

    def describe(self, record: LawyerRecord) -> str:
        return f"{record.name}（{record.id}）"

    def load(self, keys: Collection[Key]) -> dict[Key, Lawyer]:
        found: dict[Key, Lawyer] = {}
        for chunk in _chunks({key[0] for key in keys}):
            for lawyer in Lawyer.objects.filter(license_no__in=chunk).select_related("firm", "former_staff"):
                found[(lawyer.license_no,)] = lawyer
        return found

    def values(self, record: LawyerRecord, ctx: RecordContext) -> dict[str, Any]:
        extra = dict(record.extra)
        if record.firm_id is None and record.firm_name is not None:
            extra["firm_name"] = record.firm_name  # a firm without its code: kept, not a firm row
        return {
            "id": record.id,
            "name": record.name,
            "firm_id": record.firm_id,
            "former_staff": record.former_staff,
            "extra": extra,
        }

    def current(self, instance: Lawyer) -> dict[str, Any]:
        return {
            "id": instance.license_no,
            "name": instance.name,
            "firm_id": instance.firm.firm_id if instance.firm else None,
            "former_staff": instance.former_staff.staff_no if instance.former_staff else None,
            "extra": instance.extra,
        }

    def references(self, ctx: RecordContext) -> Iterable[tuple[Located[Any], str, str, Key]]:
        for located in ctx.batch(self.kind).values():
            if located.record.former_staff is not None:
                yield located, "former_staff", "staff", (located.record.former_staff,)

    def check_more(self, ctx: RecordContext) -> None:
        named: dict[str, Located[Any]] = {}
        for located in ctx.batch(self.kind).values():
            record = located.record
            if record.firm_id is None or record.firm_name is None:
                continue
            first = named.setdefault(record.firm_id, located)
            if first.record.firm_name != record.firm_name:
                ctx.report(
                    located,
                    "firm_name",
                    "duplicate_conflict",
                    f"律师事务所 {record.firm_id} 的名称与 {first.location} 不一致："
                    f"“{first.record.firm_name}”与“{record.firm_name}”",
                )

    def plan(self, ctx: RecordContext) -> KindPlan:
        plan = super().plan(ctx)
        names: dict[str, str | None] = {}
        for located in ctx.batch(self.kind).values():
            record = located.record
            if record.firm_id is not None and (record.firm_name is not None or record.firm_id not in names):
                names[record.firm_id] = record.firm_name
        firms: dict[str, LawFirm] = {}
        for chunk in _chunks(names):
            firms.update({firm.firm_id: firm for firm in LawFirm.objects.filter(firm_id__in=chunk)})
        create = {firm_id: name or firm_id for firm_id, name in names.items() if firm_id not in firms}
        update = {
            firm_id: name
            for firm_id, name in names.items()
            if firm_id in firms and name is not None and firms[firm_id].name != name
        }
        plan.state.update(firms=firms, create_firms=create, update_firms=update)
        if names:
            plan.derived["lawfirm"] = {
                "created": len(create),
                "updated": len(update),
                "unchanged": len(names) - len(create) - len(update),
            }
        return plan

    def write(self, ctx: RecordContext, plan: KindPlan) -> None:
        firms: dict[str, LawFirm] = plan.state["firms"]
        new = [LawFirm(firm_id=firm_id, name=name) for firm_id, name in plan.state["create_firms"].items()]
        LawFirm.objects.bulk_create(new, batch_size=CHUNK)
        if any(firm.pk is None for firm in new):
            new = list(LawFirm.objects.filter(firm_id__in=[firm.firm_id for firm in new]))
        entries = []
        for firm in new:
            firms[firm.firm_id] = firm
            entries.append(
                self._firm_entry("create", firm, None, {"firm_id": firm.firm_id, "name": firm.name})
            )
        changed = []
        for firm_id, name in plan.state["update_firms"].items():
            firm = firms[firm_id]
            entries.append(self._firm_entry("update", firm, {"name": firm.name}, {"name": name}))
            firm.name = name
            changed.append(firm)
        LawFirm.objects.bulk_update(changed, ["name"], batch_size=CHUNK)
        audit_record_many(actor=ctx.actor, entries=entries)
        super().write(ctx, plan)

    @staticmethod
    def _firm_entry(verb: str, firm: LawFirm, before: Any, after: Any) -> AuditEntry:
        return AuditEntry(
            action=f"org.lawfirm.{verb}",
            target_type=LawFirm._meta.label_lower,
            target_id=str(firm.pk),
            target_repr=f"{firm.name}（{firm.firm_id}）",
            before=before,
            after=after,
        )

    def assign(self, instance: Lawyer, record: LawyerRecord, ctx: RecordContext, plan: KindPlan) -> None:
        values = self.values(record, ctx)
        firms: dict[str, LawFirm] = plan.state["firms"]
        instance.license_no = record.id
        instance.name = record.name
        instance.firm = firms[record.firm_id] if record.firm_id else None
        instance.former_staff = (
            self._ref(ctx, "staff", (record.former_staff,)) if record.former_staff else None
        )
        instance.extra = values["extra"]


class StaffChangeHandler(OrgRecordHandler[StaffChangeRecord, StaffChange]):
    """Post history. A change's ``department`` is a department of its new ``unit`` if it names
    one, else of the staff member's unit (as the batch or, failing that, the database has it)."""

    kind = "staff_change"
    label = "岗位变动"
    schema = StaffChangeRecord
    model = StaffChange
    update_fields = ["staff", "effective_on", "change", "unit", "department", "position", "extra"]

    def key(self, record: StaffChangeRecord) -> Key:
        return (record.id,)

    def load(self, keys: Collection[Key]) -> dict[Key, StaffChange]:
        found: dict[Key, StaffChange] = {}
        for chunk in _chunks({key[0] for key in keys}):
            query = StaffChange.objects.filter(change_no__in=chunk).select_related(
                "staff", "unit", "department"
            )
            for change in query:
                found[(change.change_no,)] = change
        return found

    def values(self, record: StaffChangeRecord, ctx: RecordContext) -> dict[str, Any]:
        return {
            "id": record.id,
            "staff": record.staff,
            "effective_on": record.effective_on,
            "change": _code(record.change),
            "unit": record.unit,
            "department": record.department,
            "position": _code(record.position),
            "extra": record.extra,
        }

    def current(self, instance: StaffChange) -> dict[str, Any]:
        return {
            "id": instance.change_no,
            "staff": instance.staff.staff_no,
            "effective_on": instance.effective_on,
            "change": instance.change,
            "unit": instance.unit.code if instance.unit else None,
            "department": instance.department.code if instance.department else None,
            "position": instance.position or None,
            "extra": instance.extra,
        }

    def _department_unit(self, record: StaffChangeRecord, ctx: RecordContext) -> str | None:
        if record.unit is not None:
            return record.unit
        in_batch = ctx.batch("staff").get((record.staff,))
        if in_batch is not None:
            return str(in_batch.record.unit)
        staff = ctx.existing("staff").get((record.staff,))
        return staff.unit.code if staff is not None else None

    def references(self, ctx: RecordContext) -> Iterable[tuple[Located[Any], str, str, Key]]:
        batch = ctx.batch(self.kind).values()
        ctx.require("staff", [(located.record.staff,) for located in batch])
        for located in batch:
            record = located.record
            yield located, "staff", "staff", (record.staff,)
            if record.unit is not None:
                yield located, "unit", "unit", (record.unit,)
            if record.department is not None:
                unit = self._department_unit(record, ctx)
                if unit is not None:
                    yield located, "department", "department", (unit, record.department)

    def assign(
        self, instance: StaffChange, record: StaffChangeRecord, ctx: RecordContext, plan: KindPlan
    ) -> None:
        instance.change_no = record.id
        instance.staff = self._ref(ctx, "staff", (record.staff,))
        instance.effective_on = record.effective_on
        instance.change = _code(record.change)
        instance.unit = self._ref(ctx, "unit", (record.unit,)) if record.unit else None
        department_unit = self._department_unit(record, ctx)
        instance.department = (
            self._ref(ctx, "department", (department_unit, record.department))
            if record.department and department_unit
            else None
        )
        instance.position = _code(record.position) or ""
        instance.extra = record.extra


class RelationHandler(OrgRecordHandler[RelationRecord, Relation]):
    """The relationship register: ``other`` must be a known lawyer (LAWYER) or staff (STAFF)."""

    kind = "relation"
    label = "特殊关系"
    schema = RelationRecord
    model = Relation
    update_fields = [
        "staff",
        "other_kind",
        "other",
        "other_name",
        "relation",
        "other_lawyer",
        "other_staff",
        "extra",
    ]

    def key(self, record: RelationRecord) -> Key:
        return (record.id,)

    def load(self, keys: Collection[Key]) -> dict[Key, Relation]:
        found: dict[Key, Relation] = {}
        for chunk in _chunks({key[0] for key in keys}):
            for relation in Relation.objects.filter(relation_no__in=chunk).select_related("staff"):
                found[(relation.relation_no,)] = relation
        return found

    def values(self, record: RelationRecord, ctx: RecordContext) -> dict[str, Any]:
        return {
            "id": record.id,
            "staff": record.staff,
            "other_kind": _code(record.other_kind),
            "other": record.other,
            "other_name": record.other_name,
            "relation": _code(record.relation),
            "extra": record.extra,
        }

    def current(self, instance: Relation) -> dict[str, Any]:
        return {
            "id": instance.relation_no,
            "staff": instance.staff.staff_no,
            "other_kind": instance.other_kind,
            "other": instance.other,
            "other_name": instance.other_name or None,
            "relation": instance.relation,
            "extra": instance.extra,
        }

    def references(self, ctx: RecordContext) -> Iterable[tuple[Located[Any], str, str, Key]]:
        for located in ctx.batch(self.kind).values():
            record = located.record
            yield located, "staff", "staff", (record.staff,)
            if record.other_kind == RelationOtherKind.LAWYER:
                yield located, "other", "lawyer", (record.other,)
            elif record.other_kind == RelationOtherKind.STAFF:
                yield located, "other", "staff", (record.other,)

    def assign(self, instance: Relation, record: RelationRecord, ctx: RecordContext, plan: KindPlan) -> None:
        instance.relation_no = record.id
        instance.staff = self._ref(ctx, "staff", (record.staff,))
        instance.other_kind = _code(record.other_kind)
        instance.other = record.other
        instance.other_name = record.other_name or ""
        instance.relation = _code(record.relation)
        is_lawyer = record.other_kind == RelationOtherKind.LAWYER
        is_staff = record.other_kind == RelationOtherKind.STAFF
        instance.other_lawyer = self._ref(ctx, "lawyer", (record.other,)) if is_lawyer else None
        instance.other_staff = self._ref(ctx, "staff", (record.other,)) if is_staff else None
        instance.extra = record.extra


class PowerHandler(OrgRecordHandler[PowerRecord, PowerRule]):
    """Power-list lines, keyed by unit, decision, non-prosecution kind and ``effective_from``.

    ``kind`` is part of the key (as in the database's unique constraint): lines for different
    kinds of 不起诉 from the same day are different lines.
    """

    kind = "power"
    label = "权力清单"
    schema = PowerRecord
    model = PowerRule
    update_fields = ["positions", "extra"]

    def key(self, record: PowerRecord) -> Key:
        return (
            record.unit,
            _code(record.decision),
            _code(record.kind) or "",
            record.effective_from.isoformat(),
        )

    def load(self, keys: Collection[Key]) -> dict[Key, PowerRule]:
        wanted = set(keys)
        found: dict[Key, PowerRule] = {}
        for chunk in _chunks({key[0] for key in wanted}):
            for rule in PowerRule.objects.filter(unit__code__in=chunk).select_related("unit"):
                key = (rule.unit.code, rule.decision, rule.kind, rule.effective_from.isoformat())
                if key in wanted:
                    found[key] = rule
        return found

    def values(self, record: PowerRecord, ctx: RecordContext) -> dict[str, Any]:
        return {
            "unit": record.unit,
            "decision": _code(record.decision),
            "kind": _code(record.kind),
            "effective_from": record.effective_from,
            "positions": _code(record.positions),
            "extra": record.extra,
        }

    def current(self, instance: PowerRule) -> dict[str, Any]:
        return {
            "unit": instance.unit.code,
            "decision": instance.decision,
            "kind": instance.kind or None,
            "effective_from": instance.effective_from,
            "positions": list(instance.positions),
            "extra": instance.extra,
        }

    def references(self, ctx: RecordContext) -> Iterable[tuple[Located[Any], str, str, Key]]:
        for located in ctx.batch(self.kind).values():
            yield located, "unit", "unit", (located.record.unit,)

    def check_more(self, ctx: RecordContext) -> None:
        for located in ctx.batch(self.kind).values():
            record = located.record
            if record.kind is not None and record.decision != Decision.NON_PROSECUTE:
                ctx.report(
                    located, "kind", "invalid_choice", "只有“不起诉”（NON_PROSECUTE）决定可以指定不起诉类别"
                )

    def assign(self, instance: PowerRule, record: PowerRecord, ctx: RecordContext, plan: KindPlan) -> None:
        instance.unit = self._ref(ctx, "unit", (record.unit,))
        instance.decision = _code(record.decision)
        instance.kind = _code(record.kind) or ""
        instance.effective_from = record.effective_from
        instance.positions = _code(record.positions)
        instance.extra = record.extra


KIND_LABELS = {
    "unit": "单位",
    "department": "部门",
    "staff": "人员",
    "staff_change": "岗位变动",
    "lawyer": "律师",
    "relation": "特殊关系",
    "power": "权力清单",
}
