"""The left menu, declared in one place: each entry shows only to users holding its permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from lianjian.common.permissions import Perm


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url_name: str
    perm: Perm | None  # None: every signed-in user


MENU: list[tuple[str, list[MenuItem]]] = [
    (
        "工作台",
        [
            MenuItem("home", "首页", "dashboard:home", None),
            MenuItem("notifications", "我的消息", "notify:notification_list", None),
        ],
    ),
    (
        "组织机构",
        [
            MenuItem("units", "单位", "org:unit_list", Perm.ORG_VIEW),
            MenuItem("departments", "部门", "org:department_list", Perm.ORG_VIEW),
            MenuItem("staff", "人员", "org:staff_list", Perm.ORG_VIEW),
            MenuItem("staff_changes", "岗位变动", "org:staff_change_list", Perm.ORG_VIEW),
            MenuItem("powers", "权力清单", "org:power_list", Perm.POWER_VIEW),
            MenuItem("relations", "特殊关系登记", "org:relation_list", Perm.RELATION_VIEW),
            MenuItem("lawyers", "律师", "org:lawyer_list", Perm.LAWYER_VIEW),
        ],
    ),
    ("数据导入", [MenuItem("imports", "导入批次", "ingest:batch_list", Perm.IMPORT_RUN)]),
    (
        "廉政风险",
        [
            MenuItem("risk_points", "风险点库", "risk:point_list", Perm.RISK_VIEW),
            MenuItem("risk_rules", "检测规则", "risk:rule_list", Perm.RISK_VIEW),
            MenuItem("alerts", "预警", "risk:alert_list", Perm.ALERT_VIEW),
            MenuItem("cases", "案件查询", "risk:case_list", Perm.CASE_VIEW),
            MenuItem("scan_runs", "检测运行", "risk:run_list", Perm.SCAN_RUN),
        ],
    ),
    (
        "三个规定",
        [
            MenuItem("interference_new", "新增记录", "interference:record_create", Perm.INTERFERENCE_RECORD),
            MenuItem("interference_mine", "我的记录", "interference:record_mine", Perm.INTERFERENCE_RECORD),
            MenuItem(
                "interference_my_reports", "我的报告", "interference:my_reports", Perm.INTERFERENCE_RECORD
            ),
            MenuItem("interference_read", "记录查阅", "interference:record_list", Perm.INTERFERENCE_READ),
            # Leaders ask to read (INTERFERENCE_STATS); the chief decides (every LEADER holds both).
            MenuItem(
                "interference_requests", "查阅审批", "interference:read_requests", Perm.INTERFERENCE_STATS
            ),
            # 检务督察 hold interference.stats too.
            MenuItem(
                "interference_report_overview",
                "报告情况",
                "interference:report_overview",
                Perm.INTERFERENCE_STATS,
            ),
            MenuItem(
                "interference_report_settings",
                "报告设置",
                "interference:report_settings",
                Perm.INTERFERENCE_SUPERVISE,
            ),
            MenuItem("interference_stats", "统计分析", "interference:stats", Perm.INTERFERENCE_STATS),
            MenuItem("interference_clues", "问题线索", "interference:clue_list", Perm.CLUE_HANDLE),
        ],
    ),
    (
        "系统管理",
        [
            MenuItem("users", "用户管理", "accounts:user_list", Perm.USER_MANAGE),
            MenuItem("grants", "角色授权", "accounts:grant_list", Perm.ROLE_GRANT),
            MenuItem("sessions", "在线会话", "accounts:session_list", Perm.SESSION_MANAGE),
            MenuItem("api_tokens", "接口令牌", "accounts:api_token_list", Perm.API_TOKEN_MANAGE),
            MenuItem("webhooks", "消息推送", "notify:webhook_list", Perm.NOTIFY_MANAGE),
            MenuItem("job_runs", "后台任务", "jobs:run_list", Perm.JOB_VIEW),
        ],
    ),
    (
        "安全审计",
        [
            MenuItem("audit", "审计日志", "audit:event_list", Perm.AUDIT_VIEW),
            MenuItem("login_log", "登录日志", "accounts:login_log", Perm.LOGIN_LOG_VIEW),
        ],
    ),
]


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    groups = []
    for label, items in MENU:
        visible = []
        for item in items:
            if item.perm is not None and not user.has_lianjian_perm(item.perm):
                continue
            url = reverse(item.url_name)
            active = current_path == url if url == "/" else current_path.startswith(url)
            visible.append({"key": item.key, "label": item.label, "url": url, "active": active})
        if visible:
            groups.append({"label": label, "items": visible})
    return groups
