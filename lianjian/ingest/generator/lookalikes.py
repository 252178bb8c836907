"""The benign look-alikes: cases that resemble a risk situation and must not raise it.

Beside each injected situation (``situations.py``) the schedule places look-alikes: a decision
that differs from an earlier proposal but equals the latest; concentration just under the
threshold; a stage decided on its last day; a deadline on a holiday rolled over for a suspect at
liberty; a relation to a lawyer with a granted recusal; key-node events on a case of another line;
a superior unit that takes a case over without directing anything; a mis-keyed cause corrected;
a judgment executed under supervision without any change; custody without an incident; a random
assignment with an operator; a public-interest clue handed to the unit with jurisdiction.
"""

from __future__ import annotations

import random

from lianjian.ingest.generator import calendar as cal
from lianjian.ingest.generator.causes import CHARGE_BY_NAME, NEW_EVIDENCE, RECHARACTERISED
from lianjian.ingest.generator.org import Org
from lianjian.ingest.generator.situations import (
    GROUP,
    Plan,
    Variant,
    arrest_options,
    arrest_timed,
    arrestable_charge,
    arrested,
    capital_lawyer_contact,
    civil_options,
    criminal_options,
    defended_by,
    first_workday_with,
    followed_up,
    group_day,
    group_lawyers,
    group_plan,
    must_not,
    node,
    np_override_unit,
    opinion_withdrawn,
    pick_charge,
    pick_county,
    plea_case,
    prosecuted,
    prosecution_timed,
    recharacterised,
    related_plan,
    simple,
    special_day,
    start_before,
    supported,
    watched_charge,
)


def gx06_under(org: Org, rng: random.Random, occurrence: int) -> Plan:
    """A prosecutor just under the concentration threshold (GX06): 4 cases with one lawyer, or 5
    spread so that no 12 months hold more than 3."""
    group, member = divmod(occurrence, GROUP)
    dedicated = org.concentration_lookalike[group]
    spread = group % 2 == 1
    lawyers, main = group_lawyers(org, dedicated, "gx06u", group)
    same = 5 if spread else 4
    if member < same:
        lawyer = main
    else:
        firms = sorted({lawyer.firm_id for lawyer in lawyers if lawyer.firm_id != main.firm_id})
        firm = firms[(group + member) % len(firms)]
        lawyer = next(lawyer for lawyer in lawyers if lawyer.firm_id == firm)
    truth = None
    if member == 0:
        note = (
            "同一律师代理 5 件，但任何 12 个月内不超过 3 件"
            if spread
            else "同一律师代理 4 件，未达 5 件的门槛"
        )
        truth = must_not("GX06", note, dedicated.prosecutor)
    start = group_day(org, "gx06u", group, member, spread=spread)
    return group_plan(rng, dedicated, lawyer, start, truth)


def recused(org: Org, rng: random.Random, occurrence: int) -> Plan:
    """A prosecutor related to the lawyer, who applies for recusal; granted, another takes over."""
    pair = org.recusal_related[occurrence]
    truth = must_not("GX07", "承办检察官与律师有登记关系，但已申请回避并获准、改由他人承办")
    return related_plan(rng, pair, truth, ("RECUSAL_DECIDED",), recusal=True)


def former_old(org: Org, rng: random.Random, occurrence: int) -> Plan:
    """A lawyer who left another procuratorate more than two years before the case (检察官法第三十七条)."""
    former = org.former_old[occurrence % len(org.former_old)]
    return Plan(
        "criminal",
        defended_by(rng, former.lawyer),
        unit=pick_county(org, rng, not_unit=former.unit),
        truth=must_not("GX07", f"辩护律师是他院离职人员，离职（{cal.day_text(former.left_on)}）已逾两年"),
        requires=("LAWYER_ENGAGED",),
    )


def referred_up(org: Org, rng: random.Random, occurrence: int) -> Plan:
    """A homicide the county sends up to the city procuratorate (GX01 look-alike).

    The intermediate court tries cases that may bring life imprisonment or death (CPL 21), so the
    county, after arresting, sends the prosecution review up (规则第三百二十八条); the superior
    unit appears on the case — it receives, assigns and decides — without any directive.
    """
    county = pick_county(org, rng)
    return Plan(
        "criminal",
        arrested(
            rng,
            CHARGE_BY_NAME["故意杀人罪"],
            arrest_detained=True,
            refer_up=org.by_code[county].parent,
            fast_track=False,
            decision="PROSECUTE",
        ),
        unit=county,
        truth=must_not(
            "GX01", "可能判处无期徒刑以上刑罚，依规则第三百二十八条报送上一级院审查起诉，无上级院指令"
        ),
        requires=("JURISDICTION_CHANGED", "JUDGMENT"),
    )


def miskeyed(org: Org, rng: random.Random, occurrence: int) -> Plan:
    """A cause keyed in wrongly at receipt and corrected (XS05 look-alike): the effective final cause
    is the transferred one and the court judges the prosecuted charge."""
    charge = recharacterised(rng)
    return Plan(
        "criminal",
        prosecuted(rng, charge=charge, miskeyed_cause=RECHARACTERISED[charge.name], judged="within"),
        truth=must_not(
            "XS05",
            f"受理时案由误录为{RECHARACTERISED[charge.name]}，经更正与移送案由一致；判决罪名与起诉罪名一致",
        ),
        requires=("CORRECTED", "JUDGMENT"),
    )


def clue_transferred(org: Org, rng: random.Random, occurrence: int) -> Plan:
    """A public-interest clue outside the county's jurisdiction, handed to the procuratorate that has
    it (公益规则第二十六条), which accepts and files it (GY01 look-alike: not closed unfiled).

    A county of the same city where there is one; otherwise the city (its second paragraph).
    """
    county = org.by_code[pick_county(org, rng)]
    peers = [
        u.code
        for u in org.units
        if u.level == "COUNTY" and u.parent == county.parent and u.code != county.code
    ]
    target = rng.choice(peers) if peers else county.parent
    return Plan(
        "public_interest",
        {"civil": False, "suit": False, "clue_transfer": target},
        unit=county.code,
        truth=must_not("GY01", "公益诉讼线索不属本院管辖，移送有管辖权的检察院，受移送院受理并立案"),
        requires=("JURISDICTION_CHANGED", "RECOMMENDATION_ISSUED"),
    )


N = must_not
LOOKALIKE: dict[str, Variant] = {
    "GX01.referred_up": referred_up,
    "GX02.latest": simple(
        "criminal",
        lambda o, r: criminal_options(
            r,
            arrest_review=False,
            earlier_proposals=[("NON_PROSECUTE", "DISCRETIONARY")],
            decision="PROSECUTE",
            decided_by="DEPUTY_CHIEF",
        ),
        lambda: N("GX02", "决定与承办人较早的意见不同，但与其最后意见一致"),
        ("DECIDED",),
    ),
    "GX03.override": simple(
        "criminal",
        lambda o, r: criminal_options(
            r, arrest_review=False, decision="NON_PROSECUTE", np_kind="DISCRETIONARY"
        ),
        lambda: N("GX03", "部门负责人依本院权力清单（本地调整）决定酌定不起诉"),
        ("DECIDED",),
        unit=np_override_unit,
    ),
    "GX04.day3": simple(
        "criminal",
        lambda o, r: criminal_options(r, arrest_review=False, rights="day3"),
        lambda: N("GX04", "第 3 日告知诉讼权利"),
        ("RIGHTS_NOTIFIED",),
        start=lambda r: first_workday_with(special_day(r), 3, workday=True),
    ),
    "GX05.approved": simple(
        "criminal",
        lambda o, r: capital_lawyer_contact(o, r, "approved"),
        lambda: N("GX05", "工作时间外接触律师，但有审批"),
        ("CONTACT",),
    ),
    "GX05.in_office": simple(
        "criminal",
        lambda o, r: capital_lawyer_contact(o, r, "in_office"),
        lambda: N("GX05", "在办公场所、工作时间内接待律师"),
        ("CONTACT",),
    ),
    "GX06.under": gx06_under,
    "GX07.recused": recused,
    "GX07.former_old": former_old,
    "GX08.last_day": simple(
        "criminal",
        lambda o, r: arrest_timed(r, arrestable_charge(r), "last_day", detained=True),
        lambda: N("GX08", "在押犯罪嫌疑人审查逮捕于第 7 日（期限最后一日）作出决定"),
        ("DECIDED",),
        start=lambda r: first_workday_with(special_day(r), 7, workday=True),
    ),
    "GX08.holiday_roll": simple(
        "criminal",
        lambda o, r: arrest_timed(r, arrestable_charge(r), "holiday_roll", detained=False),
        lambda: N("GX08", "未羁押犯罪嫌疑人审查逮捕期限末日为节假日，顺延至节后第一日作出决定"),
        ("DECIDED",),
        start=lambda r: first_workday_with(special_day(r), 15, workday=False),
    ),
    "GX08.extended": simple(
        "criminal",
        lambda o, r: prosecution_timed(r, "extended"),
        lambda: N("GX08", "审查起诉超过一个月，但已依法延长半个月并在延长期内决定"),
        ("DECIDED",),
    ),
    "GX08.reset": simple(
        "criminal",
        lambda o, r: prosecution_timed(r, "reset"),
        lambda: N("GX08", "退回补充侦查后重新移送，审查起诉期限重新计算"),
        ("DECIDED",),
    ),
    "GX08.suspended": simple(
        "criminal",
        lambda o, r: prosecution_timed(r, "suspended"),
        lambda: N("GX08", "精神病鉴定期间不计入审查起诉期限"),
        ("DECIDED",),
    ),
    "GX10.complaint_none": simple(
        "criminal",
        lambda o, r: criminal_options(r, complaints=[("NONE", True)]),
        lambda: N("GX10 XS10", "一般申诉，已受理，无越级"),
        ("COMPLAINT",),
        start=start_before(150),
    ),
    "XS01.valid": simple(
        "filing",
        lambda o, r: {"charge": pick_charge(r)},
        lambda: N("XS01", "立案监督，公安机关不立案理由成立"),
        ("CLOSED",),
    ),
    "XS02.unchanged": simple(
        "criminal",
        lambda o, r: arrest_options(
            r,
            arrestable_charge(r),
            arrest_decision="NO_ARREST",
            reconsideration=False,
            continue_after_no_arrest=False,
        ),
        lambda: N("XS02", "不批准逮捕经复议维持原决定"),
        ("RECONSIDERATION_DECIDED",),
    ),
    "XS03.no_arrest": simple(
        "criminal",
        lambda o, r: arrest_options(
            r,
            arrestable_charge(r, watched=False),
            arrest_decision="NO_ARREST",
            continue_after_no_arrest=True,
            decision="NON_PROSECUTE",
            np_kind="DISCRETIONARY",
        ),
        lambda: N("XS03", "不批准逮捕后作不起诉（未经逮捕）"),
        ("CLOSED",),
    ),
    "XS03.guilty": simple(
        "criminal",
        lambda o, r: arrested(r, arrestable_charge(r), decision="PROSECUTE", judged="within"),
        lambda: N("XS03 XS04", "批准逮捕后起诉，法院按量刑建议判决有罪"),
        ("JUDGMENT",),
    ),
    "XS04.within": simple(
        "criminal",
        lambda o, r: prosecuted(r, judged="within"),
        lambda: N("XS04", "判处刑期与量刑建议一致"),
        ("JUDGMENT",),
    ),
    "XS05.miskeyed": miskeyed,
    "XS06.bail": simple(
        "criminal",
        lambda o, r: arrested(r, arrestable_charge(r), to_bail=True),
        lambda: N("XS06", "变更为取保候审，诉讼正常进行"),
        ("CUSTODY_CHANGED",),
    ),
    "XS08.supervised": simple(
        "criminal",
        lambda o, r: prosecuted(r, execution_supervision=True),
        lambda: N(
            "XS08 MS05", "判决生效后交付执行监督，未减刑、假释或暂予监外执行（刑事案件，不是民事执行监督）"
        ),
        ("EXECUTION_SUPERVISION",),
        start=start_before(200),
    ),
    "XS09.in_custody": simple(
        "criminal",
        lambda o, r: arrested(
            r,
            arrestable_charge(r),
            arrest_detained=True,
            custody_to_arrest=True,
            prosecution_mode="extended",
            fast_track=False,
            decision="PROSECUTE",
        ),
        lambda: N("XS09", "犯罪嫌疑人由拘留变更为逮捕，审查起诉依法延长，羁押期间未发生事故"),
        ("CUSTODY_CHANGED", "EXTENDED"),
    ),
    "XS10.accepted_first": simple(
        "criminal",
        lambda o, r: criminal_options(r, complaints=[("NONE", True), ("SKIP_LEVEL", True)]),
        lambda: N("XS10", "此前申诉已受理，之后的越级访不属于应受理未受理"),
        ("COMPLAINT",),
        start=start_before(200),
    ),
    "XS11.aid": simple(
        "criminal",
        lambda o, r: criminal_options(r, aid=r.randint(2, 30) * 1000),
        lambda: N("XS11 XZ09", "刑事案件被害人司法救助，不是国家赔偿"),
        ("JUDICIAL_AID",),
        start=start_before(150),
    ),
    "XS12.prosecuted": simple(
        "criminal",
        lambda o, r: plea_case(r, watched_charge(r), decision="PROSECUTE"),
        lambda: N("XS12", "认罪认罚的危险驾驶等案件依法起诉"),
        ("DECIDED",),
    ),
    "XS12.other_cause": simple(
        "criminal",
        lambda o, r: plea_case(
            r, CHARGE_BY_NAME["盗窃罪"], decision="NON_PROSECUTE", np_kind="DISCRETIONARY"
        ),
        lambda: N("XS12", "认罪认罚的盗窃案件作酌定不起诉（不属所列罪名）"),
        ("DECIDED",),
    ),
    "ZH01.case_management": simple(
        "criminal",
        lambda o, r: criminal_options(r, assigned_by_case_management=True),
        lambda: N("ZH01", "案件管理部门操作随机分案（记录操作人），不是指定分案"),
        ("ASSIGNED",),
    ),
    "ZH03.approved": simple(
        "criminal",
        lambda o, r: criminal_options(r, arrest_review=False, property="approved"),
        lambda: N("ZH03", "涉案财物经审批后处置"),
        ("PROPERTY_DISPOSED",),
    ),
    "KEY.protest_criminal": simple(
        "criminal",
        lambda o, r: prosecuted(r, protest=True),
        lambda: N("GY10", "刑事案件抗诉（不是公益诉讼）"),
        ("JUDGMENT",),
    ),
    "MS03.supported": simple(
        "supervision",
        lambda o, r: supported("CIVIL", "RETRIAL_RECOMMENDATION", grounds=NEW_EVIDENCE),
        lambda: N("MS03", "以新证据为由申请监督，支持监督申请"),
        ("DECIDED",),
    ),
    "MS04.no_mediation": simple(
        "supervision",
        lambda o, r: civil_options(
            "CIVIL", outcome="TERMINATE_REVIEW", result="申请人撤回监督申请，终结审查"
        ),
        lambda: N("MS04 MS03", "申请人撤回申请而终结审查，未经和解，申请理由非新证据"),
        ("DECIDED",),
    ),
    "KEY.investigation_pil": simple(
        "public_interest",
        lambda o, r: {"nodes_before": [node("INVESTIGATION", target="OUTSIDER")]},
        lambda: N("MS02 XZ02", "公益诉讼案件中的调查核实"),
        ("INVESTIGATION",),
    ),
    "KEY.withdrawn_civil": simple(
        "supervision",
        lambda o, r: opinion_withdrawn("CIVIL"),
        lambda: N("XZ05", "民事案件撤回监督意见（不是行政案件）"),
        ("OPINION_WITHDRAWN",),
    ),
    "KEY.mediation_civil": simple(
        "supervision",
        lambda o, r: supported("CIVIL", "RETRIAL_RECOMMENDATION", nodes_before=[node("MEDIATION")]),
        lambda: N("GY07 MS04", "民事监督中的调解，未终结审查"),
        ("MEDIATION",),
    ),
    "KEY.follow_up_admin": simple(
        "supervision",
        lambda o, r: followed_up("ADMINISTRATIVE"),
        lambda: N("MS08", "行政案件跟进监督（不是民事案件）"),
        ("FOLLOW_UP_SUPERVISION",),
    ),
    "KEY.terminate_admin": simple(
        "supervision",
        lambda o, r: civil_options("ADMINISTRATIVE", outcome="TERMINATE_REVIEW"),
        lambda: N("GY04 MS04", "行政监督案件终结审查（不是公益、民事案件）"),
        ("DECIDED",),
    ),
    "XZ07.replied": simple(
        "supervision",
        lambda o, r: supported("ADMINISTRATIVE", "RECOMMENDATION", reply="RECOMMENDATION_REPLIED"),
        lambda: N("XZ07", "被建议单位按期回复、未提异议"),
        ("RECOMMENDATION_REPLIED",),
    ),
    "GY01.transferred": clue_transferred,
}
