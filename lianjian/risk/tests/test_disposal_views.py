"""The disposal pages: the card on the alert page, the step forms (POST with CSRF), verification
files, the list filter, and the rules' feedback (§4).

A refused request answers 404 (alert out of scope) or 403 (a step not the user's), and changes
nothing: not the alert, not its history, not the audit log.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.risk import disposal
from lianjian.risk.choices import AlertLevel, AlertStatus
from lianjian.risk.models import Alert, AlertAttachment
from lianjian.risk.selectors import RuleFeedback, rules_feedback
from lianjian.risk.tests.workflow import RAISED, alert_on, case_of, rule, snapshot, take

PDF = b"%PDF-1.4\n% test\n"


@pytest.fixture(autouse=True)
def attachment_dir(settings: Any, tmp_path: Path) -> Path:
    settings.LIANJIAN_ATTACHMENT_DIR = tmp_path / "attachments"
    return tmp_path / "attachments"


@pytest.fixture
def alert(org: Any) -> Alert:
    return alert_on(case_of(org))


def page(client: Client, user: Any, alert: Alert) -> str:
    client.force_login(user)
    response = client.get(reverse("risk:alert_detail", args=[alert.pk]))
    assert response.status_code == 200
    return response.content.decode()


def forms_on(html: str) -> list[str]:
    return re.findall(r'data-testid="disposal-form-(\w+)"', html)


def post_step(client: Client, user: Any, alert: Alert, step: str, data: dict[str, Any] | None = None) -> Any:
    client.force_login(user)
    return client.post(reverse("risk:alert_step", args=[alert.pk, step]), data or {})


def test_the_alert_page_offers_exactly_the_users_steps(
    client, alert, county_prosecutor, department_head, discipline_inspector
) -> None:
    assert forms_on(page(client, county_prosecutor, alert)) == ["sign"]
    assert forms_on(page(client, department_head, alert)) == []
    assert forms_on(page(client, discipline_inspector, alert)) == []
    for step in ("SIGN", "VERIFY", "PROPOSE"):
        take(step, alert, county_prosecutor)
    assert forms_on(page(client, county_prosecutor, alert)) == []
    assert forms_on(page(client, department_head, alert)) == ["approve", "return", "transfer"]


def test_the_alert_page_shows_the_state_deadline_and_history(client, alert, county_prosecutor) -> None:
    disposal.alert_sign(alert=alert, actor=county_prosecutor, note="收到", now=RAISED + timedelta(hours=1))
    html = page(client, county_prosecutor, alert)
    assert (
        '<span class="badge text-bg-primary align-middle" data-testid="disposal-state">核查中</span>' in html
    )
    assert 'data-testid="disposal-due">2026-12-21' in html  # 10 working days after Mon 12-07
    assert re.search(r'<tr data-step="SIGN"><td>2026-12-07 11:00</td><td>签收</td><td>何平</td>', html)
    assert forms_on(html) == ["verify"]


def test_the_handler_signs_through_the_page(client, alert, county_prosecutor) -> None:
    response = post_step(client, county_prosecutor, alert, "SIGN", {"note": "收到"})
    assert response.status_code == 302
    assert response["Location"] == reverse("risk:alert_detail", args=[alert.pk])
    alert.refresh_from_db()
    assert alert.disposal_state == "SIGNED"
    assert list(alert.steps.values_list("step", "note")) == [("SIGN", "收到")]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("department_head", 403), ("discipline_inspector", 403), ("city_supervisor", 403), ("outsider", 404)],
)
def test_a_step_not_the_users_is_refused_and_changes_nothing(
    persona, status, request, client, alert, county_prosecutor
) -> None:
    user = request.getfixturevalue(persona)
    before = snapshot(alert)
    assert post_step(client, user, alert, "SIGN").status_code == status
    assert snapshot(alert) == before


def test_an_unknown_step_is_404_and_a_get_is_405(client, alert, county_prosecutor) -> None:
    before = snapshot(alert)
    assert post_step(client, county_prosecutor, alert, "ESCALATE").status_code == 404
    assert client.get(reverse("risk:alert_step", args=[alert.pk, "SIGN"])).status_code == 405
    assert snapshot(alert) == before


def test_a_step_without_the_csrf_token_is_refused(alert, county_prosecutor) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_prosecutor)
    before = snapshot(alert)
    response = client.post(reverse("risk:alert_step", args=[alert.pk, "SIGN"]), {"note": "x"})
    assert response.status_code == 403
    assert snapshot(alert) == before


def test_an_invalid_step_shows_its_message_and_changes_nothing(
    client, alert, county_prosecutor, department_head
) -> None:
    for step in ("SIGN", "VERIFY", "PROPOSE"):
        take(step, alert, county_prosecutor)
    before = snapshot(alert)
    response = post_step(client, department_head, alert, "RETURN", {"reason": ""})
    assert response.status_code == 302
    assert snapshot(alert) == before
    assert "请填写退回理由" in client.get(response["Location"]).content.decode()


def test_verification_files_are_stored_by_digest_and_served_to_those_who_see_the_alert(
    client, org, alert, county_prosecutor, discipline_inspector, outsider, attachment_dir
) -> None:
    take("SIGN", alert, county_prosecutor)
    upload = SimpleUploadedFile("询问笔录.pdf", PDF, content_type="application/x-evil")
    response = post_step(
        client, county_prosecutor, alert, "VERIFY", {"note": "已询问", "attachments": [upload]}
    )
    assert response.status_code == 302
    attachment = AlertAttachment.objects.get()
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "询问笔录.pdf",
        "application/pdf",
        len(PDF),
    )
    stored = attachment_dir / attachment.digest[:2] / attachment.digest
    assert stored.read_bytes() == PDF
    url = reverse("risk:alert_attachment", args=[alert.pk, attachment.pk])
    assert url in page(client, county_prosecutor, alert)

    client.force_login(discipline_inspector)
    download = client.get(url)
    assert download.status_code == 200
    assert download.content == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    other = alert_on(case_of(org))  # the file is reached only through its own alert
    client.force_login(county_prosecutor)
    assert client.get(reverse("risk:alert_attachment", args=[other.pk, attachment.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.exe", b"MZ", "不支持的附件类型"),
        ("a.pdf", b"<html>", "内容与扩展名不符"),
        ("a.pdf", b"", "是空文件"),
        ("a.txt", b"\xff\xfe\x00\xd8", "不是文本文件"),
    ],
)
def test_a_file_of_the_wrong_kind_is_refused_and_nothing_is_written(
    name, content, message, alert, county_prosecutor, attachment_dir
) -> None:
    take("SIGN", alert, county_prosecutor)
    before = snapshot(alert)
    with pytest.raises(disposal.DisposalError, match=message):
        disposal.alert_verify(
            alert=alert, actor=county_prosecutor, note="x", files=[SimpleUploadedFile(name, content)]
        )
    assert snapshot(alert) == before
    assert not attachment_dir.exists() or not any(attachment_dir.rglob("*"))


def test_a_file_over_the_limit_is_refused(alert, county_prosecutor, monkeypatch) -> None:
    monkeypatch.setattr(disposal, "ATTACHMENT_MAX_BYTES", 10)
    take("SIGN", alert, county_prosecutor)
    before = snapshot(alert)
    with pytest.raises(disposal.DisposalError, match="超过"):
        disposal.alert_verify(
            alert=alert, actor=county_prosecutor, note="x", files=[SimpleUploadedFile("a.pdf", PDF)]
        )
    assert snapshot(alert) == before


def test_a_tampered_file_is_not_served(client, alert, county_prosecutor, attachment_dir) -> None:
    take("SIGN", alert, county_prosecutor)
    disposal.alert_verify(
        alert=alert, actor=county_prosecutor, note="x", files=[SimpleUploadedFile("a.pdf", PDF)]
    )
    attachment = AlertAttachment.objects.get()
    (attachment_dir / attachment.digest[:2] / attachment.digest).write_bytes(b"%PDF-changed")
    client.force_login(county_prosecutor)
    assert client.get(reverse("risk:alert_attachment", args=[alert.pk, attachment.pk])).status_code == 404


def test_the_alert_list_filters_by_disposal_state(client, org, county_prosecutor) -> None:
    pending, signed = alert_on(case_of(org)), alert_on(case_of(org))
    take("SIGN", signed, county_prosecutor)
    client.force_login(county_prosecutor)

    def listed(query: str) -> list[str]:
        html = client.get(f"/risk/alerts/?{query}").content.decode()
        return re.findall(r'href="/risk/alerts/(\d+)/"', html)

    assert listed("disposal_state=PENDING") == [str(pending.pk)]
    assert listed("disposal_state=SIGNED") == [str(signed.pk)]
    assert sorted(listed("")) == sorted([str(pending.pk), str(signed.pk)])


# --- §4 feedback ------------------------------------------------------------------------------


def _closed(org: Any, handler: Any, head: Any, opinion: str, days: int, **kwargs: Any) -> Alert:
    alert = alert_on(case_of(org), **kwargs)
    take("SIGN", alert, handler)
    take("VERIFY", alert, handler)
    disposal.alert_propose(alert=alert, actor=handler, opinion=opinion, note="x")
    disposal.alert_approve(alert=alert, actor=head, now=alert.raised_at + timedelta(days=days))
    return alert


def test_feedback_counts_outcomes_precision_and_median_time_to_close(
    org, county_prosecutor, department_head
) -> None:
    target = rule("R-FB")
    for opinion, days in (("TRUE", 2), ("PARTLY_TRUE", 4), ("UNFOUNDED", 10), ("CORRECTED", 6)):
        _closed(org, county_prosecutor, department_head, opinion, days, of_rule=target)
    alert_on(case_of(org), of_rule=target)  # still pending
    proposed = alert_on(case_of(org), of_rule=target, status=AlertStatus.RESOLVED)
    for step in ("SIGN", "VERIFY", "PROPOSE"):
        take(step, proposed, county_prosecutor)  # 属实 proposed but not yet approved: not decided
    other = rule("R-OTHER")
    alert_on(case_of(org), of_rule=other)

    figures = rules_feedback(Alert.objects.all())

    assert figures[target.pk] == RuleFeedback(
        raised=6, confirmed=2, corrected=1, rejected=1, median_days_to_close=5.0
    )
    assert (figures[target.pk].decided, figures[target.pk].precision) == (4, 0.5)
    assert figures[other.pk] == RuleFeedback(raised=1)
    assert figures[other.pk].precision is None


def test_a_reopened_alert_is_no_longer_decided(org, county_prosecutor, department_head) -> None:
    alert = _closed(org, county_prosecutor, department_head, "TRUE", 3)
    disposal.alert_reopen(alert=alert, actor=department_head, reason="复查")
    assert rules_feedback(Alert.objects.all())[alert.rule_id] == RuleFeedback(raised=1)


def test_the_feedback_overview_is_for_rule_maintainers_within_their_scope(
    client, org, county_prosecutor, department_head, city_supervisor
) -> None:
    target = rule("R-FB")
    _closed(org, county_prosecutor, department_head, "TRUE", 1, of_rule=target)
    _closed(org, county_prosecutor, department_head, "UNFOUNDED", 3, of_rule=target)
    client.force_login(county_prosecutor)
    assert client.get(reverse("risk:rule_feedback")).status_code == 403

    client.force_login(city_supervisor)
    html = client.get(reverse("risk:rule_feedback")).content.decode()
    row = re.search(r"<tr>\s*<td><a[^>]*>R-FB</a></td>(.*?)</tr>", html, re.S)
    assert row is not None
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells == ["测试规则", "提示", "2", "1", "0", "1", "2", "50%", "2.0"]

    # A maintainer of another city sees none of these alerts.
    other: Any = UserFactory(username="other_cm")
    grant(other, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.other_city)
    client.force_login(other)
    html = client.get(reverse("risk:rule_feedback")).content.decode()
    row = re.search(r"<tr>\s*<td><a[^>]*>R-FB</a></td>(.*?)</tr>", html, re.S)
    assert row is not None
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells == ["测试规则", "提示", "0", "0", "0", "0", "0", "—", "—"]


def test_the_rule_page_shows_its_feedback(client, org, county_prosecutor, department_head) -> None:
    target = rule("R-FB", level=AlertLevel.WARNING)
    _closed(org, county_prosecutor, department_head, "TRUE", 2, of_rule=target, level=AlertLevel.WARNING)
    client.force_login(county_prosecutor)
    html = client.get(reverse("risk:rule_detail", args=["R-FB"])).content.decode()
    card = re.search(r'data-testid="rule-feedback">(.*?)</table>', html, re.S)
    assert card is not None
    values = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", card.group(1), re.S)]
    assert values == ["1", "1", "0", "0", "1", "100%", "2.0"]


def test_the_rule_list_links_the_feedback_for_rule_maintainers_only(
    client, county_prosecutor, city_supervisor
) -> None:
    link = f'href="{reverse("risk:rule_feedback")}"'
    client.force_login(city_supervisor)
    assert link in client.get(reverse("risk:rule_list")).content.decode()
    client.force_login(county_prosecutor)
    assert link not in client.get(reverse("risk:rule_list")).content.decode()
