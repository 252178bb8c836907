"""The catalogue workbook: export and import round-trip, changes, local libraries, refused files.

An import is all-or-nothing: a workbook with one bad row writes nothing at all.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from lianjian.accounts.tests.factories import UserFactory, grant
from lianjian.audit.models import AuditEvent
from lianjian.org.tests.factories import StaffFactory
from lianjian.risk.models import RiskPoint, RiskPointRevision
from lianjian.risk.selectors import effective_points
from lianjian.risk.services import risk_catalogue_install, risk_point_add
from lianjian.risk.workbooks import catalogue_import, catalogue_workbook, field_titles, read_catalogue

DAY = date(2026, 7, 1)


@pytest.fixture(autouse=True)
def installed(db: None) -> None:
    risk_catalogue_install()


@pytest.fixture
def county_manager(org: Any) -> Any:
    staff = StaffFactory(staff_no="CM01", name="严管", department=org.criminal, position="OTHER")
    user: Any = UserFactory(username="county_cm", display_name="严管", staff=staff)
    grant(user, "CASE_MANAGEMENT", "UNIT", unit=org.county)
    return user


def standard() -> list[RiskPoint]:
    return list(RiskPoint.objects.filter(unit=None).order_by("code"))


def rows_of(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def workbook_of(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "风险点库"
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def edited(content: bytes, code: str, **cells: Any) -> list[list[Any]]:
    """The exported rows with the cells of ``code``'s row replaced (by column title)."""
    rows = rows_of(content)
    header = rows[0]
    for row in rows[1:]:
        if row[0] == code:
            for title, value in cells.items():
                row[header.index(title)] = value
    return rows


def state() -> tuple[Any, ...]:
    return (
        sorted(RiskPoint.objects.values_list("unit_id", "code", "version", "level", "name")),
        RiskPointRevision.objects.count(),
        AuditEvent.objects.count(),
    )


def run(content: bytes, library: Any = None, actor: Any = None) -> Any:
    return catalogue_import(actor=actor, data=content, library=library, effective_from=DAY, reason="年度修订")


def test_an_export_imported_again_changes_nothing() -> None:
    before = state()

    result = run(catalogue_workbook(standard()))

    assert (result.added, result.revised, result.unchanged, result.errors) == (0, 0, len(standard()), [])
    assert state() == before


def test_an_exported_row_has_every_field_and_the_reference_columns() -> None:
    point = RiskPoint.objects.get(unit=None, code="GX01")
    rows = rows_of(catalogue_workbook([point]))

    assert rows[0] == [*field_titles().values(), "所属库", "版本", "生效日期", "停用日期"]
    assert rows[1][:13] == [
        "GX01",
        point.name,
        "共性",
        point.get_category_display(),
        point.get_level_display(),
        "\n".join(point.powers),
        point.legal_basis,
        point.responsible_department,
        point.description,
        "\n".join(point.prevent),
        "\n".join(point.monitor),
        "\n".join(point.dispose),
        "是" if point.is_detectable else "否",
    ]
    assert rows[1][13:15] == ["标准库", 1]


def test_a_changed_row_revises_and_a_new_row_adds(org: Any) -> None:
    content = catalogue_workbook(standard())
    level, label = (
        ("LOW", "低") if RiskPoint.objects.get(unit=None, code="GX02").level != "LOW" else ("HIGH", "高")
    )
    rows = edited(content, "GX02", 风险等级=label, 中期监控措施="每月抽查\n每季通报")
    rows.append(
        [
            "GX11",
            "新增的共性风险点",
            "共性",
            "制度机制",
            "中",
            "",
            "",
            "案件管理部门",
            "",
            "措施甲",
            "",
            "",
            "否",
        ]
    )

    result = run(workbook_of(rows))

    assert (result.added, result.revised, result.errors) == (1, 1, [])
    gx02 = RiskPoint.objects.get(unit=None, code="GX02")
    assert (gx02.level, gx02.monitor, gx02.version) == (level, ["每月抽查", "每季通报"], 2)
    assert list(gx02.revisions.filter(version=2).values_list("action", "effective_from", "reason")) == [
        ("CHANGE", DAY, "年度修订")
    ]
    gx11 = RiskPoint.objects.get(unit=None, code="GX11")
    assert (gx11.line, gx11.category, gx11.level, gx11.prevent, gx11.effective_from) == (
        "COMMON",
        "INSTITUTIONAL",
        "MEDIUM",
        ["措施甲"],
        DAY,
    )
    assert AuditEvent.objects.filter(action__in=["risk.point.revise", "risk.point.add"]).count() == 2


def test_choices_may_be_written_as_codes_and_columns_may_be_left_out() -> None:
    point = RiskPoint.objects.get(unit=None, code="GX03")
    level = "LOW" if point.level != "LOW" else "HIGH"
    untouched = {name: getattr(point, name) for name in ("name", "line", "prevent", "monitor", "dispose")}
    content = workbook_of([["风险点编码", "level"], ["GX03", level.lower()]])

    result = run(content)

    point.refresh_from_db()
    assert (result.revised, point.level, point.version) == (1, level, 2)
    assert {name: getattr(point, name) for name in untouched} == untouched


def test_into_a_local_library_only_differences_become_local_points(org: Any) -> None:
    content = catalogue_workbook(effective_points(org.county, day=DAY))
    rows = edited(content, "GX05", 责任部门="本院检务督察")

    result = run(workbook_of(rows), library=org.county)

    assert (result.added, result.revised, result.unchanged) == (1, 0, len(standard()) - 1)
    local = RiskPoint.objects.get(unit=org.county, code="GX05")
    standard_gx05 = RiskPoint.objects.get(unit=None, code="GX05")
    assert (local.responsible_department, local.name, local.level, local.prevent) == (
        "本院检务督察",
        standard_gx05.name,
        standard_gx05.level,
        standard_gx05.prevent,
    )
    assert standard_gx05.version == 1
    assert {p.code: p.unit for p in effective_points(org.county, day=DAY)}["GX05"] == org.county
    assert {p.code: p.unit for p in effective_points(org.county_b, day=DAY)}["GX05"] is None


def test_a_row_with_an_error_writes_nothing_at_all() -> None:
    content = catalogue_workbook(standard())
    rows = edited(content, "GX02", 风险等级="低")
    rows = [row if row[0] != "GX04" else [*row[:2], "刑侦", *row[3:]] for row in rows]
    rows.append(["GX12", "", "共性", "制度机制", "中"])
    before = state()

    result = run(workbook_of(rows))

    assert result.is_accepted is False
    messages = [str(error) for error in result.errors]
    gx04_row = next(i for i, row in enumerate(rows, start=1) if row[0] == "GX04")
    lines = "共性、刑事检察、民事检察、行政检察、公益诉讼、综合业务、三个规定、违法行使职权"
    assert messages == [
        f"第 {gx04_row} 行 业务条线：“刑侦”无效，应为 {lines} 之一",
        f"第 {len(rows)} 行 风险点名称：不能为空",
    ]
    assert state() == before


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["风险点名称"], ["某"]], "第 1 行 风险点编码：缺少此列"),
        ([["风险点编码", "风险级别"], ["GX01", "高"]], "第 1 行 风险级别：不认识的列名"),
        ([["风险点编码", "level", "风险等级"], ["GX01", "HIGH", "高"]], "第 1 行 风险等级：列名重复"),
        (
            [["风险点编码", "风险等级"], ["GX01", "高"], ["GX01", "低"]],
            "第 3 行 风险点编码：GX01 与第 2 行重复",
        ),
        (
            [["风险点编码", "可由办案数据发现"], ["GX01", "也许"]],
            "第 2 行 可由办案数据发现：“也许”无效，应填 是 或 否",
        ),
        (
            [["风险点编码", "风险点名称"], ["NEW01", "缺类别"]],
            "第 2 行：新增风险点 NEW01 缺少必填项：业务条线、风险类别、风险等级",
        ),
        ([["风险点编码", "风险点名称"], ["X" * 17, "太长"]], "第 2 行 风险点编码：不超过 16 个字符"),
    ],
)
def test_problems_are_reported_per_row_in_chinese(rows: list[list[Any]], message: str) -> None:
    before = state()
    result = run(workbook_of(rows))
    assert [str(error) for error in result.errors] == [message]
    assert state() == before


def test_a_formula_cell_is_refused() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["风险点编码", "风险点名称"])
    sheet.append(["GX01", "=1+1"])
    buffer = BytesIO()
    workbook.save(buffer)

    result = run(buffer.getvalue())

    assert [str(error) for error in result.errors] == ["第 2 行 风险点名称：不接受公式，请填写文字"]


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    rows, errors = read_catalogue(b"not a zip")
    assert rows == [] and [str(e) for e in errors] == [
        "文件：无法读取文件，请上传由本页面导出的 Excel 工作簿（.xlsx）"
    ]


def test_formula_like_text_survives_the_round_trip(org: Any) -> None:
    point = risk_point_add(
        unit=org.county,
        actor=None,
        code="BD03",
        fields={
            "name": "=SUM(A1)",
            "line": "CRIMINAL",
            "category": "MORAL",
            "level": "LOW",
            "prevent": ["+措施", "@其二"],
        },
        effective_from=DAY,
        reason="",
    )
    content = catalogue_workbook([point])
    assert rows_of(content)[1][1] == "'=SUM(A1)"

    result = run(content, library=org.county)

    assert (result.unchanged, result.revised, result.added) == (1, 0, 0)


def test_a_retired_point_is_not_revised_by_an_import(org: Any) -> None:
    point = risk_point_add(
        unit=org.county,
        actor=None,
        code="BD04",
        fields={"name": "旧风险点", "line": "CRIMINAL", "category": "MORAL", "level": "LOW"},
        effective_from=date(2024, 1, 1),
        reason="",
    )
    RiskPoint.objects.filter(pk=point.pk).update(retired_on=date(2025, 1, 1))

    result = run(workbook_of([["风险点编码", "风险点名称"], ["BD04", "改名"]]), library=org.county)

    assert [str(e) for e in result.errors] == ["第 2 行：风险点 BD04 已于 2025-01-01 停用，不能通过导入修订"]


# --- the import page ---------------------------------------------------------------------------


def _upload(content: bytes, name: str = "风险点库.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats")


def test_the_page_imports_into_the_managers_library(client: Any, county_manager: Any, org: Any) -> None:
    content = catalogue_workbook(effective_points(org.county, day=DAY))
    client.force_login(county_manager)
    assert 'value="620102"' in client.get(reverse("risk:point_import")).content.decode()

    response = client.post(
        reverse("risk:point_import"),
        {
            "library": "620102",
            "file": _upload(workbook_of(edited(content, "XS01", 责任部门="本院第二检察部"))),
            "effective_from": "2026-07-01",
            "reason": "本院细化",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/risk/points/?unit=620102"
    local = RiskPoint.objects.get(unit=org.county, code="XS01")
    assert (local.responsible_department, local.effective_from) == ("本院第二检察部", DAY)
    page = client.get(response["Location"]).content.decode()
    assert f"导入完成：新增 1 个、修订 0 个、未变 {len(standard()) - 1} 个风险点" in page


def test_the_page_shows_the_errors_and_writes_nothing(client: Any, county_manager: Any) -> None:
    client.force_login(county_manager)
    before = state()

    response = client.post(
        reverse("risk:point_import"),
        {
            "library": "620102",
            "file": _upload(workbook_of([["风险点编码", "风险等级"], ["GX01", "很高"]])),
            "effective_from": "2026-07-01",
            "reason": "x",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "导入被拒绝，未写入任何数据：共 1 条错误" in html
    assert "“很高”无效，应为 高、中、低 之一" in html
    assert state() == before


def test_the_page_refuses_another_file_type_the_standard_library_and_a_missing_reason(
    client: Any, county_manager: Any
) -> None:
    client.force_login(county_manager)
    before = state()
    content = workbook_of([["风险点编码", "风险等级"], ["GX01", "高"]])

    html = client.post(
        reverse("risk:point_import"),
        {"library": "__standard__", "file": _upload(content, "x.csv"), "effective_from": "2026-07-01"},
    ).content.decode()

    assert "选择一个有效的选项" in html
    assert "请上传 Excel 工作簿（.xlsx）" in html
    assert "请填写修订理由" in html
    assert state() == before


def test_the_page_is_refused_to_a_prosecutor(client: Any, county_prosecutor: Any) -> None:
    client.force_login(county_prosecutor)
    before = state()
    response = client.post(
        reverse("risk:point_import"),
        {
            "library": "620102",
            "file": _upload(workbook_of([["风险点编码", "风险等级"], ["GX01", "高"]])),
            "effective_from": "2026-07-01",
            "reason": "x",
        },
    )
    assert response.status_code == 403
    assert state() == before
