"""The record-link kind (GX05, R-3G-01): one finding per record, in its reporting unit, hidden from
its intervener, titled by the record number only; and the detection run after a record is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lianjian.common.sealing import person_tags
from lianjian.interference.kinds.record_link import CLUE_RULE, GX05_RULE, fingerprint, record_detect
from lianjian.interference.services import record_correct
from lianjian.interference.tests.builders import (
    CASE_NO,
    SECRET_CONTENT,
    SECRET_NAME,
    linked_case,
    make_record,
    record_input,
)
from lianjian.risk.choices import AlertStatus
from lianjian.risk.kinds import KINDS
from lianjian.risk.kinds.base import ScanContext
from lianjian.risk.models import Alert, ScanRun
from lianjian.risk.services import risk_catalogue_install

pytestmark = pytest.mark.django_db


def _detect(params: dict, **scope) -> list:
    kind = KINDS["record_link"]
    ctx = ScanContext(as_of=timezone.now() + timedelta(minutes=1), **scope)
    return sorted(kind.detect(ctx, kind.parse_params(params)), key=lambda f: f.fingerprint)


def test_a_linked_record_is_found_in_its_reporting_unit_titled_by_number_only(org) -> None:
    linked_case(org)
    linked = make_record(org.prosecutor, case_no=CASE_NO, report_unit_code="620100")
    make_record(org.prosecutor)  # not linked

    [finding] = _detect({"linked_only": True})

    assert finding.fingerprint == fingerprint(linked.pk)
    assert finding.unit_id == org.city.pk  # skip-level: the superior unit is alerted
    assert finding.case_no == CASE_NO and finding.case_id is None
    assert finding.title == f"案件关联“三个规定”记录（编号 {linked.no}）"
    assert set(finding.hidden_from) == set(person_tags(name=SECRET_NAME))
    shown = repr(finding)
    assert SECRET_NAME not in shown and SECRET_CONTENT not in shown and "何平" not in shown


def test_clue_categories_are_found_with_their_own_code(org) -> None:
    rc05 = make_record(org.prosecutor, subject_type="PARTY", category="RC-05", violation_codes=[])
    make_record(org.prosecutor, category="RC-02", violation_codes=[])
    rc06 = make_record(org.prosecutor)

    found = _detect({"categories": ["RC-05", "RC-06"]})

    assert [(f.fingerprint, f.codes) for f in found] == [
        (fingerprint(rc05.pk), ("RC-05",)),
        (fingerprint(rc06.pk), ("RC-06",)),
    ]
    assert found[0].title == f"“三个规定”记录提示廉政风险线索（编号 {rc05.no}）"


def test_an_incremental_scan_reads_only_the_records_of_its_cases(org) -> None:
    linked_case(org)
    linked = make_record(org.prosecutor, case_no=CASE_NO)
    free = make_record(org.prosecutor)

    assert [f.fingerprint for f in _detect({}, case_nos=frozenset({CASE_NO}))] == [fingerprint(linked.pk)]
    assert [f.fingerprint for f in _detect({}, case_nos=frozenset({""}))] == [fingerprint(free.pk)]
    assert _detect({}, unit_ids=frozenset({org.other_county.pk})) == []


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        KINDS["record_link"].parse_params({"categories": ["RC-09"]})
    with pytest.raises(ValueError):
        KINDS["record_link"].parse_params({"linked": True})


def test_writing_a_record_raises_its_alerts_at_once_without_moving_the_watermark(
    org, django_capture_on_commit_callbacks
) -> None:
    risk_catalogue_install()
    linked_case(org)
    with django_capture_on_commit_callbacks(execute=True):
        record = make_record(org.prosecutor, case_no=CASE_NO)

    alerts = {a.rule.code: a for a in Alert.objects.select_related("rule")}
    assert set(alerts) == {GX05_RULE, CLUE_RULE}
    gx05 = alerts[GX05_RULE]
    assert (gx05.fingerprint, gx05.case_no, gx05.case_id, gx05.unit_id) == (
        fingerprint(record.pk),
        CASE_NO,
        None,
        org.county.pk,
    )
    assert gx05.audience == "interference.supervise" and gx05.subject_staff_id is None
    assert gx05.hidden_from_key == "|" + "|".join(person_tags(name=SECRET_NAME)) + "|"
    assert gx05.risk_codes == ["GX05"] and alerts[CLUE_RULE].risk_codes == ["RC-06"]
    assert list(ScanRun.objects.values_list("watermark", "mode")) == [(0, "INCREMENTAL")]

    # A correction that drops the link and the clue category resolves both alerts.
    with django_capture_on_commit_callbacks(execute=True):
        record_correct(
            record=record,
            recorder=org.prosecutor,
            data=record_input(category="RC-02", violation_codes=[]),
            reason="分类有误",
            actor=None,
        )
    assert set(Alert.objects.values_list("status", flat=True)) == {AlertStatus.RESOLVED}


def test_a_failing_detection_never_loses_the_record(
    org, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    def broken(**kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr("lianjian.risk.engine.scan_run", broken)
    with django_capture_on_commit_callbacks(execute=True):
        record = make_record(org.prosecutor)
    assert record.pk and Alert.objects.count() == 0
    record_detect(record.pk + 1000)  # an absent record: nothing, no error


def test_lianjian_init_installs_the_rules(org) -> None:
    from lianjian.risk.models import Rule

    risk_catalogue_install()
    rules = {r.code: r for r in Rule.objects.filter(code__in=[GX05_RULE, CLUE_RULE])}
    assert rules[GX05_RULE].recipients == ["INSPECTION"]
    assert rules[CLUE_RULE].audience == "interference.supervise"
    assert rules[CLUE_RULE].params == {"categories": ["RC-05", "RC-06"]}


def test_the_alert_page_sentence_names_the_number_only(org) -> None:
    from lianjian.risk.explain import alert_explanation

    record = make_record(org.prosecutor, report_unit_code="620100")
    [finding] = _detect({"categories": ["RC-06"]})
    text = alert_explanation(kind="record_link", evidence=finding.evidence, title="t")
    assert text == (
        f"“三个规定”记录 {record.no}（越级报告至本院）的填报分类为 RC-06，"
        "作为廉政风险线索推送检务督察（R-3G-01）。"
    )
    assert alert_explanation(kind="record_link", evidence={}, title="t") == "t"


def test_one_records_check_leaves_the_other_records_and_their_alerts_alone(
    org, django_capture_on_commit_callbacks
) -> None:
    """The check after a write reads and touches that record's findings only: its rows read do
    not grow with the register, and the other records' open alerts are not seen again."""
    risk_catalogue_install()
    with django_capture_on_commit_callbacks(execute=True):
        first = make_record(org.prosecutor)  # RC-06, no case: an R-3G-01 alert on case_no ""
    seen = Alert.objects.get(fingerprint=fingerprint(first.pk)).last_seen_at
    for _ in range(3):
        make_record(org.prosecutor)  # without their checks: open findings the check must not read

    with django_capture_on_commit_callbacks(execute=True):
        latest = make_record(org.prosecutor)

    run = ScanRun.objects.latest("pk")
    assert {r.rule.code: r.found for r in run.results.select_related("rule")} == {
        GX05_RULE: 0,
        CLUE_RULE: 1,
    }
    assert Alert.objects.get(fingerprint=fingerprint(first.pk)).last_seen_at == seen
    assert set(Alert.objects.values_list("fingerprint", flat=True)) == {
        fingerprint(first.pk),
        fingerprint(latest.pk),
    }


def test_a_findings_limit_needs_the_cases_it_narrows() -> None:
    from lianjian.risk.engine import scan_run

    with pytest.raises(ValueError, match="case_nos"):
        scan_run(rules=[CLUE_RULE], fingerprints={"record:1"})
