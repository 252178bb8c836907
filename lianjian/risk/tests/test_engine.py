"""The engine: alerts upserted on (rule, fingerprint), reruns, resolution, incremental scans,
a failing rule isolated, back-tests writing nothing, the catalogue installed once."""

from __future__ import annotations

from datetime import datetime

import pytest

from lianjian.audit.models import AuditEvent
from lianjian.risk.catalogue.rules import standard_rules
from lianjian.risk.choices import AlertStatus, ScanMode, ScanStatus
from lianjian.risk.engine import RuleParamsError, scan_backtest, scan_run
from lianjian.risk.kinds import KINDS
from lianjian.risk.models import Alert, RiskPoint, Rule, RuleRevision, ScanRuleResult, ScanRun
from lianjian.risk.services import CatalogueError, risk_catalogue_install, rule_change
from lianjian.risk.tests.builders import assigned, case_no, ev, load, organisation, received

pytestmark = pytest.mark.django_db

AS_OF = datetime.fromisoformat("2026-06-30T18:00:00+08:00")


@pytest.fixture
def installed() -> None:
    risk_catalogue_install()


def directive_case() -> tuple[str, list[str]]:
    case = case_no()
    return case, [
        received(case, "2026-03-02"),
        assigned(case, "2026-03-02"),
        ev(case, "SUPERIOR_DIRECTIVE", "2026-03-05", {"kind": "CORRECT"}),
    ]


def test_the_catalogue_installs_once_and_every_rule_fits_its_kind(installed: None) -> None:
    rules = Rule.objects.count()
    points = RiskPoint.objects.count()

    again = risk_catalogue_install()

    assert (again.points_created, again.rules_created) == (0, 0)
    assert rules == len(standard_rules()) and Rule.objects.count() == rules  # with the extensions
    assert points == RiskPoint.objects.count()
    assert RuleRevision.objects.filter(version=1).count() == rules
    for rule in Rule.objects.all():
        KINDS[rule.kind].parse_params(rule.params)  # raises if a standard rule does not fit


def test_a_rerun_creates_nothing_new(installed: None) -> None:
    case, lines = directive_case()
    load(organisation(*lines))

    first = scan_run(full=True, as_of=AS_OF)
    second = scan_run(full=True, as_of=AS_OF)

    alert = Alert.objects.get(rule__code="R-GX01")
    assert (alert.case_no, alert.risk_codes, alert.codes_key, alert.status) == (
        case,
        ["GX01"],
        "|GX01|",
        "OPEN",
    )
    by_rule = {o.rule: o for o in second.outcomes}
    assert {o.rule: o.new for o in first.outcomes}["R-GX01"] == 1
    assert (by_rule["R-GX01"].new, by_rule["R-GX01"].still_open) == (0, 1)
    assert Alert.objects.filter(rule__code="R-GX01").count() == 1
    assert ScanRuleResult.objects.filter(run_id=second.run_id).count() == Rule.objects.count()


def test_an_alert_no_longer_found_is_resolved_and_found_again_reopens(installed: None) -> None:
    _case, lines = directive_case()
    load(organisation(*lines))
    scan_run(full=True, as_of=AS_OF)
    rule = Rule.objects.get(code="R-GX01")
    rule_change(rule=rule, actor=None, reason="试验", params={"events": [{"type": "SENSITIVE"}], "lines": []})

    gone = scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])
    rule_change(
        rule=rule, actor=None, reason="恢复", params={"events": [{"type": "SUPERIOR_DIRECTIVE"}], "lines": []}
    )
    back = scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])

    assert (gone.outcomes[0].resolved, back.outcomes[0].new) == (1, 1)
    alert = Alert.objects.get(rule=rule)
    assert (alert.status, alert.resolved_at) == (AlertStatus.OPEN, None)
    assert list(RuleRevision.objects.filter(rule=rule).values_list("version", flat=True)) == [1, 2, 3]


def test_department_rates_are_left_to_full_scans(installed: None) -> None:
    _first, lines = directive_case()
    load(organisation(*lines))
    full = scan_run(full=True, as_of=AS_OF)
    _second, more = directive_case()
    load(more)

    incremental = scan_run(as_of=AS_OF)

    peer_rules = set(Rule.objects.filter(kind="peer_outlier").values_list("code", flat=True))
    assert peer_rules and not KINDS["peer_outlier"].incremental
    assert peer_rules <= {o.rule for o in full.outcomes}
    assert incremental.mode == ScanMode.INCREMENTAL
    assert not peer_rules & {o.rule for o in incremental.outcomes}
    assert "R-GX01" in {o.rule for o in incremental.outcomes}


def test_a_finding_found_again_keeps_the_level_its_alert_had_reached(installed: None) -> None:
    _case, lines = directive_case()
    load(organisation(*lines))
    scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])
    rule = Rule.objects.get(code="R-GX01")
    Alert.objects.filter(rule=rule).update(level="SUPERVISED")  # escalated for an overdue step
    rule_change(rule=rule, actor=None, reason="试验", params={"events": [{"type": "SENSITIVE"}], "lines": []})
    scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])
    rule_change(
        rule=rule, actor=None, reason="恢复", params={"events": [{"type": "SUPERIOR_DIRECTIVE"}], "lines": []}
    )

    scan_run(full=True, as_of=AS_OF, rules=["R-GX01"])

    alert = Alert.objects.get(rule=rule)
    assert rule.level != "SUPERVISED"
    assert (alert.status, alert.level) == (AlertStatus.OPEN, "SUPERVISED")


def test_incremental_scans_look_only_at_changed_cases(installed: None) -> None:
    first, lines = directive_case()
    load(organisation(*lines))
    scan_run(full=True, as_of=AS_OF)
    second, more = directive_case()
    load(more)

    report = scan_run(as_of=AS_OF)
    nothing = scan_run(as_of=AS_OF)

    run = ScanRun.objects.get(pk=int(report.run_id or 0))
    assert (run.mode, run.case_count) == (ScanMode.INCREMENTAL, 1)
    assert {o.rule: (o.found, o.new) for o in report.outcomes}["R-GX01"] == (1, 1)
    assert sorted(Alert.objects.filter(rule__code="R-GX01").values_list("case_no", flat=True)) == sorted(
        [first, second]
    )
    assert (nothing.case_count, nothing.outcomes) == (0, [])


def test_a_scan_of_some_rules_leaves_the_new_events_to_the_next_scan_of_all(installed: None) -> None:
    _first, lines = directive_case()
    load(organisation(*lines))
    full = scan_run(full=True, as_of=AS_OF)
    second, more = directive_case()
    load(more)

    some = scan_run(as_of=AS_OF, rules=["R-GX01"])
    again = scan_run(as_of=AS_OF, rules=["R-GX01"], full=True)
    every = scan_run(as_of=AS_OF)

    watermarks = dict(ScanRun.objects.values_list("pk", "watermark"))
    kept = watermarks[int(full.run_id or 0)]
    assert watermarks[int(some.run_id or 0)] == watermarks[int(again.run_id or 0)] == kept
    run = ScanRun.objects.get(pk=int(every.run_id or 0))
    assert (run.mode, run.case_count, run.since_watermark) == (ScanMode.INCREMENTAL, 1, kept)
    assert run.watermark > kept
    assert len({o.rule for o in every.outcomes}) > 1
    assert Alert.objects.filter(rule__code="R-GX01", case_no=second).count() == 1


def test_a_failing_rule_is_recorded_and_the_others_still_run(installed: None) -> None:
    _case, lines = directive_case()
    load(organisation(*lines))
    Rule.objects.filter(code="R-GX10").update(params={"events": "broken"})

    report = scan_run(full=True, as_of=AS_OF)

    failed = {o.rule: o.error for o in report.failed}
    assert list(failed) == ["R-GX10"] and "参数无效" in failed["R-GX10"]
    assert ScanRun.objects.get(pk=int(report.run_id or 0)).status == ScanStatus.PARTIAL
    assert Alert.objects.filter(rule__code="R-GX01").count() == 1
    assert ScanRuleResult.objects.get(run_id=report.run_id, rule__code="R-GX10").error == failed["R-GX10"]


def test_a_backtest_writes_nothing(installed: None) -> None:
    _case, lines = directive_case()
    sensitive = case_no()
    load(
        organisation(
            *lines,
            received(sensitive, "2026-03-02"),
            ev(sensitive, "SENSITIVE", "2026-03-03", {"kind": "PUBLIC_OPINION"}),
        )
    )
    rule = Rule.objects.get(code="R-GX01")
    counts = (
        Alert.objects.count(),
        ScanRun.objects.count(),
        AuditEvent.objects.count(),
        RuleRevision.objects.count(),
    )

    result = scan_backtest(rule=rule, params={"events": [{"type": "SENSITIVE"}], "lines": []}, as_of=AS_OF)

    assert (len(result.current), len(result.proposed), result.new, len(result.gone)) == (1, 1, [sensitive], 1)
    assert counts == (
        Alert.objects.count(),
        ScanRun.objects.count(),
        AuditEvent.objects.count(),
        RuleRevision.objects.count(),
    )
    with pytest.raises(RuleParamsError):
        scan_backtest(rule=rule, params={"events": []}, as_of=AS_OF)


def test_a_rule_change_with_bad_parameters_changes_nothing(installed: None) -> None:
    rule = Rule.objects.get(code="R-GX01")
    audits = AuditEvent.objects.count()

    with pytest.raises(RuleParamsError):
        rule_change(rule=rule, actor=None, reason="错", params={"events": [{"type": "bad type"}]})
    with pytest.raises(CatalogueError):
        rule_change(rule=rule, actor=None, reason="", level="WARNING")

    rule.refresh_from_db()
    assert (rule.version, rule.params["events"], AuditEvent.objects.count()) == (
        1,
        [{"type": "SUPERIOR_DIRECTIVE", "where": []}],
        audits,
    )


def test_a_due_soon_warning_resolves_when_the_stage_closes_in_time_and_an_overdue_alert_stays(
    installed: None,
) -> None:
    soon, late = case_no(), case_no()
    decided = {"decision": "PROSECUTE", "by": "A100", "level": "PROSECUTOR"}
    load(
        organisation(
            received(soon, "2026-05-29", detained=True),  # last day 2026-06-29
            received(late, "2026-05-04", detained=True),  # last day 2026-06-04
        )
    )
    scan_run(
        full=True, as_of=datetime.fromisoformat("2026-06-26T18:00:00+08:00"), rules=["R-GX08-PROSECUTION"]
    )
    load([ev(soon, "DECIDED", "2026-06-29", decided), ev(late, "DECIDED", "2026-06-29", decided)])

    scan_run(as_of=AS_OF, rules=["R-GX08-PROSECUTION"])

    alerts = {
        (a.case_no, a.fingerprint.rsplit(":", 1)[1]): (a.status, a.level)
        for a in Alert.objects.filter(rule__code="R-GX08-PROSECUTION")
    }
    assert alerts == {
        (soon, "WARNING"): (AlertStatus.RESOLVED, "NOTICE"),
        (late, "OVERDUE"): (AlertStatus.OPEN, "WARNING"),
    }
