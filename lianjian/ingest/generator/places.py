"""Administrative divisions the generator names its units after (GB/T 2260 codes).

Gansu (620000) is written out with its real cities and county-level divisions; any other
province code of the mainland gets its real province name and synthetic, plausible cities and
counties (14 cities, 135 county-level units, as ARCHITECTURE.md's reference province).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """One division: its code, full name and the one-character short form used in case numbers."""

    code: str
    name: str
    short: str


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    short: str
    cities: tuple[tuple[Place, tuple[Place, ...]], ...]


PROVINCE_NAMES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "京"),
    "120000": ("天津市", "津"),
    "130000": ("河北省", "冀"),
    "140000": ("山西省", "晋"),
    "150000": ("内蒙古自治区", "蒙"),
    "210000": ("辽宁省", "辽"),
    "220000": ("吉林省", "吉"),
    "230000": ("黑龙江省", "黑"),
    "310000": ("上海市", "沪"),
    "320000": ("江苏省", "苏"),
    "330000": ("浙江省", "浙"),
    "340000": ("安徽省", "皖"),
    "350000": ("福建省", "闽"),
    "360000": ("江西省", "赣"),
    "370000": ("山东省", "鲁"),
    "410000": ("河南省", "豫"),
    "420000": ("湖北省", "鄂"),
    "430000": ("湖南省", "湘"),
    "440000": ("广东省", "粤"),
    "450000": ("广西壮族自治区", "桂"),
    "460000": ("海南省", "琼"),
    "500000": ("重庆市", "渝"),
    "510000": ("四川省", "川"),
    "520000": ("贵州省", "黔"),
    "530000": ("云南省", "滇"),
    "540000": ("西藏自治区", "藏"),
    "610000": ("陕西省", "陕"),
    "620000": ("甘肃省", "甘"),
    "630000": ("青海省", "青"),
    "640000": ("宁夏回族自治区", "宁"),
    "650000": ("新疆维吾尔自治区", "新"),
}

_GANSU: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "620100",
        "兰州市",
        [
            ("620102", "城关区"),
            ("620103", "七里河区"),
            ("620104", "西固区"),
            ("620105", "安宁区"),
            ("620111", "红古区"),
            ("620121", "永登县"),
            ("620122", "皋兰县"),
            ("620123", "榆中县"),
        ],
    ),
    ("620200", "嘉峪关市", [("620201", "城区")]),
    ("620300", "金昌市", [("620302", "金川区"), ("620321", "永昌县")]),
    (
        "620400",
        "白银市",
        [
            ("620402", "白银区"),
            ("620403", "平川区"),
            ("620421", "靖远县"),
            ("620422", "会宁县"),
            ("620423", "景泰县"),
        ],
    ),
    (
        "620500",
        "天水市",
        [
            ("620502", "秦州区"),
            ("620503", "麦积区"),
            ("620521", "清水县"),
            ("620522", "秦安县"),
            ("620523", "甘谷县"),
            ("620524", "武山县"),
            ("620525", "张家川回族自治县"),
        ],
    ),
    (
        "620600",
        "武威市",
        [
            ("620602", "凉州区"),
            ("620621", "民勤县"),
            ("620622", "古浪县"),
            ("620623", "天祝藏族自治县"),
        ],
    ),
    (
        "620700",
        "张掖市",
        [
            ("620702", "甘州区"),
            ("620721", "肃南裕固族自治县"),
            ("620722", "民乐县"),
            ("620723", "临泽县"),
            ("620724", "高台县"),
            ("620725", "山丹县"),
        ],
    ),
    (
        "620800",
        "平凉市",
        [
            ("620802", "崆峒区"),
            ("620821", "泾川县"),
            ("620822", "灵台县"),
            ("620823", "崇信县"),
            ("620825", "庄浪县"),
            ("620826", "静宁县"),
            ("620881", "华亭市"),
        ],
    ),
    (
        "620900",
        "酒泉市",
        [
            ("620902", "肃州区"),
            ("620921", "金塔县"),
            ("620922", "瓜州县"),
            ("620923", "肃北蒙古族自治县"),
            ("620924", "阿克塞哈萨克族自治县"),
            ("620981", "玉门市"),
            ("620982", "敦煌市"),
        ],
    ),
    (
        "621000",
        "庆阳市",
        [
            ("621002", "西峰区"),
            ("621021", "庆城县"),
            ("621022", "环县"),
            ("621023", "华池县"),
            ("621024", "合水县"),
            ("621025", "正宁县"),
            ("621026", "宁县"),
            ("621027", "镇原县"),
        ],
    ),
    (
        "621100",
        "定西市",
        [
            ("621102", "安定区"),
            ("621121", "通渭县"),
            ("621122", "陇西县"),
            ("621123", "渭源县"),
            ("621124", "临洮县"),
            ("621125", "漳县"),
            ("621126", "岷县"),
        ],
    ),
    (
        "621200",
        "陇南市",
        [
            ("621202", "武都区"),
            ("621221", "成县"),
            ("621222", "文县"),
            ("621223", "宕昌县"),
            ("621224", "康县"),
            ("621225", "西和县"),
            ("621226", "礼县"),
            ("621227", "徽县"),
            ("621228", "两当县"),
        ],
    ),
    (
        "622900",
        "临夏回族自治州",
        [
            ("622901", "临夏市"),
            ("622921", "临夏县"),
            ("622922", "康乐县"),
            ("622923", "永靖县"),
            ("622924", "广河县"),
            ("622925", "和政县"),
            ("622926", "东乡族自治县"),
            ("622927", "积石山保安族东乡族撒拉族自治县"),
        ],
    ),
    (
        "623000",
        "甘南藏族自治州",
        [
            ("623001", "合作市"),
            ("623021", "临潭县"),
            ("623022", "卓尼县"),
            ("623023", "舟曲县"),
            ("623024", "迭部县"),
            ("623025", "玛曲县"),
            ("623026", "碌曲县"),
            ("623027", "夏河县"),
        ],
    ),
]

# Two-character stems for the synthetic divisions of other provinces.
_CITY_STEMS = [
    "安平",
    "丰泽",
    "临川",
    "清源",
    "东阳",
    "南华",
    "西宁",
    "永安",
    "长宁",
    "广元",
    "江华",
    "宜山",
    "河阳",
    "云泉",
]
_COUNTY_STEMS = [
    "城关",
    "新华",
    "南湖",
    "北山",
    "东坡",
    "西林",
    "青河",
    "白水",
    "石门",
    "桃源",
    "金沙",
    "龙泉",
    "凤翔",
    "柳溪",
    "松山",
    "梅岭",
    "竹园",
    "杨桥",
    "荷塘",
    "花溪",
    "沙河",
    "峰口",
    "平川",
    "乐安",
    "文昌",
]


def _short(name: str) -> str:
    return name[0]


def province(code: str) -> Province:
    """The province with ``code`` (``620000``, …); ``KeyError`` when no such province exists."""
    name, short = PROVINCE_NAMES[code]
    if code == "620000":
        cities = tuple(
            (
                Place(city_code, city_name, _short(city_name)),
                tuple(Place(c, n, _short(n)) for c, n in counties),
            )
            for city_code, city_name, counties in _GANSU
        )
        return Province(code, name, short, cities)
    prefix = code[:2]
    built = []
    for number, stem in enumerate(_CITY_STEMS, start=1):
        city_code = f"{prefix}{number:02d}00"
        city = Place(city_code, f"{stem}市", stem[0])
        counties = []
        for county_no in range(1, 9 + (1 if number <= 9 else 0) + 1):
            county_stem = _COUNTY_STEMS[(number * 7 + county_no) % len(_COUNTY_STEMS)]
            suffix = "区" if county_no <= 3 else "县"
            county_code = f"{prefix}{number:02d}{county_no + (0 if county_no <= 3 else 18):02d}"
            counties.append(Place(county_code, f"{county_stem}{suffix}", county_stem[0]))
        built.append((city, tuple(counties)))
    return Province(code, name, short, tuple(built))
