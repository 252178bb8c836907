"""Statistics: counts over exactly the records a viewer may count, and small groups withheld."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from lianjian.cases.models import Case
from lianjian.interference import statistics as st
from lianjian.interference.tests.builders import leader_of, make_record, persona
from lianjian.org.tests.factories import DepartmentFactory, StaffFactory

pytestmark = pytest.mark.django_db

NOV = datetime.fromisoformat("2026-11-10T10:00:00+08:00")
OCT = datetime.fromisoformat("2026-10-20T10:00:00+08:00")


def _record(recorder, when=NOV, **overrides):
    overrides.setdefault("occurred_at", when)
    return make_record(recorder, now=when, **overrides)


@pytest.fixture
def known(org):
    """Four records of November: two in county 620102, one in 620103 (same city), one in the
    other city's county 620201."""
    _record(org.prosecutor)  # RC-06, LEADER, LD-VIO-01
    _record(org.colleague, subject_type="INTERNAL_OWN", category="RC-04", violation_codes=["IN-VIO-01"])
    _record(org.county_b_prosecutor, subject_type="PARTY", category="RC-02", violation_codes=[])
    _record(org.outsider_staff, category="RC-01", violation_codes=[])
    return org


def _counts(rows):
    return {r.code: r.count for r in rows if r.count}


def test_city_supervisor_counts_the_city_and_nothing_beyond(known, city_supervisor) -> None:
    s = st.statistics_for(city_supervisor, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert s.total == 3
    assert _counts(s.categories) == {"RC-02": 1, "RC-04": 1, "RC-06": 1}
    assert _counts(s.split) == {"PROCURATORATE": 1, "OTHER": 2}
    assert _counts(s.subject_types) == {"LEADER": 1, "INTERNAL_OWN": 1, "PARTY": 1}
    assert _counts(s.violations) == {"LD-VIO-01": 1, "IN-VIO-01": 1}
    assert _counts(s.matter_types) == {"MAJ-01": 3}
    units = [(r.unit.code, r.depth, r.own, r.total) for r in s.units]
    assert units == [("620100", 0, 0, 3), ("620102", 1, 2, 2), ("620103", 1, 1, 1)]


def test_period_and_unit_filters(known, city_supervisor) -> None:
    _record(known.prosecutor, when=OCT)
    s = st.statistics_for(city_supervisor, start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert s.total == 1
    s = st.statistics_for(
        city_supervisor, start=date(2026, 10, 1), end=date(2026, 11, 30), unit=known.county_b
    )
    assert s.total == 1 and [r.unit.code for r in s.units] == ["620103"]
    months = {r.code: r.count for r in s.months}
    assert len(s.months) == 12 and s.months[-1].code == "2026-11"
    assert months["2026-11"] == 1 and months["2026-10"] == 0


def test_month_trend_counts_in_beijing_time(known, city_supervisor) -> None:
    # 2026-10-31 23:30 in Beijing is 15:30 UTC: October, not November.
    late = datetime.fromisoformat("2026-10-31T23:30:00+08:00")
    _record(known.prosecutor, when=late)
    s = st.statistics_for(city_supervisor, start=date(2026, 10, 1), end=date(2026, 11, 30))
    months = {r.code: r.count for r in s.months}
    assert (months["2026-10"], months["2026-11"]) == (1, 3)


def test_records_about_the_viewer_are_not_counted(known, city_supervisor) -> None:
    _record(known.prosecutor, subject_name="韩督", subject_staff_no="CS01", category="RC-05")
    s = st.statistics_for(city_supervisor, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert s.total == 3
    assert _counts(s.categories).get("RC-05") is None


def test_a_county_leader_counts_the_county_only(known) -> None:
    deputy = leader_of(known.county)
    s = st.statistics_for(deputy, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert s.total == 2
    assert [(r.unit.code, r.total) for r in s.units] == [("620102", 2)]


def test_units_without_records_are_listed_with_their_caseload(
    known, city_supervisor, department_head
) -> None:
    """零记录单位: the units of the viewer's reach with people and no record in the period, the
    busiest first; not shown to a viewer of departments only."""
    for n, when in enumerate((NOV, NOV, OCT)):
        Case.objects.create(case_no=f"ZU-{n}", unit=known.city, assigned_at=when, last_event_at=when)
    StaffFactory(staff_no="CITY2", unit=known.city, department=None)
    november = st.statistics_for(city_supervisor, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert november.zero_units is not None
    assert [(z.unit.code, z.staff, z.cases) for z in november.zero_units] == [("620100", 2, 2)]

    october = st.statistics_for(city_supervisor, start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert october.zero_units is not None
    assert [(z.unit.code, z.cases) for z in october.zero_units] == [
        ("620100", 1),
        ("620102", 0),
        ("620103", 0),
    ]
    narrowed = st.statistics_for(
        city_supervisor, start=date(2026, 10, 1), end=date(2026, 10, 31), unit=known.county_b
    )
    assert [z.unit.code for z in narrowed.zero_units or []] == ["620103"]
    head = st.statistics_for(department_head, start=date(2026, 10, 1), end=date(2026, 10, 31))
    assert head.zero_units is None


def test_administrators_and_prosecutors_count_nothing(known, system_admin, outsider) -> None:
    assert st.stats_base(system_admin).count() == 0
    # A prosecutor without the statistics permission still counts their own record only.
    assert list(st.stats_base(outsider).values_list("recorder__staff_no", flat=True)) == ["C300"]


class TestSmallDepartments:
    def test_a_department_of_three_is_shown(self, known) -> None:
        # 第二检察部 of 620102: 何平, 周敏, 罗兰 — three staff; nobody at unit level.
        viewer = persona("countyleader", None, "LEADER", "UNIT", unit=known.county)
        breakdown = st.by_department(st.stats_base(viewer), known.county, on=date(2026, 11, 30))
        assert not breakdown.suppressed
        assert [(r.label, r.count) for r in breakdown.rows] == [("第二检察部", 2)]

    def test_a_department_of_one_is_never_shown(self, known, city_supervisor) -> None:
        # 620103's 第二检察部 has one person (钱进): merged, and the merged row would be one person.
        breakdown = st.by_department(st.stats_base(city_supervisor), known.county_b, on=date(2026, 11, 30))
        assert breakdown.suppressed and breakdown.rows == [] and breakdown.merged is None

    def test_merged_small_groups_of_three_are_one_row(self, known, city_supervisor) -> None:
        small = DepartmentFactory(unit=known.county_b, code="D9", name="办公室")
        StaffFactory(staff_no="B201", department=small)
        StaffFactory(staff_no="B202", department=small)
        breakdown = st.by_department(st.stats_base(city_supervisor), known.county_b, on=date(2026, 11, 30))
        assert not breakdown.suppressed and breakdown.rows == []
        assert breakdown.merged is not None and breakdown.merged.count == 1

    def test_one_unit_level_person_hides_the_breakdown(self, known) -> None:
        # A deputy chief alone at unit level: the unit total less the departments would be theirs.
        deputy = leader_of(known.county)
        breakdown = st.by_department(st.stats_base(deputy), known.county, on=date(2026, 11, 30))
        assert breakdown.suppressed

    def test_three_unit_level_leaders_are_one_merged_row(self, known) -> None:
        for n in range(3):
            StaffFactory(staff_no=f"CH0{n}", unit=known.county, department=None, position="DEPUTY_CHIEF")
        chief = StaffFactory(staff_no="CH09", unit=known.county, department=None, position="CHIEF")
        _record(chief, category="RC-03", violation_codes=[])
        viewer = persona("countyleader", None, "LEADER", "UNIT", unit=known.county)
        breakdown = st.by_department(st.stats_base(viewer), known.county, on=date(2026, 11, 30))
        assert not breakdown.suppressed
        assert [(r.label, r.count) for r in breakdown.rows] == [("第二检察部", 2)]
        assert breakdown.merged is not None and breakdown.merged.count == 1

    def test_a_head_of_a_small_department_counts_only_own_records(self, org) -> None:
        tiny = DepartmentFactory(unit=org.county, code="D7", name="第七检察部")
        head_staff = StaffFactory(staff_no="T1", department=tiny, position="DEPT_HEAD")
        member = StaffFactory(staff_no="T2", department=tiny)
        head = persona("tinyhead", head_staff, "DEPT_HEAD", "DEPARTMENT")
        _record(member)
        _record(head_staff, category="RC-01", violation_codes=[])
        s = st.statistics_for(head, start=date(2026, 11, 1), end=date(2026, 11, 30))
        assert s.total == 1 and _counts(s.categories) == {"RC-01": 1}
        assert s.small_hidden

    def test_a_head_of_a_large_department_counts_it(self, known, department_head) -> None:
        s = st.statistics_for(department_head, start=date(2026, 11, 1), end=date(2026, 11, 30))
        assert s.total == 2 and not s.small_hidden


class TestPeriods:
    def test_month_quarter_year(self) -> None:
        m = st.parse_period("2026-11")
        assert (m.start, m.end, m.label) == (date(2026, 11, 1), date(2026, 11, 30), "2026年11月")
        q = st.parse_period("2026q4")
        assert (q.start, q.end, q.label) == (date(2026, 10, 1), date(2026, 12, 31), "2026年第四季度")
        y = st.parse_period("2026")
        assert (y.start, y.end) == (date(2026, 1, 1), date(2026, 12, 31))

    def test_previous(self) -> None:
        assert st.parse_period("2026Q1").previous().key == "2025Q4"
        assert st.parse_period("2026-01").previous().key == "2025-12"
        assert st.parse_period("2026").previous().key == "2025"

    @pytest.mark.parametrize("text", ["", "2026-13", "2026Q5", "11/2026", "1999", "abc"])
    def test_bad_periods_are_refused_in_chinese(self, text) -> None:
        with pytest.raises(st.PeriodError, match="期间格式"):
            st.parse_period(text)
