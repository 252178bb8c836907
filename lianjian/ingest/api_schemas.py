"""Response bodies of the ingestion API, as pydantic models (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorOut(BaseModel):
    """A refused request: a Chinese explanation and an English code."""

    detail: str = Field(description="中文错误说明")
    code: str = Field(
        description=(
            "英文错误代码：token_missing / token_invalid / unauthorized（401），rate_limited（429），"
            "body_too_large（413），unsupported_media_type（415）"
        )
    )


class RecordError(BaseModel):
    """One error of a batch: where, which field, an English code and a Chinese message."""

    source: str = Field(description="来源：API:<令牌名称>")
    line: int = Field(
        description="位置：JSON 数组中第几条记录（从 1 起）或 JSON Lines 的行号；0 表示整个请求体"
    )
    field: str = Field(description="字段名（可为空）")
    code: str = Field(description="英文错误代码，如 required、invalid_choice、out_of_scope")
    message: str = Field(description="中文错误说明")


class BatchSummary(BaseModel):
    """The batch as ``lianjian import --json`` prints it."""

    model_config = ConfigDict(extra="allow")

    batch: int = Field(description="导入批次编号")
    status: str = Field(description="批次状态：ACCEPTED 已写入，REJECTED 已拒绝（未写入任何记录）")
    dry_run: bool = Field(description="是否试运行（接口提交恒为 false）")
    source: str = Field(description="来源：API:<令牌名称>")
    format: str = Field(description="格式：json（JSON 数组）或 jsonl（JSON Lines）")
    records: int = Field(description="记录条数")
    counts: dict[str, dict[str, int]] = Field(
        description=(
            "按记录类型统计：records 条数、duplicates 重复、created 新增、updated 更新、unchanged 未变"
        )
    )
    error_count: int = Field(description="错误总数")
    errors: list[RecordError] = Field(description="错误明细（最多 1000 条）")
    duration_ms: int = Field(description="耗时（毫秒）")


class ScopeRefusal(BaseModel):
    """A batch refused because records lie outside the token's units; nothing was written."""

    detail: str = Field(description="中文说明")
    code: str = Field(description="英文错误代码：out_of_scope")
    error_count: int = Field(description="越权记录数")
    errors: list[RecordError] = Field(description="越权记录明细（最多 1000 条）")


class ProposalOut(BaseModel):
    """The handling prosecutor's latest proposal (承办人意见)."""

    decision: str = Field(description="意见（决定类型代码，如 PROSECUTE、NON_PROSECUTE）")
    kind: str | None = Field(description="不起诉类别：STATUTORY/DISCRETIONARY/EVIDENCE/CONDITIONAL")
    by: str | None = Field(description="提出人工号")
    at: datetime | None = Field(description="提出时间")


class DecisionOut(BaseModel):
    """The case's latest decision (作出决定) with its level."""

    decision: str = Field(description="决定类型代码")
    kind: str | None = Field(description="不起诉类别")
    by: str | None = Field(description="决定人工号")
    level: str | None = Field(description="决定层级：PROSECUTOR/DEPT_HEAD/DEPUTY_CHIEF/CHIEF/COMMITTEE")
    months: int | None = Field(description="量刑建议（月）")
    at: datetime | None = Field(description="决定时间")


class JudgmentOut(BaseModel):
    """The court's judgment (法院判决)."""

    verdict: str = Field(description="判决结果：GUILTY/ACQUITTED/EXEMPTED")
    charges: list[Any] = Field(description="判决罪名")
    months: int | None = Field(description="判处刑期（月）")
    at: datetime | None = Field(description="判决时间")


class CaseLawyerOut(BaseModel):
    """A lawyer engaged on the case (委托/解除委托)."""

    lawyer: str = Field(description="律师执业证号")
    firm_id: str | None = Field(description="律师事务所统一社会信用代码")
    role: str | None = Field(description="身份：DEFENDER 辩护人 / AGENT 代理人")
    engaged_at: datetime = Field(description="委托时间")
    withdrawn_at: datetime | None = Field(description="解除委托时间（仍在委托中为 null）")


class EventOut(BaseModel):
    """One event of the case, as the source system sent it (immutable)."""

    event_id: str = Field(description="事件编号")
    type: str = Field(description="事件类型（数据契约 §2）")
    is_known_type: bool = Field(description="是否为数据契约中的已知类型")
    unit: str = Field(description="单位编码")
    occurred_at: datetime = Field(description="发生时间")
    actor: str | None = Field(description="操作人工号")
    data: dict[str, Any] = Field(description="事件数据（按类型）")
    corrects: str | None = Field(description="CORRECTED 事件所更正的事件编号")


class CaseOut(BaseModel):
    """A case's current state (the projection of its events) and its events in order."""

    case_no: str = Field(description="案件编号")
    unit: str = Field(description="承办单位编码")
    unit_name: str = Field(description="承办单位名称")
    line: str | None = Field(description="业务条线：CRIMINAL/CIVIL/ADMINISTRATIVE/PUBLIC_INTEREST/OTHER")
    case_type: str | None = Field(description="本阶段案件类别，如 ARREST_REVIEW、PROSECUTION_REVIEW")
    stage: int = Field(description="阶段数（受理次数）")
    cause: str | None = Field(description="案由")
    transferred_cause: str | None = Field(description="移送案由")
    is_detained: bool | None = Field(description="犯罪嫌疑人是否在押")
    custody_measure: str | None = Field(description="当前强制措施")
    is_fast_track: bool | None = Field(description="是否速裁")
    has_plea: bool | None = Field(description="是否认罪认罚")
    prosecutor: str | None = Field(description="承办检察官工号")
    department: str | None = Field(description="承办部门编码")
    assign_method: str | None = Field(description="分案方式：RANDOM 随机 / DESIGNATED 指定")
    proposal: ProposalOut | None = Field(description="最近一次承办人意见")
    decision: DecisionOut | None = Field(description="最近一次决定")
    extension_count: int = Field(description="本阶段延长期限次数")
    extension_days: int = Field(description="本阶段延长天数")
    return_count: int = Field(description="本阶段退回补充侦查次数")
    return_round: int = Field(description="最近一次退回补充侦查的轮次（未退回为 0）")
    is_suspended: bool = Field(description="期间是否中止中")
    judgment: JudgmentOut | None = Field(description="法院判决")
    received_at: datetime | None = Field(description="本阶段受理时间")
    first_received_at: datetime | None = Field(description="首次受理时间")
    closed_at: datetime | None = Field(description="办结时间（未办结为 null）")
    close_result: str | None = Field(description="办结结果")
    last_event_at: datetime = Field(description="最近事件时间")
    event_count: int = Field(description="事件数")
    unknown_event_count: int = Field(description="未知类型事件数")
    lawyers: list[CaseLawyerOut] = Field(description="委托的律师")
    events: list[EventOut] = Field(description="案件事件，按发生时间排序")
