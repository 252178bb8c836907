"""Legal time-limit arithmetic: the period rules of DOMAIN_RULES.md §0.3 and the limits of §1.

Pure functions over dates; no models, no database, no clock (every "as of" comes from the caller).

- PC-01 (《刑事诉讼法》第一百零五条第二款): the day a period starts is not counted, so a period of
  N days started on day S ends on S + N.
- PC-03 (《刑事诉讼法》第一百零五条第四款): a last day that falls on a holiday moves to the first day
  after the holiday, except while the suspect, defendant or offender is in custody.
- PC-04 (《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》第二百零二条): a month runs to the
  same day of the next month; from the last day of a month to the last day of the next; to the
  last day of the next month when it lacks that day; half a month is always 15 days. Applying the
  court's interpretation to procuratorates is unverified (DOMAIN_RULES U-16) and followed for now.
- PC-06, PC-08, PC-09 (《刑事诉讼法》第一百四十九条；《人民检察院刑事诉讼规则》第二百二十二条；
  《人民检察院民事诉讼监督规则》第五十二条；《人民检察院行政诉讼监督规则》第五十六条；
  《人民检察院公益诉讼办案规则》第四十八条): appraisal and similar periods are not counted.
- PC-12 (《人民检察院刑事诉讼规则》第四十九条): "日" means calendar days; working days only where a
  rule says so.

Holidays come from ``chinese_calendar`` (the State Council's notices, adjusted working weekends
included). A year it does not know falls back to weekends plus an admin-maintained table, and the
calendar records the year so that callers can show a warning (ARCHITECTURE.md, "Calendar").
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

HALF_MONTH_DAYS = 15
"""PC-04: 半个月一律按十五日计算 (SPC解释第二百零二条)."""

CHINA_TIME = ZoneInfo("Asia/Shanghai")
"""The zone in which a datetime's calendar day is read (settings.TIME_ZONE)."""

_ONE_DAY = timedelta(days=1)

Grade = Literal["A", "B", "C", "U"]
"""Source confidence grade of DOMAIN_RULES.md §0.1."""


class WorkCalendar:
    """Working days and holidays, from the official calendar or, for a year it lacks, a fallback.

    For a year ``chinese_calendar`` knows, its data (holidays and adjusted working weekends from
    the State Council's notices) decide alone. For any other year a day is a working day when it
    is Monday to Friday and not in ``extra_holidays``, or when it is in ``extra_workdays`` (the
    admin-maintained table of ARCHITECTURE.md). Every such year is added to ``unknown_years`` the
    first time a day in it is asked about, so that a page can warn that its deadlines rest on an
    unofficial calendar.

    Answers are cached per instance: one calendar serves the thousands of stages of a scan.
    """

    def __init__(
        self,
        *,
        extra_holidays: frozenset[date] = frozenset(),
        extra_workdays: frozenset[date] = frozenset(),
    ) -> None:
        both = extra_holidays & extra_workdays
        if both:
            listed = ", ".join(day.isoformat() for day in sorted(both))
            raise ValueError(f"days listed both as holiday and as workday: {listed}")
        self.extra_holidays = extra_holidays
        self.extra_workdays = extra_workdays
        self.unknown_years: set[int] = set()
        self._known_years: dict[int, bool] = {}
        self._workdays: dict[date, bool] = {}
        self._next_workdays: dict[date, date] = {}

    def knows(self, year: int) -> bool:
        """Whether the official calendar has data for ``year``."""
        known = self._known_years.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
            except NotImplementedError:
                known = False
            else:
                known = True
            self._known_years[year] = known
        return known

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day (not a weekend or public holiday, or an adjusted one)."""
        if isinstance(day, datetime):
            day = day.date()
        workday = self._workdays.get(day)
        if workday is None:
            if self.knows(day.year):
                workday = bool(chinese_calendar.is_workday(day))
            else:
                self.unknown_years.add(day.year)
                workday = day in self.extra_workdays or (day.weekday() < 5 and day not in self.extra_holidays)
            self._workdays[day] = workday
        return workday

    def next_workday_from(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        if isinstance(day, datetime):
            day = day.date()
        found = self._next_workdays.get(day)
        if found is None:
            found = day
            while not self.is_workday(found):
                found += _ONE_DAY
            self._next_workdays[day] = found
        return found


def add_days(start: date, days: int) -> date:
    """The last day of a period of ``days`` days begun on ``start``.

    PC-01, 《刑事诉讼法》第一百零五条第二款: 期间开始的日不算在期间以内, so the count begins on the
    next day and the last day is ``start + days``.
    """
    return start + timedelta(days=days)


def add_months(start: date, months: int) -> date:
    """The last day of a period of ``months`` months begun on ``start``.

    PC-04, SPC解释第二百零二条: to the same day of the target month; from the last day of a month
    to the last day of the target month; to the target month's last day when it lacks that day.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    target_last = monthrange(year, month)[1]
    if start.day == monthrange(start.year, start.month)[1]:
        return date(year, month, target_last)
    return date(year, month, min(start.day, target_last))


def roll_over(last_day: date, *, in_custody: bool, calendar: WorkCalendar) -> date:
    """The last day after the holiday rule.

    PC-03, 《刑事诉讼法》第一百零五条第四款: 期间的最后一日为节假日的，以节假日后的第一日为期满日期，
    但犯罪嫌疑人、被告人或者罪犯在押期间，应当至期满之日为止，不得因节假日而延长.
    """
    if in_custody:
        return last_day
    return calendar.next_workday_from(last_day)


@dataclass(frozen=True)
class Limit:
    """A statutory length: a number of days or a number of months (exactly one of them)."""

    days: int = 0
    months: int = 0

    def __post_init__(self) -> None:
        if self.days < 0 or self.months < 0:
            raise ValueError(f"a limit cannot be negative: {self!r}")
        if (self.days == 0) == (self.months == 0):
            raise ValueError(f"a limit has either days or months, exactly one nonzero: {self!r}")

    def __str__(self) -> str:
        return f"{self.days}日" if self.days else f"{self.months}个月"

    def last_day(self, start: date) -> date:
        """The nominal last day of this period begun on ``start`` (PC-01, PC-04; no roll-over)."""
        if self.days:
            return add_days(start, self.days)
        return add_months(start, self.months)


def extension_in_days(start: date, limit: Limit, extension: Limit) -> int:
    """How many days ``extension`` adds to ``limit`` for a period begun on ``start``.

    The statutes state caps as totals from the start ("不得超过二十日", "不得超过六个月"), so a
    month extension of a month limit is counted from ``start`` as one total of months
    (``add_months(start, limit.months + extension.months)``), not from the nominal last day: the
    two differ at month ends (a review begun on 2025-11-29: 3 months end on 2026-02-28, 6 months
    on 2026-05-29, while 3 more months from 2026-02-28 would reach 2026-05-31). A day extension is
    simply its days.
    """
    nominal = limit.last_day(start)
    if extension.days:
        return extension.days
    if limit.months:
        extended = add_months(start, limit.months + extension.months)
    else:
        extended = add_months(nominal, extension.months)
    return (extended - nominal).days


@dataclass(frozen=True)
class Deadline:
    """A computed deadline and the steps that led to it.

    ``nominal_last_day`` is the limit alone (PC-01, PC-04); ``last_day`` adds the approved
    extension and the excluded (suspended) days, then applies the holiday rule (PC-03) unless the
    person is in custody. ``rolled_over`` says whether the holiday rule moved the day.
    """

    start: date
    nominal_last_day: date
    excluded_days: int
    extension_days: int
    last_day: date
    rolled_over: bool
    in_custody: bool


def compute_deadline(
    start: date,
    limit: Limit,
    *,
    extension_days: int = 0,
    excluded_days: int = 0,
    in_custody: bool,
    calendar: WorkCalendar,
) -> Deadline:
    """The deadline of a period begun on ``start``.

    ``last_day = roll_over(limit.last_day(start) + extension_days + excluded_days)``. The extension
    is the one actually approved (e.g. 《刑事诉讼法》第一百七十二条第一款: 重大、复杂的案件，可以延长
    十五日); excluded days are suspended periods not counted (PC-06, PC-08, PC-09), see
    :func:`excluded_days`. Only the final last day is rolled over (PC-03).
    """
    if extension_days < 0 or excluded_days < 0:
        raise ValueError("extension and excluded days cannot be negative")
    nominal = limit.last_day(start)
    unrolled = nominal + timedelta(days=extension_days + excluded_days)
    final = roll_over(unrolled, in_custody=in_custody, calendar=calendar)
    return Deadline(
        start=start,
        nominal_last_day=nominal,
        excluded_days=excluded_days,
        extension_days=extension_days,
        last_day=final,
        rolled_over=final != unrolled,
        in_custody=in_custody,
    )


def _local_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in China; a naive datetime is taken as local time already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA_TIME)
    return moment.date()


def excluded_days(periods: Iterable[tuple[datetime, datetime | None]], *, until: datetime) -> int:
    """Whole days of suspension in ``periods``, up to ``until``.

    A period still open (end ``None``) or ending after ``until`` counts to ``until``; one starting
    after ``until`` counts nothing. Every calendar day (China time) that a suspension covers for
    any positive stretch counts as a whole day, erring on the side of the prosecutor: 15:30 on
    3 March to 10:00 on 31 March is 29 days, 00:00 on 3 March to 00:00 on 5 March is 2.
    Overlapping periods are counted once. Datetimes must be all aware or all naive.
    """
    days: set[date] = set()
    for begin, end in periods:
        if end is not None and end < begin:
            raise ValueError(f"a suspension ends before it begins: {begin} > {end}")
        stop = until if end is None or end > until else end
        if stop <= begin:
            continue
        day = _local_day(begin)
        last = _local_day(stop - timedelta(microseconds=1))
        while day <= last:
            days.add(day)
            day += _ONE_DAY
    return len(days)


def days_left(deadline: Deadline, as_of: date) -> int:
    """Days from ``as_of`` to the last day: 0 on the last day itself, negative once overdue."""
    return (deadline.last_day - as_of).days


def is_overdue(deadline: Deadline, done_on: date) -> bool:
    """Whether something done on ``done_on`` was late, i.e. after the last day."""
    return done_on > deadline.last_day


@dataclass(frozen=True)
class TimeLimit:
    """One row of the time-limit tables of DOMAIN_RULES.md §1.

    ``extension`` is the most the row's own rule allows beyond ``limit`` (the 20-day cap of
    TL-CR-ARR-02 is ``Limit(days=5)``), ``None`` when it allows none or sets no cap.
    ``allows_further_extension`` marks rules that let an approver extend beyond that without a
    statutory maximum. ``urgent_limit`` is the shorter limit the rule sets for urgent cases.
    The successive extensions of investigative detention are rows of their own
    (TL-CR-INV-02…04), each adding to the months before it (see :func:`extension_in_days`).
    """

    code: str
    name: str
    limit: Limit
    extension: Limit | None
    basis: str
    grade: Grade
    urgent_limit: Limit | None = None
    allows_further_extension: bool = False
    note: str = ""


_TABLE: tuple[TimeLimit, ...] = (
    # §1.1 审查逮捕
    TimeLimit(
        code="TL-CR-ARR-01",
        name="审查逮捕（犯罪嫌疑人已被拘留）",
        limit=Limit(days=7),
        extension=None,
        basis="《刑事诉讼法》第九十一条第三款；《人民检察院刑事诉讼规则》第二百八十二条",
        grade="A",
    ),
    TimeLimit(
        code="TL-CR-ARR-02",
        name="审查逮捕（犯罪嫌疑人未被拘留）",
        limit=Limit(days=15),
        extension=Limit(days=5),
        basis="《人民检察院刑事诉讼规则》第二百八十二条",
        grade="A",
        note="重大、复杂案件不得超过二十日",
    ),
    TimeLimit(
        code="TL-CR-ARR-09",
        name="公安机关对不批准逮捕要求复议",
        limit=Limit(days=7),
        extension=None,
        basis="《人民检察院刑事诉讼规则》第二百九十条；《刑事诉讼法》第九十二条",
        grade="A",
    ),
    TimeLimit(
        code="TL-CR-ARR-10",
        name="公安机关对不批准逮捕提请上一级人民检察院复核",
        limit=Limit(days=15),
        extension=None,
        basis="《人民检察院刑事诉讼规则》第二百九十一条；《刑事诉讼法》第九十二条",
        grade="A",
    ),
    # §1.2 侦查羁押期限
    TimeLimit(
        code="TL-CR-INV-01",
        name="逮捕后的侦查羁押期限",
        limit=Limit(months=2),
        extension=None,
        basis="《刑事诉讼法》第一百五十六条；《人民检察院刑事诉讼规则》第三百零五条",
        grade="A",
    ),
    TimeLimit(
        code="TL-CR-INV-02",
        name="侦查羁押期限第一次延长",
        limit=Limit(months=1),
        extension=None,
        basis="《刑事诉讼法》第一百五十六条；《人民检察院刑事诉讼规则》第三百零五条、第三百一十一条",
        grade="A",
        note="案情复杂、期限届满不能终结的，经上一级人民检察院批准",
    ),
    TimeLimit(
        code="TL-CR-INV-03",
        name="侦查羁押期限第二次延长",
        limit=Limit(months=2),
        extension=None,
        basis="《刑事诉讼法》第一百五十八条；《人民检察院刑事诉讼规则》第三百零六条",
        grade="A",
        note="刑事诉讼法第一百五十八条所列四类案件，经省级人民检察院批准或者决定",
    ),
    TimeLimit(
        code="TL-CR-INV-04",
        name="侦查羁押期限第三次延长",
        limit=Limit(months=2),
        extension=None,
        basis="《刑事诉讼法》第一百五十九条；《人民检察院刑事诉讼规则》第三百零七条",
        grade="A",
        note="可能判处十年有期徒刑以上刑罚的，经省级人民检察院批准或者决定",
    ),
    # §1.3 审查起诉
    TimeLimit(
        code="TL-CR-PRO-01",
        name="审查起诉",
        limit=Limit(months=1),
        extension=Limit(days=15),
        basis="《刑事诉讼法》第一百七十二条第一款；《人民检察院刑事诉讼规则》第三百五十一条",
        grade="A",
        note="重大、复杂的案件可以延长十五日",
    ),
    TimeLimit(
        code="TL-CR-PRO-02",
        name="审查起诉（认罪认罚且符合速裁程序适用条件）",
        limit=Limit(days=10),
        extension=Limit(days=5),
        basis="《刑事诉讼法》第一百七十二条第一款；《人民检察院刑事诉讼规则》第二百七十三条",
        grade="A",
        note="可能判处的有期徒刑超过一年的，可以延长至十五日",
    ),
    TimeLimit(
        code="TL-CR-PRO-04",
        name="退回补充侦查、补充调查",
        limit=Limit(months=1),
        extension=None,
        basis="《刑事诉讼法》第一百七十五条第三款；《人民检察院刑事诉讼规则》第三百四十六条",
        grade="A",
        note="每次一个月，以二次为限；补充完毕移送后重新计算审查起诉期限",
    ),
    TimeLimit(
        code="TL-CR-PRO-10",
        name="告知犯罪嫌疑人有权委托辩护人",
        limit=Limit(days=3),
        extension=None,
        basis="《刑事诉讼法》第三十四条；《人民检察院刑事诉讼规则》第四十条、第一百四十五条",
        grade="A",
        note="自收到移送起诉案卷材料之日起；留置案件在执行拘留时告知",
    ),
    TimeLimit(
        code="TL-CR-PRO-11",
        name="告知被害人等有权委托诉讼代理人",
        limit=Limit(days=3),
        extension=None,
        basis="《人民检察院刑事诉讼规则》第五十五条",
        grade="A",
        note="自收到移送起诉案卷材料之日起",
    ),
    # §1.4 强制措施
    TimeLimit(
        code="TL-CR-CM-01",
        name="取保候审最长期限",
        limit=Limit(months=12),
        extension=None,
        basis="《刑事诉讼法》第七十九条；《人民检察院刑事诉讼规则》第一百零二条、第一百零三条",
        grade="A",
        note="移送审查起诉后人民检察院重新作出决定的，期限重新计算",
    ),
    TimeLimit(
        code="TL-CR-CM-02",
        name="监视居住最长期限",
        limit=Limit(months=6),
        extension=None,
        basis="《刑事诉讼法》第七十九条；《人民检察院刑事诉讼规则》第一百一十二条、第一百一十三条",
        grade="A",
        note="移送审查起诉后人民检察院重新作出决定的，期限重新计算",
    ),
    # §1.5 不起诉及其救济
    TimeLimit(
        code="TL-CR-NP-01",
        name="被害人不服不起诉决定的申诉期间",
        limit=Limit(days=7),
        extension=None,
        basis=(
            "《刑事诉讼法》第一百八十条；《人民检察院刑事诉讼规则》第三百七十七条、"
            "第三百八十一条、第三百八十二条"
        ),
        grade="A",
        note="七日以内提出的由上一级人民检察院负责捕诉的部门复查；七日以后提出的由本院负责控告申诉检察的部门审查",
    ),
    TimeLimit(
        code="TL-CR-NP-02",
        name="被不起诉人不服相对不起诉决定的申诉期间",
        limit=Limit(days=7),
        extension=None,
        basis="《刑事诉讼法》第一百八十一条；《人民检察院刑事诉讼规则》第三百八十五条",
        grade="A",
        note="七日以内提出的由本院负责捕诉的部门复查；七日以后提出的由负责控告申诉检察的部门审查",
    ),
    TimeLimit(
        code="TL-CR-NP-03",
        name="复查不服不起诉决定的申诉",
        limit=Limit(months=3),
        extension=Limit(months=3),
        basis="《人民检察院刑事诉讼规则》第三百八十六条",
        grade="A",
        note="自立案之日起；案情复杂的，不得超过六个月",
    ),
    TimeLimit(
        code="TL-CR-NP-04",
        name="公安机关要求复议不起诉决定",
        limit=Limit(days=30),
        extension=None,
        basis="《人民检察院刑事诉讼规则》第三百七十九条第二款；《刑事诉讼法》第一百七十九条",
        grade="A",
    ),
    TimeLimit(
        code="TL-CR-NP-05",
        name="监察机关向上一级人民检察院提请复议不起诉决定",
        limit=Limit(days=30),
        extension=None,
        basis="《人民检察院刑事诉讼规则》第三百七十九条第一款",
        grade="A",
    ),
    TimeLimit(
        code="TL-CR-NP-06",
        name="公安机关向上一级人民检察院提请复核不起诉决定",
        limit=Limit(days=30),
        extension=None,
        basis="《人民检察院刑事诉讼规则》第三百八十条",
        grade="A",
    ),
    TimeLimit(
        code="TL-CR-NP-07",
        name="撤回起诉后作出不起诉决定",
        limit=Limit(days=30),
        extension=None,
        basis="《人民检察院刑事诉讼规则》第四百二十四条",
        grade="A",
    ),
    TimeLimit(
        code="TL-CR-NP-08",
        name="附条件不起诉决定书送达",
        limit=Limit(days=3),
        extension=None,
        basis="《人民检察院刑事诉讼规则》第四百七十一条",
        grade="A",
    ),
    # §1.13 民事诉讼监督
    TimeLimit(
        code="TL-CV-05",
        name="民事诉讼监督案件审查期限",
        limit=Limit(months=3),
        extension=None,
        basis="《人民检察院民事诉讼监督规则》第五十二条；《民事诉讼法》（2023年修正）第二百二十条第二款",
        grade="A",
        note="自受理之日起；调卷、鉴定、评估、审计、专家咨询等期间不计入审查期限",
    ),
    # §1.14 行政诉讼监督
    TimeLimit(
        code="TL-AD-05",
        name="行政诉讼监督案件审查期限",
        limit=Limit(months=3),
        extension=None,
        basis="《人民检察院行政诉讼监督规则》第五十六条、第七十九条",
        grade="A",
        allows_further_extension=True,
        note=(
            "自受理之日起；调卷、鉴定、评估、审计、专家咨询等期间不计入审查期限；"
            "经本院检察长批准可以延长，未规定最长期限；简易案件不适用延长"
        ),
    ),
    # §1.15 公益诉讼
    TimeLimit(
        code="TL-PI-04",
        name="行政机关对诉前检察建议依法履职并书面回复",
        limit=Limit(months=2),
        extension=None,
        basis=(
            "《最高人民法院、最高人民检察院关于检察公益诉讼案件适用法律若干问题的解释》第二十一条第二款；"
            "《人民检察院公益诉讼办案规则》第七十五条第二款第七项"
        ),
        grade="A",
        urgent_limit=Limit(days=15),
        note="自收到检察建议书之日起；国家利益或者社会公共利益损害继续扩大等紧急情形的，十五日内书面回复",
    ),
    # §1.16 检察建议
    TimeLimit(
        code="TL-JY-02",
        name="被建议单位处理检察建议并书面回复",
        limit=Limit(months=2),
        extension=None,
        basis="《人民检察院检察建议工作规定》第十九条",
        grade="A",
        note="自收到检察建议书之日起；另有规定的除外；情况紧急的，可以根据实际情况确定回复期限",
    ),
)


def _index(rows: Iterable[TimeLimit]) -> dict[str, TimeLimit]:
    table: dict[str, TimeLimit] = {}
    for row in rows:
        if row.code in table:
            raise ValueError(f"time limit {row.code} listed twice")
        table[row.code] = row
    return table


TIME_LIMITS: dict[str, TimeLimit] = _index(_TABLE)
"""The time limits by code (DOMAIN_RULES.md §1); codes, figures and articles as given there."""
