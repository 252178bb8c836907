"""Benchmark: the interference register (防止干预司法“三个规定”) at province scale.

Imports the province of ``province.py`` (150 units, 8,000 staff), gives most staff a login account
(the obliged reporters) and each unit its own 检务督察 and 纪检监察 (本院), and then:

1. writes ``--records`` records through ``record_create`` (sealed with SM4, audited), each with its
   after-commit work as in production: the urgent notice and the register's detection
   (``record_detect``, ``transaction.on_commit``). A sample of ``--sample`` records is timed at an
   empty register and again once the register is full, to show whether a write's cost grows with the
   register; the rest are written by the same service in the same loop (untimed as a whole, but
   reported);
2. submits the reports of one month for most obliged staff (``report_submit``) and times the daily
   job ``periodic.reports`` (``reports_daily``: reminders and late flags) over the province, on the
   day after the due date and on a reminder day;
3. times the register's pages through Django's test client (``force_login``, whole middleware, the
   templates rendered) for four personas: 统计分析, 报告情况 and its Excel export, 记录查阅;
4. times a full scan of the register's rules only (``scan_run(full=True, rules=[...])``).

    .venv/bin/python bench/register.py [--records 20000] [--sample 300] [--repeat 5] [--profile]
        [--json] [--database-url postgres://postgres@127.0.0.1:5432/]
"""

from __future__ import annotations

import json
import logging
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from harness import (
    QueryCounter,
    arguments,
    bench_database,
    counting_queries,
    machine,
    measure,
    print_json,
    print_table,
    profile_text,
    time_requests,
)
from province import province_import

PROVINCE = "620000"
CITY = "620100"
COUNTY = "620101"
UNUSABLE = "!bench"  # an unusable password hash: no one logs in with it
ACCOUNT_SHARE = 0.9  # staff with a login account (the obliged reporters)
REPORT_SHARE = 0.85  # of the obliged, those who submit the month's report
RECORD_RULES_SHOWN = ("R-GX05-RECORD", "R-3G-01-CLUE")
REGISTER_RULES = (
    "R-GX05-RECORD",
    "R-3G-01-CLUE",
    "R-3G-02",
    "R-3G-03",
    "R-3G-04",
    "R-3G-RETALIATION",
)


@dataclass(frozen=True)
class Persona:
    label: str
    username_hint: str
    role: str
    scope: str
    unit: str
    position: str
    department: str  # the staff member's department code ("" any)
    department_scope: bool = False


PERSONAS = (
    Persona("检务督察·省院本院及下级", "inspector", "INSPECTION", "UNIT_AND_BELOW", PROVINCE, "", "D30"),
    Persona("纪检监察·市院本院", "discipline", "DISCIPLINE", "UNIT", CITY, "", "D50"),
    Persona("检察长·市院本院", "chief", "LEADER", "UNIT", CITY, "CHIEF", ""),
    Persona("部门负责人·县院本部门", "head", "DEPT_HEAD", "DEPARTMENT", COUNTY, "DEPT_HEAD", "D01", True),
)

# Realistic values after lianjian/interference/demo.py (names fictitious).
TEMPLATES: tuple[dict[str, Any], ...] = (
    {
        "subject_org": "某区人民政府",
        "subject_position": "副区长",
        "subject_type": "LEADER",
        "location": "本院办公室（电话打入）",
        "channel": "PHONE",
        "matter_type": "MAJ-01",
        "matter_ref": "张某某涉嫌盗窃案，审查逮捕阶段",
        "content": "来电称犯罪嫌疑人系区内重点企业负责人，要求“考虑企业实际困难”，对其不批准逮捕。",
        "category": "RC-06",
        "violation_codes": ["LD-VIO-01"],
        "response": "REFUSED",
        "response_note": "当即拒绝，告知案件依法办理，并报告部门负责人。",
    },
    {
        "subject_org": "某区人大常委会",
        "subject_position": "代表联络工作委员会副主任",
        "subject_type": "LEADER",
        "location": "本院来访接待室",
        "channel": "IN_PERSON",
        "matter_type": "MAJ-01",
        "matter_ref": "王某某交通肇事案，审查起诉阶段",
        "content": "受群众反映，了解案件办理进度，未提出处理意见。",
        "category": "RC-02",
        "response": "BY_PROCEDURE",
    },
    {
        "subject_org": "某区公安分局",
        "subject_position": "法制大队副大队长",
        "subject_type": "INTERNAL_OTHER",
        "location": "电话",
        "channel": "PHONE",
        "matter_type": "MAJ-01",
        "matter_ref": "公安机关提请批准逮捕的涉众型诈骗案",
        "content": "反映补充侦查提纲要求过细，希望当面沟通。",
        "category": "RC-01",
        "response": "BY_PROCEDURE",
    },
    {
        "subject_org": "某区委政法委员会",
        "subject_position": "执法监督科科长",
        "subject_type": "LEADER",
        "location": "书面函件",
        "channel": "DOCUMENT",
        "matter_type": "MAJ-05",
        "matter_ref": "区委政法委执法监督函",
        "content": "来函督促对一起信访积案依法审查并书面反馈办理结果，未涉及具体处理意见。",
        "category": "RC-03",
        "response": "BY_PROCEDURE",
    },
    {
        "subject_org": "本院",
        "subject_position": "部门负责人",
        "subject_type": "INTERNAL_OWN",
        "location": "部门负责人办公室",
        "channel": "IN_PERSON",
        "matter_type": "MAJ-01",
        "matter_ref": "李某某故意伤害案",
        "content": "口头询问案件拟处理意见，并称“当事人家属托人打过招呼，能从宽就从宽”。",
        "category": "RC-04",
        "violation_codes": ["IN-VIO-01"],
        "response": "TOLD_PROPER_CHANNEL",
        "response_note": "告知如有指导意见请依程序书面提出。",
    },
    {
        "subject_org": "某律师事务所",
        "subject_position": "律师",
        "subject_type": "PARTY",
        "location": "某茶楼",
        "in_workplace": False,
        "channel": "IN_PERSON",
        "matter_type": "MAJ-01",
        "matter_ref": "所代理的诈骗案",
        "content": "在茶楼偶遇辩护律师，对方提出案件情况想“私下交流”，当即离开。",
        "category": "RC-05",
        "response": "REFUSED",
    },
)
# RC-01…RC-04 are most of a real register; RC-05/RC-06 (the clue categories) about a fifth.
TEMPLATE_WEIGHTS = (8, 30, 25, 15, 12, 10)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def _accounts(rng: random.Random) -> int:
    """Login accounts (unusable password) for ``ACCOUNT_SHARE`` of the staff, in one bulk insert."""
    from lianjian.accounts.models import User
    from lianjian.org.models import Staff

    staff = list(Staff.objects.order_by("staff_no").values_list("pk", "staff_no", "name"))
    chosen = [s for s in staff if rng.random() < ACCOUNT_SHARE]
    User.objects.bulk_create(
        [
            User(username=f"u{staff_no}", display_name=name, staff_id=pk, password=UNUSABLE)
            for pk, staff_no, name in chosen
        ],
        batch_size=1000,
    )
    return len(chosen)


def _unit_readers() -> int:
    """Each unit's own 检务督察 and 纪检监察 (role at 本院 on two accounts of the unit), as in a real
    province: the holders of ``interference.read`` an urgent record's notice is worked out over."""
    from lianjian.accounts.models import RoleAssignment, User

    accounts: dict[int, list[Any]] = {}
    for user in User.objects.filter(roles__isnull=True).select_related("staff").order_by("staff__staff_no"):
        accounts.setdefault(user.staff.unit_id, []).append(user)
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role=role, scope="UNIT", unit_id=unit_id)
            for unit_id, users in accounts.items()
            for user, role in zip(users, ("INSPECTION", "DISCIPLINE"), strict=False)
        ],
        batch_size=1000,
    )
    return sum(min(len(users), 2) for users in accounts.values())


def _persona_user(persona: Persona) -> Any:
    """The account of a staff member of the persona's post, with the persona's one role."""
    from lianjian.accounts.models import RoleAssignment, User
    from lianjian.org.models import Department, Staff

    staff_query = Staff.objects.filter(unit__code=persona.unit).order_by("staff_no")
    if persona.position:
        staff_query = staff_query.filter(position=persona.position)
    if persona.department:
        staff_query = staff_query.filter(department__code=persona.department)
    staff = staff_query.first()
    if staff is None:
        raise SystemExit(f"no account for {persona.label}")
    user = User.objects.filter(staff=staff).first() or User.objects.create(
        username=f"u{staff.staff_no}", display_name=staff.name, staff=staff, password=UNUSABLE
    )
    department = (
        Department.objects.get(unit=staff.unit, code=persona.department) if persona.department_scope else None
    )
    RoleAssignment.objects.create(
        user=user,
        role=persona.role,
        scope=persona.scope,
        unit=None if persona.scope == "ALL" else staff.unit,
        department=department,
    )
    return user


class Writer:
    """Writes records with ``record_create``, as the recording page does (one transaction each,
    its after-commit work included), spread over the recorders and the last 12 months."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        from lianjian.org.models import Staff

        self.rng = rng
        self.now = now
        self.recorders = list(
            Staff.objects.filter(user__isnull=False).select_related("unit", "department", "user")
        )
        self.written = 0

    def one(self) -> Any:
        from lianjian.interference.services import RecordInput, record_create

        rng = self.rng
        recorder = rng.choice(self.recorders)
        template = rng.choices(TEMPLATES, TEMPLATE_WEIGHTS)[0]
        # Spread over the last 365 days; the record is written 0–2 days after the contact (RC-05
        # sometimes later: the urgent and late paths run as well).
        recorded = self.now - timedelta(days=rng.uniform(0.2, 365), hours=rng.uniform(0, 8))
        occurred = recorded - timedelta(hours=rng.uniform(1, 48 if template["category"] != "RC-05" else 120))
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        data = RecordInput(subject_name=name, occurred_at=occurred, **template)
        self.written += 1
        return record_create(recorder=recorder, data=data, actor=recorder.user, now=recorded)

    def many(self, count: int) -> None:
        for _ in range(count):
            self.one()

    def fill(self, count: int, batch: int = 500) -> None:
        """``count`` records through the same ``record_create``, ``batch`` to a transaction, with
        the after-commit work (urgent notice, ``record_detect``) switched off: the catch-up scan
        that follows raises their alerts, as the nightly full scan would."""
        from django.db import transaction

        from lianjian.interference import services
        from lianjian.interference.kinds import record_link

        detect, urgent = record_link.record_detect, services.urgent_after_commit
        record_link.record_detect = lambda record_id: None
        services.urgent_after_commit = lambda record: None
        try:
            while count > 0:
                with transaction.atomic():
                    self.many(min(batch, count))
                count -= batch
        finally:
            record_link.record_detect = detect
            services.urgent_after_commit = urgent


def _timed_sample(writer: Writer, count: int) -> dict[str, Any]:
    """``count`` records one by one: records/s, statements per record, and the after-commit
    detection's share (statements and time inside ``record_detect``)."""
    from lianjian.interference.kinds import record_link

    detect_seconds = [0.0]
    detect_queries = [0]
    original = record_link.record_detect
    from django.db import connection

    def timed_detect(record_id: int) -> None:
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            original(record_id)
        detect_seconds[0] += time.perf_counter() - started
        detect_queries[0] += counter.count

    record_link.record_detect = timed_detect
    samples: list[float] = []
    try:
        with counting_queries() as counter:
            began = time.perf_counter()
            for _ in range(count):
                started = time.perf_counter()
                writer.one()
                samples.append(time.perf_counter() - started)
            seconds = time.perf_counter() - began
    finally:
        record_link.record_detect = original
    samples.sort()
    return {
        "records": count,
        "seconds": seconds,
        "records_per_s": count / seconds,
        "median_ms": statistics.median(samples) * 1000,
        "p95_ms": samples[int(len(samples) * 0.95) - 1] * 1000,
        "queries_per_record": counter.count / count,
        "sql_ms_per_record": counter.seconds / count * 1000,
        "detect_ms_per_record": detect_seconds[0] / count * 1000,
        "detect_queries_per_record": detect_queries[0] / count,
    }


def _month_reports(month: date, rng: random.Random, now: datetime) -> dict[str, Any]:
    """``REPORT_SHARE`` of the obliged staff submit their report of ``month`` (one by one through
    ``report_submit``, listing their records of the month, or a zero report)."""
    from lianjian.interference.choices import ReportCycle
    from lianjian.interference.models import Record
    from lianjian.interference.periods import Period, obliged_staff
    from lianjian.interference.reporting import report_submit
    from lianjian.org.models import Unit

    period = Period(month, ReportCycle.MONTHLY)
    start, until = period.bounds()
    own: dict[int, list[int]] = {}
    for pk, recorder in Record.objects.filter(recorded_at__gte=start, recorded_at__lt=until).values_list(
        "pk", "recorder_id"
    ):
        own.setdefault(recorder, []).append(pk)
    people = [s for unit in Unit.objects.order_by("path") for s in obliged_staff(unit, period)]
    chosen = [s for s in people if rng.random() < REPORT_SHARE]
    submitted_at = datetime.combine(period.due, datetime.min.time()).replace(tzinfo=now.tzinfo) - timedelta(
        hours=6
    )
    with counting_queries() as counter:
        began = time.perf_counter()
        for person in chosen:
            ids = own.get(person.pk, [])
            report_submit(
                staff=person,
                period=period,
                records=ids,
                is_zero=not ids,
                actor=person.user,
                now=submitted_at,
            )
        seconds = time.perf_counter() - began
    return {
        "period": period.key,
        "obliged": len(people),
        "submitted": len(chosen),
        "zero": sum(1 for s in chosen if not own.get(s.pk)),
        "seconds": seconds,
        "per_report_ms": seconds / max(len(chosen), 1) * 1000,
        "queries_per_report": counter.count / max(len(chosen), 1),
        "period_obj": period,
    }


def _daily_job(now: datetime) -> dict[str, Any]:
    from lianjian.interference.reporting import reports_daily

    measured = measure(lambda: reports_daily(now=now))
    return {"seconds": measured.seconds, "queries": measured.queries, "result": measured.result}


def _scan(as_of: datetime) -> dict[str, Any]:
    from lianjian.risk.engine import scan_run
    from lianjian.risk.models import Rule

    present = set(Rule.objects.filter(code__in=REGISTER_RULES).values_list("code", flat=True))
    missing = sorted(set(REGISTER_RULES) - present)
    if missing:
        raise SystemExit(f"rules not in the catalogue: {missing}")
    measured = measure(lambda: scan_run(full=True, rules=list(REGISTER_RULES), as_of=as_of, note="bench"))
    report = measured.result
    return {
        "seconds": report.seconds,
        "queries": measured.queries,
        "totals": report.totals(),
        "rules": [
            {
                "rule": o.rule,
                "seconds": o.seconds,
                "found": o.found,
                "new": o.new,
                "error": getattr(o, "error", ""),
            }
            for o in sorted(report.outcomes, key=lambda o: -o.seconds)
        ],
    }


def main() -> None:
    options = arguments(
        __doc__.splitlines()[0],
        lambda parser: (  # type: ignore[arg-type]
            parser.add_argument("--records", type=int, default=20_000, help="records in the register"),
            parser.add_argument(
                "--sample", type=int, default=300, help="records timed at the start and at the end"
            ),
            parser.add_argument("--repeat", type=int, default=5, help="timed requests per page"),
            parser.add_argument("--seed", type=int, default=2026),
            parser.add_argument(
                "--profile",
                action="store_true",
                help="also print cProfile's top functions of a record write at the end, the daily "
                "job and the province inspector's pages",
            ),
        ),
    )
    rng = random.Random(options.seed)  # noqa: S311 - reproducible benchmark data
    with bench_database("register", options.database_url) as db:
        from django.test import Client
        from django.utils import timezone

        from lianjian.interference.kinds.record_link import RECORD_RULES
        from lianjian.interference.models import PeriodicReport, Record
        from lianjian.interference.periods import Period, period_of
        from lianjian.notify.models import Notification
        from lianjian.risk.engine import scan_run
        from lianjian.risk.models import Alert
        from lianjian.risk.services import risk_catalogue_install

        setup = measure(province_import)
        risk_catalogue_install()
        accounts = _accounts(rng)
        users = [(persona, _persona_user(persona)) for persona in PERSONAS]
        readers = _unit_readers()
        now = timezone.now()
        writer = Writer(rng, now)

        # 1. Writing.
        sample = max(1, min(options.sample, options.records // 2))
        first = _timed_sample(writer, sample)
        began = time.perf_counter()
        writer.fill(options.records - 2 * sample)
        fill_seconds = time.perf_counter() - began
        catch_up = measure(
            lambda: scan_run(full=True, rules=list(RECORD_RULES), as_of=timezone.now(), note="bench catch-up")
        )
        last = _timed_sample(writer, sample)
        profiled: dict[str, str] = {}
        if options.profile:
            profiled["a record write, register full"] = profile_text(lambda: writer.many(20), limit=25)
        written = {
            "records": Record.objects.count(),
            "fill_records": options.records - 2 * sample,
            "fill_seconds": fill_seconds,
            "catch_up_scan_seconds": catch_up.seconds,
            "catch_up_scan_queries": catch_up.queries,
            "catch_up_new_alerts": catch_up.result.totals()["new"],
            "alerts": Alert.objects.count(),
            "notifications": Notification.objects.count(),
        }

        # 2. Periodic reports: last month's, then the daily job the day after the due date (late
        # flags) and on a reminder day of this month's period (reminders).
        month = period_of("MONTHLY", now.date()).previous().start
        reports = _month_reports(month, rng, now)
        period: Period = reports.pop("period_obj")
        flag_day = datetime.combine(period.due + timedelta(days=1), datetime.min.time()).replace(
            hour=8, tzinfo=now.tzinfo
        )
        remind_day = datetime.combine(period.next().due - timedelta(days=3), datetime.min.time()).replace(
            hour=8, tzinfo=now.tzinfo
        )
        jobs = {
            "flag late (day after due)": _daily_job(flag_day),
            "flag late again (nothing new)": _daily_job(flag_day + timedelta(hours=1)),
            "remind (3 days before due)": _daily_job(remind_day),
        }
        if options.profile:
            profiled["periodic.reports, reminder day"] = profile_text(
                lambda: _daily_job(remind_day + timedelta(days=2)), limit=25
            )
        report_rows = PeriodicReport.objects.count()

        # 3. Pages. The expected 403s (记录查阅 for the chain) are not logged as tracebacks.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        pages: list[dict[str, Any]] = []
        month_key = f"{month:%Y-%m}"
        urls = (
            ("统计分析", "/interference/stats/"),
            ("报告情况", f"/interference/reports/overview/?period={month_key}"),
            ("报告情况 Excel", f"/interference/reports/overview/export/?period={month_key}"),
            ("记录查阅", "/interference/records/search/"),
        )
        for persona, user in users:
            client = Client()
            client.force_login(user)
            for page, url in urls:
                pages.append(
                    {
                        "user": persona.label,
                        "page": page,
                        "url": url,
                        **time_requests(client, url, options.repeat)[0],
                    }
                )
        if options.profile:
            client = Client()
            client.force_login(users[0][1])
            for page, url in urls:
                client.get(url)
                profiled[f"{page} for {users[0][0].label}"] = profile_text(
                    lambda u=url: client.get(u),  # type: ignore[misc]
                    limit=25,
                )

        # 4. Detection of the register's rules.
        scan = _scan(now)
        label = db.label

    print(
        f"register — {label}; province imported in {setup.seconds:.1f} s ({setup.result:,} records), "
        f"{accounts:,} accounts, {readers} of them 检务督察 or 纪检监察 of their unit"
    )
    print_table(
        "1. writing records through record_create (one transaction each, after-commit work included)",
        [
            "when",
            "records",
            "records/s",
            "median ms",
            "p95 ms",
            "stmts/record",
            "SQL ms/record",
            "detection ms/record",
            "detection stmts/record",
        ],
        [
            [
                title,
                row["records"],
                row["records_per_s"],
                row["median_ms"],
                row["p95_ms"],
                row["queries_per_record"],
                row["sql_ms_per_record"],
                row["detect_ms_per_record"],
                row["detect_queries_per_record"],
            ]
            for title, row in (("empty register", first), (f"at {options.records - sample:,} records", last))
        ],
    )
    print(
        f"fill between the samples (same record_create, 500 per transaction, after-commit detection and "
        f"urgent notice off): {written['fill_records']:,} records in {written['fill_seconds']:.1f} s "
        f"({written['fill_records'] / max(written['fill_seconds'], 1e-9):.1f}/s); catch-up scan of "
        f"{', '.join(RECORD_RULES_SHOWN)} after it: {written['catch_up_scan_seconds']:.2f} s, "
        f"{written['catch_up_scan_queries']:,} statements, {written['catch_up_new_alerts']:,} new alerts; "
        f"in all "
        f"{written['records']:,} records, {written['alerts']:,} alerts, "
        f"{written['notifications']:,} notifications"
    )
    print_table(
        f"2. periodic reports of {reports['period']} and the daily job periodic.reports",
        ["what", "count", "s", "stmts", "result"],
        [
            [
                f"report_submit ({reports['zero']:,} zero reports)",
                reports["submitted"],
                reports["seconds"],
                round(reports["queries_per_report"] * reports["submitted"]),
                f"{reports['per_report_ms']:.1f} ms, {reports['queries_per_report']:.1f} stmts per report; "
                f"{reports['obliged']:,} obliged",
            ],
            *[
                [f"reports_daily: {name}", "", job["seconds"], job["queries"], json.dumps(job["result"])]
                for name, job in jobs.items()
            ],
        ],
    )
    print(f"periodic report rows after the jobs: {report_rows:,}")
    print_table(
        f"3. pages through the test client: median and slowest of {options.repeat} after one warm-up",
        ["user", "page", "HTTP", "median ms", "max ms", "SQL ms", "stmts", "KiB"],
        [
            [
                row["user"],
                row["page"],
                row["status"],
                row.get("median_ms"),
                row.get("max_ms"),
                row.get("sql_median_ms"),
                row.get("queries"),
                row["bytes"] / 1024 if "bytes" in row else None,
            ]
            for row in pages
        ],
    )
    print_table(
        f"4. full scan of the register's rules: {scan['seconds']:.2f} s, {scan['queries']:,} statements",
        ["rule", "s", "found", "new"],
        [[r["rule"], r["seconds"], r["found"], r["new"]] for r in scan["rules"]],
    )
    for title, text in profiled.items():
        print(f"\ncProfile: {title} (top functions by own time)")
        print(text)
    if options.json:
        print_json(
            {
                "benchmark": "register",
                "database": label,
                "machine": machine(),
                "accounts": accounts,
                "unit_readers": readers,
                "write_first": first,
                "write_last": last,
                "written": written,
                "reports": reports,
                "jobs": jobs,
                "report_rows": report_rows,
                "pages": pages,
                "scan": scan,
            }
        )


if __name__ == "__main__":
    main()
