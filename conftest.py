"""Personas shared by every app's tests (STYLE.md §5).

The organisation: a province (620000) with two cities; city 620100 has counties 620102 and
620103, city 620200 has county 620201. Each county has a criminal department and an inspection
department.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from lianjian.accounts.models import User
from lianjian.accounts.tests.factories import PASSWORD, UserFactory, grant
from lianjian.org.models import Department, Staff, Unit
from lianjian.org.tests.factories import DepartmentFactory, StaffFactory, UnitFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


@dataclass
class Org:
    province: Unit
    city: Unit
    county: Unit
    county_b: Unit
    other_city: Unit
    other_county: Unit
    criminal: Department
    criminal_b: Department
    other_criminal: Department
    city_inspection: Department
    prosecutor: Staff
    colleague: Staff
    head: Staff
    county_b_prosecutor: Staff
    outsider_staff: Staff


@pytest.fixture
def org(db: None) -> Org:
    province = UnitFactory(code="620000", name="甘肃省人民检察院", level="PROVINCE")
    city = UnitFactory(code="620100", name="兰州市人民检察院", level="CITY", parent=province)
    county = UnitFactory(code="620102", name="兰州市城关区人民检察院", level="COUNTY", parent=city)
    county_b = UnitFactory(code="620103", name="兰州市七里河区人民检察院", level="COUNTY", parent=city)
    other_city = UnitFactory(code="620200", name="嘉峪关市人民检察院", level="CITY", parent=province)
    other_county = UnitFactory(
        code="620201", name="嘉峪关市城区人民检察院", level="COUNTY", parent=other_city
    )
    criminal = DepartmentFactory(unit=county, code="D2", name="第二检察部")
    criminal_b = DepartmentFactory(unit=county_b, code="D2", name="第二检察部")
    other_criminal = DepartmentFactory(unit=other_county, code="D2", name="第二检察部")
    city_inspection = DepartmentFactory(unit=city, code="DC", name="检务督察部", kind="INSPECTION")
    return Org(
        province=province,
        city=city,
        county=county,
        county_b=county_b,
        other_city=other_city,
        other_county=other_county,
        criminal=criminal,
        criminal_b=criminal_b,
        other_criminal=other_criminal,
        city_inspection=city_inspection,
        prosecutor=StaffFactory(staff_no="A100", name="何平", department=criminal),
        colleague=StaffFactory(staff_no="A103", name="周敏", department=criminal),
        head=StaffFactory(staff_no="A101", name="罗兰", department=criminal, position="DEPT_HEAD"),
        county_b_prosecutor=StaffFactory(staff_no="B200", name="钱进", department=criminal_b),
        outsider_staff=StaffFactory(staff_no="C300", name="孙立", department=other_criminal),
    )


def _persona(username: str, staff: Staff | None, role: str, scope: str, **anchor: object) -> User:
    user = UserFactory(username=username, display_name=staff.name if staff else username, staff=staff)
    grant(user, role, scope, **anchor)  # type: ignore[arg-type]
    return user


@pytest.fixture
def county_prosecutor(org: Org) -> User:
    """承办检察官 of county 620102, seeing only their own data."""
    return _persona("prosecutor", org.prosecutor, "PROSECUTOR", "SELF")


@pytest.fixture
def department_head(org: Org) -> User:
    """部门负责人 of the county's criminal department."""
    return _persona("head", org.head, "DEPT_HEAD", "DEPARTMENT")


@pytest.fixture
def city_supervisor(org: Org) -> User:
    """检务督察 of city 620100, reaching the city and its counties."""
    staff = StaffFactory(staff_no="CS01", name="韩督", department=org.city_inspection, position="DEPT_HEAD")
    return _persona("city_inspector", staff, "INSPECTION", "UNIT_AND_BELOW", unit=org.city)


@pytest.fixture
def discipline_inspector(org: Org) -> User:
    """纪检监察 of the county."""
    staff = StaffFactory(staff_no="DI01", name="纪明", department=org.criminal, position="OTHER")
    return _persona("discipline", staff, "DISCIPLINE", "UNIT", unit=org.county)


@pytest.fixture
def outsider(org: Org) -> User:
    """承办检察官 of another city's county, with unit scope there."""
    return _persona("outsider", org.outsider_staff, "PROSECUTOR", "UNIT", unit=org.other_county)


@pytest.fixture
def system_admin(org: Org) -> User:
    return _persona("sysadmin", None, "SYSTEM_ADMIN", "ALL")


@pytest.fixture
def security_admin(org: Org) -> User:
    """安全管理员 of city 620100 (may grant only within the city and its counties)."""
    return _persona("secadmin", None, "SECURITY_ADMIN", "UNIT_AND_BELOW", unit=org.city)


@pytest.fixture
def audit_admin(org: Org) -> User:
    return _persona("auditadmin", None, "AUDIT_ADMIN", "ALL")


@pytest.fixture
def password() -> str:
    return PASSWORD
