"""`lianjian alerts` (DATA_CONTRACT.md §4): the contract's fields, the filters and bad input."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lianjian.risk.choices import AlertStatus, DisposalState, DisposalStepKind
from lianjian.risk.tests.workflow import alert_on, case_of, rule, take

pytestmark = pytest.mark.django_db


def alerts_json(**options: object) -> list[dict[str, object]]:
    out = StringIO()
    call_command("alerts", json=True, stdout=out, **options)
    return json.loads(out.getvalue())


def test_json_carries_the_contract_fields_and_the_disposal_state(org, county_prosecutor):
    first = alert_on(case_of(org))
    about_person = alert_on(None, subject=org.colleague, of_rule=rule("R-PERSON"))
    take(DisposalStepKind.SIGN, first, county_prosecutor)

    rows = {row["id"]: row for row in alerts_json()}

    assert set(rows) == {first.pk, about_person.pk}
    row = rows[first.pk]
    contract = {"id", "risk_codes", "rule", "level", "case_no", "subject_staff", "status", "raised_at"}
    contract.add("evidence")
    assert set(contract) <= set(row)
    assert row["risk_codes"] == ["GX01"]
    assert row["case_no"] == first.case_no
    assert row["disposal_state"] == DisposalState.SIGNED
    assert rows[about_person.pk]["case_no"] is None
    assert rows[about_person.pk]["subject_staff"] == org.colleague.staff_no
    assert rows[about_person.pk]["disposal_state"] == DisposalState.PENDING


def test_filters_by_case_rule_and_status(org):
    kept = alert_on(case_of(org), of_rule=rule("R-KEPT"))
    alert_on(case_of(org), of_rule=rule("R-OTHER"), status=AlertStatus.RESOLVED)

    assert [row["id"] for row in alerts_json(case=kept.case_no)] == [kept.pk]
    assert [row["id"] for row in alerts_json(rule="R-KEPT")] == [kept.pk]
    assert [row["id"] for row in alerts_json(status="open")] == [kept.pk]


def test_text_output_counts_the_alerts(org):
    alert_on(case_of(org))
    out = StringIO()
    call_command("alerts", stdout=out)
    text = out.getvalue()
    assert "待签收" in text
    assert "共 1 条预警" in text


def test_a_bad_status_is_refused_in_chinese():
    with pytest.raises(CommandError, match="状态 NOPE 无效"):
        call_command("alerts", status="NOPE", stdout=StringIO())
