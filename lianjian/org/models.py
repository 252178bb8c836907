"""The organisation: units (院), departments, staff, post history, lawyers, relations, powers.

Reference data arrives as records of DATA_CONTRACT.md §1 and is keyed by the source system's
codes (``code``, 工号, 执业证号 …), which stay stable; surrogate primary keys are ours.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q

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


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        """The unit and every unit below it (本院及下级)."""
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """A people's procuratorate (院) in the four-level tree, coded like an administrative division.

    ``path`` is the materialised path of codes from the root (``/510000/510900/510903/``), kept
    by the import service, so that "this unit and its subordinates" is one indexed prefix query.
    """

    code = models.CharField("单位编码", max_length=32, unique=True)
    name = models.CharField("单位名称", max_length=100)
    level = models.CharField("层级", max_length=16, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级院",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=400, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField("深度", default=0, editable=False)
    extra = models.JSONField("其他字段", default=dict, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to this unit, inclusive."""
        return [code for code in self.path.split("/") if code]


class Department(models.Model):
    """An internal department (内设机构) of a unit."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="departments")
    code = models.CharField("部门编码", max_length=32)
    name = models.CharField("部门名称", max_length=100)
    kind = models.CharField("部门类别", max_length=24, choices=DepartmentKind.choices)
    extra = models.JSONField("其他字段", default=dict, blank=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["unit__path", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="org_department_unit_code_uniq")]

    def __str__(self) -> str:
        return self.name


class StaffQuerySet(models.QuerySet["Staff"]):
    def active(self, on: date | None = None) -> StaffQuerySet:
        """Staff in post on the given day (joined, not yet left)."""
        day = on or date.today()
        return self.filter(Q(joined_on__isnull=True) | Q(joined_on__lte=day)).filter(
            Q(left_on__isnull=True) | Q(left_on__gt=day)
        )


class Staff(models.Model):
    """A member of staff (检察人员), identified by the source system's 工号."""

    staff_no = models.CharField("工号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50)
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="staff")
    department = models.ForeignKey(
        Department, verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    position = models.CharField("职务", max_length=24, choices=StaffPosition.choices)
    is_quota_prosecutor = models.BooleanField("员额检察官", default=False)
    joined_on = models.DateField("入职日期", null=True, blank=True)
    left_on = models.DateField("离职日期", null=True, blank=True)
    extra = models.JSONField("其他字段", default=dict, blank=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["unit__path", "department__code", "staff_no"]
        indexes = [models.Index(fields=["unit", "department"], name="org_staff_unit_dept_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_no}）"


class StaffChange(models.Model):
    """One entry of a person's post history (岗位变动): transfer, promotion, punishment …

    ``unit``/``department``/``position`` hold the new values where the change sets them; the
    position a person held on a given day is derived from these entries (selectors).
    """

    change_no = models.CharField("变动编号", max_length=40, unique=True)
    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="changes")
    effective_on = models.DateField("生效日期")
    change = models.CharField("变动类型", max_length=16, choices=StaffChangeKind.choices)
    unit = models.ForeignKey(Unit, verbose_name="新单位", null=True, blank=True, on_delete=models.PROTECT)
    department = models.ForeignKey(
        Department, verbose_name="新部门", null=True, blank=True, on_delete=models.PROTECT
    )
    position = models.CharField("新职务", max_length=24, choices=StaffPosition.choices, blank=True)
    extra = models.JSONField("其他字段", default=dict, blank=True)

    class Meta:
        verbose_name = "岗位变动"
        verbose_name_plural = "岗位变动"
        ordering = ["staff", "effective_on", "change_no"]
        indexes = [models.Index(fields=["staff", "effective_on"], name="org_staffchange_staff_on_idx")]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.get_change_display()} {self.effective_on}"


class LawFirm(models.Model):
    """A law firm, identified by its unified social credit code (统一社会信用代码)."""

    firm_id = models.CharField("统一社会信用代码", max_length=32, unique=True)
    name = models.CharField("律师事务所", max_length=100)

    class Meta:
        verbose_name = "律师事务所"
        verbose_name_plural = "律师事务所"
        ordering = ["firm_id"]

    def __str__(self) -> str:
        return self.name


class Lawyer(models.Model):
    """A lawyer, identified by the practising certificate number (执业证号)."""

    license_no = models.CharField("执业证号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=50)
    firm = models.ForeignKey(
        LawFirm,
        verbose_name="律师事务所",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawyers",
    )
    former_staff = models.ForeignKey(
        Staff,
        verbose_name="原检察人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lawyer_careers",
        help_text="曾在检察机关工作的律师（检察官法第三十七条从业限制）",
    )
    extra = models.JSONField("其他字段", default=dict, blank=True)

    class Meta:
        verbose_name = "律师"
        verbose_name_plural = "律师"
        ordering = ["license_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.license_no}）"


class Relation(models.Model):
    """An entry of the relationship register (F1.3): a staff member's relative or special relation.

    ``other`` is the lawyer's certificate number, a staff 工号, or an opaque person id; the
    matching foreign key is set for lawyers and staff so that conflicts are joins, not string
    matches. Personal data: reads are audited as confidential.
    """

    relation_no = models.CharField("关系编号", max_length=40, unique=True)
    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="relations")
    other_kind = models.CharField("对方类别", max_length=16, choices=RelationOtherKind.choices)
    other = models.CharField("对方标识", max_length=64)
    other_name = models.CharField("对方姓名", max_length=50, blank=True)
    relation = models.CharField("关系", max_length=24, choices=RelationKind.choices)
    other_lawyer = models.ForeignKey(
        Lawyer, verbose_name="律师", null=True, blank=True, on_delete=models.PROTECT, related_name="relations"
    )
    other_staff = models.ForeignKey(
        Staff, verbose_name="对方人员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    extra = models.JSONField("其他字段", default=dict, blank=True)

    class Meta:
        verbose_name = "特殊关系"
        verbose_name_plural = "特殊关系"
        ordering = ["staff", "relation_no"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(other_kind="LAWYER") | Q(other_lawyer__isnull=False),
                name="org_relation_lawyer_resolved",
            ),
            models.CheckConstraint(
                condition=~Q(other_kind="STAFF") | Q(other_staff__isnull=False),
                name="org_relation_staff_resolved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} — {self.other_name or self.other}（{self.get_relation_display()}）"


class PowerRule(models.Model):
    """One line of a unit's power list (检察官权力清单): who may take a decision, from a date.

    A unit without its own line for a decision inherits its parent's (the superior unit's
    standard list); a line of its own overrides it from ``effective_from`` on. ``kind`` narrows
    a line to one kind of non-prosecution; blank applies to every kind.
    """

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="power_rules")
    decision = models.CharField("决定类型", max_length=32, choices=Decision.choices)
    kind = models.CharField("不起诉类别", max_length=16, choices=NonProsecutionKind.choices, blank=True)
    effective_from = models.DateField("生效日期")
    positions = models.JSONField("有权职务", default=list)
    extra = models.JSONField("其他字段", default=dict, blank=True)

    class Meta:
        verbose_name = "权力清单"
        verbose_name_plural = "权力清单"
        ordering = ["unit__path", "decision", "kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "decision", "kind", "effective_from"], name="org_powerrule_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.get_decision_display()} {self.effective_from}"

    def position_labels(self) -> list[str]:
        labels = dict(StaffPosition.choices)
        return [str(labels.get(p, p)) for p in self.positions]
