"""The risk-point catalogue (F3), detection rules and their alerts (F4.1–F4.3).

*Detectors are code, rules are data* (ARCHITECTURE.md): a detector kind is a module of
``lianjian.risk.kinds``; a :class:`Rule` instantiates one kind with parameters, risk codes, a
level and recipients. Only the engine (``lianjian.risk.engine``) writes :class:`Alert` rows,
upserting on ``(rule, fingerprint)``, so that a rerun never duplicates an alert. Every run is a
:class:`ScanRun` with one :class:`ScanRuleResult` per rule.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.cases.models import Case
from lianjian.org.models import Staff, Unit
from lianjian.risk.choices import (
    AlertLevel,
    AlertStatus,
    ClueRecipient,
    DisposalOpinion,
    DisposalState,
    DisposalStepKind,
    RiskCategory,
    RiskLine,
    RiskPointLevel,
    ScanMode,
    ScanStatus,
)


class RevisionAction(models.TextChoices):
    ADD = "ADD", "新增"
    CHANGE = "CHANGE", "修订"
    RETIRE = "RETIRE", "停用"


class RiskPointQuerySet(models.QuerySet["RiskPoint"]):
    def in_force(self, day: Any) -> RiskPointQuerySet:
        """Points in force on ``day``: effective by then and not retired by then."""
        return self.filter(effective_from__lte=day).filter(Q(retired_on__isnull=True) | Q(retired_on__gt=day))


class RiskPoint(models.Model):
    """A risk point (廉政风险点) with its control measures by phase.

    ``unit`` empty: the standard library (标准库), issued by the top unit and inherited by every
    unit. A unit's own points form its local library (本地库): inherited by its subordinates, and a
    local point with a standard point's code replaces it there. Changes are revisions
    (:class:`RiskPointRevision`), never silent edits.
    """

    code = models.CharField("风险点编码", max_length=16)
    unit = models.ForeignKey(
        Unit,
        verbose_name="所属单位（空为标准库）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("风险点名称", max_length=100)
    line = models.CharField("业务条线", max_length=24, choices=RiskLine.choices)
    category = models.CharField("风险类别", max_length=16, choices=RiskCategory.choices)
    level = models.CharField("风险等级", max_length=8, choices=RiskPointLevel.choices)
    powers = models.JSONField("相关权力", default=list, blank=True)
    legal_basis = models.TextField("依据", blank=True)
    responsible_department = models.CharField("责任部门", max_length=100, blank=True)
    description = models.TextField("风险表现", blank=True)
    prevent = models.JSONField("前期预防措施", default=list, blank=True)
    monitor = models.JSONField("中期监控措施", default=list, blank=True)
    dispose = models.JSONField("后期处置措施", default=list, blank=True)
    is_detectable = models.BooleanField("可由办案数据发现", default=False)
    version = models.PositiveIntegerField("版本", default=1)
    effective_from = models.DateField("生效日期")
    retired_on = models.DateField("停用日期", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RiskPointQuerySet.as_manager()

    class Meta:
        verbose_name = "廉政风险点"
        verbose_name_plural = "廉政风险点"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(unit__isnull=True), name="risk_point_standard_code_uniq"
            ),
            models.UniqueConstraint(
                fields=["unit", "code"], condition=Q(unit__isnull=False), name="risk_point_local_code_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RiskPointRevision(models.Model):
    """One revision of a risk point: what it said from ``effective_from`` on (内容修正)."""

    point = models.ForeignKey(
        RiskPoint, verbose_name="风险点", on_delete=models.PROTECT, related_name="revisions"
    )
    version = models.PositiveIntegerField("版本")
    action = models.CharField("操作", max_length=8, choices=RevisionAction.choices)
    snapshot = models.JSONField("内容")
    effective_from = models.DateField("生效日期")
    reason = models.CharField("修订理由", max_length=200, blank=True)
    changed_at = models.DateTimeField("修订时间")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修订人", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = "风险点修订记录"
        verbose_name_plural = "风险点修订记录"
        ordering = ["point", "version"]
        constraints = [models.UniqueConstraint(fields=["point", "version"], name="risk_point_revision_uniq")]

    def __str__(self) -> str:
        return f"{self.point.code} v{self.version}"


class Rule(models.Model):
    """A detection rule: one detector kind with parameters, risk codes, level and recipients.

    ``params`` is validated by the kind's parameter model whenever it is saved through
    ``rule_change`` and again when a scan loads it. A unit may override parameters for its cases
    and its subordinates' (:class:`RuleOverride`).
    """

    code = models.CharField("规则编码", max_length=32, unique=True)
    name = models.CharField("规则名称", max_length=100)
    kind = models.CharField("检测类型", max_length=32)
    description = models.TextField("说明", blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    risk_codes = models.JSONField("风险点编码", default=list)
    level = models.CharField("预警等级", max_length=16, choices=AlertLevel.choices, default=AlertLevel.NOTICE)
    recipients = models.JSONField("接收人", default=list, blank=True)
    audience = models.CharField(
        "限定查看权限",
        max_length=32,
        blank=True,
        help_text="空为按预警查看范围；否则只有持该权限者在其范围内可见（“三个规定”、纪检监察专用规则）",
    )
    is_enabled = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "检测规则"
        verbose_name_plural = "检测规则"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RuleRevision(models.Model):
    """One version of a rule's parameters, level, recipients and switch, with who and why."""

    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.PROTECT, related_name="revisions")
    version = models.PositiveIntegerField("版本")
    params = models.JSONField("参数", default=dict)
    level = models.CharField("预警等级", max_length=16, choices=AlertLevel.choices)
    recipients = models.JSONField("接收人", default=list)
    is_enabled = models.BooleanField("启用")
    reason = models.CharField("修改理由", max_length=200, blank=True)
    changed_at = models.DateTimeField("修改时间")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = "规则修改记录"
        verbose_name_plural = "规则修改记录"
        ordering = ["rule", "version"]
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="risk_rule_revision_uniq")]

    def __str__(self) -> str:
        return f"{self.rule.code} v{self.version}"


class RuleOverride(models.Model):
    """A unit's local parameters for a rule, for its own cases and its subordinates' (本地库).

    The nearest override above a case's unit wins; ``params`` are merged over the rule's.
    ``is_enabled`` empty keeps the rule's switch.
    """

    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.CASCADE, related_name="overrides")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    params = models.JSONField("参数", default=dict, blank=True)
    is_enabled = models.BooleanField("启用", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "规则本地参数"
        verbose_name_plural = "规则本地参数"
        constraints = [models.UniqueConstraint(fields=["rule", "unit"], name="risk_rule_override_uniq")]

    def __str__(self) -> str:
        return f"{self.rule.code} @ {self.unit.code}"


class AlertQuerySet(models.QuerySet["Alert"]):
    def open(self) -> AlertQuerySet:
        return self.filter(status=AlertStatus.OPEN)


class Alert(models.Model):
    """What a rule found, on a case or a person; written only by the engine.

    ``fingerprint`` identifies the finding within its rule (a case, a stage, a prosecutor and
    lawyer …): the same finding in a later scan updates ``last_seen_at`` instead of adding a row.
    ``evidence`` names the events, figures and parameters that raised it.
    """

    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.PROTECT, related_name="alerts")
    fingerprint = models.CharField("指纹", max_length=200)
    risk_codes = models.JSONField("风险点编码", default=list)
    codes_key = models.CharField(
        "风险点编码检索键", max_length=200, default="", help_text="|GX02|XS03| — 按编码筛选（两种数据库通用）"
    )
    level = models.CharField("预警等级", max_length=16, choices=AlertLevel.choices)
    status = models.CharField("状态", max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, verbose_name="案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case_no = models.CharField("案件编号", max_length=100, blank=True)
    subject_staff = models.ForeignKey(
        Staff, verbose_name="涉及人员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("预警内容", max_length=300)
    evidence = models.JSONField("证据", default=dict)
    occurred_at = models.DateTimeField("发生时间", null=True, blank=True)
    raised_at = models.DateTimeField("预警时间")
    last_seen_at = models.DateTimeField("最近检出时间")
    resolved_at = models.DateTimeField("消除时间", null=True, blank=True)
    raised_by = models.ForeignKey(
        "ScanRun", verbose_name="检出批次", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The disposal workflow (F4.5, lianjian.risk.disposal); the engine leaves these alone.
    disposal_state = models.CharField(
        "处置状态", max_length=16, choices=DisposalState.choices, default=DisposalState.PENDING
    )
    step_started_at = models.DateTimeField(
        "本环节计时起点", null=True, blank=True, help_text="空为预警时间；进入新环节或逾期升级时重新计时"
    )
    disposal_opinion = models.CharField(
        "处置结论", max_length=16, choices=DisposalOpinion.choices, blank=True, help_text="审核通过的处置意见"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    transferred_to = models.CharField("移送对象", max_length=16, choices=ClueRecipient.choices, blank=True)
    # Routing (lianjian.risk.routing), outside the scan: when the recipients were told, and how many.
    routed_at = models.DateTimeField("送达时间", null=True, blank=True, db_index=True)
    routed_count = models.PositiveIntegerField(
        "送达人数", null=True, blank=True, help_text="0 为无可送达接收人"
    )

    # Alerts of the interference register and the compliance watch are seen only by holders of
    # ``audience`` (a permission code), and never by the people ``hidden_from_key`` tags
    # (blind tags, lianjian.common.sealing): a person recorded never learns of the record.
    audience = models.CharField("限定查看权限", max_length=32, blank=True)
    hidden_from_key = models.CharField("回避人员标记", max_length=200, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "fingerprint"], name="risk_alert_rule_fp_uniq")
        ]
        indexes = [
            models.Index(fields=["unit", "status", "level"], name="risk_alert_unit_status_idx"),
            models.Index(fields=["case"], name="risk_alert_case_idx"),
            models.Index(fields=["subject_staff", "status"], name="risk_alert_staff_idx"),
            models.Index(fields=["disposal_state", "level"], name="risk_alert_disposal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.case_no or self.subject_staff_id}"


class AppendOnlyError(RuntimeError):
    """A disposal step or attachment may not be changed or deleted once written."""


class AlertStep(models.Model):
    """One step of an alert's disposal, append-only: who did what, from which state to which.

    Escalation by the clock is a step too (``actor`` empty = 系统), with the levels before and
    after. The alert's ``disposal_state`` is always the ``to_state`` of its latest step.
    """

    alert = models.ForeignKey(Alert, verbose_name="预警", on_delete=models.PROTECT, related_name="steps")
    step = models.CharField("环节", max_length=16, choices=DisposalStepKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("办理人姓名", max_length=150, default="系统")
    from_state = models.CharField("原状态", max_length=16, choices=DisposalState.choices)
    to_state = models.CharField("新状态", max_length=16, choices=DisposalState.choices)
    from_level = models.CharField("原等级", max_length=16, choices=AlertLevel.choices, blank=True)
    to_level = models.CharField("新等级", max_length=16, choices=AlertLevel.choices, blank=True)
    opinion = models.CharField("处置意见", max_length=16, choices=DisposalOpinion.choices, blank=True)
    note = models.TextField("说明", blank=True)
    reason = models.TextField("理由", blank=True)
    transferred_to = models.CharField("移送对象", max_length=16, choices=ClueRecipient.choices, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "预警处置记录"
        verbose_name_plural = "预警处置记录"
        ordering = ["alert", "at", "id"]
        indexes = [models.Index(fields=["alert", "at"], name="risk_alertstep_alert_at_idx")]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.get_step_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("处置记录只能追加，不允许修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("处置记录只能追加，不允许删除")


class AlertAttachment(models.Model):
    """A file attached to a verification step (核查材料).

    The content lives under the data directory (``LIANJIAN_ATTACHMENT_DIR``), named by its SM3
    digest, and is served only through the alert's scoped page; ``name`` is the uploader's file
    name, shown and offered on download but never used as a path.
    """

    step = models.ForeignKey(
        AlertStep, verbose_name="处置记录", on_delete=models.PROTECT, related_name="attachments"
    )
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    digest = models.CharField("SM3 摘要", max_length=64)
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "核查材料"
        verbose_name_plural = "核查材料"
        ordering = ["step", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("核查材料只能追加，不允许修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("核查材料只能追加，不允许删除")


class ScanRun(models.Model):
    """One detection run: full, incremental (cases whose events changed) or a dry-run back-test.

    ``watermark`` is the largest event id the run saw; the next incremental run looks at events
    above it.
    """

    mode = models.CharField("方式", max_length=16, choices=ScanMode.choices)
    status = models.CharField("状态", max_length=16, choices=ScanStatus.choices, default=ScanStatus.RUNNING)
    as_of = models.DateTimeField("基准时间")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    watermark = models.BigIntegerField("事件水位", default=0)
    since_watermark = models.BigIntegerField("起始水位", null=True, blank=True)
    case_count = models.PositiveIntegerField("检测案件数", null=True, blank=True)
    new = models.PositiveIntegerField("新增", default=0)
    still_open = models.PositiveIntegerField("仍存在", default=0)
    resolved = models.PositiveIntegerField("已消除", default=0)
    seconds = models.FloatField("用时（秒）", default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.PROTECT
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "检测运行"
        verbose_name_plural = "检测运行"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.started_at:%Y-%m-%d %H:%M}"


class ScanRuleResult(models.Model):
    """One rule's share of a run: what it found and what that did to its alerts."""

    run = models.ForeignKey(
        ScanRun, verbose_name="检测运行", on_delete=models.CASCADE, related_name="results"
    )
    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.PROTECT, related_name="+")
    found = models.PositiveIntegerField("检出", default=0)
    new = models.PositiveIntegerField("新增", default=0)
    still_open = models.PositiveIntegerField("仍存在", default=0)
    resolved = models.PositiveIntegerField("已消除", default=0)
    seconds = models.FloatField("用时（秒）", default=0)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "规则检测结果"
        verbose_name_plural = "规则检测结果"
        ordering = ["run", "rule"]

    def __str__(self) -> str:
        return f"{self.run_id} {self.rule.code}"


__all__ = [
    "Alert",
    "AlertAttachment",
    "AlertStep",
    "AppendOnlyError",
    "RevisionAction",
    "RiskPoint",
    "RiskPointRevision",
    "Rule",
    "RuleOverride",
    "RuleRevision",
    "ScanMode",
    "ScanRuleResult",
    "ScanRun",
]
