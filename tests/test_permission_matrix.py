"""The role × data-scope matrix over every view and API endpoint (issue 2 §7).

Every URL pattern of the project must appear in :data:`PAGES`, :data:`ACTIONS` or
:data:`PUBLIC`, so a new view cannot ship without its row here. For each persona a page answers
200 inside the scope, 404 for an object outside it (the same answer as for an absent object),
403 without the permission, and a login redirect to anonymous users; a refused action changes
nothing and writes no audit row.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lianjian.accounts.api_tokens import api_token_create
from lianjian.accounts.models import ApiToken
from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.audit.services import audit_record
from lianjian.interference.models import PeriodicReport, ReportingSetting
from lianjian.notify.models import Notification
from lianjian.org.models import PowerRule, Relation, Staff, Unit
from lianjian.risk.models import Alert, AlertStep, RiskPoint, Rule, RuleOverride, ScanRun

PERSONAS = [
    "county_prosecutor",
    "department_head",
    "city_supervisor",
    "discipline_inspector",
    "outsider",
    "case_manager",
    "political_officer",
    "system_admin",
    "security_admin",
    "audit_admin",
]
ORG_VIEWERS = {
    "county_prosecutor",
    "department_head",
    "city_supervisor",
    "discipline_inspector",
    "outsider",
    "case_manager",
    "political_officer",
}
RELATION_VIEWERS = {"department_head", "city_supervisor", "discipline_inspector", "political_officer"}
POWER_MANAGERS = {"case_manager"}
RELATION_MANAGERS = {"political_officer"}
IMPORTERS = {"case_manager", "political_officer"}
# 廉政风险: every business role reads the catalogue, the rules and the alerts in its scope; case
# management and inspection maintain the unit libraries and run detection. Only 风险维护 over the
# top unit changes the standard rules: the extra persona "province_manager" (not in PERSONAS, so
# the rows above need not name it) holds it.
RISK_VIEWERS = ORG_VIEWERS
RISK_MANAGERS = {"city_supervisor", "case_manager"}
SCAN_RUNNERS = {"city_supervisor", "case_manager"}
RISK_PERSONAS = [*PERSONAS, "province_manager"]
# The interference register's periodic reports: every business role reports; leaders, department
# heads, 检务督察 and 纪检监察 see the compliance (rates, names for 检务督察 only).
REPORTERS = ORG_VIEWERS
REPORT_WATCHERS = {"department_head", "city_supervisor", "discipline_inspector"}
REPORT_SUPERVISORS = {"city_supervisor"}


@pytest.fixture
def case_manager(org: Any) -> Any:
    """案件管理 of city 620100 and below."""
    user: Any = UserFactory(username="casemgmt", display_name="案管")
    grant(user, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.city)
    return user


@pytest.fixture
def province_manager(org: Any) -> Any:
    """案件管理 of the province 620000 and below: maintains the standard library and rules."""
    user: Any = UserFactory(username="provincecm", display_name="省案管")
    grant(user, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.province)
    return user


@pytest.fixture
def political_officer(org: Any) -> Any:
    """政治部 of county 620102."""
    user: Any = UserFactory(username="political", display_name="政工")
    grant(user, "POLITICAL", "UNIT", unit=org.county)
    return user


def everyone_but(*allowed: str, denied: int = 403) -> dict[str, int]:
    return {p: (200 if p in allowed else denied) for p in PERSONAS}


def risk_rows(*allowed: str) -> dict[str, int]:
    """:func:`everyone_but` over the personas of the risk rows (the province manager too)."""
    return {p: (200 if p in allowed else 403) for p in RISK_PERSONAS}


# name → (args builder, expected status per persona)
Args = Callable[[Any, dict[str, Any]], list[Any]]
NO_ARGS: Args = lambda org, users: []  # noqa: E731


def _in_scope(statuses: dict[str, int], out_of_scope: set[str]) -> dict[str, int]:
    return {p: (404 if p in out_of_scope and s == 200 else s) for p, s in statuses.items()}


RISK_CASE = "甘兰城检刑诉受[2026]620102000001号"  # A100's case in county 620102
RISK_OTHER_CASE = "甘嘉城检刑诉受[2026]620201000001号"  # C300's case in county 620201
RISK_POINT_FIELDS = {"name": "本地风险点", "line": "CRIMINAL", "category": "POST_DUTY", "level": "LOW"}


def _risk(org: Any, users: dict[str, Any], *, alerts: bool = False) -> dict[str, Any]:
    """The catalogue with a local point of 620102 and of 620201; with ``alerts``, an alert on a
    case of each county and the run that raised them.

    Built on first use in a test (only the risk rows need it), through the services, the
    importer and the engine.
    """
    from datetime import date

    from lianjian.risk.services import risk_catalogue_install, risk_point_add

    if "_risk" not in users:
        risk_catalogue_install()
        points = {
            unit.code: risk_point_add(
                unit=unit,
                actor=None,
                code="BD01",
                fields=RISK_POINT_FIELDS,
                effective_from=date(2024, 1, 1),
                reason="",
            )
            for unit in (org.county, org.other_county)
        }
        users["_risk"] = {
            "county_point": points["620102"],
            "other_point": points["620201"],
            "standard_point": RiskPoint.objects.get(unit=None, code="GX01"),
        }
    if alerts and "run" not in users["_risk"]:
        users["_risk"].update(_risk_alerts())
    return users["_risk"]


def _risk_alerts() -> dict[str, Any]:
    import json
    from datetime import datetime

    from lianjian.ingest.services import import_batch_run
    from lianjian.risk.engine import scan_run

    lines = []
    for case, unit, prosecutor in ((RISK_CASE, "620102", "A100"), (RISK_OTHER_CASE, "620201", "C300")):
        for n, (kind, data) in enumerate(
            [
                ("RECEIVED", {"line": "CRIMINAL", "case_type": "PROSECUTION_REVIEW"}),
                ("ASSIGNED", {"prosecutor": prosecutor, "department": "D2"}),
                ("SUPERIOR_DIRECTIVE", {"kind": "CORRECT"}),
            ]
        ):
            record = {
                "record": "event",
                "event_id": f"M-{unit}-{n}",
                "case_no": case,
                "unit": unit,
                "type": kind,
                "occurred_at": f"2026-03-0{n + 2}T09:00:00+08:00",
                "actor": None,
                "data": data,
            }
            lines.append(json.dumps(record, ensure_ascii=False))
    assert import_batch_run(actor=None, source_name="risk.jsonl", lines_or_reader=lines).is_accepted
    report = scan_run(full=True, as_of=datetime.fromisoformat("2026-06-30T18:00:00+08:00"), rules=["R-GX01"])
    return {
        "alert": Alert.objects.get(case_no=RISK_CASE),
        "other_alert": Alert.objects.get(case_no=RISK_OTHER_CASE),
        "run": ScanRun.objects.get(pk=report.run_id or 0),
    }


def _risk_arg(key: str) -> Args:
    alerts = key in ("alert", "other_alert", "run")
    return lambda org, users: [_risk(org, users, alerts=alerts)[key].pk]


def _risk_rule(org: Any, users: dict[str, Any]) -> list[Any]:
    _risk(org, users)  # installs the standard rules
    return ["R-GX01"]


def _alert_attachment(org: Any, users: dict[str, Any]) -> list[Any]:
    """A verification file on the alert of A100's case, signed and verified by A100."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianjian.risk.disposal import alert_sign, alert_verify

    alert = _risk(org, users, alerts=True)["alert"]
    if "attachment" not in users["_risk"]:
        alert_sign(alert=alert, actor=users["county_prosecutor"])
        step = alert_verify(
            alert=alert,
            actor=users["county_prosecutor"],
            note="核查",
            files=[SimpleUploadedFile("笔录.pdf", b"%PDF-1.4 matrix")],
        )
        users["_risk"]["attachment"] = step.attachments.get()
    return [alert.pk, users["_risk"]["attachment"].pk]


def _alert_state(users: dict[str, Any]) -> Probe:
    alert = users["_risk"]["alert"]
    return lambda: (
        Alert.objects.filter(pk=alert.pk).values_list("disposal_state", "level").get(),
        AlertStep.objects.filter(alert=alert).count(),
    )


def _risk_case(case_no: str) -> Args:
    """The number of a case with events (built with the alerts)."""

    def args(org: Any, users: dict[str, Any]) -> list[Any]:
        _risk(org, users, alerts=True)
        return [case_no]

    return args


def _with_risk(org: Any, users: dict[str, Any]) -> list[Any]:
    _risk(org, users)
    return []


def _notification(users: dict[str, Any]) -> Any:
    from lianjian.notify.services import notify

    if "_notification" not in users:
        notify([users["province_manager"]], kind="OTHER", title="矩阵消息", key="matrix:1")
        users["_notification"] = Notification.objects.get(key="matrix:1")
    return users["_notification"]


def _webhook(users: dict[str, Any]) -> Any:
    from lianjian.notify.services import webhook_endpoint_create

    if "_webhook" not in users:
        users["_webhook"] = webhook_endpoint_create(
            actor=None, name="矩阵接收端", url="http://127.0.0.1:9/h"
        )[0]
    return users["_webhook"]


def _clue(org: Any, users: dict[str, Any], *, far: bool = False) -> Any:
    """A clue of county 620102 taken, closed and noticed by its 纪检监察; with ``far``, a clue of
    the other city's county 620201 taken by a handler there (outside every persona's scope)."""
    from lianjian.interference import clues

    key = "_clue_far" if far else "_clue"
    if key not in users:
        if far:
            handler: Any = UserFactory(username="discipline_far", display_name="远纪检")
            grant(handler, "DISCIPLINE", "UNIT", unit=org.other_county)
            users[key] = clues.clue_take(
                actor=handler, source="REPORT", summary="矩阵", unit=org.other_county
            )
        else:
            actor = users["discipline_inspector"]
            clue = clues.clue_take(actor=actor, source="REPORT", summary="矩阵")
            clues.clue_dispose(actor=actor, clue=clue, disposal="CLOSE")
            clues.clue_close(actor=actor, clue=clue, outcome="了结")
            clues.clue_notice_issue(actor=actor, clue=clue, summary="概述")
            users[key] = clue
    return users[key]


def _clue_arg(*, far: bool = False) -> Args:
    return lambda org, users: [_clue(org, users, far=far).pk]


# 三个规定: statistics for the reporting chain (部门负责人, 检务督察, 纪检监察 among the personas);
# clues for 纪检监察 only.
INTERFERENCE_STATS_ROWS = everyone_but("department_head", "city_supervisor", "discipline_inspector")
CLUE_ROWS = everyone_but("discipline_inspector")
# The interference register (docs/interference/recording.md): a NORMAL record by A100 of county
# 620102 with one attachment, and a pending read request of the county's deputy chief (not a
# persona). Recording needs a staff record (the case manager and the political officer of the
# matrix have none: 403); a record one may not read answers 404.
RECORDERS = {"county_prosecutor", "department_head", "city_supervisor", "discipline_inspector", "outsider"}
INTERFERENCE_LISTERS = RECORDERS | {"case_manager", "political_officer"}
INTERFERENCE_READERS = {"county_prosecutor", "city_supervisor", "discipline_inspector"}
INTERFERENCE_STATS_HOLDERS = {"department_head", "city_supervisor", "discipline_inspector"}


def _interference(org: Any, users: dict[str, Any]) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from lianjian.interference.services import Upload, read_request_create
    from lianjian.interference.tests.builders import leader_of, make_record

    if "_interference" not in users:
        record = make_record(org.prosecutor, uploads=[Upload("函件.pdf", b"%PDF matrix")])
        now = timezone.now()
        request = read_request_create(
            requester=leader_of(org.county),
            record=record,
            reason="核查",
            window_start=now,
            window_end=now + timedelta(days=1),
        )
        users["_interference"] = {"record": record, "request": request}
    return users["_interference"]


def _record_no(org: Any, users: dict[str, Any]) -> list[Any]:
    return [_interference(org, users)["record"].no]


def _record_attachment(org: Any, users: dict[str, Any]) -> list[Any]:
    record = _interference(org, users)["record"]
    return [record.no, record.attachments.get().pk]


def _record_form(**extra: Any) -> dict[str, Any]:
    return {
        "subject_name": "某人",
        "subject_org": "某单位",
        "subject_position": "某职务",
        "subject_type": "LEADER",
        "occurred_at": "2026-03-02T09:00",
        "location": "办公室",
        "in_workplace": "on",
        "in_hours": "on",
        "channel": "PHONE",
        "matter_type": "MAJ-02",
        "content": "矩阵内容",
        "category": "RC-02",
        "response": "REFUSED",
        "confidentiality": "NORMAL",
        **extra,
    }


def _interference_state(users: dict[str, Any]) -> Probe:
    from lianjian.interference.models import ReadRequest, Record, RecordVersion

    return lambda: (
        Record.objects.count(),
        RecordVersion.objects.count(),
        list(ReadRequest.objects.values_list("pk", "state")),
    )


RISK_VIEW_ROWS = risk_rows(*RISK_VIEWERS, "province_manager")
RISK_MANAGE_ROWS = risk_rows(*RISK_MANAGERS, "province_manager")
SCAN_ROWS = risk_rows(*SCAN_RUNNERS, "province_manager")


PAGES: dict[str, tuple[Args, dict[str, int]]] = {
    "dashboard:home": (NO_ARGS, {p: 200 for p in PERSONAS}),
    "accounts:password_change": (NO_ARGS, {p: 200 for p in PERSONAS}),
    "org:unit_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:department_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:staff_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:staff_change_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:power_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:lawyer_list": (NO_ARGS, everyone_but(*ORG_VIEWERS)),
    "org:relation_list": (NO_ARGS, everyone_but(*RELATION_VIEWERS)),
    "org:power_rule_create": (NO_ARGS, everyone_but(*POWER_MANAGERS)),
    "org:relation_create": (NO_ARGS, everyone_but(*RELATION_MANAGERS)),
    # County 620102's unit, its criminal department, and its prosecutor A100.
    "org:unit_detail": (
        lambda org, users: [org.county.code],
        _in_scope(everyone_but(*ORG_VIEWERS), {"outsider"}),
    ),
    "org:department_detail": (
        lambda org, users: [org.criminal.pk],
        _in_scope(everyone_but(*ORG_VIEWERS), {"outsider"}),
    ),
    "org:staff_detail": (
        lambda org, users: [org.prosecutor.pk],
        _in_scope(everyone_but(*ORG_VIEWERS), {"outsider"}),
    ),
    "accounts:user_list": (NO_ARGS, everyone_but("system_admin")),
    "accounts:user_create": (NO_ARGS, everyone_but("system_admin")),
    "accounts:user_detail": (
        lambda org, users: [users["county_prosecutor"].pk],
        everyone_but("system_admin"),
    ),
    "accounts:grant_list": (NO_ARGS, everyone_but("security_admin")),
    "accounts:grant_detail": (
        lambda org, users: [users["county_prosecutor"].pk],
        everyone_but("security_admin"),
    ),
    "accounts:session_list": (NO_ARGS, everyone_but("security_admin")),
    "accounts:api_token_list": (NO_ARGS, everyone_but("security_admin")),
    "accounts:api_token_create": (NO_ARGS, everyone_but("security_admin")),
    "accounts:login_log": (NO_ARGS, everyone_but("audit_admin")),
    "audit:event_list": (NO_ARGS, everyone_but("audit_admin")),
    "jobs:run_list": (NO_ARGS, everyone_but("system_admin")),
    "audit:event_detail": (lambda org, users: [users["_event"].pk], everyone_but("audit_admin")),
    "ingest:batch_list": (NO_ARGS, everyone_but(*IMPORTERS)),
    "ingest:batch_upload": (NO_ARGS, everyone_but(*IMPORTERS)),
    "ingest:template_download": (lambda org, users: ["staff"], everyone_but(*IMPORTERS)),
    # A batch run by the case manager: visible to its author only (no persona has scope ALL of 导入).
    "ingest:batch_detail": (
        lambda org, users: [users["_batch"].pk],
        {**everyone_but("case_manager"), "political_officer": 404},
    ),
    "ingest:batch_errors_xlsx": (
        lambda org, users: [users["_batch"].pk],
        {**everyone_but("case_manager"), "political_officer": 404},
    ),
    "ingest:batch_errors_csv": (
        lambda org, users: [users["_batch"].pk],
        {**everyone_but("case_manager"), "political_officer": 404},
    ),
    "risk:point_list": (NO_ARGS, RISK_VIEW_ROWS),
    "risk:rule_list": (NO_ARGS, RISK_VIEW_ROWS),
    "risk:alert_list": (NO_ARGS, RISK_VIEW_ROWS),
    "risk:point_create": (NO_ARGS, RISK_MANAGE_ROWS),
    "risk:point_import": (NO_ARGS, RISK_MANAGE_ROWS),
    "risk:run_list": (NO_ARGS, SCAN_ROWS),
    # Disposal feedback of every rule (F4.5 §4): those who maintain the rules.
    "risk:rule_feedback": (NO_ARGS, RISK_MANAGE_ROWS),
    # The local point BD01 of county 620102: its units and their superiors see it, 620201 does not.
    "risk:point_detail": (_risk_arg("county_point"), _in_scope(RISK_VIEW_ROWS, {"outsider"})),
    "risk:point_revise": (_risk_arg("county_point"), RISK_MANAGE_ROWS),
    "risk:point_retire": (_risk_arg("county_point"), RISK_MANAGE_ROWS),
    "risk:rule_detail": (_risk_rule, RISK_VIEW_ROWS),
    # A standard rule applies in every unit: only 风险维护 over the top unit changes it.
    "risk:rule_change": (_risk_rule, risk_rows("province_manager")),
    "risk:rule_override": (_risk_rule, RISK_MANAGE_ROWS),
    # The alert on A100's case in 620102.
    "risk:alert_detail": (_risk_arg("alert"), _in_scope(RISK_VIEW_ROWS, {"outsider"})),
    # A verification file of that alert: whoever sees the alert.
    "risk:alert_attachment": (_alert_attachment, _in_scope(RISK_VIEW_ROWS, {"outsider"})),
    "risk:run_detail": (_risk_arg("run"), SCAN_ROWS),
    # Case pages (案件查看, every business role): A100's case in 620102.
    "risk:case_list": (NO_ARGS, RISK_VIEW_ROWS),
    "risk:case_detail": (_risk_case(RISK_CASE), _in_scope(RISK_VIEW_ROWS, {"outsider"})),
    # Everyone has a notification centre of their own; the webhooks are the system admin's.
    "notify:notification_list": (NO_ARGS, {p: 200 for p in PERSONAS}),
    "notify:webhook_list": (NO_ARGS, everyone_but("system_admin")),
    # The dashboard's drill-down (docs/dashboard.md): a unit for unit-wide 预警查看 scopes, a
    # department for those reaching it, a person for 排名查看 (leaders, 检务督察, 纪检监察, 部门负责人).
    "dashboard:unit": (
        lambda org, users: [org.county.code],
        _in_scope(everyone_but(*RISK_VIEWERS), {"county_prosecutor", "department_head", "outsider"}),
    ),
    "dashboard:department": (
        lambda org, users: [org.criminal.pk],
        _in_scope(everyone_but(*RISK_VIEWERS), {"county_prosecutor", "outsider"}),
    ),
    "dashboard:person": (
        lambda org, users: [org.prosecutor.pk],
        everyone_but("department_head", "city_supervisor", "discipline_inspector"),
    ),
    # “三个规定”定期报告 (docs/interference/reports.md): everyone who records reports; the
    # reporting chain and 检务督察 see the compliance table; only 检务督察 set the cycle.
    "interference:my_reports": (NO_ARGS, everyone_but(*REPORTERS)),
    "interference:report_overview": (NO_ARGS, everyone_but(*REPORT_WATCHERS)),
    "interference:report_export": (NO_ARGS, everyone_but(*REPORT_WATCHERS)),
    "interference:report_settings": (NO_ARGS, everyone_but(*REPORT_SUPERVISORS)),
    "interference:stats": (NO_ARGS, INTERFERENCE_STATS_ROWS),
    "interference:stats_report": (NO_ARGS, INTERFERENCE_STATS_ROWS),
    "interference:clue_list": (NO_ARGS, CLUE_ROWS),
    "interference:clue_new": (NO_ARGS, CLUE_ROWS),
    "interference:clue_detail": (_clue_arg(), CLUE_ROWS),
    "interference:clue_notice": (_clue_arg(), CLUE_ROWS),
    "interference:record_create": (NO_ARGS, everyone_but(*RECORDERS)),
    "interference:record_mine": (NO_ARGS, everyone_but(*INTERFERENCE_LISTERS)),
    "interference:record_list": (NO_ARGS, everyone_but("city_supervisor", "discipline_inspector")),
    "interference:record_detail": (
        _record_no,
        _in_scope(everyone_but(*INTERFERENCE_LISTERS), INTERFERENCE_LISTERS - INTERFERENCE_READERS),
    ),
    "interference:record_attachment": (
        _record_attachment,
        _in_scope(everyone_but(*INTERFERENCE_LISTERS), INTERFERENCE_LISTERS - INTERFERENCE_READERS),
    ),
    "interference:record_correct": (
        _record_no,
        _in_scope(everyone_but(*RECORDERS), RECORDERS - {"county_prosecutor"}),
    ),
    "interference:read_requests": (NO_ARGS, everyone_but(*INTERFERENCE_STATS_HOLDERS)),
}

# Data scope beyond the first column: objects of another county or city.
SCOPED_OBJECT_PAGES: list[tuple[str, Args, dict[str, int]]] = [
    # Staff B200 of county 620103 (same city): only the city supervisor and the city's case manager.
    (
        "org:staff_detail",
        lambda org, users: [org.county_b_prosecutor.pk],
        _in_scope(
            everyone_but(*ORG_VIEWERS),
            {"county_prosecutor", "department_head", "discipline_inspector", "outsider", "political_officer"},
        ),
    ),
    # Staff C300 of the other city's county: only its own prosecutor (unit scope there).
    (
        "org:staff_detail",
        lambda org, users: [org.outsider_staff.pk],
        _in_scope(everyone_but(*ORG_VIEWERS), ORG_VIEWERS - {"outsider"}),
    ),
    (
        "org:unit_detail",
        lambda org, users: [org.other_county.code],
        _in_scope(everyone_but(*ORG_VIEWERS), ORG_VIEWERS - {"outsider"}),
    ),
    # The local point of county 620201 and the alert on C300's case there: only its own prosecutor
    # and the province manager reach them.
    (
        "risk:point_detail",
        _risk_arg("other_point"),
        _in_scope(RISK_VIEW_ROWS, RISK_VIEWERS - {"outsider"}),
    ),
    (
        "risk:alert_detail",
        _risk_arg("other_alert"),
        _in_scope(RISK_VIEW_ROWS, RISK_VIEWERS - {"outsider"}),
    ),
    (
        "risk:case_detail",
        _risk_case(RISK_OTHER_CASE),
        _in_scope(RISK_VIEW_ROWS, RISK_VIEWERS - {"outsider"}),
    ),
    # A standard point is revised only by the standard library's maintainer; unit managers: 404.
    (
        "risk:point_revise",
        _risk_arg("standard_point"),
        _in_scope(risk_rows(*RISK_MANAGERS, "province_manager"), RISK_MANAGERS),
    ),
    (
        "risk:point_retire",
        _risk_arg("standard_point"),
        _in_scope(risk_rows(*RISK_MANAGERS, "province_manager"), RISK_MANAGERS),
    ),
    # The dashboard's drill-down into county 620103 (same city) and the other city's county.
    (
        "dashboard:unit",
        lambda org, users: [org.county_b.code],
        _in_scope(everyone_but(*RISK_VIEWERS), RISK_VIEWERS - {"city_supervisor", "case_manager"}),
    ),
    (
        "dashboard:department",
        lambda org, users: [org.other_criminal.pk],
        _in_scope(everyone_but(*RISK_VIEWERS), RISK_VIEWERS - {"outsider"}),
    ),
    (
        "dashboard:person",
        lambda org, users: [org.county_b_prosecutor.pk],
        _in_scope(
            everyone_but("department_head", "city_supervisor", "discipline_inspector"),
            {"department_head", "discipline_inspector"},
        ),
    ),
    # A clue of the other city's county: outside the county 纪检监察's scope.
    ("interference:clue_detail", _clue_arg(far=True), _in_scope(CLUE_ROWS, {"discipline_inspector"})),
    ("interference:clue_notice", _clue_arg(far=True), _in_scope(CLUE_ROWS, {"discipline_inspector"})),
    # A user of the other city is outside the city security administrator's scope.
    (
        "accounts:grant_detail",
        lambda org, users: [users["outsider"].pk],
        {**everyone_but(), "security_admin": 404},
    ),
]

# POST endpoints: who may, and a builder of (args, data, probe) where probe() reads the state
# that a refused request must leave unchanged.
Probe = Callable[[], Any]
ActionBuilder = Callable[[Any, dict[str, Any]], tuple[list[Any], dict[str, Any], Probe]]


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    line = '{"record": "unit", "code": "620105", "name": "新院", "level": "COUNTY", "parent": "620100"}\n'
    return SimpleUploadedFile("units.jsonl", line.encode(), content_type="application/jsonl")


def _catalogue_upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["风险点编码", "风险点名称", "业务条线", "风险类别", "风险等级"])
    sheet.append(["BD01", "改名", "刑事检察", "岗位职责", "高"])
    sheet.append(["BD09", "新风险点", "刑事检察", "岗位职责", "中"])
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("风险点库.xlsx", buffer.getvalue())


def _points_state() -> Probe:
    return lambda: list(
        RiskPoint.objects.order_by("pk").values_list("unit_id", "code", "version", "retired_on")
    )


def _user_active(users: dict[str, Any]) -> Probe:
    user = users["county_prosecutor"]
    return lambda: type(user).objects.filter(pk=user.pk).values_list("is_active", "password").get()


ACTIONS: dict[str, tuple[set[str], ActionBuilder]] = {
    "audit:chain_verify": ({"audit_admin"}, lambda org, users: ([], {}, lambda: AuditEvent.objects.count())),
    "accounts:user_set_active": (
        {"system_admin"},
        lambda org, users: ([users["county_prosecutor"].pk], {"is_active": "0"}, _user_active(users)),
    ),
    "accounts:user_password_reset": (
        {"system_admin"},
        lambda org, users: (
            [users["county_prosecutor"].pk],
            {"new_password1": "Reset#2026x", "new_password2": "Reset#2026x"},
            _user_active(users),
        ),
    ),
    "accounts:grant_revoke": (
        {"security_admin"},
        lambda org, users: (
            [users["county_prosecutor"].roles.get().pk],
            {},
            lambda: list(users["county_prosecutor"].roles.values_list("pk", flat=True)),
        ),
    ),
    "accounts:api_token_create": (
        {"security_admin"},
        lambda org, users: (
            [],
            {"name": "矩阵测试系统", "units": [org.county.pk]},
            lambda: ApiToken.objects.count(),
        ),
    ),
    "accounts:api_token_revoke": (
        {"security_admin"},
        lambda org, users: (
            [users["_api_token"].pk],
            {},
            lambda: (
                ApiToken.objects.filter(pk=users["_api_token"].pk).values_list("is_active", flat=True).get()
            ),
        ),
    ),
    "accounts:session_force_logout": (
        {"security_admin"},
        lambda org, users: (
            [users["_session"].pk],
            {},
            lambda: type(users["_session"]).objects.get(pk=users["_session"].pk).ended_at,
        ),
    ),
    "ingest:batch_upload": (
        IMPORTERS,
        lambda org, users: (
            [],
            {"file": _upload()},
            lambda: (Staff.objects.count(), Unit.objects.count()),
        ),
    ),
    "org:power_rule_create": (
        POWER_MANAGERS,
        lambda org, users: (
            [],
            {
                "unit": org.county.pk,
                "decision": "PROTEST",
                "effective_from": "2026-01-01",
                "positions": ["CHIEF"],
            },
            lambda: PowerRule.objects.count(),
        ),
    ),
    "org:relation_create": (
        RELATION_MANAGERS,
        lambda org, users: (
            [],
            {
                "staff_no": "A100",
                "other_kind": "PERSON",
                "other": "P-1",
                "other_name": "某某",
                "relation": "SPOUSE",
            },
            lambda: Relation.objects.count(),
        ),
    ),
    "risk:point_create": (
        RISK_MANAGERS,
        lambda org, users: (
            [],
            {**RISK_POINT_FIELDS, "library": "620102", "code": "BD09", "effective_from": "2026-07-01"},
            _points_state(),
        ),
    ),
    "risk:point_import": (
        RISK_MANAGERS,
        lambda org, users: (
            _with_risk(org, users),
            {"library": "620102", "file": _catalogue_upload(), "effective_from": "2026-07-01", "reason": "x"},
            _points_state(),
        ),
    ),
    "risk:point_revise": (
        RISK_MANAGERS,
        lambda org, users: (
            _risk_arg("county_point")(org, users),
            {**RISK_POINT_FIELDS, "level": "HIGH", "effective_from": "2026-07-01", "reason": "x"},
            _points_state(),
        ),
    ),
    "risk:point_retire": (
        RISK_MANAGERS,
        lambda org, users: (
            _risk_arg("county_point")(org, users),
            {"retired_on": "2026-07-01", "reason": "x"},
            _points_state(),
        ),
    ),
    "risk:rule_change": (
        {"province_manager"},
        lambda org, users: (
            _risk_rule(org, users),
            {
                "params": '{"events": [{"type": "SUPERIOR_DIRECTIVE"}], "lines": ["CRIMINAL"]}',
                "level": "WARNING",
                "recipients": ["HANDLER"],
                "is_enabled": "on",
                "reason": "x",
            },
            lambda: list(Rule.objects.values_list("code", "version", "level")),
        ),
    ),
    "risk:rule_backtest": (
        {"province_manager"},
        lambda org, users: (
            _risk_rule(org, users),
            {"params": '{"events": [{"type": "SUPERIOR_DIRECTIVE"}], "lines": ["CIVIL"]}'},
            lambda: (Alert.objects.count(), ScanRun.objects.count()),
        ),
    ),
    "risk:rule_override": (
        RISK_MANAGERS,
        lambda org, users: (
            _risk_rule(org, users),
            {"unit": "620102", "params": "{}", "is_enabled": "off", "reason": "x"},
            lambda: RuleOverride.objects.count(),
        ),
    ),
    # Signing the alert on A100's case: only A100, its handling prosecutor (the other steps, roles
    # and scopes: lianjian/risk/tests/test_disposal.py).
    "risk:alert_step": (
        {"county_prosecutor"},
        lambda org, users: (
            [_risk(org, users, alerts=True)["alert"].pk, "SIGN"],
            {"note": "签收"},
            _alert_state(users),
        ),
    ),
    # A notification of a user outside the personas: nobody else may mark it (404, nothing changes).
    "notify:notification_read": (
        set(),
        lambda org, users: (
            [_notification(users).pk],
            {},
            lambda: type(_notification(users)).objects.get(pk=_notification(users).pk).read_at,
        ),
    ),
    # Marking all read touches only the caller's own notifications: every persona may.
    "notify:notification_read_all": (set(PERSONAS), lambda org, users: ([], {}, lambda: None)),
    "notify:webhook_set_enabled": (
        {"system_admin"},
        lambda org, users: (
            [_webhook(users).pk],
            {"enabled": "0"},
            lambda: type(_webhook(users)).objects.get(pk=_webhook(users).pk).is_enabled,
        ),
    ),
    "interference:my_report_submit": (
        REPORTERS,
        lambda org, users: (
            [],
            {"period": "2026-11", "zero": "1", "confirm": "1"},
            lambda: PeriodicReport.objects.count(),
        ),
    ),
    "interference:report_settings": (
        REPORT_SUPERVISORS,
        lambda org, users: (
            [],
            {
                "unit": "620102",
                "cycle": "QUARTERLY",
                "remind_days": "3,1",
                "zero_months": "6",
                "caseload_threshold": "30",
            },
            lambda: list(ReportingSetting.objects.values_list("unit_id", "cycle")),
        ),
    ),
    "risk:scan_start": (
        SCAN_RUNNERS,
        lambda org, users: ([], {}, lambda: (ScanRun.objects.count(), Alert.objects.count())),
    ),
    "interference:clue_new": (
        {"discipline_inspector"},
        lambda org, users: ([], {"source": "REPORT", "summary": "矩阵线索"}, lambda: _clue_counts()),
    ),
    "interference:clue_action": (
        {"discipline_inspector"},
        lambda org, users: (_clue_arg()(org, users), {"action": "progress", "text": "矩阵"}, _clue_counts),
    ),
    "interference:record_create": (
        RECORDERS,
        lambda org, users: ([], _record_form(), _interference_state(users)),
    ),
    # Only the recorder corrects; everyone else: 404 (or 403 without the permission).
    "interference:record_correct": (
        {"county_prosecutor"},
        lambda org, users: (_record_no(org, users), _record_form(reason="更正"), _interference_state(users)),
    ),
    # The department head is in the record's reporting chain and cannot read it: may ask.
    "interference:read_request_create": (
        {"department_head"},
        lambda org, users: (
            [],
            {
                "record_no": _record_no(org, users)[0],
                "reason": "核查",
                "start": "2026-03-02",
                "end": "2026-03-03",
            },
            _interference_state(users),
        ),
    ),
    # No persona is a chief prosecutor: nobody decides; the deputy's request is not theirs to withdraw.
    "interference:read_request_decide": (
        set(),
        lambda org, users: (
            [_interference(org, users)["request"].pk],
            {"decision": "approve"},
            _interference_state(users),
        ),
    ),
    "interference:read_request_withdraw": (
        set(),
        lambda org, users: ([_interference(org, users)["request"].pk], {}, _interference_state(users)),
    ),
}


def _clue_counts() -> Any:
    from lianjian.interference.models import Clue, ClueStep

    return Clue.objects.count(), ClueStep.objects.count()


# The token API: integrating systems authenticate with an API token, never with a session
# (lianjian/ingest/tests/test_api.py covers tokens, units and limits).
TOKEN_API = {"api:records": "post", "api:case_detail": "get"}

# Reachable without the matrix: the login page, logout, the API's own documentation and health.
PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "api:api-root",
    "api:openapi-json",
    "api:openapi-view",
    "api:health",
}


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_is_in_the_matrix() -> None:
    covered = (
        set(PAGES) | set(ACTIONS) | PUBLIC | set(TOKEN_API) | {name for name, _, _ in SCOPED_OBJECT_PAGES}
    )
    assert _all_url_names() - covered == set()


@pytest.fixture
def users(request: Any, org: Any, client: Any) -> dict[str, Any]:
    found = {name: request.getfixturevalue(name) for name in PERSONAS}
    found["_event"] = audit_record(actor=None, action="test.matrix", target_type="test", target_id="1")
    from django.utils import timezone

    from lianjian.accounts.models import UserSession

    now = timezone.now()
    from lianjian.ingest.services import import_batch_run

    found["_batch"] = import_batch_run(
        actor=found["case_manager"],
        source_name="matrix.jsonl",
        lines_or_reader=[
            '{"record": "unit", "code": "620104", "name": "测试院", "level": "COUNTY", "parent": "620100"}'
        ],
    ).batch
    found["_api_token"] = api_token_create(
        actor=found["security_admin"], name="矩阵令牌", units=[org.county]
    )[0]
    found["_session"] = UserSession.objects.create(
        user=found["county_prosecutor"], session_key="matrix-session", started_at=now, last_seen_at=now
    )
    found["province_manager"] = request.getfixturevalue("province_manager")
    return found


def _cases() -> list[tuple[str, str, int, int]]:
    cases = []
    for name, (_, expected) in PAGES.items():
        for persona, status in expected.items():
            cases.append((name, persona, status, -1))
    for index, (name, _, expected) in enumerate(SCOPED_OBJECT_PAGES):
        for persona, status in expected.items():
            cases.append((name, persona, status, index))
    return cases


@pytest.mark.parametrize(("name", "persona", "status", "scoped"), _cases())
def test_page_answers_by_role_and_scope(name, persona, status, scoped, users, org, client) -> None:
    args_of = PAGES[name][0] if scoped < 0 else SCOPED_OBJECT_PAGES[scoped][1]
    url = reverse(name, args=args_of(org, users))
    client.force_login(users[persona])
    before = AuditEvent.objects.filter(action__in=["accounts.role.grant", "org.relation.create"]).count()
    response = client.get(url)
    assert response.status_code == status, f"{persona} GET {url}"
    # A GET never writes business data (reads of confidential data may add read events only).
    assert (
        AuditEvent.objects.filter(action__in=["accounts.role.grant", "org.relation.create"]).count() == before
    )


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_is_sent_to_login(name, users, org, client) -> None:
    url = reverse(name, args=PAGES[name][0](org, users))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("name", "persona"), [(n, p) for n, (allowed, _) in ACTIONS.items() for p in PERSONAS if p not in allowed]
)
def test_refused_action_changes_nothing_and_writes_no_audit(name, persona, users, org, client) -> None:
    args, data, probe = ACTIONS[name][1](org, users)
    client.force_login(users[persona])
    state, audit_rows, staff_rows = probe(), AuditEvent.objects.count(), Staff.objects.count()
    response = client.post(reverse(name, args=args), data)
    assert response.status_code in (403, 404), f"{persona} POST {name}"
    assert probe() == state
    assert AuditEvent.objects.count() == audit_rows
    assert Staff.objects.count() == staff_rows


def _token_api_url(name: str) -> str:
    return reverse(name, args=["C-MATRIX"] if name == "api:case_detail" else [])


@pytest.mark.parametrize(("name", "persona"), [(n, p) for n in sorted(TOKEN_API) for p in PERSONAS])
def test_token_api_refuses_a_signed_in_session(name, persona, users, org, client) -> None:
    client.force_login(users[persona])
    before = (AuditEvent.objects.count(), Unit.objects.count())
    line = '[{"record": "unit", "code": "620106", "name": "新院", "level": "COUNTY", "parent": "620100"}]'
    if TOKEN_API[name] == "post":
        response = client.post(_token_api_url(name), line, content_type="application/json")
    else:
        response = client.get(_token_api_url(name))
    assert response.status_code == 401
    assert response.json()["code"] == "token_missing"
    assert (AuditEvent.objects.count(), Unit.objects.count()) == before
