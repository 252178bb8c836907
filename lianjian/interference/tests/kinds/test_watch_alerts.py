"""The compliance watch in the engine: `lianjian init` installs the rules, a scan raises their
alerts, and only 纪检监察 in scope sees them — never the people a recorder recorded."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from lianjian.cases.models import CaseLawyer
from lianjian.interference.kinds.watch import RULES
from lianjian.interference.tests.builders import make_record, persona
from lianjian.interference.tests.kinds.helpers import AS_OF, at, cases_for, change, contact, detect
from lianjian.org.tests.factories import LawyerFactory, StaffFactory
from lianjian.risk.catalogue.rules import standard_rules
from lianjian.risk.engine import scan_run
from lianjian.risk.models import Alert, Rule
from lianjian.risk.routing import resolve_recipients
from lianjian.risk.selectors import alerts_visible_to
from lianjian.risk.services import STANDARD_POINTS, risk_catalogue_install

pytestmark = pytest.mark.django_db
CODES = ["R-3G-02", "R-3G-03", "R-3G-04", "R-3G-RETALIATION"]


def test_the_rules_are_registered_and_their_codes_are_points() -> None:
    points = {p["code"] for p in json.loads(STANDARD_POINTS.read_text(encoding="utf-8"))}
    registered = {spec.code: spec for spec in standard_rules()}
    for rule in RULES:
        assert registered[rule.code] is rule
        assert set(rule.risk_codes) <= points, rule.code
        assert rule.audience == "clue.handle" and rule.recipients == ("DISCIPLINE",)


def _situation(org):
    """One finding of each rule in the county."""
    cases = cases_for(org.prosecutor, 31, assigned=at("2026-05-10 09:00"))  # R-3G-02
    contact(cases[0], org.prosecutor, at("2026-06-01 21:00"), in_hours=False)  # R-3G-03
    former = StaffFactory(staff_no="F900", name="原检察官", department=org.criminal, left_on=date(2024, 1, 1))
    lawyer = LawyerFactory(former_staff=former)
    CaseLawyer.objects.create(
        case=cases[1],
        unit=org.county,
        lawyer=lawyer,
        license_no=lawyer.license_no,
        firm_id=lawyer.firm.firm_id,
        role="DEFENDER",
        engaged_at=at("2026-05-20 10:00"),
    )  # R-3G-04
    intervener = StaffFactory(staff_no="DI02", name="蒋副", department=org.criminal, position="OTHER")
    make_record(
        org.colleague,
        now=at("2026-02-01 10:00"),
        occurred_at=at("2026-01-31 10:00"),
        subject_name="蒋副",
        subject_staff_no="DI02",
        subject_type="INTERNAL_OWN",
        violation_codes=["IN-VIO-01"],
    )
    change(org.colleague, "TRANSFER", "2026-04-01")  # retaliation
    return intervener


def test_init_installs_the_rules_and_a_scan_raises_alerts_for_discipline_only(
    org, discipline_inspector, city_supervisor, county_prosecutor, department_head, outsider, system_admin
) -> None:
    intervener = persona("intervener", _situation(org), "DISCIPLINE", "UNIT", unit=org.county)
    other_discipline = persona(
        "discipline_b",
        StaffFactory(staff_no="DI09", name="纪远", department=org.criminal_b),
        "DISCIPLINE",
        "UNIT",
        unit=org.county_b,
    )
    risk_catalogue_install()
    assert set(Rule.objects.filter(code__in=CODES).values_list("code", flat=True)) == set(CODES)
    report = scan_run(as_of=AS_OF, full=True, rules=CODES)
    assert not [o for o in report.outcomes if o.error], report.outcomes
    alerts = {a.rule.code: a for a in Alert.objects.select_related("rule")}
    assert set(alerts) == set(CODES)
    assert all(a.audience == "clue.handle" for a in alerts.values())
    retaliation = alerts["R-3G-RETALIATION"]
    assert retaliation.subject_staff_id == org.colleague.pk and retaliation.hidden_from_key
    assert "蒋副" not in retaliation.title
    assert set(alerts_visible_to(discipline_inspector)) == set(alerts.values())
    assert set(alerts_visible_to(intervener)) == set(alerts.values()) - {retaliation}
    # Notifications follow the same test: the intervener is not among the recipients.
    recipients = {u.pk for u in resolve_recipients(retaliation)}
    assert discipline_inspector.pk in recipients and intervener.pk not in recipients
    assert intervener.pk in {u.pk for u in resolve_recipients(alerts["R-3G-02"])}
    for user in (
        city_supervisor,
        county_prosecutor,
        department_head,
        outsider,
        system_admin,
        other_discipline,
    ):
        assert not alerts_visible_to(user).filter(rule__code__in=CODES).exists(), user.username


def test_r_3g_04_only_the_former_unit(org) -> None:
    rule = next(r for r in RULES if r.code == "R-3G-04")
    [here] = cases_for(org.prosecutor, 1, assigned=at("2026-05-10 09:00"))
    [there] = cases_for(org.county_b_prosecutor, 1, assigned=at("2026-05-10 09:00"))
    former = StaffFactory(
        staff_no="F901", name="原检察官乙", department=org.criminal, left_on=date(2025, 9, 1)
    )
    lawyer: Any = LawyerFactory(former_staff=former)
    for case in (here, there):
        CaseLawyer.objects.create(
            case=case,
            unit=case.unit,
            lawyer=lawyer,
            license_no=lawyer.license_no,
            role="DEFENDER",
            engaged_at=at("2026-05-20 10:00"),
        )
    # Within two years of leaving, the other county's case is R-GX07-FORMER-STAFF's, not R-3G-04's.
    assert [f.case_no for f in detect("conflict", rule.params)] == [here.case_no]


def test_a_back_test_of_a_watch_rule_is_refused_outside_its_audience(client, org) -> None:
    """Rule maintainers (案管, 院领导) may back-test rules, but not one whose alerts only 纪检监察
    sees: they could be among those it watches (risk/views.py _check_audience). The refusal names
    no one; for audience holders the back-test shows counts only (``restricted``)."""
    from lianjian.accounts.tests.factories import UserFactory, grant

    _situation(org)
    risk_catalogue_install()
    manager: Any = UserFactory(username="province_cm", display_name="省案管")
    grant(manager, "CASE_MANAGEMENT", "UNIT_AND_BELOW", unit=org.province)
    client.force_login(manager)
    response = client.post(
        reverse("risk:rule_backtest", args=["R-3G-RETALIATION"]),
        {"params": json.dumps({"changes": ["DEMOTE"], "window_months": 12})},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert org.colleague.staff_no not in html and org.colleague.name not in html


def test_each_watch_kind_explains_its_alert_from_its_evidence(org) -> None:
    from lianjian.risk.explain import EXPLAINERS, alert_explanation

    _situation(org)
    assert {"zero_records", "unreported_contact", "retaliation"} <= set(EXPLAINERS)
    texts = {}
    for kind in ("zero_records", "unreported_contact", "retaliation"):
        [finding] = detect(kind, next(r for r in RULES if r.kind == kind).params)
        texts[kind] = alert_explanation(kind=kind, evidence=finding.evidence, title="标题")
    assert "连续 6 个月" in texts["zero_records"] and "31 件" in texts["zero_records"]
    assert "2026-06-01 21:00" in texts["unreported_contact"] and "非工作时间" in texts["unreported_contact"]
    assert "2026-04-01" in texts["retaliation"] and "调动" in texts["retaliation"]
    assert "蒋副" not in texts["retaliation"]
    assert alert_explanation(kind="retaliation", evidence={"odd": 1}, title="标题") == "标题"


def test_the_audience_back_tests_by_counts_only(client, org) -> None:
    """检务督察 maintaining the standard library back-test the register's clue rule: counts, never
    the fingerprints (they name records and recorders)."""
    from lianjian.accounts.tests.factories import UserFactory, grant
    from lianjian.interference.tests.builders import make_record

    risk_catalogue_install()
    record = make_record(org.prosecutor, category="RC-06")
    inspector: Any = UserFactory(username="province_inspector")
    grant(inspector, "INSPECTION", "UNIT_AND_BELOW", unit=org.province)
    client.force_login(inspector)
    response = client.post(
        reverse("risk:rule_backtest", args=["R-3G-01-CLUE"]),
        {"params": json.dumps({"categories": ["RC-05"]})},  # the RC-06 record is "gone"
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200, html[:500]
    assert 'data-testid="backtest-restricted"' in html
    assert 'data-testid="backtest-gone">1<' in html
    assert record.no not in html and f"record:{record.pk}" not in html
