"""Which cases carry an injected risk situation or a benign look-alike, and how each is built.

Every canonical situation of DATA_CONTRACT.md §3 is one or more *variants* here; every variant is
a function that turns a case index into the case's options (``timeline.py``) and the lines of
ground truth it must (or must not) raise. Which case gets which variant is a pure function of the
case index, the case count and the risk rate (no state between cases), so cases can be generated
in any order or in parallel:

- cases are "special" at evenly spaced indexes, at twice the risk rate; special slot ``m`` is an
  injection when ``m`` is even and a look-alike when odd;
- the n-th injection takes variant ``INJECTIONS[n % len(INJECTIONS)]``, so every variant occurs
  as soon as there are as many injections as the cycle is long (look-alikes likewise).

The criminal variants appear twice in each cycle so that the lines keep their shares; the
concentration situation (GX06) is a block of six consecutive entries: one group of cases of one
prosecutor per cycle.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lianjian.ingest.generator import calendar as cal
from lianjian.ingest.generator.causes import (
    CHARGE_BY_NAME,
    CHARGES,
    LENIENCY_WATCHED,
    NEW_EVIDENCE,
    RECHARACTERISED,
)
from lianjian.ingest.generator.org import Org, OrgNeeds
from lianjian.ingest.generator.timeline import AS_OF, AS_OF_DAY, SPECIAL_LAST_DAY, START_DAY, draw_charge

GROUP = 6  # cases of one concentration group (GX06)
CRIMINAL_INJECTIONS = [
    "GX01",
    "GX02",
    "GX03",
    "GX04",
    "GX05",
    "GX07.relation",
    "GX07.former_same",
    "GX07.former_recent",
    "GX08.late",
    "GX08.overdue_open",
    "GX08.warning",
    "GX10.sensitive",
    "GX10.complaint",
    "XS01",
    "XS02",
    "XS03.non_prosecute",
    "XS03.acquitted",
    "XS04.withdraw",
    "XS04.deviate",
    "XS05.cause",
    "XS05.charges",
    "XS06",
    "XS08",
    "XS09",
    "XS10",
    "XS11",
    "XS12",
    "ZH01",
    "ZH03",
]
OTHER_INJECTIONS = [
    "MS01",
    "MS02",
    "MS03",
    "MS04",
    "MS05",
    "MS06",
    "MS07",
    "MS08",
    "XZ01",
    "XZ02",
    "XZ03",
    "XZ04",
    "XZ05",
    "XZ06",
    "XZ07",
    "XZ08",
    "XZ09",
    "GY01",
    "GY02",
    "GY03",
    "GY04",
    "GY05",
    "GY06",
    "GY07",
    "GY08",
    "GY09",
    "GY10",
]
INJECTIONS = [*CRIMINAL_INJECTIONS, *["GX06"] * GROUP, *CRIMINAL_INJECTIONS, *OTHER_INJECTIONS]

CRIMINAL_LOOKALIKES = [
    "GX01.referred_up",
    "GX02.latest",
    "GX03.override",
    "GX04.day3",
    "GX05.approved",
    "GX05.in_office",
    "GX07.recused",
    "GX07.former_old",
    "GX08.last_day",
    "GX08.holiday_roll",
    "GX08.extended",
    "GX08.reset",
    "GX08.suspended",
    "GX10.complaint_none",
    "XS01.valid",
    "XS02.unchanged",
    "XS03.no_arrest",
    "XS03.guilty",
    "XS04.within",
    "XS05.miskeyed",
    "XS06.bail",
    "XS08.supervised",
    "XS09.in_custody",
    "XS10.accepted_first",
    "XS11.aid",
    "XS12.prosecuted",
    "XS12.other_cause",
    "ZH01.case_management",
    "ZH03.approved",
    "KEY.protest_criminal",
]
OTHER_LOOKALIKES = [
    "MS03.supported",
    "MS04.no_mediation",
    "KEY.investigation_pil",
    "KEY.withdrawn_civil",
    "KEY.mediation_civil",
    "KEY.follow_up_admin",
    "KEY.terminate_admin",
    "XZ07.replied",
    "GY01.transferred",
]
LOOKALIKES = [*CRIMINAL_LOOKALIKES, *["GX06.under"] * GROUP, *CRIMINAL_LOOKALIKES, *OTHER_LOOKALIKES]

# Codes of DATA_CONTRACT.md §3 (the list a run with enough injections covers), one entry per line of
# work; written out independently of the variant cycles above, which the tests check against it.
CANONICAL_CODES = [
    *[f"GX{n:02}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 10)],
    *[f"XS{n:02}" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)],
    *[f"MS{n:02}" for n in range(1, 9)],
    *[f"XZ{n:02}" for n in range(1, 10)],
    *[f"GY{n:02}" for n in range(1, 11)],
    "ZH01",
    "ZH03",
]


def _ranks(cycle: list[str]) -> tuple[list[int], dict[str, int]]:
    seen: dict[str, int] = {}
    ranks = []
    for name in cycle:
        ranks.append(seen.get(name, 0))
        seen[name] = seen.get(name, 0) + 1
    return ranks, seen


_RANKS = {True: _ranks(INJECTIONS), False: _ranks(LOOKALIKES)}


class Schedule:
    """Maps a case index to nothing, or to (is injection, variant, occurrence of that variant)."""

    def __init__(self, cases: int, risk_rate: float) -> None:
        self.cases = cases
        self.per_million = round(2 * risk_rate * 1_000_000)
        slots = cases * self.per_million // 1_000_000
        self.injections = (slots + 1) // 2
        self.lookalikes = slots // 2

    def at(self, index: int) -> tuple[bool, str, int] | None:
        before = index * self.per_million // 1_000_000
        if (index + 1) * self.per_million // 1_000_000 == before:
            return None
        injected = before % 2 == 0
        ordinal = before // 2
        cycle = INJECTIONS if injected else LOOKALIKES
        ranks, counts = _RANKS[injected]
        position = ordinal % len(cycle)
        name = cycle[position]
        return injected, name, (ordinal // len(cycle)) * counts[name] + ranks[position]

    def bound(self, injected: bool, name: str) -> int:
        """An upper bound of the occurrences of variant ``name`` (people to prepare for it)."""
        total = self.injections if injected else self.lookalikes
        cycle = INJECTIONS if injected else LOOKALIKES
        return (total // len(cycle) + 1) * _RANKS[injected][1].get(name, 0)

    def needs(self) -> OrgNeeds:
        return OrgNeeds(
            related=self.bound(True, "GX07.relation"),
            recusal_related=self.bound(False, "GX07.recused"),
            concentration=self.bound(True, "GX06") // GROUP,
            concentration_lookalike=self.bound(False, "GX06.under") // GROUP,
        )


@dataclass
class Plan:
    """What a variant decided for one case: how to build it and what it must (not) raise."""

    builder: str  # criminal / filing / supervision / public_interest
    options: dict[str, Any]
    unit: str | None = None
    start: int | None = None
    truth: list[tuple[str, str, str, str | None]] | None = None  # (kind, code, note, subject staff)
    requires: tuple[str, ...] = ()  # event types that must be written for the truth to hold
    truth_extra: dict[str, Any] | None = None


def special_day(rng: random.Random, last: int = SPECIAL_LAST_DAY) -> int:
    return cal.workday_on_or_after(rng.randint(START_DAY, last))


def pick_charge(rng: random.Random, *, watched: bool | None = None, arrestable: bool = False) -> Any:
    while True:
        charge = draw_charge(rng)
        if watched is not None and (charge.name in LENIENCY_WATCHED) != watched:
            continue
        if arrestable and charge.arrest_share < 0.3:
            continue
        return charge


def pick_county(org: Org, rng: random.Random, *, not_unit: str | None = None) -> str:
    counties = [u.code for u in org.units if u.level == "COUNTY" and u.code != not_unit]
    return rng.choice(counties)


def must(code: str, note: str, staff: str | None = None) -> list[tuple[str, str, str, str | None]]:
    return [("must_raise", code, note, staff)]


def must_not(codes: str, note: str, staff: str | None = None) -> list[tuple[str, str, str, str | None]]:
    return [("must_not_raise", code, note, staff) for code in codes.split()]


def first_workday_with(day: int, offset: int, *, workday: bool) -> int:
    """The first working day from ``day`` whose ``day + offset`` is (or is not) a working day."""
    day = cal.workday_on_or_after(day)
    while cal.is_workday(day + offset) != workday:
        day = cal.workday_on_or_after(day + 1)
    return day


# --- the variants ----------------------------------------------------------------------------------

Variant = Callable[[Org, random.Random, int], Plan]

# Each option builder below draws from ``rng`` in the order the variants always did. Note that
# ``criminal_options`` draws a charge even when one is given (``setdefault`` evaluates its default),
# so a value passed in is drawn before that charge: a charge of its own is therefore drawn by the
# caller (``arrestable_charge``), before any other value passed in.


def criminal_options(rng: random.Random, **options: Any) -> dict[str, Any]:
    options.setdefault("charge", pick_charge(rng, watched=False))
    return options


def defended_by(rng: random.Random, lawyer: Any, **options: Any) -> dict[str, Any]:
    """A criminal case without arrest review in which ``lawyer`` is engaged for the defence."""
    return criminal_options(rng, lawyer=lawyer, arrest_review=False, **options)


def capital_lawyer_contact(org: Org, rng: random.Random, contact: str) -> dict[str, Any]:
    """A criminal case whose prosecutor meets a lawyer of the capital (GX05), ``contact`` how."""
    return criminal_options(rng, lawyer=rng.choice(org.lawyers_by_city[org.capital]), contact=contact)


def arrestable_charge(rng: random.Random, *, watched: bool | None = None) -> Any:
    """A charge that allows arrest."""
    return pick_charge(rng, watched=watched, arrestable=True)


def arrest_options(rng: random.Random, charge: Any, **options: Any) -> dict[str, Any]:
    """A criminal case on ``charge`` that comes up for arrest review."""
    return criminal_options(rng, charge=charge, arrest_review=True, **options)


def arrested(rng: random.Random, charge: Any, **options: Any) -> dict[str, Any]:
    """A criminal case on ``charge`` whose suspect is arrested after review."""
    return arrest_options(rng, charge, arrest_decision="ARREST", **options)


def arrested_then_dropped(rng: random.Random, charge: Any, **options: Any) -> dict[str, Any]:
    """Arrested, then not prosecuted for insufficient evidence (存疑不起诉)."""
    return arrested(rng, charge, decision="NON_PROSECUTE", np_kind="EVIDENCE", **options)


def arrest_timed(rng: random.Random, charge: Any, timing: str, *, detained: bool) -> dict[str, Any]:
    """Arrested after a review decided at ``timing`` (late / last_day / holiday_roll)."""
    return arrest_options(
        rng, charge, arrest_detained=detained, arrest_timing=timing, arrest_decision="ARREST"
    )


def prosecuted(rng: random.Random, **options: Any) -> dict[str, Any]:
    """A criminal case without arrest review that is prosecuted."""
    return criminal_options(rng, arrest_review=False, decision="PROSECUTE", **options)


def prosecution_timed(rng: random.Random, mode: str, **options: Any) -> dict[str, Any]:
    """A criminal case whose prosecution review runs in ``mode`` (overdue_open, extended, …)."""
    return criminal_options(rng, arrest_review=False, prosecution_mode=mode, fast_track=False, **options)


def plea_case(rng: random.Random, charge: Any, **options: Any) -> dict[str, Any]:
    """A criminal case without arrest review on ``charge`` in which the suspect pleads guilty (认罪认罚)."""
    return criminal_options(rng, charge=charge, plea=True, arrest_review=False, **options)


def watched_charge(rng: random.Random) -> Any:
    """One of the charges watched for lenient non-prosecution (XS12)."""
    return CHARGE_BY_NAME[rng.choice(LENIENCY_WATCHED)]


def civil_options(line: str, case_type: str | None = None, **options: Any) -> dict[str, Any]:
    default = "CIVIL_SUPERVISION" if line == "CIVIL" else "ADMIN_SUPERVISION"
    return {"line": line, "case_type": case_type or default, **options}


def supported(line: str, follow: str, case_type: str | None = None, **options: Any) -> dict[str, Any]:
    """A civil or administrative supervision that supports the application and follows with ``follow``."""
    return civil_options(line, case_type, outcome="SUPPORT_SUPERVISION", follow=follow, **options)


def opinion_withdrawn(line: str) -> dict[str, Any]:
    """A retrial recommendation whose opinion is later withdrawn."""
    return supported(line, "RETRIAL_RECOMMENDATION", nodes_after=[node("OPINION_WITHDRAWN")])


def followed_up(line: str) -> dict[str, Any]:
    """A recommendation followed by further supervision."""
    return supported(line, "RECOMMENDATION", nodes_after=[node("FOLLOW_UP_SUPERVISION")])


def protest_request_rejected(line: str, case_type: str | None = None) -> dict[str, Any]:
    """An upper procuratorate's refusal of a lower one's protest request."""
    return civil_options(
        line,
        case_type,
        nodes_before=[node("PROTEST_REQUEST_REJECTED")],
        outcome="NONE",
        result="不支持下级院提请抗诉",
    )


def investigation(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """An INVESTIGATION node of a party or an outsider."""
    return node("INVESTIGATION", target=rng.choice(("PARTY", "OUTSIDER")))


def public_suit(*, civil: bool = False, **options: Any) -> dict[str, Any]:
    """A public-interest case that goes to suit."""
    return {"civil": civil, "suit": True, **options}


def group_day(org: Org, seed_text: str, group: int, member: int, spread: bool) -> int:
    base_rng = random.Random(f"{seed_text}-{org.seed}-{group}")  # noqa: S311 - synthetic data
    base = base_rng.randint(START_DAY, SPECIAL_LAST_DAY - (520 if spread else 160))
    offset = member * 25 if not spread else (member * 30 if member < 3 else 430 + (member - 3) * 30)
    return cal.workday_on_or_after(base + offset)


def group_lawyers(org: Org, dedicated: Any, seed_text: str, group: int) -> tuple[list[Any], Any]:
    """The lawyers of a concentration group's city and the group's main lawyer (its own seed)."""
    lawyers = org.lawyers_by_city[org.by_code[dedicated.unit].city]
    main = random.Random(f"{seed_text}-lawyer-{org.seed}-{group}").choice(lawyers)  # noqa: S311
    return lawyers, main


def group_plan(
    rng: random.Random,
    dedicated: Any,
    lawyer: Any,
    start: int,
    truth: list[tuple[str, str, str, str | None]] | None,
    requires: tuple[str, ...] = (),
) -> Plan:
    """One case of a concentration group: the group's prosecutor, defended by ``lawyer``."""
    return Plan(
        "criminal",
        defended_by(rng, lawyer, prosecutor=(dedicated.prosecutor, dedicated.department)),
        unit=dedicated.unit,
        start=start,
        truth=truth,
        requires=requires,
    )


def related_plan(
    rng: random.Random,
    pair: Any,
    truth: list[tuple[str, str, str, str | None]],
    requires: tuple[str, ...],
    **options: Any,
) -> Plan:
    """A case of a prosecutor related to the defending lawyer (GX07)."""
    return Plan(
        "criminal",
        defended_by(rng, pair.lawyer, prosecutor=(pair.prosecutor, pair.department), **options),
        unit=pair.unit,
        truth=truth,
        requires=requires,
    )


def _gx06(org: Org, rng: random.Random, occurrence: int) -> Plan:
    group, member = divmod(occurrence, GROUP)
    dedicated = org.concentration[group]
    lawyers, main = group_lawyers(org, dedicated, "gx06", group)
    others = [lawyer for lawyer in lawyers if lawyer.firm_id != main.firm_id]
    lawyer = main if member < GROUP - 1 else rng.choice(others)
    truth = None
    if member == GROUP - 2:
        truth = must(
            "GX06",
            f"同一律师 {main.id} 代理该检察官 {GROUP - 1} 件以上案件，12 个月内占比超过 30%",
            dedicated.prosecutor,
        )
    start = group_day(org, "gx06", group, member, spread=False)
    return group_plan(rng, dedicated, lawyer, start, truth, requires=("LAWYER_ENGAGED",))


def _relation(org: Org, rng: random.Random, occurrence: int) -> Plan:
    pair = org.related[occurrence]
    truth = must("GX07", f"承办检察官与辩护律师 {pair.lawyer.id} 有登记关系（{pair.relation}），未回避")
    return related_plan(rng, pair, truth, ("LAWYER_ENGAGED",))


def _former_same(org: Org, rng: random.Random, occurrence: int) -> Plan:
    former = org.former_same[occurrence % len(org.former_same)]
    return Plan(
        "criminal",
        defended_by(rng, former.lawyer),
        unit=former.unit,
        truth=must("GX07", f"辩护律师 {former.lawyer.id} 是本院离职人员 {former.staff}"),
        requires=("LAWYER_ENGAGED",),
    )


def _former_recent(org: Org, rng: random.Random, occurrence: int) -> Plan:
    former = org.former_recent[occurrence % len(org.former_recent)]
    start = cal.workday_on_or_after(
        rng.randint(former.left_on + 30, max(former.left_on + 31, SPECIAL_LAST_DAY))
    )
    return Plan(
        "criminal",
        defended_by(rng, former.lawyer),
        unit=pick_county(org, rng, not_unit=former.unit),
        start=start,
        truth=must(
            "GX07", f"辩护律师 {former.lawyer.id} 离开检察机关（{cal.day_text(former.left_on)}）未满两年"
        ),
        requires=("LAWYER_ENGAGED",),
    )


def _warning_day() -> tuple[int, int]:
    """A receipt day whose one-month limit (in custody) ends one to four days after "as of"."""
    for ahead in range(1, 5):
        start = cal.add_months(AS_OF_DAY + ahead, -1)
        if cal.is_workday(start) and cal.add_months(start, 1) == AS_OF_DAY + ahead:
            return start, AS_OF_DAY + ahead
    start = cal.workday_on_or_before(cal.add_months(AS_OF_DAY + 1, -1))
    return start, cal.add_months(start, 1)


def _detained_deadline(rng: random.Random, mode: str, level: str, start: int, last: int, state: str) -> Plan:
    """A detained suspect's prosecution review received on ``start`` whose limit ends on ``last``."""
    return Plan(
        "criminal",
        prosecution_timed(rng, mode, prosecution_detained=True),
        start=start,
        truth=must("GX08", f"在押案件审查起诉期限于 {cal.day_text(last)} 届满，{state}"),
        truth_extra={"as_of": AS_OF.isoformat(), "level": level, "deadline": cal.day_text(last)},
    )


def _overdue_open(org: Org, rng: random.Random, occurrence: int) -> Plan:
    start = cal.workday_on_or_before(cal.add_months(AS_OF_DAY - rng.randint(6, 20), -1))
    last = cal.add_months(start, 1)
    return _detained_deadline(rng, "overdue_open", "OVERDUE", start, last, "截至基准时间仍未作出决定")


def _warning(org: Org, rng: random.Random, occurrence: int) -> Plan:
    start, last = _warning_day()
    return _detained_deadline(rng, "warning", "WARNING", start, last, "处于临期预警窗口内")


def simple(
    builder: str,
    make: Callable[[Org, random.Random], dict[str, Any]],
    truth: Callable[[], list[Any]],
    requires: tuple[str, ...] = (),
    unit: Callable[[Org, random.Random], str] | None = None,
    start: Callable[[random.Random], int] | None = None,
) -> Variant:
    def variant(org: Org, rng: random.Random, occurrence: int) -> Plan:
        return Plan(
            builder,
            make(org, rng),
            unit=unit(org, rng) if unit else None,
            start=start(rng) if start else None,
            truth=truth(),
            requires=requires,
        )

    return variant


def node(event_type: str, **data: Any) -> tuple[str, dict[str, Any]]:
    return (event_type, data)


def recharacterised(rng: random.Random) -> Any:
    return (
        CHARGE_BY_NAME.get(rng.choice([name for name in RECHARACTERISED if name in CHARGE_BY_NAME]))
        or CHARGES[1]
    )


def upper_unit(org: Org, rng: random.Random) -> str:
    return rng.choice([u.code for u in org.units if u.level == "CITY"])


def np_override_unit(org: Org, rng: random.Random) -> str:
    return rng.choice(org.np_override_units)


def start_before(margin: int) -> Callable[[random.Random], int]:
    """A start day at least ``margin`` days before the last special day (room for later events)."""
    return lambda rng: special_day(rng, SPECIAL_LAST_DAY - margin)


M = must
N = must_not
INJECTED: dict[str, Variant] = {
    # 共性 (seed 000 第十一条)
    "GX01": simple(
        "criminal",
        lambda o, r: criminal_options(
            r, directive=r.choice(("CORRECT", "REVOKE", "CHANGE", "DESIGNATE_JURISDICTION"))
        ),
        lambda: M("GX01", "上级院对本案作出指令"),
        ("SUPERIOR_DIRECTIVE",),
        unit=lambda o, r: pick_county(o, r),
    ),
    "GX02": simple(
        "criminal",
        lambda o, r: criminal_options(
            r,
            arrest_review=False,
            proposal=("NON_PROSECUTE", "DISCRETIONARY"),
            decision="PROSECUTE",
            decided_by="DEPUTY_CHIEF",
        ),
        lambda: M("GX02", "承办人建议酌定不起诉，副检察长改为起诉"),
        ("DECIDED",),
    ),
    "GX03": simple(
        "criminal",
        lambda o, r: criminal_options(
            r, arrest_review=False, decision="NON_PROSECUTE", np_kind="EVIDENCE", decided_by="PROSECUTOR"
        ),
        lambda: M("GX03", "检察官自行作出存疑不起诉决定，超出权力清单"),
        ("DECIDED",),
    ),
    "GX04": simple(
        "criminal",
        lambda o, r: criminal_options(r, arrest_review=False, rights="late"),
        lambda: M("GX04", "受理审查起诉后 3 日内未告知犯罪嫌疑人诉讼权利"),
        ("RECEIVED",),
    ),
    "GX05": simple(
        "criminal",
        lambda o, r: capital_lawyer_contact(o, r, "outside"),
        lambda: M("GX05", "在办公场所和工作时间以外接触律师，无审批"),
        ("CONTACT",),
    ),
    "GX06": _gx06,
    "GX07.relation": _relation,
    "GX07.former_same": _former_same,
    "GX07.former_recent": _former_recent,
    "GX08.late": simple(
        "criminal",
        lambda o, r: arrest_timed(r, arrestable_charge(r), "late", detained=True),
        lambda: M("GX08", "在押犯罪嫌疑人审查逮捕超过 7 日才作出决定"),
        ("DECIDED",),
    ),
    "GX08.overdue_open": _overdue_open,
    "GX08.warning": _warning,
    "GX10.sensitive": simple(
        "criminal",
        lambda o, r: criminal_options(r, sensitive=r.choice(("PETITION_RISK", "PUBLIC_OPINION"))),
        lambda: M("GX10", "敏感案件标记"),
        ("SENSITIVE",),
    ),
    "GX10.complaint": simple(
        "criminal",
        lambda o, r: criminal_options(r, complaints=[(r.choice(("SKIP_LEVEL", "CAPITAL")), True)]),
        lambda: M("GX10", "越级或进京信访"),
        ("COMPLAINT",),
        start=start_before(150),
    ),
    # 刑事 (第十二条)
    "XS01": simple(
        "filing",
        lambda o, r: {"charge": pick_charge(r), "notify": r.choice(("NOTIFY_FILE", "NOTIFY_DISMISS"))},
        lambda: M("XS01", "通知公安机关立案或撤案"),
        ("DECIDED",),
    ),
    "XS02": simple(
        "criminal",
        lambda o, r: arrest_options(
            r, arrestable_charge(r), arrest_decision="NO_ARREST", reconsideration=True
        ),
        lambda: M("XS02", "不批准逮捕经复议后改变原决定"),
        ("RECONSIDERATION_DECIDED",),
    ),
    "XS03.non_prosecute": simple(
        "criminal",
        lambda o, r: arrested_then_dropped(r, arrestable_charge(r, watched=False)),
        lambda: M("XS03", "批准逮捕后作存疑不起诉"),
        ("DECIDED",),
    ),
    "XS03.acquitted": simple(
        "criminal",
        lambda o, r: arrested(
            r, arrestable_charge(r), decision="PROSECUTE", verdict=r.choice(("ACQUITTED", "EXEMPTED"))
        ),
        lambda: M("XS03", "批准逮捕后法院判决无罪或免予刑事处罚"),
        ("JUDGMENT",),
    ),
    "XS04.withdraw": simple(
        "criminal",
        lambda o, r: prosecuted(r, withdraw=True),
        lambda: M("XS04", "提起公诉后撤回起诉"),
        ("CLOSED",),
    ),
    "XS04.deviate": simple(
        "criminal",
        lambda o, r: prosecuted(r, judged="deviate"),
        lambda: M("XS04", "法院判处刑期超出量刑建议一倍以上"),
        ("JUDGMENT",),
    ),
    "XS05.cause": simple(
        "criminal",
        lambda o, r: (
            lambda ch: criminal_options(
                r, charge=ch, final_cause=RECHARACTERISED[ch.name], arrest_review=False
            )
        )(recharacterised(r)),
        lambda: M("XS05", "审结案由与移送案由不一致"),
        ("DECIDED",),
    ),
    "XS05.charges": simple(
        "criminal",
        lambda o, r: (lambda ch: prosecuted(r, charge=ch, judged_charge=RECHARACTERISED[ch.name]))(
            recharacterised(r)
        ),
        lambda: M("XS05", "判决认定罪名与起诉罪名不一致"),
        ("JUDGMENT",),
    ),
    "XS06": simple(
        "criminal",
        lambda o, r: arrested(r, arrestable_charge(r), abscond=True),
        lambda: M("XS06", "变更为取保候审后犯罪嫌疑人脱逃"),
        ("ABSCONDED",),
    ),
    "XS08": simple(
        "criminal",
        lambda o, r: prosecuted(r, execution=r.choice(("COMMUTATION", "PAROLE", "TEMPORARY_OUTSIDE"))),
        lambda: M("XS08", "减刑、假释或暂予监外执行"),
        ("EXECUTION_CHANGE",),
        start=start_before(200),
    ),
    "XS09": simple(
        "criminal",
        lambda o, r: arrested(r, arrestable_charge(r), incident=r.choice(("ESCAPE", "ABNORMAL_DEATH"))),
        lambda: M("XS09", "在押人员脱逃或非正常死亡"),
        ("DETAINEE_INCIDENT",),
    ),
    "XS10": simple(
        "criminal",
        lambda o, r: criminal_options(
            r, complaints=[("NONE", False), (r.choice(("SKIP_LEVEL", "CAPITAL")), True)]
        ),
        lambda: M("XS10", "申诉未受理后越级或进京上访"),
        ("COMPLAINT",),
        start=start_before(200),
    ),
    "XS11": simple(
        "criminal",
        lambda o, r: arrested_then_dropped(
            r, arrestable_charge(r, watched=False), compensation=r.randint(2, 80) * 1000
        ),
        lambda: M("XS11", "作出国家赔偿"),
        ("STATE_COMPENSATION",),
        start=start_before(120),
    ),
    "XS12": simple(
        "criminal",
        lambda o, r: plea_case(r, watched_charge(r), decision="NON_PROSECUTE", np_kind="DISCRETIONARY"),
        lambda: M("XS12", "认罪认罚的故意伤害、危险驾驶或交通肇事案件作不起诉"),
        ("DECIDED",),
    ),
    # 综合 (第十六条)
    "ZH01": simple(
        "criminal",
        lambda o, r: criminal_options(r, method="DESIGNATED"),
        lambda: M("ZH01", "指定分案"),
        ("ASSIGNED",),
    ),
    "ZH03": simple(
        "criminal",
        lambda o, r: criminal_options(r, arrest_review=False, property="unapproved"),
        lambda: M("ZH03", "涉案财物处置未经审批"),
        ("PROPERTY_DISPOSED",),
    ),
    # 民事 (第十三条)
    "MS01": simple(
        "supervision",
        lambda o, r: civil_options("CIVIL", ex_officio=True),
        lambda: M("MS01", "依职权启动民事监督"),
        ("SUPERVISION_EX_OFFICIO",),
    ),
    "MS02": simple(
        "supervision",
        lambda o, r: civil_options("CIVIL", nodes_before=[investigation(r)]),
        lambda: M("MS02", "向当事人或案外人调查核实"),
        ("INVESTIGATION",),
    ),
    "MS03": simple(
        "supervision",
        lambda o, r: civil_options(
            "CIVIL", grounds=NEW_EVIDENCE, outcome=r.choice(("REJECT_SUPERVISION", "TERMINATE_REVIEW"))
        ),
        lambda: M("MS03", "以新证据为由申请监督，终结审查或不支持监督申请"),
        ("DECIDED",),
    ),
    "MS04": simple(
        "supervision",
        lambda o, r: civil_options(
            "CIVIL",
            nodes_before=[node("MEDIATION")],
            outcome="TERMINATE_REVIEW",
            result="当事人和解，终结审查",
        ),
        lambda: M("MS04", "当事人和解后终结审查"),
        ("DECIDED",),
    ),
    "MS05": simple(
        "supervision",
        lambda o, r: supported(
            "CIVIL",
            "RECOMMENDATION",
            "CIVIL_EXECUTION_SUPERVISION",
            nodes_before=[node("EXECUTION_SUPERVISION")],
        ),
        lambda: M("MS05", "对法院执行活动监督"),
        ("EXECUTION_SUPERVISION",),
    ),
    "MS06": simple(
        "supervision",
        lambda o, r: opinion_withdrawn("CIVIL"),
        lambda: M("MS06", "撤回监督意见"),
        ("OPINION_WITHDRAWN",),
    ),
    "MS07": simple(
        "supervision",
        lambda o, r: protest_request_rejected("CIVIL", "CIVIL_PROTEST_REQUEST"),
        lambda: M("MS07", "不支持下级院提请抗诉"),
        ("PROTEST_REQUEST_REJECTED",),
        unit=upper_unit,
    ),
    "MS08": simple(
        "supervision",
        lambda o, r: followed_up("CIVIL"),
        lambda: M("MS08", "跟进监督"),
        ("FOLLOW_UP_SUPERVISION",),
    ),
    # 行政 (第十四条)
    "XZ01": simple(
        "supervision",
        lambda o, r: civil_options("ADMINISTRATIVE", ex_officio=True),
        lambda: M("XZ01", "依职权启动行政监督"),
        ("SUPERVISION_EX_OFFICIO",),
    ),
    "XZ02": simple(
        "supervision",
        lambda o, r: civil_options("ADMINISTRATIVE", nodes_before=[investigation(r)]),
        lambda: M("XZ02", "向当事人或案外人调查核实"),
        ("INVESTIGATION",),
    ),
    "XZ03": simple(
        "supervision",
        lambda o, r: civil_options("ADMINISTRATIVE", outcome="TERMINATE_REVIEW"),
        lambda: M("XZ03", "行政监督案件终结审查"),
        ("DECIDED",),
    ),
    "XZ04": simple(
        "supervision",
        lambda o, r: protest_request_rejected("ADMINISTRATIVE"),
        lambda: M("XZ04", "不支持下级院提请抗诉"),
        ("PROTEST_REQUEST_REJECTED",),
        unit=upper_unit,
    ),
    "XZ05": simple(
        "supervision",
        lambda o, r: opinion_withdrawn("ADMINISTRATIVE"),
        lambda: M("XZ05", "撤回监督意见"),
        ("OPINION_WITHDRAWN",),
    ),
    "XZ06": simple(
        "supervision",
        lambda o, r: supported(
            "ADMINISTRATIVE", "RECOMMENDATION", nodes_after=[node("COURT_WRITTEN_OBJECTION")]
        ),
        lambda: M("XZ06", "法院认为监督行为违法提出书面建议"),
        ("COURT_WRITTEN_OBJECTION",),
    ),
    "XZ07": simple(
        "supervision",
        lambda o, r: supported("ADMINISTRATIVE", "RECOMMENDATION", reply="RECOMMENDATION_OBJECTED"),
        lambda: M("XZ07", "被建议单位对检察建议提出异议"),
        ("RECOMMENDATION_OBJECTED",),
    ),
    "XZ08": simple(
        "supervision",
        lambda o, r: supported(
            "ADMINISTRATIVE",
            "RECOMMENDATION",
            "ADMIN_NON_LITIGATION",
            nodes_before=[node("NON_LITIGATION_ENFORCEMENT")],
        ),
        lambda: M("XZ08", "行政非诉执行监督"),
        ("NON_LITIGATION_ENFORCEMENT",),
    ),
    "XZ09": simple(
        "supervision",
        lambda o, r: civil_options(
            "ADMINISTRATIVE", nodes_after=[node("JUDICIAL_AID", amount=r.randint(5, 60) * 1000)]
        ),
        lambda: M("XZ09", "给予司法救助"),
        ("JUDICIAL_AID",),
    ),
    # 公益诉讼 (第十五条)
    "GY01": simple(
        "public_interest",
        lambda o, r: {"clue_closed": True},
        lambda: M("GY01", "公益诉讼线索评估后不予立案"),
        ("CLOSED",),
    ),
    "GY02": simple(
        "public_interest",
        lambda o, r: {"nodes_before": [investigation(r)]},
        lambda: M("GY02", "调查收集证据"),
        ("INVESTIGATION",),
    ),
    "GY03": simple(
        "public_interest",
        lambda o, r: {
            "civil": False,
            "nodes_after_reply": [node("RECOMMENDATION_EFFECT_ASSESSED", effective=r.random() < 0.8)],
        },
        lambda: M("GY03", "评估诉前检察建议落实效果"),
        ("RECOMMENDATION_EFFECT_ASSESSED",),
    ),
    "GY04": simple(
        "public_interest",
        lambda o, r: {"civil": False, "terminate": True},
        lambda: M("GY04", "公益诉讼案件终结审查"),
        ("DECIDED",),
    ),
    "GY05": simple(
        "public_interest",
        lambda o, r: public_suit(nodes_after_reply=[node("SUIT_DEFERRED")]),
        lambda: M("GY05", "暂缓起诉"),
        ("SUIT_DEFERRED",),
    ),
    "GY06": simple(
        "public_interest",
        lambda o, r: public_suit(nodes_after_suit=[node("CLAIM_CHANGED")]),
        lambda: M("GY06", "变更诉讼请求"),
        ("CLAIM_CHANGED",),
    ),
    "GY07": simple(
        "public_interest",
        lambda o, r: public_suit(civil=True, nodes_after_suit=[node("MEDIATION")], result="调解结案"),
        lambda: M("GY07", "公益诉讼案件调解"),
        ("MEDIATION",),
    ),
    "GY08": simple(
        "public_interest",
        lambda o, r: public_suit(
            nodes_after_suit=[node("SUIT_WITHDRAWN", kind=r.choice(("FULL", "PARTIAL", "SUPPORT")))],
            result="撤回起诉",
        ),
        lambda: M("GY08", "撤回起诉或部分诉讼请求"),
        ("SUIT_WITHDRAWN",),
    ),
    "GY09": simple(
        "public_interest",
        lambda o, r: public_suit(
            nodes_after_suit=[node("APPEAL_DIRECTED", kind=r.choice(("APPEAL", "WITHDRAW")))]
        ),
        lambda: M("GY09", "指令下级院上诉或撤回上诉"),
        ("APPEAL_DIRECTED",),
    ),
    "GY10": simple(
        "public_interest",
        lambda o, r: public_suit(nodes_after_suit=[node("DECIDED", decision="PROTEST")]),
        lambda: M("GY10", "公益诉讼案件提出抗诉"),
        ("DECIDED",),
    ),
}

LINE_OF_BUILDER = {"criminal": "CRIMINAL", "filing": "CRIMINAL", "public_interest": "PUBLIC_INTEREST"}


__all__ = ["CANONICAL_CODES", "INJECTED", "INJECTIONS", "LOOKALIKES", "Plan", "Schedule", "Variant"]
