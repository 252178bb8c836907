"""One case's events, following the procedure and its time limits (DOMAIN_RULES.md §0.3, §1).

A case is built by one function per business line from a per-case random generator and a dict of
options; the options are how situations (``situations.py``) bend an ordinary case into a risk or a
look-alike. Ordinary cases keep every time limit with a margin, decide as the prosecutor proposed
and by a position the unit's power list allows, notify rights the day the case arrives, and use
only lawyers without ties to the prosecutor: whatever a detector finds in them beyond the ground
truth is a false alarm. Events after the data's "as of" time are not written (the case is open).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from typing import Any

from lianjian.ingest.generator import calendar as cal
from lianjian.ingest.generator.causes import (
    ADMIN_CAUSES,
    ADMIN_CUMULATIVE,
    CHARGE_CUMULATIVE,
    CHARGES,
    CIVIL_CAUSES,
    CIVIL_CUMULATIVE,
    GROUNDS,
    LENIENCY_WATCHED,
    PIL_CUMULATIVE,
    PIL_DOMAINS,
    Charge,
)
from lianjian.ingest.generator.org import LEVEL_OF, Lawyer, Org, Unit

AS_OF_DATE = date(2026, 6, 30)
AS_OF_MINUTE = 18 * 60
AS_OF = datetime(2026, 6, 30, 18, 0, tzinfo=timezone(timedelta(hours=8)))
AS_OF_DAY = cal.ordinal(AS_OF_DATE)
START_DAY = cal.ordinal(date(2024, 1, 2))
# Situations are placed early enough that every event they need happens before "as of".
SPECIAL_LAST_DAY = AS_OF_DAY - 300
ORDINARY_LAST_DAY = AS_OF_DAY - 7

CASE_TYPE_ABBR = {
    "ARREST_REVIEW": "刑捕受",
    "PROSECUTION_REVIEW": "刑诉受",
    "FILING_SUPERVISION": "刑监受",
    "CIVIL_SUPERVISION": "民监受",
    "CIVIL_EXECUTION_SUPERVISION": "民执监受",
    "CIVIL_PROTEST_REQUEST": "民监受",
    "ADMIN_SUPERVISION": "行监受",
    "ADMIN_NON_LITIGATION": "行非诉监受",
    "PIL_CLUE": "公益线索受",
}
_TIMES = [f"T{minute // 60:02d}:{minute % 60:02d}:00+08:00" for minute in range(24 * 60)]


def pick(rng: random.Random, cumulative: list[int]) -> int:
    """Index drawn by cumulative integer weights."""
    target = rng.random() * cumulative[-1]
    low, high = 0, len(cumulative) - 1
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] > target:
            high = middle
        else:
            low = middle + 1
    return low


class Case:
    """The events of one case as they are built, in time order, cut at "as of".

    ``unit`` records the next event: a jurisdiction change moves the case to the receiving unit,
    while the case number stays the one given at the first receipt.
    """

    __slots__ = ("case_no", "day", "events", "index", "minute", "rng", "start", "truncated", "unit")

    def __init__(self, index: int, unit: Unit, case_type: str, first_day: int, rng: random.Random) -> None:
        self.index = index
        self.unit = unit
        self.rng = rng
        self.case_no = (
            f"{unit.short}检{CASE_TYPE_ABBR[case_type]}[{cal.year_of(first_day)}]{unit.code}{index + 1:06d}号"
        )
        self.events: list[dict[str, Any]] = []
        self.start = first_day
        self.day = first_day - 1  # the first event opens the first day
        self.minute = 0
        self.truncated = False

    def emit(
        self, kind: str, day: int, data: dict[str, Any], actor: str | None = None, minute: int | None = None
    ) -> bool:
        """Add an event on ``day`` (at ``minute`` if given and still ahead); False once past "as of"."""
        if self.truncated:
            return False
        if day < self.day:
            day = self.day
        if day == self.day and self.minute >= 1080 and minute is None:
            day += 1  # after an out-of-hours event (a contact in the evening), the next working day
        if not cal.is_workday(day):
            day = cal.workday_on_or_after(day)
        if day == self.day:
            at = (
                minute
                if minute is not None and minute > self.minute
                else self.minute + self.rng.randint(4, 30)
            )
        else:
            at = minute if minute is not None else 510 + self.rng.randint(0, 80)
        if minute is None or minute <= 1080:
            at = min(at, 1080)  # office hours end at 18:00; late arrivals share the last minute
        if day == self.day:
            at = max(at, self.minute)
        if day > AS_OF_DAY or (day == AS_OF_DAY and at > AS_OF_MINUTE):
            self.truncated = True
            return False
        self.day, self.minute = day, at
        self.events.append(
            {
                "record": "event",
                "event_id": f"GE{self.index + 1:07d}-{len(self.events) + 1:02d}",
                "case_no": self.case_no,
                "unit": self.unit.code,
                "type": kind,
                "occurred_at": cal.day_text(day) + _TIMES[at],
                "actor": actor,
                "data": data,
            }
        )
        return True

    def workday_after(self, day: int, low: int, high: int) -> int:
        """A working day ``low``…``high`` days after ``day`` (the latest working day not beyond)."""
        target = day + self.rng.randint(low, high)
        return max(day, cal.workday_on_or_before(target))


def later(day: int, days: int) -> int:
    return cal.workday_on_or_after(day + days)


# --- criminal ------------------------------------------------------------------------------------


def draw_charge(rng: random.Random) -> Charge:
    return CHARGES[pick(rng, CHARGE_CUMULATIVE)]


def agency_for(unit: Unit, charge: Charge) -> str:
    if charge.agency == "SUPERVISION":
        return unit.supervision
    if charge.agency == "CUSTOMS":
        return "兰州海关缉私局" if unit.code.startswith("62") else f"{unit.name[:2]}海关缉私分局"
    return unit.police


def _decide(
    c: Case,
    org: Org,
    o: dict[str, Any],
    *,
    day: int,
    prosecutor: str,
    department: str,
    decision: str,
    kind: str,
    months: int | None = None,
    proposal: tuple[str, str] | None = None,
) -> bool:
    """PROPOSED then DECIDED (by the lowest allowed position, unless the options say otherwise)."""
    proposed_decision, proposed_kind = proposal or (decision, kind)
    for earlier_decision, earlier_kind in o.get("earlier_proposals", ()):
        data = {"decision": earlier_decision, "by": prosecutor}
        if earlier_kind:
            data["kind"] = earlier_kind
        c.emit("PROPOSED", max(c.day, day - 12), data, prosecutor)
    data = {"decision": proposed_decision, "by": prosecutor}
    if proposed_kind:
        data["kind"] = proposed_kind
    c.emit("PROPOSED", max(c.day, day - c.rng.randint(0, 2)), data, prosecutor)
    forced = o.get("decided_by")
    if forced == "PROSECUTOR":
        decider, level = prosecutor, "PROSECUTOR"
    elif forced == "DEPT_HEAD":
        decider, level = org.heads[(c.unit.code, department)], "DEPT_HEAD"
    elif forced == "DEPUTY_CHIEF":
        decider, level = org.deputy(c.unit.code), "DEPUTY_CHIEF"
    else:
        decider, level = org.decider(c.unit.code, department, prosecutor, decision, kind, day)
    decided: dict[str, Any] = {"decision": decision, "by": decider, "level": level}
    if kind:
        decided["kind"] = kind
    if months is not None:
        decided["months"] = months
    return c.emit("DECIDED", day, decided, decider, minute=o.get("decide_minute"))


def criminal(c: Case, org: Org, o: dict[str, Any]) -> None:
    """审查逮捕 → 审查起诉 → 审判, with the options' deviations."""
    rng = c.rng
    unit = c.unit
    charge: Charge = o["charge"]
    cause = o.get("final_cause") or charge.name
    plea = o.get("plea", rng.random() < 0.85)
    prosecutor, department = o.get("prosecutor") or org.pick_prosecutor(unit.code, "CRIMINAL", rng)
    lawyer: Lawyer | None = o.get("lawyer", org.pick_lawyer(unit.code, rng) if rng.random() < 0.4 else None)
    engaged = False
    day = c.start
    base = {
        "line": "CRIMINAL",
        "cause": cause,
        "transferred_cause": charge.name,
        "agency": agency_for(unit, charge),
    }

    def assign(on: int, who: str, dept: str) -> None:
        method = o.get("method", "RANDOM")
        if method == "DESIGNATED":
            by: str | None = org.heads[(unit.code, dept)]
        elif o.get("assigned_by_case_management"):
            # 随机分案 run by the case-management department's operator: an actor, still random.
            by = org.head_of(unit.code, "CASE_MANAGEMENT")
        else:
            by = None
        c.emit("ASSIGNED", on, {"prosecutor": who, "department": dept, "method": method}, by)

    def engage(on: int) -> None:
        nonlocal engaged, prosecutor, department
        if lawyer is None or engaged:
            return
        engaged = True
        c.emit("LAWYER_ENGAGED", on, {"lawyer": lawyer.id, "firm_id": lawyer.firm_id, "role": "DEFENDER"})
        if o.get("recusal"):
            # 回避: the related prosecutor applies, the chief grants it, the case goes to another.
            c.emit("RECUSAL_APPLIED", on, {"staff": prosecutor}, prosecutor)
            c.emit(
                "RECUSAL_DECIDED", later(on, 1), {"staff": prosecutor, "granted": True}, org.chief(unit.code)
            )
            prosecutor, department = org.other_prosecutor(unit.code, "CRIMINAL", prosecutor, rng)
            c.emit(
                "ASSIGNED", c.day, {"prosecutor": prosecutor, "department": department, "method": "RANDOM"}
            )
        contact = o.get("contact")
        if contact or rng.random() < 0.08:
            outside = contact in {"outside", "approved"}
            c.emit(
                "CONTACT",
                later(c.day, rng.randint(1, 5)),
                {
                    "with_kind": "LAWYER",
                    "with": lawyer.id,
                    "in_office": not outside,
                    "in_hours": not outside,
                    "approval_ref": f"{unit.short}检接〔{cal.year_of(c.day)}〕{rng.randint(1, 300)}号"
                    if contact == "approved"
                    else None,
                },
                prosecutor,
                minute=1230 if outside else None,
            )

    arrested = False
    arrest_review = o.get("arrest_review", rng.random() < charge.arrest_share)
    if arrest_review:
        detained = o.get("arrest_detained", rng.random() < 0.9)
        c.emit(
            "RECEIVED",
            day,
            {**base, "case_type": "ARREST_REVIEW", "detained": detained, "fast_track": False, "plea": plea},
        )
        assign(day, prosecutor, department)
        if rng.random() < 0.5:
            engage(c.day)
        c.emit("RIGHTS_NOTIFIED", day, {"whom": "SUSPECT"}, prosecutor)
        limit = 7 if detained else 15
        timing = o.get("arrest_timing")
        if timing == "late":  # past the 7 days of a detained suspect (CPL 91)
            decide_day = later(day, limit + 1 + rng.randint(0, 2))
        elif timing == "last_day":
            decide_day = day + limit
            o["decide_minute"] = 990
        elif timing == "holiday_roll":  # the 15th day is a holiday and the suspect is free: rolls over
            decide_day = cal.last_day(day, days=limit, in_custody=False)
        else:
            decide_day = c.workday_after(day, 2, limit - 2)
        decision = o.get("arrest_decision") or ("ARREST" if rng.random() < 0.8 else "NO_ARREST")
        if not _decide(
            c,
            org,
            o,
            day=decide_day,
            prosecutor=prosecutor,
            department=department,
            decision=decision,
            kind="",
        ):
            return
        o.pop("decide_minute", None)
        arrested = decision == "ARREST"
        if arrested and detained and o.get("custody_to_arrest"):
            # The police execute the arrest: 拘留 becomes 逮捕 (CPL 93), the suspect stays in custody.
            c.emit("CUSTODY_CHANGED", later(c.day, 1), {"from": "DETENTION", "to": "ARREST"})
        if not arrested and "reconsideration" in o:
            # 公安要求复议 (CPL 92): another prosecutor reviews within 7 days.
            request = later(c.day, 3)
            c.emit("RECONSIDERATION_REQUESTED", request, {"kind": "RECONSIDER", "target": "NO_ARREST"})
            changed = o["reconsideration"]
            c.emit(
                "RECONSIDERATION_DECIDED",
                c.workday_after(request, 2, 6),
                {"kind": "RECONSIDER", "target": "NO_ARREST", "changed": changed},
                org.chief(unit.code),
            )
            arrested = changed
        if not arrested and not o.get("continue_after_no_arrest", rng.random() < 0.8):
            c.emit("CLOSED", later(c.day, 20), {"result": "不批准逮捕后侦查机关未移送审查起诉"}, prosecutor)
            return
        day = later(c.day, rng.randint(25, 55) if arrested else rng.randint(30, 120))

    # 审查起诉 (CPL 172): one month, +15 days when extended; 速裁 10 days (15 beyond a year).
    if o.get("prosecution_start") is not None:
        day = o["prosecution_start"]
    detained = o.get("prosecution_detained", arrested)
    months = rng.randint(*charge.months)
    fast = o.get("fast_track", plea and months <= 36 and not arrested and rng.random() < 0.35)
    miskeyed = o.get("miskeyed_cause")
    if not c.emit(
        "RECEIVED",
        day,
        {
            **base,
            "cause": miskeyed or cause,
            "case_type": "PROSECUTION_REVIEW",
            "detained": detained,
            "fast_track": fast,
            "plea": plea,
        },
    ):
        return
    received_id = c.events[-1]["event_id"]
    if not arrest_review:
        assign(day, prosecutor, department)
    rights = o.get("rights")
    if rights == "late":  # beyond the three days of CPL 34 / 规则 40
        notify_day = cal.workday_on_or_after(
            cal.last_day(day, days=3, in_custody=detained) + 1 + rng.randint(0, 4)
        )
    elif rights == "day3":
        notify_day = day + 3
    else:
        notify_day = day
    if rights != "late":
        c.emit(
            "RIGHTS_NOTIFIED",
            notify_day,
            {"whom": "SUSPECT"},
            prosecutor,
            minute=960 if rights == "day3" else None,
        )
    if charge.victim and rights != "day3":
        c.emit("RIGHTS_NOTIFIED", c.day, {"whom": "VICTIM"}, prosecutor)
    engage(later(c.day, rng.randint(0, 3)))
    if rights == "late":
        c.emit("RIGHTS_NOTIFIED", notify_day, {"whom": "SUSPECT"}, prosecutor)
    if miskeyed:
        # 案卡 checked by case management: the cause keyed in at receipt is corrected (a new event,
        # DATA_CONTRACT.md §1), so the effective cause is the transferred one again.
        c.emit(
            "CORRECTED",
            later(c.day, rng.randint(1, 3)),
            {"corrects": received_id, "cause": cause},
            org.head_of(unit.code, "CASE_MANAGEMENT"),
        )
    superior = o.get("refer_up")
    if superior:
        # 规则第三百二十八条: a first instance of the intermediate court (CPL 21: life or death
        # possible) goes, within five days and through case management, to the superior
        # procuratorate, whose month runs from its own receipt (CPL 172). Not a directive.
        lower = unit
        c.emit(
            "JURISDICTION_CHANGED",
            c.workday_after(c.day, 1, 4),
            {"to_unit": superior},
            org.head_of(lower.code, "CASE_MANAGEMENT"),
        )
        c.unit = unit = org.by_code[superior]
        prosecutor, department = org.pick_prosecutor(unit.code, "CRIMINAL", rng)
        day = later(c.day, rng.randint(1, 3))
        if not c.emit(
            "RECEIVED",
            day,
            {
                **base,
                "agency": f"{lower.name}人民检察院",
                "case_type": "PROSECUTION_REVIEW",
                "detained": detained,
                "fast_track": False,
                "plea": plea,
            },
        ):
            return
        assign(day, prosecutor, department)
        c.emit("RIGHTS_NOTIFIED", day, {"whom": "SUSPECT"}, prosecutor)
        if charge.victim:
            c.emit("RIGHTS_NOTIFIED", c.day, {"whom": "VICTIM"}, prosecutor)
    if o.get("abscond") or o.get("to_bail"):
        # 羁押必要性审查: the suspect is released on bail; in XS06 he then absconds (诉讼中止).
        c.emit(
            "CUSTODY_CHANGED",
            later(c.day, 2),
            {"from": "ARREST" if arrested else "DETENTION", "to": "BAIL"},
            prosecutor,
        )
        if o.get("abscond"):
            c.emit("ABSCONDED", later(c.day, rng.randint(3, 8)), {})
            c.emit("SUSPENDED", c.day, {"reason": "ABSCONDED"}, prosecutor)
            return
    if o.get("property"):
        c.emit(
            "PROPERTY_SEIZED",
            later(c.day, 1),
            {"value": rng.randint(5, 500) * 1000, "method": "扣押", "approved": True},
            prosecutor,
        )
    if o.get("sensitive"):
        c.emit("SENSITIVE", later(c.day, 2), {"kind": o["sensitive"]}, prosecutor)
    if o.get("incident"):
        c.emit("DETAINEE_INCIDENT", later(c.day, rng.randint(3, 10)), {"kind": o["incident"]})
    if o.get("directive"):
        c.emit(
            "SUPERIOR_DIRECTIVE",
            later(c.day, 2),
            {"kind": o["directive"]},
            unit.parent and org.deputy(unit.parent),
        )

    mode = o.get("prosecution_mode")
    clock = day
    if mode in {"overdue_open", "warning"}:
        if mode == "overdue_open":
            c.emit("PROPOSED", later(day, 10), {"decision": "PROSECUTE", "by": prosecutor}, prosecutor)
        return  # no decision by "as of"
    if mode == "extended" or (mode is None and not fast and rng.random() < 0.06):
        c.emit(
            "EXTENDED",
            c.workday_after(day, 18, 24),
            {"stage": "PROSECUTION_REVIEW", "days": 15, "approved_by": org.chief(unit.code)},
            prosecutor,
        )
    rounds = 0
    if mode == "reset" or (mode is None and not fast and rng.random() < 0.12):
        for round_no in (1, 2):
            returned = c.workday_after(max(c.day, clock), 8, 20)
            c.emit("RETURNED", returned, {"round": round_no}, prosecutor)
            clock = c.workday_after(returned, 15, 28)
            if not c.emit("RESUBMITTED", clock, {"round": round_no}):
                return
            rounds = round_no
            if rng.random() < 0.8:
                break
    suspended_days = 0
    if mode == "suspended" or (mode is None and not fast and rng.random() < 0.02):
        start = c.workday_after(max(c.day, clock), 3, 8)
        c.emit("SUSPENDED", start, {"reason": "PSYCH_APPRAISAL"}, prosecutor)
        suspended_days = rng.randint(20, 30) if mode == "suspended" else rng.randint(3, 8)
        c.emit("RESUMED", later(start, suspended_days), {"reason": "PSYCH_APPRAISAL"}, prosecutor)
    if mode == "extended":
        decide_day = max(c.day, cal.workday_on_or_before(cal.add_months(clock, 1) + rng.randint(4, 12)))
    elif mode == "reset":
        decide_day = c.workday_after(max(c.day, clock), 18, 25)
    elif mode == "suspended":
        decide_day = max(
            c.day,
            cal.workday_on_or_before(cal.add_months(clock, 1) + rng.randint(3, min(10, suspended_days - 5))),
        )
    elif fast:
        decide_day = max(c.day, c.workday_after(clock, 2, 8))
    else:
        decide_day = max(c.day, c.workday_after(clock, 8, 24))

    decision = o.get("decision")
    if decision is None:
        lenient = not arrested and rounds == 0 and not (plea and charge.name in LENIENCY_WATCHED)
        decision = "NON_PROSECUTE" if lenient and rng.random() < 0.15 else "PROSECUTE"
    kind = o.get("np_kind", "")
    if decision == "NON_PROSECUTE" and not kind:
        kind = rng.choices(("DISCRETIONARY", "EVIDENCE", "STATUTORY", "CONDITIONAL"), (80, 10, 5, 5))[0]
    recommended = months if decision == "PROSECUTE" else None
    if not _decide(
        c,
        org,
        o,
        day=decide_day,
        prosecutor=prosecutor,
        department=department,
        decision=decision,
        kind=kind,
        months=recommended,
        proposal=o.get("proposal"),
    ):
        return
    if o.get("property"):
        c.emit(
            "PROPERTY_DISPOSED",
            later(c.day, rng.randint(3, 15)),
            {
                "value": rng.randint(5, 500) * 1000,
                "method": "返还被害人",
                "approved": o["property"] == "approved",
            },
            prosecutor,
        )
    if decision != "PROSECUTE":
        c.emit("CLOSED", later(c.day, rng.randint(1, 5)), {"result": "不起诉"}, prosecutor)
        after_close(c, org, o, prosecutor)
        return

    # 审判: the court's judgment one to three months later.
    trial_day = later(c.day, rng.randint(20, 75))
    if o.get("withdraw"):
        _decide(
            c,
            org,
            {},
            day=trial_day,
            prosecutor=prosecutor,
            department=department,
            decision="WITHDRAW_PROSECUTION",
            kind="",
        )
        c.emit("CLOSED", later(c.day, 10), {"result": "撤回起诉"}, prosecutor)
        return
    verdict = o.get("verdict", "GUILTY")
    judged = recommended or 0
    deviation = o.get("judged")
    if deviation == "deviate":
        judged = judged * 2 + 6
    elif deviation == "within" or rng.random() < 0.15:
        judged = max(1, judged - max(1, judged // 12) if judged > 1 else judged)
    charges = [o["judged_charge"]] if o.get("judged_charge") else [cause]
    if verdict == "ACQUITTED":
        judgment: dict[str, Any] = {"verdict": "ACQUITTED", "charges": [], "months": 0}
    elif verdict == "EXEMPTED":
        judgment = {"verdict": "EXEMPTED", "charges": charges, "months": 0}
    else:
        judgment = {"verdict": "GUILTY", "charges": charges, "months": judged}
    if not c.emit("JUDGMENT", trial_day, judgment):
        return
    if o.get("protest"):
        _decide(
            c,
            org,
            {},
            day=later(c.day, 5),
            prosecutor=prosecutor,
            department=department,
            decision="PROTEST",
            kind="",
        )
    c.emit("CLOSED", later(c.day, rng.randint(2, 10)), {"result": "判决生效"}, prosecutor)
    if o.get("execution"):
        c.emit("EXECUTION_CHANGE", later(c.day, rng.randint(60, 180)), {"kind": o["execution"]})
    if o.get("execution_supervision"):
        # 交付执行监督 (规则第六百二十五条; CPL 264: papers to the prison within ten days of the
        # judgment taking effect), by the enforcement department where the unit has one.
        c.emit(
            "EXECUTION_SUPERVISION",
            later(c.day, rng.randint(10, 30)),
            {},
            org.head_of(unit.code, "ENFORCEMENT") or prosecutor,
        )
    after_close(c, org, o, prosecutor)


def after_close(c: Case, org: Org, o: dict[str, Any], prosecutor: str) -> None:
    """What may follow a closed case: complaints, compensation, aid."""
    for escalation, accepted in o.get("complaints", ()):
        c.emit(
            "COMPLAINT", later(c.day, c.rng.randint(10, 60)), {"escalation": escalation, "accepted": accepted}
        )
    if o.get("compensation"):
        c.emit(
            "STATE_COMPENSATION",
            later(c.day, c.rng.randint(30, 90)),
            {"amount": o["compensation"]},
            org.deputy(c.unit.code),
        )
    if o.get("aid"):
        c.emit("JUDICIAL_AID", later(c.day, c.rng.randint(10, 40)), {"amount": o["aid"]}, prosecutor)


def filing_supervision(c: Case, org: Org, o: dict[str, Any]) -> None:
    """立案监督 (规则 557–565): the police are asked why they did not file; the result."""
    charge: Charge = o["charge"]
    prosecutor, department = org.pick_prosecutor(c.unit.code, "CRIMINAL", c.rng)
    day = c.start
    c.emit(
        "RECEIVED",
        day,
        {
            "line": "CRIMINAL",
            "case_type": "FILING_SUPERVISION",
            "cause": charge.name,
            "transferred_cause": charge.name,
            "agency": c.unit.police,
            "detained": False,
            "fast_track": False,
            "plea": False,
        },
    )
    c.emit("ASSIGNED", day, {"prosecutor": prosecutor, "department": department, "method": "RANDOM"})
    explained = c.workday_after(day, 8, 14)
    if o.get("notify"):
        _decide(
            c,
            org,
            o,
            day=c.workday_after(explained, 3, 9),
            prosecutor=prosecutor,
            department=department,
            decision=o["notify"],
            kind="",
        )
        c.emit(
            "CLOSED",
            later(c.day, 20),
            {"result": "公安机关已立案" if o["notify"] == "NOTIFY_FILE" else "公安机关已撤案"},
            prosecutor,
        )
    else:
        c.emit("CLOSED", explained, {"result": "公安机关不立案理由成立"}, prosecutor)


# --- civil and administrative supervision ----------------------------------------------------------


def supervision(c: Case, org: Org, o: dict[str, Any]) -> None:
    """民事/行政诉讼监督: three months to review (民监规则 52, 行监规则 56), then the decision."""
    rng = c.rng
    line = o["line"]
    case_type = o["case_type"]
    if line == "CIVIL":
        cause = CIVIL_CAUSES[pick(rng, CIVIL_CUMULATIVE)][0]
    else:
        cause = ADMIN_CAUSES[pick(rng, ADMIN_CUMULATIVE)][0]
    prosecutor, department = org.pick_prosecutor(c.unit.code, line, rng)
    day = c.start
    data = {
        "line": line,
        "case_type": case_type,
        "cause": cause,
        "transferred_cause": None,
        "agency": c.unit.court,
        "grounds": o.get("grounds") or rng.choice(GROUNDS),
        "detained": False,
        "fast_track": False,
        "plea": False,
    }
    if o.get("ex_officio"):
        data["grounds"] = None
    c.emit("RECEIVED", day, data)
    c.emit("ASSIGNED", day, {"prosecutor": prosecutor, "department": department, "method": "RANDOM"})
    if o.get("ex_officio"):
        c.emit("SUPERVISION_EX_OFFICIO", day, {}, prosecutor)
    if rng.random() < 0.3:
        lawyer = org.pick_lawyer(c.unit.code, rng)
        c.emit(
            "LAWYER_ENGAGED",
            later(day, rng.randint(1, 10)),
            {"lawyer": lawyer.id, "firm_id": lawyer.firm_id, "role": "AGENT"},
        )
    for node in o.get("nodes_before", ()):
        c.emit(node[0], later(c.day, rng.randint(3, 15)), node[1], prosecutor)
    decide_day = c.workday_after(day, 30, 80)
    outcome = o.get("outcome") or ("REJECT_SUPERVISION" if rng.random() < 0.8 else "SUPPORT_SUPERVISION")
    if outcome == "NONE":
        c.emit("CLOSED", decide_day, {"result": o.get("result", "审查终结")}, prosecutor)
        return
    if not _decide(
        c,
        org,
        o,
        day=max(c.day, decide_day),
        prosecutor=prosecutor,
        department=department,
        decision=outcome,
        kind="",
    ):
        return
    if outcome == "SUPPORT_SUPERVISION":
        follow = o.get("follow") or ("RETRIAL_RECOMMENDATION" if rng.random() < 0.5 else "RECOMMENDATION")
        if follow == "RETRIAL_RECOMMENDATION":
            _decide(
                c,
                org,
                {},
                day=c.workday_after(c.day, 3, 12),
                prosecutor=prosecutor,
                department=department,
                decision="RETRIAL_RECOMMENDATION",
                kind="",
            )
        else:
            c.emit("RECOMMENDATION_ISSUED", c.workday_after(c.day, 3, 12), {"urgent": False}, prosecutor)
            reply = o.get("reply", "RECOMMENDATION_REPLIED")
            c.emit(reply, c.workday_after(c.day, 20, 55), {"urgent": False})
    for node in o.get("nodes_after", ()):
        c.emit(node[0], later(c.day, rng.randint(5, 30)), node[1], prosecutor)
    c.emit("CLOSED", later(c.day, rng.randint(1, 10)), {"result": o.get("result", "审查终结")}, prosecutor)


# --- public interest litigation ----------------------------------------------------------------------


def public_interest(c: Case, org: Org, o: dict[str, Any]) -> None:
    """公益诉讼: clue → 立案 → 诉前检察建议 (two months to reply) → closed, or suit (公益规则)."""
    rng = c.rng
    domain = PIL_DOMAINS[pick(rng, PIL_CUMULATIVE)][0]
    prosecutor, department = org.pick_prosecutor(c.unit.code, "PUBLIC_INTEREST", rng)
    day = c.start
    source = rng.choice(("12345政务服务热线", "群众举报", "履职中发现", "新闻媒体报道", "人大代表建议"))

    def receive(on: int, case_type: str) -> None:
        c.emit(
            "RECEIVED",
            on,
            {
                "line": "PUBLIC_INTEREST",
                "case_type": case_type,
                "cause": domain,
                "transferred_cause": None,
                "agency": source,
                "detained": False,
                "fast_track": False,
                "plea": False,
            },
        )

    receive(day, "PIL_CLUE")
    c.emit("ASSIGNED", day, {"prosecutor": prosecutor, "department": department, "method": "RANDOM"})
    if o.get("clue_closed"):
        c.emit("CLOSED", c.workday_after(day, 10, 25), {"result": "线索评估后不予立案"}, prosecutor)
        return
    if o.get("clue_transfer"):
        # 公益规则第二十六条: a clue outside this unit's jurisdiction goes, by 《移送案件线索通知书》,
        # to the procuratorate that has it, which must accept it; the case goes on there.
        lower = c.unit
        c.emit(
            "JURISDICTION_CHANGED", c.workday_after(day, 3, 10), {"to_unit": o["clue_transfer"]}, prosecutor
        )
        c.unit = org.by_code[o["clue_transfer"]]
        prosecutor, department = org.pick_prosecutor(c.unit.code, "PUBLIC_INTEREST", rng)
        source = f"{lower.name}人民检察院"
        day = later(c.day, rng.randint(1, 3))
        receive(day, "PIL_CLUE")
        c.emit("ASSIGNED", day, {"prosecutor": prosecutor, "department": department, "method": "RANDOM"})
    civil = o.get("civil", rng.random() < 0.12)
    receive(c.workday_after(day, 7, 25), "PIL_CIVIL" if civil else "PIL_ADMIN")
    for node in o.get("nodes_before", ()):
        c.emit(node[0], later(c.day, rng.randint(3, 15)), node[1], prosecutor)
    suit = o.get("suit", rng.random() < 0.12)
    if civil:
        # 诉前公告 30 days, then three months to decide whether to sue (公益规则 47, 91).
        decide_day = c.workday_after(c.day, 35, 90)
    else:
        issued = c.workday_after(c.day, 5, 20)
        c.emit("RECOMMENDATION_ISSUED", issued, {"urgent": False}, prosecutor)
        c.emit("RECOMMENDATION_REPLIED", c.workday_after(issued, 20, 55), {"urgent": False})
        for node in o.get("nodes_after_reply", ()):
            c.emit(node[0], later(c.day, rng.randint(5, 20)), node[1], prosecutor)
        if o.get("terminate"):
            _decide(
                c,
                org,
                o,
                day=later(c.day, 10),
                prosecutor=prosecutor,
                department=department,
                decision="TERMINATE_REVIEW",
                kind="",
            )
            c.emit("CLOSED", later(c.day, 3), {"result": "终结审查"}, prosecutor)
            return
        if not suit:
            c.emit("CLOSED", later(c.day, rng.randint(5, 20)), {"result": "行政机关已依法履职"}, prosecutor)
            return
        decide_day = max(c.day, cal.workday_on_or_before(cal.add_months(issued, 2) + rng.randint(3, 20)))
    if not suit:
        c.emit("CLOSED", decide_day, {"result": "社会公益已得到保护，不再起诉"}, prosecutor)
        return
    if not _decide(
        c,
        org,
        o,
        day=max(c.day, decide_day),
        prosecutor=prosecutor,
        department=department,
        decision="FILE_SUIT",
        kind="",
    ):
        return
    for node in o.get("nodes_after_suit", ()):
        if node[0] == "DECIDED":
            _decide(
                c,
                org,
                {},
                day=later(c.day, rng.randint(20, 60)),
                prosecutor=prosecutor,
                department=department,
                decision=node[1]["decision"],
                kind="",
            )
        else:
            c.emit(node[0], later(c.day, rng.randint(10, 40)), node[1], prosecutor)
    c.emit(
        "CLOSED",
        later(c.day, rng.randint(30, 90)),
        {"result": o.get("result", "法院判决支持诉讼请求")},
        prosecutor,
    )


__all__ = [
    "AS_OF",
    "AS_OF_DAY",
    "LEVEL_OF",
    "Case",
    "criminal",
    "filing_supervision",
    "public_interest",
    "supervision",
]
