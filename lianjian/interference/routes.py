"""Where a clue goes when 纪检监察 transfers it (移送), by who intervened: DOMAIN_RULES.md §2.6.

RV-01 (R3-1 第 7 条, grade B): a leader's interference goes to the 党委政法委, which reports to
the Party committee at its level and copies the 纪检监察机关 and the organisation department.
RV-03 (R3-2 第 8 条, grade B/U — the article number is from memory): inside the judiciary,
① the organ's own leaders → the 纪检监察 department of the organ holding cadre-management
authority over them; ② staff of a superior judicial organ → the 纪检监察 department of the
intervener's organ; ③ staff of another judicial organ → notify (通报) that organ's 纪检监察
department; the receiver reports its result back to the 纪检监察 department of the case's unit.

The route is advice shown beside the disposal form; the handler names the actual receiver in
the disposal's note, which a transfer requires (:func:`lianjian.interference.clues.clue_dispose`).
"""

from __future__ import annotations

from lianjian.interference.choices import SubjectType

RESULT_BACK = "受理方调查处理后，将结果通报办案单位的纪检监察部门。"

ROUTES: dict[str, str] = {
    SubjectType.LEADER: (
        "领导干部干预、插手：报送同级党委政法委，由其报告同级党委并抄送纪检监察机关、党委组织部门（RV-01，"
        "“三个规定”之一第 7 条）；属本院领导干部的，报告对其负有干部管理权限的机关的纪检监察部门（RV-03①）。"
    ),
    SubjectType.INTERNAL_OWN: (
        "本院人员过问：由本院纪检监察部门处理；本院领导干部违规干预的，报告对其负有干部管理权限的机关的纪检监察部门"
        "（RV-03①）。"
    ),
    SubjectType.INTERNAL_SUPERIOR: (
        "上级司法机关人员干预下级办案：报告干预人所在司法机关的纪检监察部门（RV-03②）。" + RESULT_BACK
    ),
    SubjectType.INTERNAL_OTHER: (
        "其他司法机关人员过问：通报干预人所在司法机关的纪检监察部门（RV-03③）。" + RESULT_BACK
    ),
}

NO_FIXED_ROUTE = "规则未规定这类过问人的固定移送去向，由纪检监察部门依职责确定，并在说明中写明移送对象。"


def transfer_route(subject_type: str | None) -> str:
    """The advised receiver of a transferred clue about an intervener of ``subject_type``
    (None: a clue with no record, e.g. a report from outside)."""
    return ROUTES.get(subject_type or "", NO_FIXED_ROUTE)
