"""The recording pages: the form (field by field in Chinese, nothing written on failure), my
records, the readers' list with filters and export, the detail and attachments (audited), the
correction, and 查阅审批 with its notifications."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lianjian.audit.models import AuditEvent
from lianjian.cases.models import Case
from lianjian.interference.models import ReadRequest, Record, RecordAttachment, RecordVersion
from lianjian.interference.services import Upload, record_content
from lianjian.interference.tests.builders import (
    SECRET_CONTENT,
    SECRET_NAME,
    chief_of,
    leader_of,
    linked_case,
    make_record,
)
from lianjian.notify.models import Notification

pytestmark = pytest.mark.django_db

CASE_NO = "甘兰城检刑诉受[2026]620102000003号"


def form_data(**overrides):
    data = {
        "subject_name": SECRET_NAME,
        "subject_org": "某区政府",
        "subject_position": "副区长",
        "subject_type": "LEADER",
        "subject_staff_no": "",
        "occurred_at": (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "location": "办公室",
        "in_workplace": "on",
        "in_hours": "on",
        "channel": "PHONE",
        "matter_type": "MAJ-01",
        "case_no": "",
        "matter_ref": "王某某盗窃案，审查逮捕阶段",
        "content": SECRET_CONTENT,
        "category": "RC-06",
        "violation_codes": ["LD-VIO-01"],
        "response": "REFUSED",
        "response_note": "",
        "approval_ref": "",
        "confidentiality": "NORMAL",
        "report_unit_code": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _reads() -> list:
    return list(AuditEvent.objects.filter(action="interference.record.read").order_by("seq"))


class TestRecordForm:
    def test_the_form_shows_the_guidance_and_the_superior_units(self, client, county_prosecutor) -> None:
        client.force_login(county_prosecutor)
        response = client.get(reverse("interference:record_create"))
        text = response.content.decode()
        assert response.status_code == 200
        for code in (
            "LD-REC-01",
            "LD-REC-03",
            "WHO-05",
            "RC-01",
            "一时难以判定",
            "3 日内",
            "CT-PRC-03",
            "CF-01",
        ):
            assert code in text, code
        assert "越级报告：兰州市人民检察院" in text and "越级报告：甘肃省人民检察院" in text
        # the violation codes: a titled list of one labelled box per code
        codes = text[text.index('data-testid="violation-codes"') :]
        codes = codes[: codes.index("</div></div>") + 12]
        assert text.index("违规情形") < text.index('data-testid="violation-codes"')
        assert codes.count('type="checkbox"') == codes.count('class="form-check"') == 16
        assert "嘉峪关" not in text

    def test_a_record_is_written_with_its_attachments(self, client, county_prosecutor, org) -> None:
        client.force_login(county_prosecutor)
        files = [SimpleUploadedFile("函件.pdf", b"%PDF letter"), SimpleUploadedFile("截图.png", b"png-bytes")]
        response = client.post(reverse("interference:record_create"), {**form_data(), "attachments": files})
        record = Record.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "interference:record_detail", args=[record.no]
        )
        assert (record.recorder, record.category, record.violation_codes) == (
            org.prosecutor,
            "RC-06",
            ["LD-VIO-01"],
        )
        assert record_content(record)["content"] == SECRET_CONTENT
        assert RecordAttachment.objects.filter(record=record).count() == 2

    def test_errors_are_chinese_field_by_field_and_nothing_is_written(
        self, client, county_prosecutor
    ) -> None:
        client.force_login(county_prosecutor)
        audit = AuditEvent.objects.count()
        response = client.post(
            reverse("interference:record_create"),
            form_data(subject_name="", category="RC-09", occurred_at="明天", content=""),
        )
        text = response.content.decode()
        assert response.status_code == 200
        errors = {e for e in text.split('data-field="')[1:]}
        fields = {e.split('"')[0] for e in errors}
        assert {"subject_name", "category", "occurred_at", "content"} <= fields
        assert "这个字段是必填项" in text or "必填" in text
        assert Record.objects.count() == 0 and AuditEvent.objects.count() == audit

    def test_inconsistent_codes_are_refused_on_their_field(self, client, county_prosecutor) -> None:
        client.force_login(county_prosecutor)
        response = client.post(
            reverse("interference:record_create"),
            form_data(subject_type="PARTY", violation_codes=["LD-VIO-01"]),
        )
        assert "与过问人类别“当事人、律师、特殊关系人、中介组织”不符" in response.content.decode()
        response = client.post(reverse("interference:record_create"), form_data(matter_ref=""))
        assert "司法办案类事项须填写涉及案件" in response.content.decode()
        assert Record.objects.count() == 0

    def test_a_case_the_recorder_cannot_see_is_refused_like_an_absent_one(
        self, client, county_prosecutor, org
    ) -> None:
        Case.objects.create(
            case_no="外院案件",
            unit=org.other_county,
            prosecutor=org.outsider_staff,
            last_event_at=timezone.now(),
        )
        client.force_login(county_prosecutor)
        for case_no in ("外院案件", "不存在的案件"):
            response = client.post(reverse("interference:record_create"), form_data(case_no=case_no))
            assert "未找到您可查看的该案件" in response.content.decode()
        assert Record.objects.count() == 0
        linked_case(org, CASE_NO)
        client.post(reverse("interference:record_create"), form_data(case_no=CASE_NO))
        assert Record.objects.get().case_no == CASE_NO and Record.objects.get().case is not None

    def test_an_unknown_staff_number_and_a_skip_level_outside_the_chain_are_refused(
        self, client, county_prosecutor
    ) -> None:
        client.force_login(county_prosecutor)
        response = client.post(reverse("interference:record_create"), form_data(subject_staff_no="ZZ99"))
        assert "未找到该工号的人员" in response.content.decode()
        response = client.post(reverse("interference:record_create"), form_data(report_unit_code="620200"))
        assert response.status_code == 200 and Record.objects.count() == 0
        client.post(reverse("interference:record_create"), form_data(report_unit_code="620100"))
        assert Record.objects.get().skip_level

    def test_too_many_attachments_are_refused(self, client, county_prosecutor) -> None:
        client.force_login(county_prosecutor)
        files = [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(11)]
        response = client.post(reverse("interference:record_create"), {**form_data(), "attachments": files})
        assert "最多 10 个附件" in response.content.decode()
        assert Record.objects.count() == 0 and RecordAttachment.objects.count() == 0

    def test_a_user_without_a_staff_record_cannot_record(self, client, org) -> None:
        from lianjian.accounts.tests.factories import UserFactory, grant

        user: Any = UserFactory(username="nostaff")
        grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)
        client.force_login(user)
        assert client.post(reverse("interference:record_create"), form_data()).status_code == 403
        assert Record.objects.count() == 0


class TestReading:
    def test_my_records_list_only_mine_with_plain_fields(self, client, county_prosecutor, org) -> None:
        mine = make_record(org.prosecutor)
        other = make_record(org.colleague)
        client.force_login(county_prosecutor)
        text = client.get(reverse("interference:record_mine")).content.decode()
        assert mine.no in text and other.no not in text
        assert SECRET_NAME not in text and SECRET_CONTENT not in text
        export = client.get(reverse("interference:record_mine"), {"export": "xlsx"})
        rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
        assert [r[0] for r in rows[1:]] == [mine.no]
        assert _reads()[-1].after == {"what": "export", "basis": "记录人本人", "records": [mine.pk]}

    def test_the_detail_is_audited_with_its_basis_and_no_content(
        self, client, county_prosecutor, discipline_inspector, org
    ) -> None:
        record = make_record(org.prosecutor, uploads=[Upload("密函.pdf", b"%PDF")])
        client.force_login(discipline_inspector)
        text = client.get(reverse("interference:record_detail", args=[record.no])).content.decode()
        assert SECRET_NAME in text and SECRET_CONTENT in text and "密函.pdf" in text
        [event] = _reads()
        assert event.after["basis"] == "督察纪检职责" and event.target_id == str(record.pk)
        stored = str(event.after) + event.target_repr
        for secret in (SECRET_NAME, SECRET_CONTENT, "密函.pdf"):
            assert secret not in stored
        attachment = record.attachments.get()
        response = client.get(reverse("interference:record_attachment", args=[record.no, attachment.pk]))
        assert response.status_code == 200 and response.content == b"%PDF"
        assert "attachment;" in response["Content-Disposition"]
        assert _reads()[-1].after == {
            "basis": "督察纪检职责",
            "what": "attachment",
            "attachment": attachment.pk,
        }
        client.force_login(county_prosecutor)
        client.get(reverse("interference:record_detail", args=[record.no]))
        assert _reads()[-1].after["basis"] == "记录人本人"

    def test_an_attachment_of_another_record_is_404(self, client, discipline_inspector, org) -> None:
        record = make_record(org.prosecutor)
        other = make_record(org.prosecutor, uploads=[Upload("a.txt", b"x")])
        client.force_login(discipline_inspector)
        url = reverse("interference:record_attachment", args=[record.no, other.attachments.get().pk])
        assert client.get(url).status_code == 404

    def test_the_history_shows_every_version_side_by_side(self, client, county_prosecutor, org) -> None:
        record = make_record(org.prosecutor)
        client.force_login(county_prosecutor)
        response = client.get(reverse("interference:record_correct", args=[record.no]))
        assert SECRET_CONTENT in response.content.decode()  # pre-filled with the current version
        response = client.post(
            reverse("interference:record_correct", args=[record.no]),
            form_data(content="更正后的内容", category="RC-04", reason="记错了"),
        )
        assert response.status_code == 302
        text = client.get(reverse("interference:record_detail", args=[record.no])).content.decode()
        assert "第 1 版" in text and "第 2 版" in text
        assert SECRET_CONTENT in text and "更正后的内容" in text and "记错了" in text
        assert RecordVersion.objects.filter(record=record).count() == 2

    def test_a_correction_needs_a_reason(self, client, county_prosecutor, org) -> None:
        record = make_record(org.prosecutor)
        client.force_login(county_prosecutor)
        response = client.post(reverse("interference:record_correct", args=[record.no]), form_data(reason=""))
        assert response.status_code == 200 and 'data-field="reason"' in response.content.decode()
        assert Record.objects.get().version == 1

    def test_the_readers_list_filters_by_plain_fields_only(self, client, discipline_inspector, org) -> None:
        linked_case(org, CASE_NO)
        linked = make_record(org.prosecutor, case_no=CASE_NO)
        rc02 = make_record(org.prosecutor, category="RC-02", violation_codes=[], subject_type="INTERNAL_OWN")
        client.force_login(discipline_inspector)
        url = reverse("interference:record_list")
        assert set(_listed(client, url)) == {linked.no, rc02.no}
        assert _listed(client, url, q=linked.no) == [linked.no]
        assert _listed(client, url, q="620102000003") == [linked.no]
        assert _listed(client, url, q="RC-02") == [rc02.no]
        assert _listed(client, url, q=SECRET_NAME) == []  # sealed content is never searched
        assert _listed(client, url, q="从轻处理") == []
        assert _listed(client, url, subject_type="INTERNAL_OWN") == [rc02.no]
        assert _listed(client, url, category="RC-06") == [linked.no]
        assert set(_listed(client, url, unit="620102")) == {linked.no, rc02.no}
        today = timezone.localdate()
        assert _listed(client, url, start=(today + timedelta(days=1)).isoformat()) == []

    def test_the_export_holds_plain_fields_and_is_one_read_event(
        self, client, discipline_inspector, org
    ) -> None:
        records = [make_record(org.prosecutor), make_record(org.colleague)]
        client.force_login(discipline_inspector)
        response = client.get(reverse("interference:record_list"), {"export": "xlsx"})
        rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
        assert rows[0][:4] == ("登记编号", "过问时间", "记录时间", "填报分类")
        assert sorted(r[0] for r in rows[1:]) == sorted(r.no for r in records)
        assert SECRET_NAME not in str(rows) and SECRET_CONTENT not in str(rows)
        [event] = _reads()
        assert event.after["what"] == "export" and sorted(event.after["records"]) == sorted(
            r.pk for r in records
        )


def _listed(client, url, **params) -> list[str]:
    text = client.get(url, params).content.decode()
    return [part.split("<")[0] for part in text.split('data-testid="record-link">')[1:]]


class TestReadRequests:
    def _request(self, client, org, record, **extra):
        today = timezone.localdate()
        data = {
            "record_no": record.no,
            "reason": "核查信访反映",
            "start": today.isoformat(),
            "end": (today + timedelta(days=6)).isoformat(),
            **extra,
        }
        return client.post(reverse("interference:read_request_create"), data)

    def test_a_deputy_asks_the_chief_approves_and_the_deputy_reads_in_the_window(self, client, org) -> None:
        record = make_record(org.prosecutor)
        chief, deputy = chief_of(org.county), leader_of(org.county)
        client.force_login(deputy)
        assert client.get(reverse("interference:record_detail", args=[record.no])).status_code == 404
        page = client.get(reverse("interference:read_requests"), {"no": record.no}).content.decode()
        assert 'data-testid="read-request-form"' in page and "RC-06" not in page
        assert self._request(client, org, record).status_code == 302
        request = ReadRequest.objects.get()
        [told] = Notification.objects.filter(user=chief)
        assert told.title == f"查阅审批：记录 {record.no} 的查阅申请待您审批"
        assert SECRET_NAME not in told.title + told.body and "何平" not in told.title + told.body

        client.force_login(chief)
        queue = client.get(reverse("interference:read_requests")).content.decode()
        assert record.no in queue and 'data-testid="queue-row"' in queue
        response = client.post(
            reverse("interference:read_request_decide", args=[request.pk]),
            {"decision": "approve", "note": "同意"},
        )
        assert response.status_code == 302
        [decided] = Notification.objects.filter(user=deputy)
        assert decided.title == f"查阅审批：记录 {record.no} 的查阅申请已批准"

        client.force_login(deputy)
        mine = client.get(reverse("interference:read_requests")).content.decode()
        assert 'data-testid="open-approved"' in mine
        text = client.get(reverse("interference:record_detail", args=[record.no])).content.decode()
        assert SECRET_CONTENT in text
        assert _reads()[-1].after["basis"] == "查阅审批"

    def test_forged_decisions_change_nothing(self, client, org) -> None:
        record = make_record(org.prosecutor)
        chief = chief_of(org.county)
        deputy = leader_of(org.county)
        client.force_login(deputy)
        self._request(client, org, record)
        request = ReadRequest.objects.get()
        audit = AuditEvent.objects.count()
        # The deputy approves their own request: refused (a deputy holds approve, is not the chief).
        url = reverse("interference:read_request_decide", args=[request.pk])
        assert client.post(url, {"decision": "approve"}).status_code == 404
        # A chief of another county: not theirs to decide.
        client.force_login(chief_of(org.other_county, staff_no="CH09", name="外院长"))
        assert client.post(url, {"decision": "approve"}).status_code == 404
        # The chief with a forged decision value: nothing decided.
        client.force_login(chief)
        client.post(url, {"decision": "maybe"})
        assert ReadRequest.objects.get().state == "PENDING" and AuditEvent.objects.count() == audit

    def test_the_chief_asking_for_themself_cannot_approve_it(self, client, org) -> None:
        record = make_record(org.prosecutor)
        chief = chief_of(org.county)
        client.force_login(chief)
        self._request(client, org, record)
        request = ReadRequest.objects.get()
        assert (
            client.post(
                reverse("interference:read_request_decide", args=[request.pk]), {"decision": "approve"}
            ).status_code
            == 404
        )
        assert ReadRequest.objects.get().state == "PENDING"

    def test_a_window_over_30_days_and_an_unknown_number_are_refused(self, client, org) -> None:
        record = make_record(org.prosecutor)
        client.force_login(leader_of(org.county))
        today = timezone.localdate()
        self._request(client, org, record, end=(today + timedelta(days=30)).isoformat())
        assert ReadRequest.objects.count() == 0
        assert self._request(client, org, record, record_no="GY20990000001").status_code == 404
        page = client.get(reverse("interference:read_requests"), {"no": "GY20990000001"}).content.decode()
        assert "未找到您可申请查阅的记录" in page
        self._request(client, org, record, end=(today + timedelta(days=29)).isoformat())
        assert ReadRequest.objects.count() == 1

    def test_a_leader_outside_the_chain_learns_nothing_of_a_number(self, client, org) -> None:
        record = make_record(org.prosecutor)
        client.force_login(leader_of(org.other_county, staff_no="LD09", name="外领导"))
        page = client.get(reverse("interference:read_requests"), {"no": record.no}).content.decode()
        assert "未找到您可申请查阅的记录" in page and 'data-testid="read-request-form"' not in page
        assert self._request(client, org, record).status_code == 404
        assert ReadRequest.objects.count() == 0
