"""Causes of the four business lines, with the weights the generator draws them by.

Criminal charges are Criminal Law charge names (《最高人民法院、最高人民检察院关于执行〈中华人民共和国
刑法〉确定罪名的规定》); weights follow the published order of prosecuted charges of recent years
(危险驾驶 first, then 盗窃, 帮助信息网络犯罪活动, 诈骗 …), rounded. Each charge carries what the
timelines need: whether the police ask for arrest, the usual sentence range in months, whether there
is a victim to notify, and who transfers the case.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Charge:
    name: str
    weight: int
    arrest_share: float  # share of cases that go through arrest review
    months: tuple[int, int]  # usual sentence range
    victim: bool
    agency: str  # POLICE / SUPERVISION (监察委) / COAST (海警) / CUSTOMS (缉私)


CHARGES: tuple[Charge, ...] = (
    Charge("危险驾驶罪", 190, 0.0, (1, 6), False, "POLICE"),
    Charge("盗窃罪", 120, 0.55, (6, 36), True, "POLICE"),
    Charge("帮助信息网络犯罪活动罪", 80, 0.45, (6, 24), False, "POLICE"),
    Charge("诈骗罪", 60, 0.65, (8, 84), True, "POLICE"),
    Charge("故意伤害罪", 50, 0.45, (6, 48), True, "POLICE"),
    Charge("交通肇事罪", 30, 0.1, (6, 36), True, "POLICE"),
    Charge("开设赌场罪", 30, 0.6, (8, 60), False, "POLICE"),
    Charge("寻衅滋事罪", 28, 0.55, (6, 36), True, "POLICE"),
    Charge("走私、贩卖、运输、制造毒品罪", 28, 0.95, (8, 180), False, "POLICE"),
    Charge("掩饰、隐瞒犯罪所得、犯罪所得收益罪", 26, 0.4, (6, 36), False, "POLICE"),
    Charge("妨害公务罪", 14, 0.3, (6, 24), True, "POLICE"),
    Charge("拒不执行判决、裁定罪", 14, 0.2, (6, 24), True, "POLICE"),
    Charge("非法吸收公众存款罪", 12, 0.7, (12, 96), True, "POLICE"),
    Charge("聚众斗殴罪", 9, 0.6, (12, 48), False, "POLICE"),
    Charge("故意毁坏财物罪", 8, 0.3, (6, 24), True, "POLICE"),
    Charge("抢劫罪", 8, 0.95, (36, 120), True, "POLICE"),
    Charge("非法捕捞水产品罪", 9, 0.05, (3, 12), False, "POLICE"),
    Charge("滥伐林木罪", 8, 0.05, (6, 36), False, "POLICE"),
    Charge("非法占用农用地罪", 8, 0.1, (6, 36), False, "POLICE"),
    Charge("容留他人吸毒罪", 8, 0.6, (6, 24), False, "POLICE"),
    Charge("强奸罪", 9, 0.95, (36, 120), True, "POLICE"),
    Charge("合同诈骗罪", 9, 0.7, (12, 96), True, "POLICE"),
    Charge("职务侵占罪", 8, 0.5, (6, 60), True, "POLICE"),
    Charge("信用卡诈骗罪", 8, 0.5, (6, 60), True, "POLICE"),
    Charge("侵犯公民个人信息罪", 8, 0.5, (6, 36), False, "POLICE"),
    Charge("非法经营罪", 7, 0.4, (6, 60), False, "POLICE"),
    Charge("敲诈勒索罪", 7, 0.7, (6, 48), True, "POLICE"),
    Charge("非法拘禁罪", 5, 0.6, (6, 36), True, "POLICE"),
    Charge("虚开增值税专用发票罪", 6, 0.5, (12, 120), False, "POLICE"),
    Charge("组织、领导传销活动罪", 4, 0.7, (12, 84), False, "POLICE"),
    Charge("污染环境罪", 4, 0.3, (6, 48), False, "POLICE"),
    Charge("拒不支付劳动报酬罪", 4, 0.2, (6, 24), True, "POLICE"),
    Charge("生产、销售伪劣产品罪", 4, 0.4, (6, 60), False, "POLICE"),
    Charge("非法狩猎罪", 3, 0.05, (3, 12), False, "POLICE"),
    Charge("失火罪", 3, 0.05, (6, 24), False, "POLICE"),
    Charge("重大责任事故罪", 3, 0.1, (6, 36), True, "POLICE"),
    Charge("猥亵儿童罪", 3, 0.95, (24, 120), True, "POLICE"),
    Charge("故意杀人罪", 2, 1.0, (120, 180), True, "POLICE"),
    Charge("走私普通货物、物品罪", 2, 0.6, (12, 84), False, "CUSTOMS"),
    Charge("受贿罪", 5, 0.0, (12, 144), False, "SUPERVISION"),
    Charge("贪污罪", 3, 0.0, (12, 120), False, "SUPERVISION"),
    Charge("行贿罪", 2, 0.0, (6, 60), False, "SUPERVISION"),
)

# Causes a transferred charge is sometimes re-characterised into (XS05: 审结案由与移送案由不一致).
RECHARACTERISED: dict[str, str] = {
    "故意伤害罪": "寻衅滋事罪",
    "寻衅滋事罪": "故意伤害罪",
    "盗窃罪": "诈骗罪",
    "诈骗罪": "盗窃罪",
    "帮助信息网络犯罪活动罪": "掩饰、隐瞒犯罪所得、犯罪所得收益罪",
    "掩饰、隐瞒犯罪所得、犯罪所得收益罪": "帮助信息网络犯罪活动罪",
    "聚众斗殴罪": "寻衅滋事罪",
    "抢劫罪": "抢夺罪",
}

# XS12 (刑事检察 第十二项): 认罪认罚 cases of these charges decided leniently are a risk point.
LENIENCY_WATCHED = ("故意伤害罪", "危险驾驶罪", "交通肇事罪")

CIVIL_CAUSES: tuple[tuple[str, int], ...] = (
    ("民间借贷纠纷", 30),
    ("买卖合同纠纷", 14),
    ("金融借款合同纠纷", 10),
    ("建设工程施工合同纠纷", 9),
    ("房屋买卖合同纠纷", 6),
    ("劳动争议", 6),
    ("机动车交通事故责任纠纷", 6),
    ("租赁合同纠纷", 4),
    ("物业服务合同纠纷", 3),
    ("离婚后财产纠纷", 3),
    ("继承纠纷", 2),
    ("追偿权纠纷", 2),
    ("股权转让纠纷", 2),
    ("土地承包经营权纠纷", 3),
)
ADMIN_CAUSES: tuple[tuple[str, int], ...] = (
    ("治安管理行政处罚", 18),
    ("工伤认定", 14),
    ("房屋征收补偿决定", 12),
    ("不动产登记", 11),
    ("行政强制拆除", 8),
    ("社会保险待遇核定", 8),
    ("政府信息公开", 6),
    ("市场监管行政处罚", 6),
    ("自然资源行政处罚", 6),
    ("行政许可", 5),
    ("行政协议", 3),
    ("税务行政处理", 3),
)
PIL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("生态环境和资源保护", 38),
    ("食品药品安全", 18),
    ("国有财产保护", 10),
    ("国有土地使用权出让", 6),
    ("安全生产", 7),
    ("个人信息保护", 4),
    ("未成年人保护", 5),
    ("文物和文化遗产保护", 4),
    ("英雄烈士保护", 2),
    ("农村人居环境", 6),
)
# Grounds of a civil/administrative supervision application (民事诉讼法第二百一十一条): kept in
# ``RECEIVED.data.grounds`` (a field beyond the contract, stored as unknown fields are).
GROUNDS = ("LAW_APPLICATION", "INSUFFICIENT_EVIDENCE", "PROCEDURE", "JUDGE_MISCONDUCT")
NEW_EVIDENCE = "NEW_EVIDENCE"


def cumulative(weights: list[int] | tuple[int, ...]) -> list[int]:
    total = 0
    out = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


CHARGE_CUMULATIVE = cumulative([charge.weight for charge in CHARGES])
CIVIL_CUMULATIVE = cumulative([weight for _name, weight in CIVIL_CAUSES])
ADMIN_CUMULATIVE = cumulative([weight for _name, weight in ADMIN_CAUSES])
PIL_CUMULATIVE = cumulative([weight for _name, weight in PIL_DOMAINS])
CHARGE_BY_NAME = {charge.name: charge for charge in CHARGES}
