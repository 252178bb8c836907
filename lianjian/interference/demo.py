"""The register's part of `lianjian demo`: a handful of records, periodic reports and a read
request in the generated organisation, so that every page of the register has something to show.

Everything goes through :func:`lianjian.interference.services.record_create` (sealed, audited) —
nothing is written to the tables by hand except the periodic reports' rows, whose service belongs to
the reports area. The people are found from the demo accounts (``prosecutor`` the recorder,
``depthead`` the department head, recorded once as the intervener so that the head cannot see that
record) and their colleagues in the prosecutor's department. All names are fictitious.

Run again, it finds records already there and writes nothing (the demo must be idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.cases.models import Case, Event
from lianjian.common.permissions import Perm
from lianjian.interference.choices import ClueDisposal, ClueSource, ReportCycle
from lianjian.interference.clues import clue_dispose, clue_progress, clue_take
from lianjian.interference.models import Record, ReportingSetting
from lianjian.interference.periods import Period
from lianjian.interference.policy import may_request_read, records_readable_by
from lianjian.interference.reporting import report_row
from lianjian.interference.services import RecordInput, read_request_create, record_create
from lianjian.org.choices import StaffPosition
from lianjian.org.models import Staff


@dataclass(frozen=True)
class RegisterDemo:
    """What the register's demo wrote; ``staff_changes`` are data-contract ``staff_change``
    records its situations still need (a recorder's adverse post change for the retaliation
    watch), for the caller to import: post history comes only through the import."""

    records: int
    reports: int
    read_requests: int
    staff_changes: tuple[dict[str, str], ...] = ()
    clues: int = 0

    @property
    def summary(self) -> str:
        return (
            f"“三个规定”记录 {self.records} 条，定期报告 {self.reports} 份，"
            f"待审批查阅申请 {self.read_requests} 件"
            + (f"，问题线索 {self.clues} 件" if self.clues else "")
            + (
                f"，记录人岗位变动 {len(self.staff_changes)} 条（打击报复监测示例）"
                if self.staff_changes
                else ""
            )
        )


def _staff_user(staff: Staff) -> Any:
    return User.objects.filter(staff=staff).first()


def _record(recorder: Staff, recorded: datetime, **values: Any) -> Record:
    return record_create(
        recorder=recorder, data=RecordInput(**values), actor=_staff_user(recorder), now=recorded
    )


def _month_start(day: date, back: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return date(year, month + 1, 1)


def _month_end(start: date) -> date:
    return _month_start(start, -1) - timedelta(days=1)


@transaction.atomic
def register_demo(
    *,
    as_of: datetime,
    recorder_username: str = "prosecutor",
    head_username: str = "depthead",
    discipline_username: str = "discipline",
) -> RegisterDemo:
    """Records, reports, a pending read request and two clues in hand for the demo (nothing if
    records exist)."""
    if Record.objects.exists():
        return RegisterDemo(0, 0, 0)
    recorder_user = User.objects.select_related("staff__unit", "staff__department").get(
        username=recorder_username
    )
    head_user = User.objects.select_related("staff").filter(username=head_username).first()
    if recorder_user.staff is None:
        raise LookupError(f"演示账号 {recorder_username} 没有对应的人员")
    me: Staff = recorder_user.staff
    unit = me.unit
    colleagues = list(
        Staff.objects.active(as_of.date())
        .filter(department=me.department)
        .exclude(pk=me.pk)
        .exclude(position__in=[StaffPosition.DEPT_HEAD])
        .order_by("staff_no")[:4]
    )
    second = colleagues[0] if colleagues else me
    third = colleagues[1] if len(colleagues) > 1 else me
    my_cases = list(
        Case.objects.filter(prosecutor=me).order_by("case_no").values_list("case_no", flat=True)[:3]
    )
    case_a = my_cases[0] if my_cases else ""
    case_b = my_cases[1] if len(my_cases) > 1 else case_a
    day = as_of.date()

    def at(back_days: int, hour: int = 10) -> datetime:
        moment = timezone.localtime(as_of) - timedelta(days=back_days)
        return moment.replace(hour=hour, minute=30, second=0, microsecond=0)

    ReportingSetting.objects.get_or_create(
        unit=unit, defaults={"cycle": ReportCycle.MONTHLY, "remind_days": [3, 1], "zero_months": 6}
    )
    case_fields = {"case_no": case_a} if case_a else {"matter_ref": "张某某涉嫌盗窃案，审查逮捕阶段"}
    records: list[Record] = [
        # RC-06, 重要: a leader asking for leniency in a case of the prosecutor (LD-VIO-01).
        _record(
            me,
            at(52),
            subject_name="邵建国",
            subject_org="某区人民政府",
            subject_position="副区长",
            subject_type="LEADER",
            occurred_at=at(52, 9),
            location="本院第二检察部办公室（电话打入）",
            channel="PHONE",
            matter_type="MAJ-01",
            content="来电称犯罪嫌疑人系区内重点企业负责人，要求“考虑企业实际困难”，对其不批准逮捕。",
            category="RC-06",
            violation_codes=["LD-VIO-01"],
            response="REFUSED",
            response_note="当即拒绝，告知案件依法办理，并报告部门负责人。",
            confidentiality="HIGH",
            **case_fields,
        ),
        # RC-04: the department head asking about a case outside the proper channel — the head
        # is the intervener and never sees this record.
        _record(
            me,
            at(40),
            subject_name=head_user.staff.name if head_user and head_user.staff else "刘某",
            subject_staff_no=head_user.staff.staff_no if head_user and head_user.staff else "",
            subject_org=unit.name,
            subject_position="部门负责人",
            subject_type="INTERNAL_OWN",
            occurred_at=at(40, 15),
            location="部门负责人办公室",
            channel="IN_PERSON",
            matter_type="MAJ-01",
            content="口头询问案件拟处理意见，并称“当事人家属托人打过招呼，能从宽就从宽”。",
            category="RC-04",
            violation_codes=["IN-VIO-01"],
            response="TOLD_PROPER_CHANNEL",
            response_note="告知如有指导意见请依程序书面提出。",
            **({"case_no": case_b} if case_b else {"matter_ref": "李某某故意伤害案"}),
        ),
        # RC-02: 了解进展 by a people's congress deputy, normal but recorded.
        _record(
            second,
            at(33),
            subject_name="魏明辉",
            subject_org="某区人大常委会",
            subject_position="代表联络工作委员会副主任",
            subject_type="LEADER",
            occurred_at=at(33, 11),
            location="本院来访接待室",
            channel="IN_PERSON",
            matter_type="MAJ-01",
            matter_ref="王某某交通肇事案，审查起诉阶段",
            content="受群众反映，了解案件办理进度，未提出处理意见。",
            category="RC-02",
            response="BY_PROCEDURE",
        ),
        # RC-01: a police officer reflecting on the procuratorate's work.
        _record(
            third,
            at(27),
            subject_name="田立新",
            subject_org="某区公安分局",
            subject_position="法制大队副大队长",
            subject_type="INTERNAL_OTHER",
            occurred_at=at(27, 16),
            location="电话",
            channel="PHONE",
            matter_type="MAJ-01",
            matter_ref="公安机关提请批准逮捕的涉众型诈骗案",
            content="反映补充侦查提纲要求过细，希望当面沟通。",
            category="RC-01",
            response="BY_PROCEDURE",
        ),
        # RC-03: 政法委 supervising in writing (lawful oversight, still recorded).
        _record(
            second,
            at(20),
            subject_name="韩玉梅",
            subject_org="某区委政法委员会",
            subject_position="执法监督科科长",
            subject_type="LEADER",
            occurred_at=at(20, 10),
            location="书面函件",
            channel="DOCUMENT",
            matter_type="MAJ-05",
            matter_ref="区委政法委执法监督函",
            content="来函督促对一起信访积案依法审查并书面反馈办理结果，未涉及具体处理意见。",
            category="RC-03",
            response="BY_PROCEDURE",
        ),
        # Skip-level (越级报告) to the superior unit: a retired former deputy chief on a promotion.
        *(
            [
                _record(
                    third,
                    at(14),
                    subject_name="曹德胜",
                    subject_org=f"{unit.name}（已退休）",
                    subject_position="原副检察长",
                    subject_type="RETIRED",
                    occurred_at=at(14, 19),
                    location="本人住所附近",
                    in_workplace=False,
                    in_hours=False,
                    channel="IN_PERSON",
                    matter_type="MAJ-02",
                    matter_ref="本院 2026 年中层干部竞争上岗",
                    content="托请在民主推荐中关照其亲属，称“打过招呼了”。",
                    category="RC-06",
                    violation_codes=["IN-VIO-05"],
                    response="REFUSED",
                    report_unit_code=unit.parent.code,
                )
            ]
            if unit.parent is not None
            else []
        ),
    ]
    # A contact outside work recorded late (CT-PRC-03): the prosecutor's own CONTACT event outside
    # office if the generated data has one, recorded six days after.
    contact = (
        Event.objects.filter(type="CONTACT", actor=me, data__in_office=False, occurred_at__lte=at(8))
        .order_by("-occurred_at")
        .first()
    )
    met = contact.occurred_at if contact else at(12, 20)
    records.append(
        _record(
            me,
            met + timedelta(days=6),
            subject_name="许文静",
            subject_org="某律师事务所",
            subject_position="律师",
            subject_type="PARTY",
            occurred_at=met,
            location="某茶楼",
            in_workplace=False,
            channel="IN_PERSON",
            matter_type="MAJ-01",
            **({"case_no": contact.case_no} if contact else {"matter_ref": "所代理的诈骗案"}),
            content="在茶楼偶遇辩护律师，对方提出案件情况想“私下交流”，当即离开。",
            category="RC-05",
            response="REFUSED",
            response_note="次周补记，说明未及时报告的原因。",
        )
    )
    reports = _reports(records, [me, *colleagues], day)
    read_requests = _read_request(records[2], unit, head_user, as_of)
    # The retaliation watch (R-3G-RETALIATION): the colleague who recorded the police officer and
    # the retired deputy chief is punished a few days before the demo's "now".
    changes = (
        [
            {
                "record": "staff_change",
                "id": "DEMO-3G-PUNISH-1",
                "staff": third.staff_no,
                "effective_on": (day - timedelta(days=6)).isoformat(),
                "change": "PUNISH",
            }
        ]
        if third != me
        else []
    )
    clues = _clues(records[0], discipline_username, at)
    return RegisterDemo(len(records), reports, read_requests, tuple(changes), clues)


def _clues(record: Record, username: str, at: Any) -> int:
    """纪检监察's clue handling (F5.4), through the clue services: the RC-06 record taken as a clue
    under 初步核实 with a step of the check, and a real-name report under 谈话函询 whose one-month
    deadline has passed (so the list shows an overdue clue). None without the account."""
    handler = User.objects.select_related("staff__unit").filter(username=username).first()
    if handler is None or not handler.has_lianjian_perm(Perm.CLUE_HANDLE) or handler.staff is None:
        return 0
    if not records_readable_by(handler, now=at(50)).filter(pk=record.pk).exists():
        return 0
    from_record = clue_take(
        actor=handler,
        source=ClueSource.RECORD,
        record=record,
        summary="领导干部为案件当事人请托说情（LD-VIO-01），记录人已拒绝，需核实过问人身份及是否另有请托。",
        now=at(50),
    )
    clue_dispose(actor=handler, clue=from_record, disposal=ClueDisposal.PRELIMINARY_CHECK, now=at(49))
    clue_progress(actor=handler, clue=from_record, note="与记录人谈话，调取来电记录。", now=at(45))
    reported = clue_take(
        actor=handler,
        source=ClueSource.REPORT,
        summary="实名来信反映某检察官在案件办理期间与辩护律师私下接触。",
        unit=handler.staff.unit,
        real_name=True,
        now=at(40),
    )
    clue_dispose(actor=handler, clue=reported, disposal=ClueDisposal.TALK_INQUIRY, now=at(39))
    return 2


def _reports(records: list[Record], people: list[Staff], day: date) -> int:
    """Monthly reports of the last two months that are due: submitted, zero, late and missing."""
    written = 0
    for back in (2, 1):
        start = _month_start(day, back)
        end = _month_end(start)
        due = end + timedelta(days=3)
        for index, person in enumerate(people):
            listed = [
                r
                for r in records
                if r.recorder_id == person.pk and start <= timezone.localtime(r.recorded_at).date() <= end
            ]
            submitted: datetime | None = timezone.make_aware(
                datetime.combine(due - timedelta(days=1), datetime.min.time())
            )
            flagged = None
            if back == 1 and index == len(people) - 1 and len(people) > 2:
                submitted, flagged = (
                    None,
                    timezone.make_aware(datetime.combine(due + timedelta(days=1), datetime.min.time())),
                )
            elif back == 1 and index == len(people) - 2 and len(people) > 2:
                flagged = timezone.make_aware(datetime.combine(due + timedelta(days=1), datetime.min.time()))
                submitted = flagged + timedelta(days=2)
            report = report_row(
                person,
                Period(start, ReportCycle.MONTHLY),
                submitted_at=submitted,
                is_zero=submitted is not None and not listed,
                late_flagged_at=flagged,
            )
            report.save()
            if listed and submitted is not None:
                report.records.set(listed)
            written += 1
    return written


def _read_request(record: Record, unit: Any, head_user: Any, as_of: datetime) -> int:
    """A pending 查阅审批 by a deputy chief of the unit, or else by the department head."""
    deputy = (
        User.objects.filter(staff__unit=unit, staff__position=StaffPosition.DEPUTY_CHIEF, is_active=True)
        .order_by("pk")
        .first()
    )
    for requester in (deputy, head_user):
        if requester is None or not requester.has_lianjian_perm(Perm.INTERFERENCE_STATS):
            continue
        if not may_request_read(requester, record):
            continue
        start = timezone.now()
        read_request_create(
            requester=requester,
            record=record,
            reason="核查本部门案件办理中是否存在外部过问情况，需查阅该记录原文",
            window_start=start,
            window_end=start + timedelta(days=7),
        )
        return 1
    return 0
