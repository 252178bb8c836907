"""The synthetic organisation: units, departments, staff and post history, lawyers, relations, powers.

Built once per run from the seed, the case count and the situation plan (so that the people the
injected situations need — a prosecutor related to a lawyer, former staff practising as lawyers,
prosecutors of the concentration groups — exist in the reference records written before the
cases). Its size follows the case count, never the cases themselves: a few units for a few hundred
cases, the whole province for a million.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lianjian.ingest.generator import calendar as cal
from lianjian.ingest.generator.places import Place, province

LINES = ("CRIMINAL", "CIVIL", "ADMINISTRATIVE", "PUBLIC_INTEREST")
CASES_PER_COUNTY = 7_000  # over the generated period (about two and a half years)
UNIT_SHARES = {"PROVINCE": 0.02, "CITY": 0.13, "COUNTY": 0.85}
CASES_PER_PROSECUTOR = {"CRIMINAL": 400, "CIVIL": 150, "ADMINISTRATIVE": 100, "PUBLIC_INTEREST": 80}

UPPER_DEPARTMENTS = (
    ("D00", "院领导", "OTHER"),
    ("D01", "第一检察部（普通犯罪检察）", "CRIMINAL"),
    ("D02", "第二检察部（重大犯罪检察）", "CRIMINAL"),
    ("D05", "第五检察部（刑事执行检察）", "ENFORCEMENT"),
    ("D06", "第六检察部（民事检察）", "CIVIL"),
    ("D07", "第七检察部（行政检察）", "ADMINISTRATIVE"),
    ("D08", "第八检察部（公益诉讼检察）", "PUBLIC_INTEREST"),
    ("D10", "第十检察部（控告申诉检察）", "COMPLAINT"),
    ("D20", "案件管理部", "CASE_MANAGEMENT"),
    ("D30", "检务督察部", "INSPECTION"),
    ("D40", "政治部", "POLITICAL"),
    ("D50", "派驻纪检监察组", "DISCIPLINE"),
)
COUNTY_DEPARTMENTS = (
    ("D00", "院领导", "OTHER"),
    ("D01", "第一检察部（刑事检察）", "CRIMINAL"),
    ("D02", "第二检察部（刑事执行检察）", "ENFORCEMENT"),
    ("D03", "第三检察部（民事行政检察）", "CIVIL"),
    ("D04", "第四检察部（公益诉讼检察）", "PUBLIC_INTEREST"),
    ("D05", "综合业务部（案件管理）", "CASE_MANAGEMENT"),
    ("D30", "检务督察部", "INSPECTION"),
    ("D40", "政治部", "POLITICAL"),
    ("D50", "派驻纪检监察组", "DISCIPLINE"),
)
LINE_DEPARTMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "UPPER": {
        "CRIMINAL": ("D01", "D02"),
        "CIVIL": ("D06",),
        "ADMINISTRATIVE": ("D07",),
        "PUBLIC_INTEREST": ("D08",),
    },
    "COUNTY": {
        "CRIMINAL": ("D01",),
        "CIVIL": ("D03",),
        "ADMINISTRATIVE": ("D03",),
        "PUBLIC_INTEREST": ("D04",),
    },
}

ALL_DECIDERS = ("PROSECUTOR", "DEPT_HEAD", "COMMITTEE_MEMBER", "DEPUTY_CHIEF", "CHIEF")
UPPER_ONLY = ("DEPT_HEAD", "COMMITTEE_MEMBER", "DEPUTY_CHIEF", "CHIEF")
LEADERS = ("DEPUTY_CHIEF", "CHIEF")
# Compact staffing (the demo's ~120 people): departments that handle no generated case and are
# none of the supervisory ones are left out, and the supervisory ones are staffed by their head.
SUPERVISORY_KINDS = frozenset({"CASE_MANAGEMENT", "INSPECTION", "POLITICAL", "DISCIPLINE"})
COMPACT_LEFT_OUT = frozenset({"ENFORCEMENT", "COMPLAINT"})
# The province's standard power list (检察官权力清单), in force from 2018.
STANDARD_POWERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ARREST", "", ALL_DECIDERS),
    ("NO_ARREST", "", UPPER_ONLY),
    ("PROSECUTE", "", ALL_DECIDERS),
    ("NON_PROSECUTE", "", LEADERS),
    ("NON_PROSECUTE", "STATUTORY", ("DEPT_HEAD", *LEADERS)),
    ("NON_PROSECUTE", "CONDITIONAL", ("DEPT_HEAD", *LEADERS)),
    ("WITHDRAW_PROSECUTION", "", LEADERS),
    ("CHANGE_PROSECUTION", "", ("DEPT_HEAD", *LEADERS)),
    ("PROTEST", "", LEADERS),
    ("NOTIFY_FILE", "", ("DEPT_HEAD", *LEADERS)),
    ("NOTIFY_DISMISS", "", ("DEPT_HEAD", *LEADERS)),
    ("TERMINATE_REVIEW", "", ("PROSECUTOR", "DEPT_HEAD", *LEADERS)),
    ("SUPPORT_SUPERVISION", "", LEADERS),
    ("REJECT_SUPERVISION", "", ("PROSECUTOR", "DEPT_HEAD", *LEADERS)),
    ("RETRIAL_RECOMMENDATION", "", ("CHIEF",)),
    ("FILE_SUIT", "", LEADERS),
)
STANDARD_FROM = date(2018, 1, 1)
LEVEL_OF = {
    "PROSECUTOR": "PROSECUTOR",
    "DEPT_HEAD": "DEPT_HEAD",
    "COMMITTEE_MEMBER": "COMMITTEE",
    "DEPUTY_CHIEF": "DEPUTY_CHIEF",
    "CHIEF": "CHIEF",
}

SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余"
    "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲辉鹏建斌宇婷浩凯琳雪飞峰丹欣然博文瑶思源子轩晨阳"
    "嘉怡海燕志红春梅国庆立新永亮晓东玉兰荣彬慧颖佳琪涵睿哲翔"
)
FIRM_WORDS = [
    "正信",
    "明德",
    "弘道",
    "秉诚",
    "恒达",
    "中正",
    "天平",
    "博睿",
    "信达",
    "和衡",
    "诚公",
    "昭明",
    "厚德",
    "敬业",
    "同心",
    "合力",
    "瑞丰",
    "启元",
    "立言",
    "守正",
    "致远",
    "惟诚",
    "泰和",
    "鼎盛",
    "卓然",
    "清风",
    "润泽",
    "方圆",
    "安平",
    "众和",
    "金石",
    "长信",
    "海纳",
    "公允",
]
RELATION_KINDS = ("SPOUSE", "PARENT", "CHILD", "SIBLING", "OTHER_RELATIVE", "CLASSMATE", "FORMER_COLLEAGUE")
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def law_firm_credit_code(division: str, rng: random.Random) -> str:
    """A 统一社会信用代码 of a law firm (registered by 司法行政机关: ``31``), check characters valid.

    GB 32100-2015: 2 registration characters, 6 division digits, the 9-character organisation
    code (GB 11714, with its own check character) and a check character over the first 17.
    """
    body = [rng.randrange(10) for _ in range(8)]
    check = 11 - sum(d * w for d, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    org = "".join(map(str, body)) + ("X" if check == 10 else "0" if check == 11 else str(check))
    first17 = "31" + division + org
    total = sum(USCC_CHARS.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str
    parent: str | None
    city: str  # the city code (the unit's own for a city; the capital's for the province)
    short: str  # the case number's prefix (兰城, 兰, 甘)
    police: str
    supervision: str
    court: str

    @property
    def tier(self) -> str:
        return "COUNTY" if self.level == "COUNTY" else "UPPER"


@dataclass(frozen=True)
class Lawyer:
    id: str
    firm_id: str
    city: str


@dataclass(frozen=True)
class FormerStaff:
    """A former prosecutor now practising as a lawyer (检察官法第三十七条)."""

    staff: str
    unit: str
    left_on: int
    lawyer: Lawyer


@dataclass(frozen=True)
class RelatedPair:
    """A prosecutor and a lawyer joined by a registered relation."""

    unit: str
    prosecutor: str
    department: str
    lawyer: Lawyer
    relation: str


@dataclass(frozen=True)
class Dedicated:
    """A prosecutor of a concentration group (GX06): handles only the group's cases."""

    unit: str
    prosecutor: str
    department: str


@dataclass
class Org:
    """The organisation of one run and the lookups the case timelines need."""

    seed: int
    province_code: str
    units: list[Unit] = field(default_factory=list)
    by_code: dict[str, Unit] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    case_units: list[str] = field(default_factory=list)
    case_unit_cumulative: list[float] = field(default_factory=list)
    pools: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    heads: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit, department) → head
    leaders: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    lawyers_by_city: dict[str, list[Lawyer]] = field(default_factory=dict)
    capital: str = ""
    powers: dict[tuple[str, str, str], list[tuple[int, tuple[str, ...]]]] = field(default_factory=dict)
    np_override_units: list[str] = field(default_factory=list)
    former_same: list[FormerStaff] = field(default_factory=list)
    former_recent: list[FormerStaff] = field(default_factory=list)
    former_old: list[FormerStaff] = field(default_factory=list)
    related: list[RelatedPair] = field(default_factory=list)
    recusal_related: list[RelatedPair] = field(default_factory=list)
    concentration: list[Dedicated] = field(default_factory=list)
    concentration_lookalike: list[Dedicated] = field(default_factory=list)
    _resolved: dict[tuple[str, str, str], tuple[list[int], list[tuple[str, ...]]]] = field(
        default_factory=dict
    )

    # -- lookups used per case

    def pick_unit(self, rng: random.Random) -> str:
        return self.case_units[
            bisect.bisect(self.case_unit_cumulative, rng.random() * self.case_unit_cumulative[-1])
        ]

    def pick_prosecutor(self, unit: str, line: str, rng: random.Random) -> tuple[str, str]:
        return rng.choice(self.pools[(unit, line)])

    def other_prosecutor(self, unit: str, line: str, not_this: str, rng: random.Random) -> tuple[str, str]:
        pool = [entry for entry in self.pools[(unit, line)] if entry[0] != not_this]
        return rng.choice(pool)

    def pick_lawyer(self, unit: str, rng: random.Random) -> Lawyer:
        city = self.by_code[unit].city if rng.random() < 0.9 else self.capital
        return rng.choice(self.lawyers_by_city[city])

    def positions_allowed(self, unit: str, decision: str, kind: str, day: int) -> tuple[str, ...]:
        """The positions that may take ``decision`` in ``unit`` on ``day`` (org.selectors' rule)."""
        key = (unit, decision, kind)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolve(unit, decision, kind)
            self._resolved[key] = resolved
        starts, answers = resolved
        index = bisect.bisect_right(starts, day) - 1
        return answers[index] if index >= 0 else ()

    def _chain(self, unit: str) -> list[str]:
        chain = []
        code: str | None = unit
        while code is not None:
            chain.append(code)
            code = self.by_code[code].parent
        return chain

    def _answer(self, chain: list[str], decision: str, kind: str, day: int) -> tuple[str, ...]:
        for candidate in chain:
            for wanted in [kind, ""] if kind else [""]:
                lines = [
                    entry for entry in self.powers.get((candidate, decision, wanted), []) if entry[0] <= day
                ]
                if lines:
                    return max(lines)[1]
        return ()

    def _resolve(self, unit: str, decision: str, kind: str) -> tuple[list[int], list[tuple[str, ...]]]:
        chain = self._chain(unit)
        changes = sorted(
            {
                start
                for code in chain
                for wanted in (kind, "")
                for start, _p in self.powers.get((code, decision, wanted), [])
            }
        )
        return changes, [self._answer(chain, decision, kind, start) for start in changes]

    def decider(
        self, unit: str, department: str, prosecutor: str, decision: str, kind: str, day: int
    ) -> tuple[str, str]:
        """The lowest-ranking person allowed to decide: (staff id, decision level)."""
        allowed = self.positions_allowed(unit, decision, kind, day)
        if "PROSECUTOR" in allowed:
            return prosecutor, "PROSECUTOR"
        if "DEPT_HEAD" in allowed:
            return self.heads[(unit, department)], "DEPT_HEAD"
        if "DEPUTY_CHIEF" in allowed:
            deputies = self.leaders[unit]["DEPUTY_CHIEF"]
            return deputies[0 if department in {"D01", "D02"} else len(deputies) - 1], "DEPUTY_CHIEF"
        return self.leaders[unit]["CHIEF"][0], "CHIEF"

    def head_of(self, unit: str, kind: str) -> str | None:
        """The head of ``unit``'s (first) department of ``kind``; None where it has none (compact)."""
        departments = COUNTY_DEPARTMENTS if self.by_code[unit].level == "COUNTY" else UPPER_DEPARTMENTS
        code = next((code for code, _name, of_kind in departments if of_kind == kind), None)
        return self.heads.get((unit, code)) if code else None

    def chief(self, unit: str) -> str:
        return self.leaders[unit]["CHIEF"][0]

    def deputy(self, unit: str) -> str:
        return self.leaders[unit]["DEPUTY_CHIEF"][0]


@dataclass(frozen=True)
class OrgNeeds:
    """How many special people the situation plan needs (computed by ``situations.plan``)."""

    related: int = 0
    recusal_related: int = 0
    concentration: int = 0
    concentration_lookalike: int = 0


def build_org(
    *,
    seed: int,
    cases: int,
    province_code: str,
    needs: OrgNeeds,
    counties: int | None = None,
    cities: int | None = None,
    compact: bool = False,
) -> Org:
    """The organisation for ``cases`` cases of ``province_code`` (deterministic for the seed).

    By default the number of county units follows the case count and they are spread over all the
    province's cities. ``counties`` fixes that number, ``cities`` keeps the counties to the first
    cities of the province, and ``compact`` staffs each unit with the fewest people the cases and
    the situations need (leaders, department heads, prosecutors; no assistants or clerks; two
    deputies; no enforcement or complaint department) — the demo's organisation of about 130.
    """
    rng = random.Random(f"org-{seed}")  # noqa: S311 - reproducible synthetic data, not security
    place = province(province_code)
    org = Org(seed=seed, province_code=province_code)
    records = org.records
    province_short_name = (
        place.name.replace("维吾尔自治区", "")
        .replace("壮族自治区", "")
        .replace("回族自治区", "")
        .replace("自治区", "")
    ).rstrip("省市")

    total_counties = sum(len(counties) for _city, counties in place.cities)
    candidate_cities = place.cities if cities is None else place.cities[: max(1, cities)]
    available = sum(len(city_counties) for _city, city_counties in candidate_cities)
    wanted = (
        max(2, min(total_counties, round(cases / CASES_PER_COUNTY)))
        if counties is None
        else max(1, min(available, counties))
    )
    chosen: dict[str, list[Place]] = {}
    depth = 0
    while sum(len(v) for v in chosen.values()) < wanted:
        for city, city_counties in candidate_cities:
            if depth < len(city_counties) and sum(len(v) for v in chosen.values()) < wanted:
                chosen.setdefault(city.code, []).append(city_counties[depth])
        depth += 1

    capital_city, _ = place.cities[0]
    org.capital = capital_city.code

    def add_unit(unit: Unit) -> None:
        org.units.append(unit)
        org.by_code[unit.code] = unit
        records.append(
            {
                "record": "unit",
                "code": unit.code,
                "name": f"{unit.name}人民检察院",
                "level": unit.level,
                "parent": unit.parent,
            }
        )

    add_unit(
        Unit(
            place.code,
            place.name,
            "PROVINCE",
            None,
            capital_city.code,
            place.short,
            f"{place.name}公安厅",
            f"{place.name}监察委员会",
            f"{place.name}高级人民法院",
        )
    )
    for city, _counties in place.cities:
        if city.code not in chosen:
            continue
        add_unit(
            Unit(
                city.code,
                city.name,
                "CITY",
                place.code,
                city.code,
                city.short,
                f"{city.name}公安局",
                f"{city.name}监察委员会",
                f"{city.name}中级人民法院",
            )
        )
        for county in chosen[city.code]:
            police = (
                f"{city.name}公安局{county.name[:-1]}分局"
                if county.name.endswith("区")
                else f"{county.name}公安局"
            )
            add_unit(
                Unit(
                    county.code,
                    f"{city.name}{county.name}" if county.name.endswith("区") else county.name,
                    "COUNTY",
                    city.code,
                    city.code,
                    city.short + county.short,
                    police,
                    f"{county.name}监察委员会",
                    f"{county.name}人民法院",
                )
            )

    # Case volume per unit: counties share 85 % (the capital's districts more), cities 13 %, province 2 %.
    weights: dict[str, float] = {}
    counties_units = [u for u in org.units if u.level == "COUNTY"]
    cities_units = [u for u in org.units if u.level == "CITY"]
    for unit in counties_units:
        weights[unit.code] = (
            UNIT_SHARES["COUNTY"]
            / len(counties_units)
            * (1.6 if unit.city == org.capital else rng.uniform(0.6, 1.2))
        )
    for unit in cities_units:
        weights[unit.code] = UNIT_SHARES["CITY"] / len(cities_units)
    weights[place.code] = UNIT_SHARES["PROVINCE"]
    total_weight = sum(weights.values())
    running = 0.0
    for unit in org.units:
        running += weights[unit.code]
        org.case_units.append(unit.code)
        org.case_unit_cumulative.append(running)

    line_shares = {"CRIMINAL": 0.78, "CIVIL": 0.10, "ADMINISTRATIVE": 0.06, "PUBLIC_INTEREST": 0.06}
    staff_numbers: dict[str, int] = {}
    active_staff: list[tuple[str, str]] = []  # (staff, unit) of everyone in post, for relations
    change_seq = [0]

    def staff_id(unit: str) -> str:
        staff_numbers[unit] = staff_numbers.get(unit, 0) + 1
        return f"{unit}{staff_numbers[unit]:04d}"

    def change(staff: str, on: date, kind: str, **post: Any) -> None:
        change_seq[0] += 1
        records.append(
            {
                "record": "staff_change",
                "id": f"SC{change_seq[0]:07d}",
                "staff": staff,
                "effective_on": on.isoformat(),
                "change": kind,
                **post,
            }
        )

    def day_between(first: date, last: date) -> date:
        return date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))

    def add_staff(
        unit: str, department: str, position: str, *, left_on: date | None = None, number: str | None = None
    ) -> str:
        identifier = number or staff_id(unit)
        decider = position in {"CHIEF", "DEPUTY_CHIEF", "COMMITTEE_MEMBER", "DEPT_HEAD", "PROSECUTOR"}
        starts = {
            "CHIEF": 1992,
            "DEPUTY_CHIEF": 1995,
            "COMMITTEE_MEMBER": 1995,
            "DEPT_HEAD": 1998,
            "PROSECUTOR": 2003,
        }
        joined = day_between(date(starts.get(position, 2010), 7, 1), date(2016 if decider else 2022, 6, 30))
        if left_on is not None and joined >= left_on:
            # Someone who left early must have joined before: moved back without a new random
            # draw, so that every other record of the run stays as it was.
            joined = date(left_on.year - 8, 9, 1)
        records.append(
            {
                "record": "staff",
                "id": identifier,
                "name": person_name(rng),
                "unit": unit,
                "department": department,
                "position": position,
                "is_quota_prosecutor": decider,
                "joined_on": joined.isoformat(),
                "left_on": left_on.isoformat() if left_on else None,
            }
        )
        first_position = "ASSISTANT" if decider else position
        if position in LEADERS and rng.random() < 0.4:
            # Came from another unit: joined there, transferred here as a leader (交流任职).
            other = rng.choice(org.units).code
            change(identifier, joined, "JOIN", unit=other, department="D01", position="ASSISTANT")
            change(
                identifier,
                day_between(date(2017, 1, 1), date(2023, 6, 30)),
                "TRANSFER",
                unit=unit,
                department=department,
                position=position,
            )
            return identifier
        change(identifier, joined, "JOIN", unit=unit, department=department, position=first_position)
        if decider:
            quota = max(date(joined.year + 5, 7, 1), date(2017, 7, 1))
            if position == "PROSECUTOR":
                change(identifier, min(quota, date(2023, 6, 30)), "PROMOTE", position="PROSECUTOR")
            else:
                change(identifier, min(quota, date(2020, 6, 30)), "PROMOTE", position="PROSECUTOR")
                change(
                    identifier, day_between(date(2020, 7, 1), date(2023, 6, 30)), "PROMOTE", position=position
                )
        if left_on is not None:
            change(identifier, left_on, "LEAVE")
        elif rng.random() < 0.03:
            change(identifier, day_between(date(2024, 1, 1), date(2026, 3, 31)), "AWARD")
        return identifier

    for unit in org.units:
        departments: tuple[tuple[str, str, str], ...] = (
            COUNTY_DEPARTMENTS if unit.level == "COUNTY" else UPPER_DEPARTMENTS
        )
        if compact:
            departments = tuple(entry for entry in departments if entry[2] not in COMPACT_LEFT_OUT)
        for code, name, kind in departments:
            records.append(
                {"record": "department", "unit": unit.code, "code": code, "name": name, "kind": kind}
            )
        leaders: dict[str, list[str]] = {"CHIEF": [add_staff(unit.code, "D00", "CHIEF")]}
        leaders["DEPUTY_CHIEF"] = [
            add_staff(unit.code, "D00", "DEPUTY_CHIEF")
            for _ in range(2 if unit.level == "COUNTY" or compact else 3)
        ]
        if unit.level != "COUNTY" and not compact:
            leaders["COMMITTEE_MEMBER"] = [add_staff(unit.code, "D00", "COMMITTEE_MEMBER")]
        org.leaders[unit.code] = leaders
        for code, _name, _kind in departments[1:]:
            org.heads[(unit.code, code)] = add_staff(unit.code, code, "DEPT_HEAD")
        volume = cases * weights[unit.code] / total_weight
        line_departments = LINE_DEPARTMENTS[unit.tier]
        prosecutors = 0
        for line in LINES:
            count = max(
                2 if line == "CRIMINAL" else 1,
                math.ceil(volume * line_shares[line] / CASES_PER_PROSECUTOR[line]),
            )
            pool = []
            for n in range(count):
                department = line_departments[line][n % len(line_departments[line])]
                pool.append((add_staff(unit.code, department, "PROSECUTOR"), department))
            org.pools[(unit.code, line)] = pool
            prosecutors += count
            active_staff.extend((staff, unit.code) for staff, _d in pool)
        for _ in range(0 if compact else prosecutors):
            department = (
                line_departments["CRIMINAL"][0] if rng.random() < 0.7 else line_departments["CIVIL"][0]
            )
            assistant = add_staff(unit.code, department, "ASSISTANT")
            active_staff.append((assistant, unit.code))
            if rng.random() < 0.05:
                # Moved between departments inside the period (not a case handler: no pool changes).
                moved_to = (
                    line_departments["CIVIL"][0]
                    if department != line_departments["CIVIL"][0]
                    else line_departments["CRIMINAL"][0]
                )
                change(
                    assistant,
                    day_between(date(2024, 3, 1), date(2026, 3, 31)),
                    "TRANSFER",
                    department=moved_to,
                )
                for record in reversed(records):
                    if record["record"] == "staff" and record["id"] == assistant:
                        record["department"] = moved_to
                        break
        for code, _name, kind in departments:
            if kind in SUPERVISORY_KINDS:
                for _ in range(0 if compact else 2 if unit.level == "COUNTY" else 4):
                    active_staff.append(
                        (add_staff(unit.code, code, rng.choice(("CLERK", "OTHER", "ASSISTANT"))), unit.code)
                    )
        for _ in range(0 if compact else max(1, prosecutors // 3)):
            active_staff.append((add_staff(unit.code, line_departments["CRIMINAL"][0], "CLERK"), unit.code))

    # Lawyers and firms: each city's bar, sized to its caseload (never fewer than 8 firms).
    lawyer_seq = [0]

    def new_lawyer(city: str, firm: tuple[str, str], *, former: str | None = None) -> Lawyer:
        lawyer_seq[0] += 1
        first_year = rng.randint(2000, 2022)
        license_no = f"1{city}{first_year}1{rng.randint(0, 1)}{lawyer_seq[0] % 10000:04d}"
        records.append(
            {
                "record": "lawyer",
                "id": license_no,
                "name": person_name(rng),
                "firm_id": firm[0],
                "firm_name": firm[1],
                "former_staff": former,
            }
        )
        return Lawyer(license_no, firm[0], city)

    firms_by_city: dict[str, list[tuple[str, str]]] = {}
    word_index = 0
    for unit in [org.by_code[org.capital], *[u for u in cities_units if u.code != org.capital]]:
        city_volume = sum(weights[u.code] for u in org.units if u.city == unit.code) / total_weight * cases
        firm_count = max(8, min(40, math.ceil(city_volume / 6000)))
        firms = []
        for n in range(firm_count):
            word = FIRM_WORDS[word_index % len(FIRM_WORDS)]
            suffix = "" if word_index < len(FIRM_WORDS) else str(word_index // len(FIRM_WORDS) + 1)
            word_index += 1
            firms.append(
                (
                    law_firm_credit_code(unit.code, rng),
                    f"{province_short_name}{unit.name[:-1] if n % 2 else ''}{word}{suffix}律师事务所",
                )
            )
        firms_by_city[unit.code] = firms
        org.lawyers_by_city[unit.code] = [
            new_lawyer(unit.code, firm)
            for firm in firms
            for _ in range(rng.randint(3, 6 if firm_count < 20 else 10))
        ]
    if org.capital not in org.lawyers_by_city:  # the capital city always has a bar
        org.lawyers_by_city[org.capital] = []

    # Former staff. Some practise as lawyers: of units with cases (GX07 "this unit"), recently
    # (left 2024–2025: within two years of leaving), and long ago (left before 2021: benign).
    def former(unit: str, left: date, *, lawyer: bool) -> FormerStaff | None:
        staff = add_staff(
            unit, LINE_DEPARTMENTS[org.by_code[unit].tier]["CRIMINAL"][0], "PROSECUTOR", left_on=left
        )
        if not lawyer:
            return None
        city = org.by_code[unit].city
        practise = new_lawyer(
            city, rng.choice(firms_by_city.get(city) or firms_by_city[org.capital]), former=staff
        )
        return FormerStaff(staff, unit, left.toordinal(), practise)

    for unit in org.units:
        kept = former(unit.code, day_between(date(2016, 1, 1), date(2023, 6, 30)), lawyer=True)
        assert kept is not None
        org.former_same.append(kept)
        if not compact:
            former(unit.code, day_between(date(2019, 1, 1), date(2025, 12, 31)), lawyer=False)
    for n in range(2 if compact else max(3, len(org.units) // 3)):
        home = org.units[n % len(org.units)].code
        recent = former(home, day_between(date(2024, 1, 1), date(2024, 10, 31)), lawyer=True)
        old = former(home, day_between(date(2015, 1, 1), date(2020, 12, 31)), lawyer=True)
        assert recent is not None and old is not None
        org.former_recent.append(recent)
        org.former_old.append(old)

    # Relations: background ones (relatives outside the system, colleagues) and the planned pairs
    # of a prosecutor and a lawyer. A related lawyer never appears on ordinary cases.
    relation_seq = [0]

    def relation(staff: str, other_kind: str, other: str, name: str, kind: str) -> None:
        relation_seq[0] += 1
        records.append(
            {
                "record": "relation",
                "id": f"RL{relation_seq[0]:06d}",
                "staff": staff,
                "other_kind": other_kind,
                "other": other,
                "other_name": name,
                "relation": kind,
            }
        )

    for staff, _unit in rng.sample(active_staff, max(1, len(active_staff) // 12)):
        roll = rng.random()
        if roll < 0.75:
            relation(
                staff,
                "PERSON",
                f"P{relation_seq[0] + 1:07d}",
                person_name(rng),
                rng.choice(RELATION_KINDS[:5]),
            )
        else:
            other, _ = rng.choice(active_staff)
            if other != staff:
                relation(
                    staff,
                    "STAFF",
                    other,
                    person_name(rng),
                    rng.choice(("SPOUSE", "FORMER_COLLEAGUE", "CLASSMATE")),
                )

    def related_pair(n: int) -> RelatedPair:
        county = counties_units[n % len(counties_units)].code
        prosecutor, department = rng.choice(org.pools[(county, "CRIMINAL")])
        city = org.by_code[county].city
        lawyer = new_lawyer(city, rng.choice(firms_by_city.get(city) or firms_by_city[org.capital]))
        kind = rng.choice(RELATION_KINDS)
        relation(prosecutor, "LAWYER", lawyer.id, records[-1]["name"], kind)
        return RelatedPair(county, prosecutor, department, lawyer, kind)

    org.related = [related_pair(n) for n in range(needs.related)]
    org.recusal_related = [related_pair(n + 1) for n in range(needs.recusal_related)]

    def dedicated(n: int, offset: int) -> Dedicated:
        county = counties_units[(n + offset) % len(counties_units)].code
        department = LINE_DEPARTMENTS["COUNTY"]["CRIMINAL"][0]
        return Dedicated(
            county,
            add_staff(county, department, "PROSECUTOR", number=f"{county}{9000 + offset * 500 + n:04d}"),
            department,
        )

    org.concentration = [dedicated(n, 0) for n in range(needs.concentration)]
    org.concentration_lookalike = [dedicated(n, 1) for n in range(needs.concentration_lookalike)]

    # The power list: the province's standard, and local lines. Every third county lets its
    # department heads decide relative non-prosecution (酌定不起诉) from mid-2023; one city takes
    # arrest decisions away from prosecutors from 2025 (its counties inherit the line).
    def power(unit: str, decision: str, kind: str, start: date, positions: tuple[str, ...]) -> None:
        record: dict[str, Any] = {
            "record": "power",
            "unit": unit,
            "decision": decision,
            "effective_from": start.isoformat(),
            "positions": list(positions),
        }
        if kind:
            record["kind"] = kind
        records.append(record)
        org.powers.setdefault((unit, decision, kind), []).append((start.toordinal(), positions))

    for decision, kind, positions in STANDARD_POWERS:
        power(place.code, decision, kind, STANDARD_FROM, positions)
    for n, unit in enumerate(counties_units):
        if n % 3 == 0:
            power(unit.code, "NON_PROSECUTE", "DISCRETIONARY", date(2023, 7, 1), ("DEPT_HEAD", *LEADERS))
            org.np_override_units.append(unit.code)
        elif n % 3 == 1:
            power(unit.code, "PROSECUTE", "", date(2024, 7, 1), ("PROSECUTOR", "DEPT_HEAD", *LEADERS))
    strict_city = cities_units[-1].code
    power(strict_city, "ARREST", "", date(2025, 1, 1), ("DEPT_HEAD", *LEADERS))
    return org


def reference_records(org: Org) -> Iterator[dict[str, Any]]:
    """The organisation's records in the order a reader expects: units first, powers last."""
    order = {
        "unit": 0,
        "department": 1,
        "staff": 2,
        "staff_change": 3,
        "lawyer": 4,
        "relation": 5,
        "power": 6,
    }
    yield from sorted(org.records, key=lambda record: order[record["record"]])


def day_of(text: str) -> int:
    return cal.ordinal(date.fromisoformat(text))
