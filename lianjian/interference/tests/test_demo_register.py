"""The register's demo data (`lianjian demo`), on the shared test organisation."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from lianjian.interference import clues, policy
from lianjian.interference.demo import register_demo
from lianjian.interference.models import Clue, PeriodicReport, ReadRequest, Record
from lianjian.interference.tests.kinds.helpers import cases_for
from lianjian.org.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
AS_OF = datetime(2026, 6, 30, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_populates_the_register_and_runs_once(
    org, county_prosecutor, department_head, discipline_inspector
) -> None:
    StaffFactory(staff_no="A104", name="秦川", department=org.criminal)
    cases_for(org.prosecutor, 3, assigned=datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    made = register_demo(as_of=AS_OF, head_username="head")
    records = list(Record.objects.all())
    assert made.records == len(records) == 7
    assert {r.category for r in records} == {"RC-01", "RC-02", "RC-03", "RC-04", "RC-05", "RC-06"}
    assert len({r.subject_type for r in records}) >= 4
    assert any(r.case_id for r in records) and any(r.confidentiality == "HIGH" for r in records)
    [skip] = [r for r in records if r.skip_level]
    assert skip.report_unit == org.city
    assert [r.category for r in records if r.reported_late] == ["RC-05"]
    assert all(r.recorded_at <= AS_OF for r in records)
    # The department head is recorded once as the intervener and cannot see or count that record.
    about_head = [r for r in records if r.category == "RC-04"]
    assert about_head and not policy.records_readable_by(department_head).filter(pk=about_head[0].pk).exists()
    assert not policy.records_countable_by(department_head).filter(pk=about_head[0].pk).exists()
    assert policy.records_readable_by(discipline_inspector).filter(pk=about_head[0].pk).exists()
    # Reports of the last two months: submitted (listing records or zero), late and missing.
    reports = PeriodicReport.objects.all()
    assert made.reports == reports.count() > 0
    assert reports.filter(is_zero=True).exists() and reports.filter(records__isnull=False).exists()
    assert reports.filter(submitted_at__isnull=True, late_flagged_at__isnull=False).exists()
    assert reports.filter(submitted_at__isnull=False, late_flagged_at__isnull=False).exists()
    assert made.read_requests == 1
    assert ReadRequest.objects.get().state == "PENDING"
    assert "“三个规定”记录 7 条" in made.summary
    # The retaliation situation: a post change for a colleague who recorded, for the import.
    [change] = made.staff_changes
    punished = Record.objects.filter(recorder__staff_no=change["staff"])
    assert change["change"] == "PUNISH" and punished.exists()
    assert change["staff"] != org.prosecutor.staff_no
    assert all(
        r.recorded_at.date() < date.fromisoformat(change["effective_on"]) <= AS_OF.date() for r in punished
    )
    # 纪检监察 has two clues in hand: the RC-06 record under 初步核实, a real-name report overdue.
    assert made.clues == 2 and "问题线索 2 件" in made.summary
    from_record = Clue.objects.get(source="RECORD")
    assert from_record.record is not None and from_record.record.category == "RC-06"
    assert from_record.disposal == "PRELIMINARY_CHECK"
    assert from_record.steps.filter(action="PROGRESS").exists()
    reported = Clue.objects.get(source="REPORT")
    assert reported.real_name and reported.disposal == "TALK_INQUIRY"
    assert clues.is_overdue(reported, AS_OF.date()) and not clues.is_overdue(from_record, AS_OF.date())
    assert set(clues.clues_visible_to(discipline_inspector)) == {from_record, reported}
    assert not clues.clues_visible_to(department_head).exists()
    again = register_demo(as_of=AS_OF, head_username="head")
    assert (again.records, again.reports, again.read_requests, again.staff_changes) == (0, 0, 0, ())
    assert again.clues == 0 and Clue.objects.count() == 2
    assert Record.objects.count() == 7


def test_lianjian_demo_shows_the_register_and_the_watch() -> None:
    from io import StringIO

    from django.core.management import call_command

    from lianjian.accounts.models import User
    from lianjian.risk.selectors import alerts_visible_to

    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    assert "“三个规定”记录 7 条" in out.getvalue() and "打击报复监测示例" in out.getvalue()
    assert "问题线索 2 件" in out.getvalue()
    users = {u.username: u for u in User.objects.select_related("staff")}
    records = Record.objects.all()
    assert records.count() == 7 and records.filter(recorder=users["prosecutor"].staff).exists()
    [about_head] = [r for r in records if r.category == "RC-04"]
    assert not policy.records_countable_by(users["depthead"]).filter(pk=about_head.pk).exists()
    assert policy.records_readable_by(users["discipline"]).filter(pk=about_head.pk).exists()
    assert not policy.records_readable_by(users["sysadmin"]).exists()
    assert clues.clues_visible_to(users["discipline"]).count() == 2
    assert not clues.clues_visible_to(users["inspector"]).exists()
    # The pending request is for the city's chief prosecutor (the demo "leader") to decide.
    assert policy.requests_decidable_by(users["leader"]).count() == 1
    # The demo's scan raised the watch's alerts; 纪检监察 sees its county's, nobody else any.
    # (R-3G-01-CLUE, the clue categories, is the register's own alert for 检务督察, not the watch.)
    watch_rules = Q(rule__audience="clue.handle")
    watch = alerts_visible_to(users["discipline"]).filter(watch_rules)
    assert watch.filter(rule__code="R-3G-03", subject_staff=users["prosecutor"].staff).exists()
    for name in ("prosecutor", "depthead", "leader", "inspector", "casemgmt", "political", "sysadmin"):
        assert not alerts_visible_to(users[name]).filter(watch_rules).exists(), name
    # The punished recorder: the retaliation watch, for 纪检监察, hidden from those recorded.
    [retaliation] = watch.filter(rule__code="R-3G-RETALIATION")
    assert Record.objects.filter(recorder=retaliation.subject_staff).exists()
    assert retaliation.subject_staff != users["prosecutor"].staff
    assert retaliation.hidden_from_key
    clue_alerts = alerts_visible_to(users["inspector"]).filter(rule__code="R-3G-01-CLUE")
    assert clue_alerts.exists() and not alerts_visible_to(users["depthead"]).filter(rule__code="R-3G-01-CLUE")
