"""Every role against every record (issue 6 §7): who reads, who may not, and that a denied read
leaks nothing — not in the detail, attachments, lists, search, exports, alerts and their texts,
notifications, the case page or the cases API.

Records (all by A100 of county 620102, category RC-06, linked to a case, with an attachment):
``normal``; ``high`` (保密级别 重要: 纪检监察 only); ``skip`` (越级报告 to city 620100); and two
about staff members who hold a reading role: ``about_inspector`` (检务督察 IV01 of the city) and
``about_discipline`` (纪检监察 IV02 of the county).
"""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any, cast

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lianjian.accounts.api_tokens import api_token_create
from lianjian.cases.models import Case
from lianjian.interference.kinds.record_link import CLUE_RULE, GX05_RULE
from lianjian.interference.models import Record
from lianjian.interference.services import Upload
from lianjian.interference.tests.builders import (
    SECRET_CONTENT,
    SECRET_NAME,
    chief_of,
    leader_of,
    make_record,
    persona,
    record_input,
)
from lianjian.notify.models import Delivery, Notification
from lianjian.org.tests.factories import StaffFactory
from lianjian.risk.models import Alert
from lianjian.risk.routing import alerts_route
from lianjian.risk.selectors import alerts_visible_to
from lianjian.risk.services import risk_catalogue_install

pytestmark = pytest.mark.django_db

CASE_NO = "甘兰城检刑诉受[2026]620102000009号"
RECORDS = ("normal", "high", "skip", "about_inspector", "about_discipline")
ATTACHMENT = "留存函件-{}.pdf"
READERS = {
    "recorder": set(RECORDS),
    "colleague": set(),
    "department_head": set(),
    "deputy": set(),
    "chief": set(),
    "city_supervisor": {"normal", "skip", "about_inspector", "about_discipline"},
    "discipline_inspector": {"normal", "high", "about_inspector", "about_discipline"},
    "outsider": set(),
    "intervener_inspector": {"normal", "skip", "about_discipline"},
    "intervener_discipline": {"normal", "high", "about_inspector"},
    "system_admin": set(),
    "security_admin": set(),
    "audit_admin": set(),
}
# The GX05 / R-3G-01 alerts are for 检务督察 only, never for the record's intervener.
ALERT_SEERS = {
    "city_supervisor": set(RECORDS),
    "intervener_inspector": set(RECORDS) - {"about_inspector"},
}
HAS_RECORD_PAGES = {"system_admin", "security_admin", "audit_admin"}  # complement: may reach pages
SECRETS = (SECRET_NAME, SECRET_CONTENT, "留存函件", "何平")


@pytest.fixture
def world(
    org,
    county_prosecutor,
    department_head,
    city_supervisor,
    discipline_inspector,
    outsider,
    system_admin,
    security_admin,
    audit_admin,
    django_capture_on_commit_callbacks,
) -> dict[str, Any]:
    risk_catalogue_install()
    Case.objects.create(
        case_no=CASE_NO,
        unit=org.county,
        prosecutor=org.prosecutor,
        department=org.criminal,
        last_event_at=timezone.now(),
    )
    inspector_staff = StaffFactory(staff_no="IV01", name="江督", department=org.city_inspection)
    discipline_staff = StaffFactory(staff_no="IV02", name="冯纪", department=org.criminal)
    users = {
        "recorder": county_prosecutor,
        "colleague": persona("colleague", org.colleague, "PROSECUTOR", "SELF"),
        "department_head": department_head,
        "deputy": leader_of(org.county),
        "chief": chief_of(org.county),
        "city_supervisor": city_supervisor,
        "discipline_inspector": discipline_inspector,
        "outsider": outsider,
        "intervener_inspector": persona(
            "iv_inspector", inspector_staff, "INSPECTION", "UNIT_AND_BELOW", unit=org.city
        ),
        "intervener_discipline": persona(
            "iv_discipline", discipline_staff, "DISCIPLINE", "UNIT", unit=org.county
        ),
        "system_admin": system_admin,
        "security_admin": security_admin,
        "audit_admin": audit_admin,
    }
    overrides: dict[str, dict[str, Any]] = {
        "normal": {},
        "high": {"confidentiality": "HIGH"},
        "skip": {"report_unit_code": "620100"},
        "about_inspector": {
            "subject_name": "江督",
            "subject_staff_no": "IV01",
            "subject_type": "INTERNAL_SUPERIOR",
            "violation_codes": ["IN-VIO-01"],
        },
        "about_discipline": {
            "subject_name": "冯纪",
            "subject_staff_no": "IV02",
            "subject_type": "INTERNAL_OWN",
            "violation_codes": ["IN-VIO-01"],
        },
    }
    records = {}
    with django_capture_on_commit_callbacks(execute=True):
        for key, extra in overrides.items():
            records[key] = make_record(
                org.prosecutor,
                case_no=CASE_NO,
                uploads=[Upload(ATTACHMENT.format(key), b"%PDF " + key.encode())],
                **extra,
            )
    alerts_route()
    return {"users": users, "records": records, "org": org}


def _pairs() -> list[tuple[str, str]]:
    return [(p, r) for p in READERS for r in RECORDS]


def _clean(text: str, record_key: str, viewer: Any = None) -> None:
    """No intervener, content or attachment name in ``text`` — in the page's content, whose header and
    watermark show the viewer's own name (``viewer`` names the page's reader, for the message)."""
    body = text.split('<main class="lj-content">', 1)[-1].split("</main>", 1)[0]
    for secret in (SECRET_NAME, SECRET_CONTENT, ATTACHMENT.format(record_key), "江督", "冯纪"):
        assert secret not in body, (secret, getattr(viewer, "username", ""))


@pytest.mark.parametrize(("who", "key"), _pairs())
def test_detail_and_attachment_by_role(who, key, world, client) -> None:
    user, record = world["users"][who], world["records"][key]
    client.force_login(user)
    detail = client.get(reverse("interference:record_detail", args=[record.no]))
    attachment = client.get(
        reverse("interference:record_attachment", args=[record.no, record.attachments.get().pk])
    )
    if key in READERS[who]:
        assert detail.status_code == 200 and attachment.status_code == 200
        assert SECRET_CONTENT in detail.content.decode()
        assert attachment.content == b"%PDF " + key.encode()
    else:
        expected = 403 if who in HAS_RECORD_PAGES else 404
        assert (detail.status_code, attachment.status_code) == (expected, expected)
        _clean(detail.content.decode(), key)
        _clean(attachment.content.decode(), key)


@pytest.mark.parametrize("who", sorted(READERS))
def test_lists_search_and_export_by_role(who, world, client) -> None:
    user, records = world["users"][who], world["records"]
    client.force_login(user)
    readable = {records[k].no for k in READERS[who]}
    mine = client.get(reverse("interference:record_mine"))
    if who in HAS_RECORD_PAGES:
        assert mine.status_code == 403
    else:
        listed = _numbers(mine.content.decode())
        assert listed == ({r.no for r in records.values()} if who == "recorder" else set())
    listing = client.get(reverse("interference:record_list"))
    if not user.has_lianjian_perm("interference.read"):
        assert listing.status_code == 403
        _clean(listing.content.decode(), "normal")
        return
    assert _numbers(listing.content.decode()) == readable
    for key, record in records.items():
        found = _numbers(client.get(reverse("interference:record_list"), {"q": record.no}).content.decode())
        assert found == ({record.no} if key in READERS[who] else set())
    export = client.get(reverse("interference:record_list"), {"export": "xlsx"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))[1:]
    assert {row[0] for row in rows} == readable
    for key in RECORDS:
        _clean(str(rows), key)


def _numbers(text: str) -> set[str]:
    return {part.split("<")[0] for part in text.split('data-testid="record-link">')[1:]}


@pytest.mark.parametrize("who", sorted(READERS))
def test_alerts_and_their_texts_by_role(who, world, client) -> None:
    user, records = world["users"][who], world["records"]
    expected = ALERT_SEERS.get(who, set())
    seen = set(
        alerts_visible_to(user)
        .filter(rule__code__in=[GX05_RULE, CLUE_RULE])
        .values_list("fingerprint", flat=True)
    )
    assert seen == {f"record:{records[k].pk}" for k in expected}
    for alert in Alert.objects.filter(rule__code__in=[GX05_RULE, CLUE_RULE]):
        assert all(secret not in alert.title + str(alert.evidence) for secret in SECRETS)
    notes = Notification.objects.filter(user=user)
    told = {n.title for n in notes}
    assert told == {
        f"{level}：{title}（编号 {records[k].no}）"
        for k in expected
        for level, title in (("提示", "案件关联“三个规定”记录"), ("预警", "“三个规定”记录提示廉政风险线索"))
    }
    for note in notes:
        assert all(secret not in note.title + note.body for secret in SECRETS)
    if user.has_lianjian_perm("case.view"):
        response = client.get(reverse("risk:case_detail", args=[CASE_NO]))
        if response.status_code == 200:
            text = response.content.decode()
            for key in RECORDS:
                assert (records[key].no in text) == (key in expected), key
            _clean(text, "normal")


def test_restricted_alerts_are_not_pushed_to_webhooks(world) -> None:
    from lianjian.notify.services import webhook_endpoint_create

    webhook_endpoint_create(actor=None, name="外部系统", url="http://127.0.0.1:9/h")
    Alert.objects.update(routed_at=None)
    Notification.objects.all().delete()
    alerts_route()
    assert Notification.objects.exists()
    assert not Delivery.objects.filter(channel="WEBHOOK").exists()


def test_the_cases_api_carries_no_interference_data(world, client) -> None:
    org = world["org"]
    _, secret = api_token_create(
        actor=world["users"]["security_admin"], name="外部办案系统", units=[org.county]
    )
    response = client.get(f"/api/v1/cases/{CASE_NO}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    text = json.dumps(response.json(), ensure_ascii=False)
    assert CASE_NO in text
    for record in world["records"].values():
        assert record.no not in text
    for secret_text in (*SECRETS, "三个规定", "GX05"):
        assert secret_text not in text


@pytest.mark.parametrize("who", ["colleague", "city_supervisor", "discipline_inspector", "chief", "outsider"])
def test_forged_corrections_of_anothers_record_change_nothing(who, world, client) -> None:
    from lianjian.audit.models import AuditEvent

    record = world["records"]["normal"]
    client.force_login(world["users"][who])
    before = (AuditEvent.objects.count(), record.versions.count())
    data = {
        **record_input(content="篡改").model_dump(mode="json"),
        "reason": "伪造",
        "violation_codes": ["LD-VIO-01"],
    }
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}
    response = client.post(reverse("interference:record_correct", args=[record.no]), data)
    assert response.status_code == 404
    assert (AuditEvent.objects.count(), record.versions.count()) == before
    assert Record.objects.get(pk=record.pk).version == 1


@pytest.mark.parametrize("who", sorted(READERS))
def test_the_alert_pages_by_role(who, world, client) -> None:
    user, records = world["users"][who], world["records"]
    client.force_login(user)
    expected = ALERT_SEERS.get(who, set())
    for key, record in records.items():
        for alert in Alert.objects.filter(fingerprint=f"record:{record.pk}"):
            response = client.get(reverse("risk:alert_detail", args=[alert.pk]))
            if key in expected:
                assert response.status_code == 200
                assert record.no in response.content.decode()
            else:
                assert response.status_code in (403, 404)
            _clean(response.content.decode(), key, user)
            assert "何平" not in response.content.decode() or who == "recorder"
    listing = client.get(reverse("risk:alert_list"))
    if listing.status_code == 200:
        text = listing.content.decode()
        for key, record in records.items():
            assert (record.no in text) == (key in expected), key


def test_the_run_after_a_record_is_hidden_from_scan_runners_outside_the_audience(world, client) -> None:
    from lianjian.accounts.tests.factories import UserFactory, grant
    from lianjian.risk.models import ScanRun
    from lianjian.risk.ui import run_results, scan_runs_visible_to

    org = world["org"]
    manager: Any = UserFactory(username="cm_runs")
    grant(manager, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.city)
    record_runs = set(ScanRun.objects.values_list("pk", flat=True))
    assert len(record_runs) == len(RECORDS)
    assert not set(scan_runs_visible_to(manager).values_list("pk", flat=True)) & record_runs
    supervisor = world["users"]["city_supervisor"]
    assert set(scan_runs_visible_to(supervisor).values_list("pk", flat=True)) == record_runs
    client.force_login(manager)
    run = ScanRun.objects.first()
    assert run is not None
    assert client.get(reverse("risk:run_detail", args=[run.pk])).status_code == 404
    # A full run shows the manager its other rules only.
    from lianjian.risk.engine import scan_run

    report = scan_run(full=True)
    full = ScanRun.objects.get(pk=cast(int, report.run_id))
    assert full in scan_runs_visible_to(manager)
    codes = set(run_results(full, manager).values_list("rule__code", flat=True))
    assert codes and not codes & {GX05_RULE, CLUE_RULE}
    assert {GX05_RULE, CLUE_RULE} <= set(run_results(full, supervisor).values_list("rule__code", flat=True))
