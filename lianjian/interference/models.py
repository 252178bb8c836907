"""The interference register (防止干预司法“三个规定”, F5): records, versions, attachments, read
requests, periodic reports and clues.

Confidential fields — who intervened, what they asked, the recorder's notes, attachments — are
sealed with SM4 (:mod:`lianjian.common.sealing`) and never stored in clear; the classification
that counts need (category, subject type, channel, dates) is plain. The people recorded are found
for exclusion through blind tags (``intervener_tags``), never by name. Who may read what is
decided only in :mod:`lianjian.interference.policy`.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lianjian.cases.models import Case
from lianjian.interference.choices import (
    Channel,
    ClueDisposal,
    ClueSource,
    ClueState,
    Confidentiality,
    MatterType,
    ReadRequestState,
    RecordCategory,
    ReportCycle,
    Response,
    SubjectType,
)
from lianjian.org.models import Department, Staff, Unit


class AppendOnlyError(RuntimeError):
    """A record version, attachment or clue step may not be changed or deleted once written."""


class AppendOnly(models.Model):
    """Rows written once: saving an existing row or deleting one is refused."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("_append_only_ok", False):
            raise AppendOnlyError(f"{self._meta.verbose_name}只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{self._meta.verbose_name}只能追加，不能删除")


class Record(models.Model):
    """One entry of the register. Its content is in :class:`RecordVersion`; the fields here are
    the current version's classification (for counts and lists) and who may reach it.

    ``report_unit`` is the unit the record is reported to: the recorder's own, or for a
    skip-level report (越级报告) a superior unit, whose 检务督察 and 纪检监察 then read it instead.
    """

    no = models.CharField("登记编号", max_length=40, unique=True)
    unit = models.ForeignKey(Unit, verbose_name="记录人单位", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department,
        verbose_name="记录人部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder = models.ForeignKey(Staff, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间")
    report_unit = models.ForeignKey(Unit, verbose_name="报告单位", on_delete=models.PROTECT, related_name="+")
    skip_level = models.BooleanField("越级报告", default=False)
    version = models.PositiveIntegerField("当前版本", default=1)
    updated_at = models.DateTimeField("最近更正时间")
    # The current version's classification, plain for counting.
    subject_type = models.CharField("过问人类别", max_length=24, choices=SubjectType.choices)
    occurred_at = models.DateTimeField("过问时间")
    in_workplace = models.BooleanField("在工作场所", default=True)
    in_hours = models.BooleanField("在工作时间", default=True)
    channel = models.CharField("方式", max_length=16, choices=Channel.choices)
    matter_type = models.CharField("事项类别", max_length=8, choices=MatterType.choices)
    category = models.CharField("填报分类", max_length=8, choices=RecordCategory.choices)
    violation_codes = models.JSONField("违规情形", default=list, blank=True)
    response = models.CharField("处置方式", max_length=24, choices=Response.choices)
    case = models.ForeignKey(
        Case, verbose_name="涉及案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case_no = models.CharField("涉及案件编号", max_length=100, blank=True)
    affected_case = models.BooleanField("已影响案件正常办理", default=False)
    approval_ref = models.CharField("接触审批单号", max_length=64, blank=True)
    confidentiality = models.CharField(
        "保密级别", max_length=8, choices=Confidentiality.choices, default=Confidentiality.NORMAL
    )
    reported_late = models.BooleanField(
        "逾期报告", default=False, help_text="工作外接触 3 日后才记录（CT-PRC-03）"
    )
    intervener_tags = models.CharField(
        "被记录人标记", max_length=200, blank=True, help_text="盲索引 |t1|t2|，用于回避被记录人本人"
    )

    class Meta:
        verbose_name = "“三个规定”记录"
        verbose_name_plural = "“三个规定”记录"
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["report_unit", "recorded_at"], name="interf_record_unit_idx"),
            models.Index(fields=["recorder", "recorded_at"], name="interf_record_recorder_idx"),
            models.Index(fields=["case"], name="interf_record_case_idx"),
        ]

    def __str__(self) -> str:
        return self.no


class RecordVersion(AppendOnly):
    """One version of a record, written once. ``sealed`` holds the confidential fields as sealed
    JSON (:func:`lianjian.interference.services.record_content`); the plain fields repeat the
    classification of this version so that the history shows what changed."""

    record = models.ForeignKey(Record, verbose_name="记录", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本")
    created_at = models.DateTimeField("写入时间")
    created_by = models.ForeignKey(Staff, verbose_name="写入人", on_delete=models.PROTECT, related_name="+")
    classification = models.JSONField("分类信息", default=dict)
    sealed = models.BinaryField("加密内容")

    class Meta:
        verbose_name = "记录版本"
        verbose_name_plural = "记录版本"
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="interf_version_record_number_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.number}"


class RecordAttachment(AppendOnly):
    """A material kept with a record (函件、截图、录音 …), name and content sealed."""

    record = models.ForeignKey(
        Record, verbose_name="记录", on_delete=models.PROTECT, related_name="attachments"
    )
    version = models.PositiveIntegerField("随版本")
    sealed_name = models.BinaryField("加密文件名")
    sealed_content = models.BinaryField("加密内容")
    size = models.PositiveIntegerField("大小（字节）")
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(Staff, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "记录附件"
        verbose_name_plural = "记录附件"
        ordering = ["record", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} #{self.pk}"


class ReadRequest(models.Model):
    """查阅审批 (R3-6, CF-02): a leader asks to read one named record within a time window; the
    chief prosecutor of the record's reporting unit (or of a unit above it) decides."""

    record = models.ForeignKey(Record, verbose_name="记录", on_delete=models.PROTECT, related_name="+")
    requester = models.ForeignKey(
        "accounts.User", verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("查阅事由", max_length=500)
    window_start = models.DateTimeField("查阅起始")
    window_end = models.DateTimeField("查阅截止")
    state = models.CharField(
        "状态", max_length=12, choices=ReadRequestState.choices, default=ReadRequestState.PENDING
    )
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "查阅审批"
        verbose_name_plural = "查阅审批"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.record_id} ← {self.requester_id}"


class ReportingSetting(models.Model):
    """A unit's reporting cycle and compliance thresholds; a unit without one takes its nearest
    ancestor's, and the platform default is monthly."""

    unit = models.OneToOneField(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    cycle = models.CharField(
        "报告周期", max_length=12, choices=ReportCycle.choices, default=ReportCycle.MONTHLY
    )
    remind_days = models.JSONField("提前提醒天数", default=list, blank=True, help_text="如 [3, 1]")
    zero_months = models.PositiveIntegerField("连续零记录月数（R-3G-02）", default=6)
    caseload_threshold = models.PositiveIntegerField("同期承办案件数阈值（R-3G-02）", default=30)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "报告设置"
        verbose_name_plural = "报告设置"

    def __str__(self) -> str:
        return f"{self.unit_id} {self.cycle}"


class PeriodicReport(models.Model):
    """One obliged person's report for one period: the records it lists, or a zero report."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(Staff, verbose_name="报告人", on_delete=models.PROTECT, related_name="+")
    cycle = models.CharField("报告周期", max_length=12, choices=ReportCycle.choices)
    period_start = models.DateField("期间起")
    period_end = models.DateField("期间止")
    due_on = models.DateField("截止日期")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    is_zero = models.BooleanField("零报告", default=False)
    records = models.ManyToManyField(Record, verbose_name="所报记录", blank=True, related_name="+")
    late_flagged_at = models.DateTimeField("逾期标记时间", null=True, blank=True)

    class Meta:
        verbose_name = "定期报告"
        verbose_name_plural = "定期报告"
        ordering = ["-period_start", "staff"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "cycle", "period_start"], name="interf_report_staff_period_uniq"
            )
        ]
        indexes = [models.Index(fields=["unit", "period_start"], name="interf_report_unit_idx")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.period_start}"


class Clue(models.Model):
    """A clue taken by 纪检监察 (F5.4): its disposal, deadline and outcome; summary and outcome
    sealed."""

    no = models.CharField("线索编号", max_length=40, unique=True)
    unit = models.ForeignKey(Unit, verbose_name="受理单位", on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=12, choices=ClueSource.choices)
    record = models.ForeignKey(
        Record, verbose_name="关联记录", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    alert_id = models.PositiveBigIntegerField("关联预警", null=True, blank=True)
    real_name = models.BooleanField("实名举报", default=False)
    sealed_summary = models.BinaryField("加密线索摘要")
    taken_by = models.ForeignKey(
        "accounts.User", verbose_name="受理人", on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField("受理时间")
    disposal = models.CharField("处置方式", max_length=20, choices=ClueDisposal.choices, blank=True)
    due_on = models.DateField("办结期限", null=True, blank=True)
    state = models.CharField("状态", max_length=12, choices=ClueState.choices, default=ClueState.NEW)
    sealed_outcome = models.BinaryField("加密处置结果", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    intervener_tags = models.CharField("被反映人标记", max_length=200, blank=True)

    class Meta:
        verbose_name = "问题线索"
        verbose_name_plural = "问题线索"
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return self.no


class ClueStep(AppendOnly):
    """One step of a clue's handling (受理、确定处置方式、办理、办结、通报), written once."""

    clue = models.ForeignKey(Clue, verbose_name="线索", on_delete=models.PROTECT, related_name="steps")
    action = models.CharField("环节", max_length=24)
    actor = models.ForeignKey(
        "accounts.User", verbose_name="办理人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    sealed_note = models.BinaryField("加密说明", null=True, blank=True)

    class Meta:
        verbose_name = "线索办理环节"
        verbose_name_plural = "线索办理环节"
        ordering = ["clue", "at", "id"]

    def __str__(self) -> str:
        return f"{self.clue_id} {self.action}"
