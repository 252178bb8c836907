"""Enumerations of the interference register (DOMAIN_RULES.md §2; glossary "过问干预")."""

from django.db import models


class SubjectType(models.TextChoices):
    """Who intervened (DOMAIN_RULES.md §2.4 subject_type)."""

    LEADER = "LEADER", "领导干部"
    INTERNAL_OWN = "INTERNAL_OWN", "司法机关内部人员（本院）"
    INTERNAL_SUPERIOR = "INTERNAL_SUPERIOR", "司法机关内部人员（上级院）"
    INTERNAL_OTHER = "INTERNAL_OTHER", "司法机关内部人员（其他司法机关）"
    AIDE_OR_RELATIVE = "AIDE_OR_RELATIVE", "领导干部身边工作人员或亲属"
    PARTY = "PARTY", "当事人、律师、特殊关系人、中介组织"
    RETIRED = "RETIRED", "退（离）休人员"
    OTHER = "OTHER", "其他"


# The SPP's reporting split (§2.3 E): 检察人员 / 非检察机关人员.
PROCURATORATE_SUBJECTS = frozenset({SubjectType.INTERNAL_OWN, SubjectType.INTERNAL_SUPERIOR})


class Channel(models.TextChoices):
    IN_PERSON = "IN_PERSON", "当面"
    PHONE = "PHONE", "电话"
    MESSAGE = "MESSAGE", "短信、微信等"
    DOCUMENT = "DOCUMENT", "书面发文发函"
    MEETING = "MEETING", "会议（听汇报、协调会）"
    MATERIALS = "MATERIALS", "转递材料"
    OTHER = "OTHER", "其他"


class MatterType(models.TextChoices):
    """重大事项类别 (R3-5, DOMAIN_RULES.md §2.3 D)."""

    CASE = "MAJ-01", "司法办案"
    CADRE = "MAJ-02", "干部选拔任用"
    PROJECT = "MAJ-03", "项目安排"
    CONSTRUCTION = "MAJ-04", "工程建设"
    DISCIPLINE = "MAJ-05", "监督执纪"


class RecordCategory(models.TextChoices):
    """填报分类 (DOMAIN_RULES.md §2.3 E)."""

    RC01 = "RC-01", "反映检察履职情况"
    RC02 = "RC-02", "了解案（事）件进展"
    RC03 = "RC-03", "依法监督检察工作、督促依法公正办案"
    RC04 = "RC-04", "检察机关人员过问"
    RC05 = "RC-05", "非工作时间、非办公地点与当事人、律师等接触交往"
    RC06 = "RC-06", "不当过问或干预、插手检察办案"


# Categories that are a clue or need judging (R-3G-01): pushed to 检务督察 and 纪检监察.
CLUE_CATEGORIES = frozenset({RecordCategory.RC05, RecordCategory.RC06})


class ViolationCode(models.TextChoices):
    """Violation codes added to a category when the conduct is a violation (§2.3 A–C)."""

    LD_VIO_01 = "LD-VIO-01", "领导干部：为案件当事人请托说情"
    LD_VIO_02 = "LD-VIO-02", "领导干部：要求私下会见当事人或其辩护人、代理人、近亲属等"
    LD_VIO_03 = "LD-VIO-03", "领导干部：授意、纵容身边工作人员或亲属请托说情"
    LD_VIO_04 = "LD-VIO-04", "领导干部：以听取汇报、协调会、发文件等形式超越职权提出倾向性意见"
    LD_VIO_05 = "LD-VIO-05", "领导干部：其他违法干预司法活动的行为"
    IN_VIO_01 = "IN-VIO-01", "内部人员：为案件当事人请托说情"
    IN_VIO_02 = "IN-VIO-02", "内部人员：邀请办案人员私下会见当事人等"
    IN_VIO_03 = "IN-VIO-03", "内部人员：违反规定转递涉案材料"
    IN_VIO_04 = "IN-VIO-04", "内部人员：打探案情、通风报信"
    IN_VIO_05 = "IN-VIO-05", "内部人员：其他影响依法公正办案的行为"
    CT_PRO_01 = "CT-PRO-01", "接触交往：泄露办案工作秘密"
    CT_PRO_02 = "CT-PRO-02", "接触交往：推荐、介绍律师或介绍案件"
    CT_PRO_03 = "CT-PRO-03", "接触交往：接受请客送礼或其他利益"
    CT_PRO_04 = "CT-PRO-04", "接触交往：借款、租借房屋、借用交通或通讯工具"
    CT_PRO_05 = "CT-PRO-05", "接触交往：委托评估、拍卖等活动中徇私舞弊"
    CT_PRO_06 = "CT-PRO-06", "接触交往：其他不正当接触交往行为"


class Response(models.TextChoices):
    """承办人的处置 (R3-2 第 3 条)."""

    REFUSED = "REFUSED", "拒绝"
    TOLD_PROPER_CHANNEL = "TOLD_PROPER_CHANNEL", "告知依正当渠道办理"
    BY_PROCEDURE = "BY_PROCEDURE", "依程序办理"


class Confidentiality(models.TextChoices):
    """保密级别. 重要: of the discipline roles only 纪检监察 reads it (检务督察 sees that it exists)."""

    NORMAL = "NORMAL", "一般"
    HIGH = "HIGH", "重要"


class ReadRequestState(models.TextChoices):
    PENDING = "PENDING", "待审批"
    APPROVED = "APPROVED", "已批准"
    REJECTED = "REJECTED", "不予批准"
    WITHDRAWN = "WITHDRAWN", "已撤回"


class ReportCycle(models.TextChoices):
    """报告周期: monthly by the 3rd (seed 001 第 8 条) or quarterly in the first 10 days (seed 004)."""

    MONTHLY = "MONTHLY", "月报告（次月 3 日前）"
    QUARTERLY = "QUARTERLY", "季度报告（次季度前 10 日）"


class ClueSource(models.TextChoices):
    RECORD = "RECORD", "“三个规定”记录"
    ALERT = "ALERT", "预警移送"
    REPORT = "REPORT", "举报"
    OTHER = "OTHER", "其他"


class ClueDisposal(models.TextChoices):
    """线索处置的五种方式 (seed 004)."""

    TALK_INQUIRY = "TALK_INQUIRY", "谈话函询"
    PRELIMINARY_CHECK = "PRELIMINARY_CHECK", "初步核实"
    SHELVE = "SHELVE", "暂存待查"
    CLOSE = "CLOSE", "予以了结"
    TRANSFER = "TRANSFER", "移送"


class ClueState(models.TextChoices):
    NEW = "NEW", "待处置"
    IN_PROGRESS = "IN_PROGRESS", "处置中"
    CLOSED = "CLOSED", "已办结"
