"""`lianjian generate`: deterministic, streaming, in the contract, with its ground truth."""

from __future__ import annotations

import io
import itertools
import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lianjian.cases.projection import EventView, fold
from lianjian.ingest.generator import calendar as cal
from lianjian.ingest.generator.cases import build_case
from lianjian.ingest.generator.org import USCC_CHARS, USCC_WEIGHTS
from lianjian.ingest.generator.situations import CANONICAL_CODES, Schedule
from lianjian.ingest.generator.timeline import AS_OF
from lianjian.ingest.generator.writer import Generator, GeneratorConfig, RunSummary, write_stream
from lianjian.ingest.tests.generator_support import Run, contract_problems, run_generator


@pytest.fixture(scope="module")
def risky(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """2,000 cases with a risk rate of 0.2: every situation and look-alike of the cycles."""
    return run_generator(tmp_path_factory.mktemp("risky"), cases=2000, seed=11, risk_rate=0.2)


def when(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


def day(event: dict[str, Any]) -> date:
    return date.fromisoformat(event["occurred_at"][:10])


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = run_generator(tmp_path, cases=400, seed=5, risk_rate=0.1)
    second = run_generator(tmp_path, cases=400, seed=5, risk_rate=0.1)

    assert first.data == second.data
    assert first.truth_bytes == second.truth_bytes


def test_different_seeds_differ(tmp_path: Path) -> None:
    first = run_generator(tmp_path, cases=200, seed=5)
    second = run_generator(tmp_path, cases=200, seed=6)

    assert first.data != second.data
    assert [r["name"] for r in first.records["staff"]] != [r["name"] for r in second.records["staff"]]


def test_a_case_depends_only_on_seed_and_index() -> None:
    generator = Generator(GeneratorConfig(cases=3000, seed=9, risk_rate=0.1))

    forward = [build_case(generator.org, generator.schedule, 9, index) for index in range(2990, 3000)]
    backward = [
        build_case(generator.org, generator.schedule, 9, index) for index in reversed(range(2990, 3000))
    ]

    assert forward == list(reversed(backward))


def test_reference_records_come_first_in_dependency_order(risky: Run) -> None:
    kinds = [json.loads(line)["record"] for line in risky.data.decode("utf-8").splitlines()]
    order = list(dict.fromkeys(kinds))

    assert order == ["unit", "department", "staff", "staff_change", "lawyer", "relation", "power", "event"]


def test_events_follow_the_contract(risky: Run) -> None:
    assert contract_problems(risky) == []
    assert len(risky.cases) == 2000


def test_events_on_working_days_in_office_hours_before_as_of(risky: Run) -> None:
    outside = []
    for events in risky.cases.values():
        for event in events:
            moment = when(event)
            assert moment <= AS_OF
            assert cal.is_workday(cal.ordinal(moment.date())), event
            in_hours = "08:30" <= event["occurred_at"][11:16] <= "18:00"
            if not in_hours:
                outside.append(event)
    assert outside
    assert {event["type"] for event in outside} == {"CONTACT"}


def test_units_are_real_divisions_of_gansu(risky: Run) -> None:
    units = {r["code"]: r for r in risky.records["unit"]}

    assert units["620000"] == {
        "record": "unit",
        "code": "620000",
        "name": "甘肃省人民检察院",
        "level": "PROVINCE",
        "parent": None,
    }
    assert units["620100"]["name"] == "兰州市人民检察院"
    assert units["620102"]["name"] == "兰州市城关区人民检察院"
    assert units["620102"]["parent"] == "620100"
    assert len(units) == 5  # 2,000 cases: two counties and their cities


def test_the_organisation_grows_with_the_case_count() -> None:
    small = Generator(GeneratorConfig(cases=300)).org
    large = Generator(GeneratorConfig(cases=1_000_000, risk_rate=0.0)).org

    assert Counter(unit.level for unit in small.units) == {"PROVINCE": 1, "CITY": 2, "COUNTY": 2}
    assert Counter(unit.level for unit in large.units) == {"PROVINCE": 1, "CITY": 14, "COUNTY": 87}
    synthetic = Generator(GeneratorConfig(cases=1_000_000, risk_rate=0.0, province="430000")).org
    assert Counter(unit.level for unit in synthetic.units) == {"PROVINCE": 1, "CITY": 14, "COUNTY": 135}
    assert synthetic.units[0].name == "湖南省"


def test_staff_have_post_histories_and_some_former_staff_practise_law(risky: Run) -> None:
    changes = Counter(r["change"] for r in risky.records["staff_change"])
    staff = {r["id"]: r for r in risky.records["staff"]}
    former_lawyers = [r for r in risky.records["lawyer"] if r["former_staff"]]

    assert {"JOIN", "TRANSFER", "PROMOTE", "LEAVE"} <= set(changes)
    assert changes["JOIN"] == len(staff)
    assert former_lawyers
    assert all(staff[r["former_staff"]]["left_on"] for r in former_lawyers)
    assert {r["other_kind"] for r in risky.records["relation"]} >= {"LAWYER", "PERSON"}


def test_firm_ids_are_valid_unified_social_credit_codes(risky: Run) -> None:
    firm_ids = {r["firm_id"] for r in risky.records["lawyer"]}

    for firm_id in firm_ids:
        assert len(firm_id) == 18 and firm_id.startswith("31")
        total = sum(USCC_CHARS.index(c) * w for c, w in zip(firm_id[:17], USCC_WEIGHTS, strict=True))
        assert USCC_CHARS[(31 - total % 31) % 31] == firm_id[17]
    assert all(len(r["id"]) == 17 and r["id"].isdigit() for r in risky.records["lawyer"])


def test_power_list_is_the_province_standard_with_local_lines(risky: Run) -> None:
    powers = risky.records["power"]
    by_unit = Counter(r["unit"] for r in powers)

    assert by_unit["620000"] == 16
    assert len(by_unit) > 1
    assert all(r.get("kind") in (None, "STATUTORY", "CONDITIONAL", "DISCRETIONARY") for r in powers)


def test_every_canonical_code_is_in_the_ground_truth(risky: Run) -> None:
    raised = {line["risk_code"] for line in risky.truth if line["kind"] == "must_raise"}

    assert set(CANONICAL_CODES) <= raised
    assert risky.truth[0]["kind"] == "meta"
    assert risky.truth[0]["as_of"] == "2026-06-30T18:00:00+08:00"


def test_look_alikes_are_in_the_ground_truth(risky: Run) -> None:
    not_raised = {line["risk_code"] for line in risky.truth if line["kind"] == "must_not_raise"}

    # Every common, criminal and comprehensive situation has a benign look-alike beside it.
    assert {code for code in CANONICAL_CODES if code[:2] in {"GX", "XS", "ZH"}} <= not_raised
    assert {"MS03", "MS04", "MS05", "XZ07", "GY01", "GY04", "GY10"} <= not_raised


def test_truth_lines_name_a_generated_case_or_prosecutor(risky: Run) -> None:
    staff = {r["id"] for r in risky.records["staff"]}
    for line in risky.truth[1:]:
        assert line["kind"] in {"must_raise", "must_not_raise"}
        if line["subject_staff"]:
            assert line["case_no"] is None and line["subject_staff"] in staff
        else:
            assert line["case_no"] in risky.cases


def _latest_proposal(events: list[dict[str, Any]], decided: dict[str, Any]) -> tuple[str, str | None]:
    proposals = [e for e in events if e["type"] == "PROPOSED" and e["occurred_at"] <= decided["occurred_at"]]
    return proposals[-1]["data"]["decision"], proposals[-1]["data"].get("kind")


def test_gx02_truth_matches_the_events(risky: Run) -> None:
    for kind, differs in (("must_raise", True), ("must_not_raise", False)):
        lines = risky.truth_of(kind, "GX02")
        assert lines
        for line in lines:
            events = risky.cases[line["case_no"]]
            decided = next(e for e in events if e["type"] == "DECIDED" and e["data"]["level"] != "PROSECUTOR")
            proposal = _latest_proposal(events, decided)
            assert (proposal != (decided["data"]["decision"], decided["data"].get("kind"))) is differs


def test_ordinary_decisions_above_the_prosecutor_follow_the_latest_proposal(risky: Run) -> None:
    flagged = {line["case_no"] for line in risky.truth[1:]}
    for case_no, events in risky.cases.items():
        if case_no in flagged:
            continue
        for decided in (e for e in events if e["type"] == "DECIDED" and e["data"]["level"] != "PROSECUTOR"):
            assert _latest_proposal(events, decided) == (
                decided["data"]["decision"],
                decided["data"].get("kind"),
            )


def test_decisions_respect_the_power_list_except_gx03(risky: Run) -> None:
    generator = Generator(GeneratorConfig(cases=2000, seed=11, risk_rate=0.2))
    org = generator.org
    positions = {r["id"]: r["position"] for r in risky.records["staff"]}
    gx03 = {line["case_no"] for line in risky.truth_of("must_raise", "GX03")}
    override = {line["case_no"] for line in risky.truth_of("must_not_raise", "GX03")}
    for case_no, events in risky.cases.items():
        for decided in (e for e in events if e["type"] == "DECIDED"):
            data = decided["data"]
            allowed = org.positions_allowed(
                decided["unit"], data["decision"], data.get("kind", ""), cal.ordinal(day(decided))
            )
            may = positions[data["by"]] in allowed
            assert may is (case_no not in gx03), (case_no, data)
            if case_no in override:
                assert positions[data["by"]] == "DEPT_HEAD"


def test_detained_arrest_reviews_are_decided_within_seven_days(risky: Run) -> None:
    flagged = {line["case_no"] for line in risky.truth[1:]}
    checked = 0
    for case_no, events in risky.cases.items():
        received = events[0]
        if (
            case_no in flagged
            or received["data"]["case_type"] != "ARREST_REVIEW"
            or not received["data"]["detained"]
        ):
            continue
        decided = next((e for e in events if e["type"] == "DECIDED"), None)
        if decided is None:
            continue  # still open at "as of"
        assert (day(decided) - day(received)).days <= 7, case_no
        checked += 1
    assert checked > 50


def test_prosecution_reviews_keep_their_time_limit(risky: Run) -> None:
    flagged = {line["case_no"] for line in risky.truth[1:]}
    checked = 0
    for case_no, events in risky.cases.items():
        if case_no in flagged:
            continue
        start = next((e for e in events if e["data"].get("case_type") == "PROSECUTION_REVIEW"), None)
        decided = [
            e
            for e in events
            if e["type"] == "DECIDED" and e["data"]["decision"] in {"PROSECUTE", "NON_PROSECUTE"}
        ]
        if start is None or not decided:
            continue
        clock = max([day(start)] + [day(e) for e in events if e["type"] == "RESUBMITTED"])
        fast = start["data"]["fast_track"]
        limit = (
            clock + timedelta(days=10) if fast else date.fromordinal(cal.add_months(cal.ordinal(clock), 1))
        )
        if any(e["type"] == "EXTENDED" for e in events):
            limit += timedelta(days=15)
        assert day(decided[0]) <= limit, case_no
        notified = next(
            e for e in events if e["type"] == "RIGHTS_NOTIFIED" and e["occurred_at"] >= start["occurred_at"]
        )
        assert (day(notified) - day(start)).days <= 3
        checked += 1
    assert checked > 500


def test_gx08_look_alikes_sit_on_the_edge_of_the_limit(risky: Run) -> None:
    for line in risky.truth_of("must_not_raise", "GX08"):
        events = risky.cases[line["case_no"]]
        received, decided = events[0], next(e for e in events if e["type"] == "DECIDED")
        elapsed = (day(decided) - day(received)).days
        if "第 7 日" in line["note"]:
            assert received["data"]["detained"] and elapsed == 7
        elif "节假日" in line["note"]:
            nominal = cal.ordinal(day(received)) + 15
            assert not received["data"]["detained"]
            assert not cal.is_workday(nominal)
            assert cal.ordinal(day(decided)) == cal.workday_on_or_after(nominal)
            assert elapsed > 15


def test_gx08_must_raise_cases_are_late_or_open_at_as_of(risky: Run) -> None:
    levels: Counter[str] = Counter()
    for line in risky.truth_of("must_raise", "GX08"):
        events = risky.cases[line["case_no"]]
        level = line.get("level", "LATE")
        levels[level] += 1
        if level == "LATE":
            received, decided = events[0], next(e for e in events if e["type"] == "DECIDED")
            assert received["data"]["detained"] and (day(decided) - day(received)).days > 7
        else:
            assert not any(e["type"] == "DECIDED" for e in events)
            deadline = date.fromisoformat(line["deadline"])
            assert (deadline < AS_OF.date()) is (level == "OVERDUE")
            assert level == "OVERDUE" or (deadline - AS_OF.date()).days <= 4
    assert set(levels) == {"LATE", "OVERDUE", "WARNING"}


def _lawyer_cases(run: Run, prosecutor: str) -> list[tuple[date, str | None]]:
    found = []
    for events in run.cases.values():
        assigned = [e["data"]["prosecutor"] for e in events if e["type"] == "ASSIGNED"]
        if assigned and assigned[-1] == prosecutor:
            lawyer = next((e["data"]["lawyer"] for e in events if e["type"] == "LAWYER_ENGAGED"), None)
            found.append((day(events[0]), lawyer))
    return found


def _max_in_a_year(cases: list[tuple[date, str | None]], lawyer: str) -> int:
    days = sorted(d for d, other in cases if other == lawyer)
    return max(
        (sum(1 for d in days if first <= d < first + timedelta(days=365)) for first in days), default=0
    )


def test_gx06_groups_cross_the_threshold_and_look_alikes_stay_under(risky: Run) -> None:
    for line in risky.truth_of("must_raise", "GX06"):
        cases = _lawyer_cases(risky, line["subject_staff"])
        lawyer, count = Counter(other for _d, other in cases if other).most_common(1)[0]
        assert _max_in_a_year(cases, lawyer) >= 5
        assert count / len(cases) >= 0.3
    for line in risky.truth_of("must_not_raise", "GX06"):
        cases = _lawyer_cases(risky, line["subject_staff"])
        assert all(_max_in_a_year(cases, lawyer) < 5 for _d, lawyer in cases if lawyer)


def test_ordinary_prosecutors_stay_under_the_concentration_threshold(risky: Run) -> None:
    prosecutors = {
        e["data"]["prosecutor"] for events in risky.cases.values() for e in events if e["type"] == "ASSIGNED"
    }
    raised = {line["subject_staff"] for line in risky.truth_of("must_raise", "GX06")}
    for prosecutor in prosecutors - raised:
        cases = _lawyer_cases(risky, prosecutor)
        for lawyer in {other for _d, other in cases if other}:
            assert (
                _max_in_a_year(cases, lawyer) < 5
                or sum(1 for _d, o in cases if o == lawyer) / len(cases) < 0.3
            )


def test_gx07_relations_and_recusals(risky: Run) -> None:
    related = {(r["staff"], r["other"]) for r in risky.records["relation"] if r["other_kind"] == "LAWYER"}
    for kind in ("must_raise", "must_not_raise"):
        for line in risky.truth_of(kind, "GX07"):
            events = risky.cases[line["case_no"]]
            lawyer = next(e["data"]["lawyer"] for e in events if e["type"] == "LAWYER_ENGAGED")
            recused = any(e["type"] == "RECUSAL_DECIDED" and e["data"]["granted"] for e in events)
            first = next(e["data"]["prosecutor"] for e in events if e["type"] == "ASSIGNED")
            if "登记关系" in line["note"]:
                assert (first, lawyer) in related
                assert recused is (kind == "must_not_raise")


def test_xs12_truth(risky: Run) -> None:
    watched = {"故意伤害罪", "危险驾驶罪", "交通肇事罪"}
    for line in risky.truth_of("must_raise", "XS12"):
        events = risky.cases[line["case_no"]]
        assert events[0]["data"]["plea"] and events[0]["data"]["cause"] in watched
        assert any(e["type"] == "DECIDED" and e["data"]["decision"] == "NON_PROSECUTE" for e in events)
    flagged = {line["case_no"] for line in risky.truth_of("must_raise", "XS12")}
    for case_no, events in risky.cases.items():
        lenient = any(e["type"] == "DECIDED" and e["data"]["decision"] == "NON_PROSECUTE" for e in events)
        if lenient and events[0]["data"]["plea"] and events[0]["data"]["cause"] in watched:
            assert case_no in flagged


def _fold(case_no: str, events: list[dict[str, Any]]) -> Any:
    """The case as the importer's projection reads it (corrections applied, unit moves followed)."""
    return fold(
        case_no,
        [
            EventView(e["event_id"], e["type"], when(e), e["unit"], e["actor"] or "", e["data"])
            for e in events
        ],
    )


def _types(events: list[dict[str, Any]]) -> set[str]:
    return {e["type"] for e in events}


def test_gx01_look_alike_is_a_referral_up_without_a_directive(risky: Run) -> None:
    parents = {r["code"]: r["parent"] for r in risky.records["unit"]}
    lines = risky.truth_of("must_not_raise", "GX01")
    assert lines
    for line in lines:
        events = risky.cases[line["case_no"]]
        assert "SUPERIOR_DIRECTIVE" not in _types(events)
        county = events[0]["unit"]
        at = next(i for i, e in enumerate(events) if e["type"] == "JURISDICTION_CHANGED")
        moved = events[at]
        assert moved["unit"] == county and moved["data"]["to_unit"] == parents[county]
        county_review = next(
            e
            for e in events[:at]
            if e["type"] == "RECEIVED" and e["data"]["case_type"] == "PROSECUTION_REVIEW"
        )
        assert (day(moved) - day(county_review)).days <= 5  # 规则第三百二十八条
        superior = events[at + 1 :]
        assert {e["unit"] for e in superior} == {parents[county]}
        received = superior[0]
        assert received["type"] == "RECEIVED" and received["data"]["case_type"] == "PROSECUTION_REVIEW"
        assert [e["data"]["method"] for e in superior if e["type"] == "ASSIGNED"] == ["RANDOM"]
        decided = next(e for e in superior if e["type"] == "DECIDED")
        # The month runs from the superior's receipt (CPL 172), again from a resubmission.
        clock = max(day(e) for e in superior if e["type"] in {"RECEIVED", "RESUBMITTED"})
        limit = cal.add_months(cal.ordinal(clock), 1) + 15 * ("EXTENDED" in _types(superior))
        assert cal.ordinal(day(decided)) <= limit
        assert _fold(line["case_no"], events).unit == parents[county]
    for line in risky.truth_of("must_raise", "GX01"):
        assert "SUPERIOR_DIRECTIVE" in _types(risky.cases[line["case_no"]])


def test_xs05_look_alike_corrects_the_cause_back_to_the_transferred_one(risky: Run) -> None:
    lines = risky.truth_of("must_not_raise", "XS05")
    assert lines
    for line in lines:
        events = risky.cases[line["case_no"]]
        received = events[0]
        assert received["data"]["cause"] != received["data"]["transferred_cause"]  # as first keyed in
        correction = next(e for e in events if e["type"] == "CORRECTED")
        assert correction["data"]["corrects"] == received["event_id"]
        assert correction["occurred_at"] < next(e for e in events if e["type"] == "DECIDED")["occurred_at"]
        case = _fold(line["case_no"], events)
        assert case.cause == case.transferred_cause
        assert case.judgment_charges == [case.cause]
    for line in risky.truth_of("must_raise", "XS05"):
        case = _fold(line["case_no"], risky.cases[line["case_no"]])
        assert case.cause != case.transferred_cause or case.judgment_charges != [case.cause]


def test_xs08_look_alike_supervises_execution_without_changing_it(risky: Run) -> None:
    lines = risky.truth_of("must_not_raise", "XS08")
    assert lines
    for line in lines:
        events = risky.cases[line["case_no"]]
        types = [e["type"] for e in events]
        assert "EXECUTION_CHANGE" not in types
        assert types.index("EXECUTION_SUPERVISION") > types.index("JUDGMENT")
        assert events[0]["data"]["line"] == "CRIMINAL" and line["line"] == "CRIMINAL"
    assert {line["case_no"] for line in lines} <= {
        line["case_no"] for line in risky.truth_of("must_not_raise", "MS05")
    }
    for line in risky.truth_of("must_raise", "XS08"):
        assert "EXECUTION_CHANGE" in _types(risky.cases[line["case_no"]])


def test_xs09_look_alike_stays_in_custody_without_an_incident(risky: Run) -> None:
    lines = risky.truth_of("must_not_raise", "XS09")
    assert lines
    for line in lines:
        events = risky.cases[line["case_no"]]
        assert "DETAINEE_INCIDENT" not in _types(events)
        changes = [e["data"] for e in events if e["type"] == "CUSTODY_CHANGED"]
        assert changes == [{"from": "DETENTION", "to": "ARREST"}]
        review = next(e for e in events if e["data"].get("case_type") == "PROSECUTION_REVIEW")
        assert review["data"]["detained"]
        decided = next(e for e in events if e["type"] == "DECIDED" and e["data"]["decision"] == "PROSECUTE")
        assert "EXTENDED" in _types(events)
        assert cal.ordinal(day(decided)) <= cal.add_months(cal.ordinal(day(review)), 1) + 15
    for line in risky.truth_of("must_raise", "XS09"):
        assert "DETAINEE_INCIDENT" in _types(risky.cases[line["case_no"]])


def test_zh01_look_alike_is_random_assignment_by_case_management(risky: Run) -> None:
    departments = {(r["unit"], r["code"]): r["kind"] for r in risky.records["department"]}
    staff = {r["id"]: departments[(r["unit"], r["department"])] for r in risky.records["staff"]}
    lines = risky.truth_of("must_not_raise", "ZH01")
    assert lines
    for line in lines:
        assigned = [e for e in risky.cases[line["case_no"]] if e["type"] == "ASSIGNED"]
        assert assigned and all(e["data"]["method"] == "RANDOM" for e in assigned)
        assert staff[assigned[0]["actor"]] == "CASE_MANAGEMENT"
    for line in risky.truth_of("must_raise", "ZH01"):
        events = risky.cases[line["case_no"]]
        assert any(e["type"] == "ASSIGNED" and e["data"]["method"] == "DESIGNATED" for e in events)


def test_gy01_look_alike_hands_the_clue_on_and_it_is_filed(risky: Run) -> None:
    lines = risky.truth_of("must_not_raise", "GY01")
    assert lines
    for line in lines:
        events = risky.cases[line["case_no"]]
        assert events[0]["data"]["case_type"] == "PIL_CLUE"
        at = next(i for i, e in enumerate(events) if e["type"] == "JURISDICTION_CHANGED")
        target = events[at]["data"]["to_unit"]
        assert target != events[0]["unit"]
        assert "CLOSED" not in _types(events[:at])
        after = events[at + 1 :]
        assert {e["unit"] for e in after} == {target}
        assert [e["data"]["case_type"] for e in after if e["type"] == "RECEIVED"] == ["PIL_CLUE", "PIL_ADMIN"]
        assert _fold(line["case_no"], events).unit == target
    for line in risky.truth_of("must_raise", "GY01"):
        events = risky.cases[line["case_no"]]
        assert [e["data"]["case_type"] for e in events if e["type"] == "RECEIVED"] == ["PIL_CLUE"]
        assert events[-1]["type"] == "CLOSED"


def test_lines_keep_their_shares(tmp_path: Path) -> None:
    run = run_generator(tmp_path, cases=20_000, seed=3, risk_rate=0.05)
    lines = Counter(events[0]["data"]["line"] for events in run.cases.values())
    shares = {line: count / 20_000 for line, count in lines.items()}

    assert 0.75 <= shares["CRIMINAL"] <= 0.80
    assert 0.08 <= shares["CIVIL"] <= 0.12
    assert 0.04 <= shares["ADMINISTRATIVE"] <= 0.07
    assert 0.04 <= shares["PUBLIC_INTEREST"] <= 0.08
    causes = Counter(
        events[0]["data"]["cause"] for events in run.cases.values() if events[0]["data"]["line"] == "CRIMINAL"
    )
    assert [name for name, _count in causes.most_common(3)] == [
        "危险驾驶罪",
        "盗窃罪",
        "帮助信息网络犯罪活动罪",
    ]


def test_schedule_spreads_situations_evenly() -> None:
    schedule = Schedule(10_000, 0.05)
    slots = [schedule.at(index) for index in range(10_000)]
    special = [slot for slot in slots if slot is not None]

    assert len(special) == 1000
    assert sum(1 for injected, _name, _n in special if injected) == 500
    assert schedule.at(0) is None and schedule.at(9) is not None


def test_the_writer_writes_each_case_before_taking_the_next() -> None:
    taken: list[int] = []

    def chunks() -> Any:
        for number in range(5):
            taken.append(number)
            yield (f"line {number}\n", "", 1, [])

    class Recorder(io.StringIO):
        seen: list[int] = []

        def write(self, text: str) -> int:
            self.seen.append(len(taken))
            return super().write(text)

    data = Recorder()
    write_stream(chunks(), data, io.StringIO(), RunSummary())

    assert data.seen == [1, 2, 3, 4, 5]
    assert data.getvalue() == "".join(f"line {n}\n" for n in range(5))


def test_cases_are_made_lazily() -> None:
    generator = Generator(GeneratorConfig(cases=20_000, seed=1))
    chunks = generator.case_chunks()

    first = list(itertools.islice(chunks, 3))

    assert len(first) == 3
    assert not isinstance(chunks, list | tuple)


def test_truth_by_line_covers_all_four_lines(risky: Run) -> None:
    by_line: dict[str, set[str]] = defaultdict(set)
    for line in risky.truth[1:]:
        by_line[line["line"]].add(line["risk_code"][:2])

    assert by_line["CIVIL"] >= {"MS"}
    assert by_line["ADMINISTRATIVE"] >= {"XZ"}
    assert by_line["PUBLIC_INTEREST"] >= {"GY"}
    assert by_line["CRIMINAL"] >= {"GX", "XS", "ZH"}


@pytest.fixture(scope="module")
def compact(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The demo's run: 3,000 cases, four counties over two cities, compact staffing."""
    return run_generator(
        tmp_path_factory.mktemp("compact"),
        cases=3000,
        risk_rate=0.1,
        counties=4,
        cities=2,
        compact=True,
    )


def test_counties_and_cities_fix_the_organisation() -> None:
    org = Generator(GeneratorConfig(cases=300, counties=4, cities=2)).org

    assert Counter(unit.level for unit in org.units) == {"PROVINCE": 1, "CITY": 2, "COUNTY": 4}
    assert [unit.code for unit in org.units if unit.level == "COUNTY"] == [
        "620102",
        "620103",
        "620104",
        "620201",
    ]
    large = Generator(GeneratorConfig(cases=1_000_000, risk_rate=0.0, counties=3)).org
    assert Counter(unit.level for unit in large.units) == {"PROVINCE": 1, "CITY": 3, "COUNTY": 3}


def test_organisation_options_left_unset_change_nothing(tmp_path: Path) -> None:
    plain = run_generator(tmp_path, cases=300, seed=5)
    explicit = run_generator(tmp_path, cases=300, seed=5, counties=None, cities=None, compact=False)

    assert (plain.data, plain.truth_bytes) == (explicit.data, explicit.truth_bytes)
    assert set(plain.truth[0]) == {"kind", "generator", "cases", "seed", "risk_rate", "province", "as_of"}


def test_compact_staffing_keeps_every_post_the_cases_and_accounts_need(compact: Run) -> None:
    staff = compact.records["staff"]
    assert len(staff) == 131
    assert Counter(r["position"] for r in staff if r["left_on"] is None) == {
        "DEPT_HEAD": 55,
        "PROSECUTOR": 44,
        "DEPUTY_CHIEF": 14,
        "CHIEF": 7,
    }
    departments = {(r["unit"], r["code"]): r["kind"] for r in compact.records["department"]}
    heads = {
        (r["unit"], departments[(r["unit"], r["department"])]) for r in staff if r["position"] == "DEPT_HEAD"
    }
    for unit in compact.records["unit"]:
        kinds = {kind for (code, _d), kind in departments.items() if code == unit["code"]}
        assert "ENFORCEMENT" not in kinds and "COMPLAINT" not in kinds
        for kind in (
            "CRIMINAL",
            "CIVIL",
            "PUBLIC_INTEREST",
            "CASE_MANAGEMENT",
            "INSPECTION",
            "POLITICAL",
            "DISCIPLINE",
        ):
            assert (unit["code"], kind) in heads
    assert contract_problems(compact) == []
    codes = {line["risk_code"] for line in compact.truth[1:] if line["kind"] == "must_raise"}
    assert codes == set(CANONICAL_CODES)
    assert compact.truth[0]["compact"] is True


def test_compact_decisions_respect_the_power_list_except_gx03(compact: Run) -> None:
    org = Generator(GeneratorConfig(cases=3000, risk_rate=0.1, counties=4, cities=2, compact=True)).org
    positions = {r["id"]: r["position"] for r in compact.records["staff"]}
    gx03 = {line["case_no"] for line in compact.truth_of("must_raise", "GX03")}
    for case_no, events in compact.cases.items():
        for decided in (e for e in events if e["type"] == "DECIDED"):
            data = decided["data"]
            allowed = org.positions_allowed(
                decided["unit"], data["decision"], data.get("kind", ""), cal.ordinal(day(decided))
            )
            assert (positions[data["by"]] in allowed) is (case_no not in gx03), (case_no, data)


@pytest.mark.parametrize(("cases", "province"), [(1_170_000, "620000"), (1_000_000, "430000")])
def test_large_organisations_have_coherent_staff_dates(cases: int, province: str) -> None:
    # A province-sized run once wrote a former prosecutor who left before joining, which the
    # importer (rightly) refused: the whole 10-million-event file was rejected.
    org = Generator(GeneratorConfig(cases=cases, province=province)).org
    staff = [r for r in org.records if r["record"] == "staff"]
    assert staff
    bad = [r["id"] for r in staff if r["left_on"] and r["left_on"] <= r["joined_on"]]
    assert bad == []
