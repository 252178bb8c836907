"""Clue handling (F5.4): taking, deadlines on a controlled clock, append-only steps, the
intervener never seeing their clue, scope, the notice of 一案一通报."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import pytest
from django.db import connection
from django.urls import reverse
from docx import Document

from lianjian.audit.models import AuditEvent
from lianjian.interference import clues
from lianjian.interference.choices import ClueState
from lianjian.interference.models import AppendOnlyError, Clue, ClueStep
from lianjian.interference.routes import transfer_route
from lianjian.interference.tests.builders import (
    SECRET_CONTENT,
    SECRET_NAME,
    discipline_colleague,
    make_record,
    persona,
)
from lianjian.org.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

TAKEN = datetime.fromisoformat("2026-01-31T10:00:00+08:00")
SUMMARY = "反映某干警收受当事人礼品线索摘要"


@pytest.fixture
def record(org):
    return make_record(org.prosecutor, now=TAKEN, occurred_at=TAKEN)


def _take(actor, **kwargs):
    kwargs.setdefault("source", "REPORT")
    kwargs.setdefault("summary", SUMMARY)
    kwargs.setdefault("now", TAKEN)
    return clues.clue_take(actor=actor, **kwargs)


@pytest.fixture
def other_handler(org):
    """纪检监察 of the other city's county 620201."""
    staff = StaffFactory(staff_no="DI09", name="纪远", department=org.other_criminal)
    return persona("discipline_far", staff, "DISCIPLINE", "UNIT", unit=org.other_county)


class TestTaking:
    def test_from_a_readable_record_copies_the_intervener_tags(self, record, discipline_inspector) -> None:
        clue = _take(discipline_inspector, source="RECORD", record=record, summary="")
        assert clue.no.startswith("XS2026") and clue.unit == record.report_unit
        assert clue.intervener_tags == record.intervener_tags != ""
        assert clue.state == ClueState.NEW
        assert list(clue.steps.values_list("action", flat=True)) == ["TAKE"]
        audit = AuditEvent.objects.get(action="interference.clue.take")
        assert audit.after == {"source": "RECORD", "record": record.no, "alert": "", "real_name": False}

    def test_not_from_a_record_the_handler_cannot_read(self, record, other_handler) -> None:
        with pytest.raises(clues.ClueError, match="无权查阅"):
            _take(other_handler, source="RECORD", record=record)
        assert Clue.objects.count() == 0

    def test_from_an_alert_the_handler_sees(self, org, discipline_inspector, other_handler) -> None:
        from django.utils import timezone

        from lianjian.common import sealing
        from lianjian.common.permissions import Perm
        from lianjian.risk.models import Alert, Rule

        rule = Rule.objects.create(
            code="R-W", name="w", kind="key_node", risk_codes=["GX05"], audience=Perm.CLUE_HANDLE
        )
        now = timezone.now()
        alert = Alert.objects.create(
            rule=rule,
            unit=org.county,
            title="t",
            raised_at=now,
            last_seen_at=now,
            level="NOTICE",
            fingerprint="w1",
            audience=Perm.CLUE_HANDLE,
            hidden_from_key=sealing.tags_key(sealing.person_tags(staff_no="A101")),
        )
        with pytest.raises(clues.ClueError, match="无权查看"):
            _take(other_handler, source="ALERT", alert_id=alert.pk)
        clue = _take(discipline_inspector, source="ALERT", alert_id=alert.pk, summary="")
        assert (clue.unit, clue.alert_id, clue.intervener_tags) == (
            org.county,
            alert.pk,
            alert.hidden_from_key,
        )
        assert Clue.objects.count() == 1

    def test_a_report_needs_a_summary_and_a_unit_in_scope(self, org, discipline_inspector) -> None:
        with pytest.raises(clues.ClueError, match="线索摘要"):
            _take(discipline_inspector, summary="  ")
        with pytest.raises(clues.ClueError, match="无权受理"):
            _take(discipline_inspector, unit=org.other_county)
        assert Clue.objects.count() == 0

    def test_the_summary_is_sealed_and_its_read_audited(self, discipline_inspector) -> None:
        clue = _take(discipline_inspector)
        assert SUMMARY.encode() not in bytes(Clue.objects.get(pk=clue.pk).sealed_summary)
        with connection.cursor() as cursor:
            cursor.execute("SELECT sealed_summary FROM interference_clue")
            assert SUMMARY.encode() not in bytes(cursor.fetchone()[0])
        content = clues.clue_content(clue=clue, actor=discipline_inspector)
        assert content.summary == SUMMARY
        event = AuditEvent.objects.get(action="interference.clue.read")
        assert event.after == {"basis": "纪检监察职责"} and SUMMARY not in str(event.after)


class TestDeadlines:
    def test_real_name_reports_within_one_month(self, discipline_inspector) -> None:
        clue = _take(discipline_inspector, real_name=True)
        disposed = clues.clue_dispose(
            actor=discipline_inspector, clue=clue, disposal="PRELIMINARY_CHECK", now=TAKEN
        )
        assert disposed.due_on == date(2026, 2, 28)  # 31 January + one month
        assert disposed.state == ClueState.IN_PROGRESS

    def test_real_name_deadline_cannot_be_pushed_later(self, discipline_inspector) -> None:
        clue = _take(discipline_inspector, real_name=True)
        with pytest.raises(clues.ClueError, match="一个月内"):
            clues.clue_dispose(
                actor=discipline_inspector, clue=clue, disposal="TALK_INQUIRY", due_on=date(2026, 3, 1)
            )
        assert Clue.objects.get(pk=clue.pk).due_on is None
        shorter = clues.clue_dispose(
            actor=discipline_inspector, clue=clue, disposal="TALK_INQUIRY", due_on=date(2026, 2, 15)
        )
        assert shorter.due_on == date(2026, 2, 15)

    def test_other_clues_default_to_three_months_or_the_chosen_date(
        self, discipline_inspector, settings
    ) -> None:
        clue = _take(discipline_inspector)
        assert clues.clue_dispose(actor=discipline_inspector, clue=clue, disposal="SHELVE").due_on == date(
            2026, 4, 30
        )
        chosen = clues.clue_dispose(
            actor=discipline_inspector, clue=clue, disposal="TALK_INQUIRY", due_on=date(2026, 6, 1)
        )
        assert chosen.due_on == date(2026, 6, 1)
        settings.LIANJIAN_CLUE_DUE_MONTHS = 2
        other = _take(discipline_inspector)
        assert clues.clue_dispose(actor=discipline_inspector, clue=other, disposal="SHELVE").due_on == date(
            2026, 3, 31
        )

    def test_a_transfer_names_its_receiver(self, discipline_inspector) -> None:
        clue = _take(discipline_inspector)
        with pytest.raises(clues.ClueError, match="移送对象"):
            clues.clue_dispose(actor=discipline_inspector, clue=clue, disposal="TRANSFER", note="  ")
        assert Clue.objects.get(pk=clue.pk).disposal == "" and clue.steps.count() == 1
        moved = clues.clue_dispose(
            actor=discipline_inspector, clue=clue, disposal="TRANSFER", note="移送市院纪检监察组"
        )
        assert moved.disposal == "TRANSFER"
        assert (
            clues.clue_content(clue=moved, actor=discipline_inspector).steps[-1].note == "移送市院纪检监察组"
        )

    def test_overdue_on_a_controlled_clock(self, discipline_inspector) -> None:
        clue = clues.clue_dispose(
            actor=discipline_inspector,
            clue=_take(discipline_inspector, real_name=True),
            disposal="PRELIMINARY_CHECK",
        )
        assert not clues.is_overdue(clue, date(2026, 2, 28))
        assert clues.is_overdue(clue, date(2026, 3, 1))
        assert list(Clue.objects.filter(clues.overdue_q(date(2026, 3, 1)))) == [clue]
        closed = clues.clue_close(actor=discipline_inspector, clue=clue, outcome="查无实据，予以了结")
        assert not clues.is_overdue(closed, date(2026, 3, 1))

    def test_add_months_clamps_to_the_month_end(self) -> None:
        assert clues.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
        assert clues.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
        assert clues.add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


class TestSteps:
    def test_steps_are_append_only_and_sealed(self, discipline_inspector) -> None:
        clue = _take(discipline_inspector)
        step = clues.clue_progress(actor=discipline_inspector, clue=clue, note="已约谈当事干警")
        assert b"\xe7\xba\xa6\xe8\xb0\x88" not in bytes(step.sealed_note or b"")  # 约谈
        step.action = "CLOSE"
        with pytest.raises(AppendOnlyError):
            step.save()
        with pytest.raises(AppendOnlyError):
            ClueStep.objects.get(pk=step.pk).delete()
        notes = [s.note for s in clues.clue_content(clue=clue, actor=discipline_inspector).steps]
        assert notes == ["", "已约谈当事干警"]

    def test_closing_needs_a_disposal_and_then_nothing_more(self, discipline_inspector) -> None:
        clue = _take(discipline_inspector)
        with pytest.raises(clues.ClueError, match="处置方式"):
            clues.clue_close(actor=discipline_inspector, clue=clue, outcome="了结")
        clues.clue_dispose(actor=discipline_inspector, clue=clue, disposal="CLOSE")
        clues.clue_close(actor=discipline_inspector, clue=clue, outcome="予以了结")
        with pytest.raises(clues.ClueError, match="已办结"):
            clues.clue_progress(actor=discipline_inspector, clue=clue, note="再办")
        actions = list(ClueStep.objects.filter(clue=clue).values_list("action", flat=True))
        assert actions == ["TAKE", "DISPOSE", "CLOSE"]

    def test_rekey_reseals_clues_under_the_current_key(self, discipline_inspector, settings) -> None:
        from lianjian.common import sealing

        clue = _take(discipline_inspector)
        clues.clue_progress(actor=discipline_inspector, clue=clue, note="办理中")
        ring = sealing.keyring()
        old = ";".join(f"{number}:{key.hex()}" for number, key in ring.keys.items())
        settings.LIANJIAN_SEAL_KEYS = f"index:{ring.index_key.hex()};{old};9:{'ab' * 16}"
        counts = clues.clues_rekey()
        assert counts == {"clues": 1, "clue_steps": 1}
        assert sealing.sealed_key_id(bytes(Clue.objects.get(pk=clue.pk).sealed_summary)) == 9
        assert clues.clues_rekey() == {"clues": 0, "clue_steps": 0}
        content = clues.clue_content(clue=Clue.objects.get(pk=clue.pk), actor=discipline_inspector)
        assert (content.summary, content.steps[-1].note) == (SUMMARY, "办理中")


class TestWhoSees:
    def test_the_intervener_never_sees_the_clue(self, org, discipline_inspector) -> None:
        # A record about 纪明 (the county's discipline inspector), taken by a colleague of 纪检监察.
        colleague = discipline_colleague(org)
        record = make_record(
            org.prosecutor,
            subject_name="纪明",
            subject_staff_no="DI01",
            subject_type="INTERNAL_OWN",
            category="RC-06",
            violation_codes=["IN-VIO-01"],
        )
        clue = _take(colleague, source="RECORD", record=record)
        assert list(clues.clues_visible_to(colleague)) == [clue]
        assert list(clues.clues_visible_to(discipline_inspector)) == []

    def test_scope_and_roles(
        self, org, discipline_inspector, other_handler, city_supervisor, system_admin
    ) -> None:
        clue = _take(discipline_inspector)
        assert list(clues.clues_visible_to(other_handler)) == []
        assert list(clues.clues_visible_to(city_supervisor)) == []  # 检务督察 does not handle clues
        assert list(clues.clues_visible_to(system_admin)) == []
        with pytest.raises(clues.ClueError, match="无权受理"):
            clues.clue_progress(actor=other_handler, clue=clue, note="越权")
        assert ClueStep.objects.filter(clue=clue).count() == 1


class TestNotice:
    def test_one_notice_per_closed_clue(self, discipline_inspector) -> None:
        clue = _take(discipline_inspector)
        with pytest.raises(clues.ClueError, match="办结后"):
            clues.clue_notice_issue(actor=discipline_inspector, clue=clue, summary="概述")
        clues.clue_dispose(actor=discipline_inspector, clue=clue, disposal="TALK_INQUIRY")
        clues.clue_close(actor=discipline_inspector, clue=clue, outcome="经谈话函询，予以批评教育")
        clues.clue_notice_issue(actor=discipline_inspector, clue=clue, summary="某部门一名干警接受当事人宴请")
        with pytest.raises(clues.ClueError, match="一案一通报"):
            clues.clue_notice_issue(actor=discipline_inspector, clue=clue, summary="再通报")
        blob = clues.notice_docx(clue=clue, actor=discipline_inspector)
        texts = [p.text for p in Document(BytesIO(blob)).paragraphs if p.text]
        assert texts[0] == f"线索编号 {clue.no}"
        assert texts[1] == "关于兰州市城关区人民检察院问题线索处置情况的通报"
        assert "某部门一名干警接受当事人宴请" in texts
        assert any("谈话函询" in t for t in texts)
        assert "经谈话函询，予以批评教育" in texts
        assert "该线索于 2026年1月31日受理，经研究采取“谈话函询”方式处置。" in texts
        assert texts[-2] == "兰州市城关区人民检察院"  # the date under it is the day of the notice
        assert SUMMARY not in "".join(texts)  # the notice says only what the handler chose


class TestPages:
    def test_list_highlights_overdue(self, client, discipline_inspector) -> None:
        late = clues.clue_dispose(
            actor=discipline_inspector,
            clue=_take(discipline_inspector, real_name=True),
            disposal="PRELIMINARY_CHECK",
        )
        client.force_login(discipline_inspector)
        body = client.get(reverse("interference:clue_list")).content.decode()
        assert f'data-clue="{late.no}" class="table-danger" data-overdue="1"' in body
        assert SUMMARY not in body
        assert (
            client.get(reverse("interference:clue_list"), {"overdue": "1"})
            .content.decode()
            .count('data-testid="clue"')
            == 1
        )

    def test_take_from_a_record_number_through_the_form(self, client, record, discipline_inspector) -> None:
        client.force_login(discipline_inspector)
        response = client.post(reverse("interference:clue_new"), {"source": "RECORD", "record_no": record.no})
        clue = Clue.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "interference:clue_detail", args=[clue.pk]
        )
        page = client.get(response["Location"]).content.decode()
        assert record.no in page and SECRET_NAME not in page and SECRET_CONTENT not in page
        assert record.subject_type == "LEADER" and "报送同级党委政法委" in page  # RV-01

    def test_an_unknown_record_number_reads_as_absent(self, client, org, discipline_inspector) -> None:
        far = make_record(org.outsider_staff)
        client.force_login(discipline_inspector)
        for number in (far.no, "GY2026NOPE"):
            response = client.post(
                reverse("interference:clue_new"), {"source": "RECORD", "record_no": number}
            )
            assert response.status_code == 200
            assert "未找到该登记编号的记录，或您无权查阅" in response.content.decode()
        assert Clue.objects.count() == 0

    def test_a_clue_outside_scope_is_404_and_changes_nothing(
        self, client, org, discipline_inspector, other_handler
    ) -> None:
        clue = _take(other_handler, unit=org.other_county)
        client.force_login(discipline_inspector)
        assert client.get(reverse("interference:clue_detail", args=[clue.pk])).status_code == 404
        assert client.get(reverse("interference:clue_detail", args=[clue.pk + 99])).status_code == 404
        before = AuditEvent.objects.count()
        response = client.post(
            reverse("interference:clue_action", args=[clue.pk]), {"action": "progress", "text": "x"}
        )
        assert response.status_code == 404
        assert ClueStep.objects.filter(clue=clue).count() == 1 and AuditEvent.objects.count() == before

    def test_forged_actions_are_refused_in_chinese(self, client, discipline_inspector) -> None:
        clue = _take(discipline_inspector)
        client.force_login(discipline_inspector)
        url = reverse("interference:clue_action", args=[clue.pk])
        for data, message in (
            ({"action": "explode"}, "未知的操作"),
            ({"action": "dispose", "disposal": "BURN"}, "请选择处置方式"),
            ({"action": "dispose", "disposal": "SHELVE", "due_on": "31/02/2026"}, "格式应为"),
            ({"action": "close", "text": "结果"}, "请先确定处置方式"),
        ):
            response = client.post(url, data, follow=True)
            assert message in response.content.decode()
        assert Clue.objects.get(pk=clue.pk).disposal == ""
        assert ClueStep.objects.filter(clue=clue).count() == 1

    def test_the_whole_flow_through_the_pages(self, client, discipline_inspector) -> None:
        clue = _take(discipline_inspector)
        client.force_login(discipline_inspector)
        url = reverse("interference:clue_action", args=[clue.pk])
        assert client.get(reverse("interference:clue_notice", args=[clue.pk])).status_code == 404
        client.post(url, {"action": "dispose", "disposal": "TALK_INQUIRY", "due_on": "2026-03-15"})
        client.post(url, {"action": "progress", "text": "已函询"})
        client.post(url, {"action": "close", "text": "函询属实，予以诫勉"})
        client.post(url, {"action": "notice", "text": "一名干警违规接受宴请"})
        clue.refresh_from_db()
        assert (clue.state, clue.disposal, clue.due_on) == ("CLOSED", "TALK_INQUIRY", date(2026, 3, 15))
        response = client.get(reverse("interference:clue_notice", args=[clue.pk]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.wordprocessingml"
        )
        texts = [p.text for p in Document(BytesIO(response.content)).paragraphs]
        assert "函询属实，予以诫勉" in texts


@pytest.mark.parametrize(
    ("subject_type", "route"),
    [
        ("LEADER", "RV-01"),
        ("INTERNAL_OWN", "RV-03①"),
        ("INTERNAL_SUPERIOR", "RV-03②"),
        ("INTERNAL_OTHER", "RV-03③"),
        ("PARTY", "未规定"),
        (None, "未规定"),
    ],
)
def test_the_advised_route_of_a_transfer_follows_who_intervened(subject_type, route) -> None:
    assert route in transfer_route(subject_type)
