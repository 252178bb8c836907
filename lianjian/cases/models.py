"""Cases as event streams (ARCHITECTURE.md): the immutable event store and its projections.

:class:`Event` rows are the source data, appended by the importer and never changed: a mistake
is corrected by a new ``CORRECTED`` event. :class:`Case`, :class:`CaseStage` and
:class:`CaseLawyer` are projections — the state of each case folded from its events
(``lianjian.cases.projection``), maintained in the import's transaction and rebuildable from the
events at any time (``lianjian cases rebuild``). Every table that grows with cases carries its
unit, so that the store can be distributed by unit later (Citus).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NoReturn

from django.db import models

from lianjian.cases.choices import (
    AssignMethod,
    CaseLine,
    CustodyMeasure,
    Decision,
    DecisionLevel,
    LawyerRole,
    NonProsecutionKind,
    Verdict,
)
from lianjian.org.models import Department, Lawyer, Staff, Unit


class ImmutableEventError(RuntimeError):
    """Raised on any attempt to change or delete an event through the application."""


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError("案件事件不可修改（更正请导入 CORRECTED 事件）")

    def delete(self) -> NoReturn:
        raise ImmutableEventError("案件事件不可删除")

    def of_case(self, case_no: str) -> EventQuerySet:
        """The case's events in projection order (time, then event id)."""
        return self.filter(case_no=case_no).order_by("occurred_at", "event_id")


class Event(models.Model):
    """One event of a case as the source system sent it (DATA_CONTRACT.md §1–§2). Immutable.

    ``type`` is any text: the contract's types are flagged ``is_known_type``; others are stored
    as they came and reported in the batch summary. ``data`` holds the type's fields normalised
    (codes, booleans, numbers) and every unknown field unchanged; unknown envelope fields are in
    ``extra``. ``digest`` is the SM3 of the record's canonical form, so that an event sent again
    is recognised as unchanged, or as a conflict, without comparing every field.
    ``import_batch_id`` names the ``ingest.ImportBatch`` that wrote it (a plain number: cases
    sits below ingest in the dependency order).
    """

    id = models.BigAutoField(primary_key=True)
    event_id = models.CharField("事件编号", max_length=64)
    case_no = models.CharField("案件编号", max_length=100)
    unit = models.ForeignKey(
        Unit,
        verbose_name="单位",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    type = models.CharField("事件类型", max_length=40)
    is_known_type = models.BooleanField("已知类型", default=True)
    occurred_at = models.DateTimeField("发生时间")
    actor = models.ForeignKey(
        Staff,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    actor_no = models.CharField("操作人工号", max_length=32, blank=True)
    data = models.JSONField("事件数据", default=dict, blank=True)
    corrects = models.CharField(
        "被更正事件编号", max_length=64, blank=True, help_text="CORRECTED 事件所更正的事件编号"
    )
    extra = models.JSONField("其他字段", default=dict, blank=True)
    digest = models.CharField("内容摘要", max_length=64)
    import_batch_id = models.BigIntegerField("导入批次", null=True, blank=True)
    created_at = models.DateTimeField("入库时间")

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "案件事件"
        verbose_name_plural = "案件事件"
        ordering = ["occurred_at", "event_id"]
        constraints = [models.UniqueConstraint(fields=["event_id"], name="cases_event_event_id_uniq")]
        indexes = [
            models.Index(fields=["case_no", "occurred_at"], name="cases_event_case_time_idx"),
            models.Index(fields=["unit", "type", "occurred_at"], name="cases_event_unit_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_no} {self.type} {self.event_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEventError("案件事件不可修改（更正请导入 CORRECTED 事件）")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableEventError("案件事件不可删除")


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        """Cases whose current stage is not closed."""
        return self.filter(closed_at__isnull=True)


class Case(models.Model):
    """The current state of one case (案), folded from its events; never edited by hand.

    Stage fields (``case_type``, ``received_at``, extensions, returns, suspensions, ``closed_at``)
    describe the current stage — the one begun by the latest ``RECEIVED``; ``stage`` counts the
    stages so far. The latest proposal and decision are the case's latest, across stages. Where an
    event has been corrected, the corrected values count.
    """

    case_no = models.CharField("案件编号", max_length=100, unique=True)
    unit = models.ForeignKey(Unit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    line = models.CharField("业务条线", max_length=24, choices=CaseLine.choices, blank=True)
    case_type = models.CharField("案件类别", max_length=40, blank=True)
    stage = models.PositiveSmallIntegerField("阶段数", default=0)
    return_round = models.PositiveSmallIntegerField(
        "退查轮次", default=0, help_text="本阶段最近一次退回补充侦查的轮次（1 或 2），未退回为 0"
    )
    cause = models.CharField("案由", max_length=200, blank=True)
    transferred_cause = models.CharField("移送案由", max_length=200, blank=True)
    is_detained = models.BooleanField("在押", null=True, blank=True)
    custody_measure = models.CharField("强制措施", max_length=16, choices=CustodyMeasure.choices, blank=True)
    is_fast_track = models.BooleanField("速裁", null=True, blank=True)
    has_plea = models.BooleanField("认罪认罚", null=True, blank=True)
    agency = models.CharField("移送机关", max_length=200, blank=True)

    prosecutor = models.ForeignKey(
        Staff, verbose_name="承办检察官", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, verbose_name="承办部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assign_method = models.CharField("分案方式", max_length=16, choices=AssignMethod.choices, blank=True)
    assigned_at = models.DateTimeField("分案时间", null=True, blank=True)

    proposal_decision = models.CharField("承办人意见", max_length=32, choices=Decision.choices, blank=True)
    proposal_kind = models.CharField(
        "意见类别", max_length=16, choices=NonProsecutionKind.choices, blank=True
    )
    proposal_by = models.ForeignKey(
        Staff, verbose_name="意见提出人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField("意见时间", null=True, blank=True)

    decision = models.CharField("决定", max_length=32, choices=Decision.choices, blank=True)
    decision_kind = models.CharField(
        "决定类别", max_length=16, choices=NonProsecutionKind.choices, blank=True
    )
    decided_by = models.ForeignKey(
        Staff, verbose_name="决定人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_level = models.CharField("决定层级", max_length=16, choices=DecisionLevel.choices, blank=True)
    decision_months = models.PositiveIntegerField("量刑建议（月）", null=True, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)

    extension_count = models.PositiveSmallIntegerField("延长次数", default=0)
    extension_days = models.PositiveIntegerField("延长天数", default=0)
    return_count = models.PositiveSmallIntegerField("退回补充侦查次数", default=0)
    returned_at = models.DateTimeField(
        "退回时间", null=True, blank=True, help_text="尚未重新移送的退回补充侦查的时间"
    )
    resubmitted_at = models.DateTimeField("重新移送时间", null=True, blank=True)
    is_suspended = models.BooleanField("期间中止中", default=False)
    suspended_at = models.DateTimeField("中止时间", null=True, blank=True)
    suspended_total = models.DurationField(
        "已中止时长", default=timedelta(0), help_text="本阶段已恢复的中止期间合计（不计入办案期限）"
    )
    absconded_at = models.DateTimeField("脱逃/下落不明时间", null=True, blank=True)

    judgment_verdict = models.CharField("判决结果", max_length=16, choices=Verdict.choices, blank=True)
    judgment_charges = models.JSONField("判决罪名", default=list, blank=True)
    judgment_months = models.PositiveIntegerField("判处刑期（月）", null=True, blank=True)
    judged_at = models.DateTimeField("判决时间", null=True, blank=True)

    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    close_result = models.CharField("办结结果", max_length=200, blank=True)

    received_at = models.DateTimeField("本阶段受理时间", null=True, blank=True)
    first_received_at = models.DateTimeField("首次受理时间", null=True, blank=True)
    last_event_at = models.DateTimeField("最近事件时间")
    event_count = models.PositiveIntegerField("事件数", default=0)
    unknown_event_count = models.PositiveIntegerField("未知类型事件数", default=0)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "案件"
        verbose_name_plural = "案件"
        ordering = ["-last_event_at", "case_no"]
        indexes = [
            models.Index(fields=["unit", "case_type"], name="cases_case_unit_type_idx"),
            models.Index(fields=["prosecutor", "received_at"], name="cases_case_prosecutor_idx"),
            models.Index(fields=["unit", "last_event_at"], name="cases_case_unit_last_idx"),
        ]

    def __str__(self) -> str:
        return self.case_no


class CaseStage(models.Model):
    """One stage (件) of a case: from a ``RECEIVED`` to the next, with what time limits need."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="stages")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField("阶段序号")
    case_type = models.CharField("案件类别", max_length=40, blank=True)
    received_at = models.DateTimeField("受理时间")
    is_detained = models.BooleanField("受理时在押", null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField("延长次数", default=0)
    extension_days = models.PositiveIntegerField("延长天数", default=0)
    return_count = models.PositiveSmallIntegerField("退回补充侦查次数", default=0)
    resubmitted_at = models.DateTimeField("重新移送时间", null=True, blank=True)
    suspended_total = models.DurationField("已中止时长", default=timedelta(0))
    suspended_at = models.DateTimeField("中止时间", null=True, blank=True)
    decision = models.CharField("决定", max_length=32, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "案件阶段"
        verbose_name_plural = "案件阶段"
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="cases_stage_case_number_uniq")
        ]
        indexes = [
            models.Index(fields=["unit", "case_type", "received_at"], name="cases_stage_unit_type_idx")
        ]

    def __str__(self) -> str:
        return f"{self.case.case_no} 第{self.number}阶段"


class CaseLawyer(models.Model):
    """A lawyer's engagement on a case, from ``LAWYER_ENGAGED`` to ``LAWYER_WITHDRAWN`` (or open)."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="lawyers")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    lawyer = models.ForeignKey(Lawyer, verbose_name="律师", on_delete=models.PROTECT, related_name="+")
    license_no = models.CharField("执业证号", max_length=32)
    firm_id = models.CharField("律师事务所统一社会信用代码", max_length=32, blank=True)
    role = models.CharField("身份", max_length=16, choices=LawyerRole.choices, blank=True)
    engaged_at = models.DateTimeField("委托时间")
    withdrawn_at = models.DateTimeField("解除委托时间", null=True, blank=True)

    class Meta:
        verbose_name = "案件律师"
        verbose_name_plural = "案件律师"
        ordering = ["case", "engaged_at", "license_no"]
        indexes = [
            models.Index(fields=["lawyer", "engaged_at"], name="cases_lawyer_lawyer_idx"),
            models.Index(fields=["unit", "firm_id"], name="cases_lawyer_unit_firm_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case.case_no} {self.license_no}"
