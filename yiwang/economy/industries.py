"""Reference data of the economy desk, written as data with its source.

- `SECTIONS`, `DIVISIONS`: GB/T 4754-2017《国民经济行业分类》门类 (A–T) and 大类 (01–97).
- `SIZE_RULES`: 国家统计局《统计上大中小微型企业划分办法（2017）》(国统字〔2017〕213号), the
  thresholds of its table for the main industries. X = 从业人员 (人), Y = 营业收入 (万元),
  Z = 资产总额 (万元). A firm is 大型/中型/小型 only when it reaches *every* lower bound listed
  for that class, otherwise it falls one class (办法 第四条); the rest are 微型.
"""

from __future__ import annotations

SOURCE_INDUSTRY = "GB/T 4754-2017 国民经济行业分类"
SOURCE_SIZE = "统计上大中小微型企业划分办法（2017）国统字〔2017〕213号"

SECTIONS = {
    "A": ("农、林、牧、渔业", "01", "05"),
    "B": ("采矿业", "06", "12"),
    "C": ("制造业", "13", "43"),
    "D": ("电力、热力、燃气及水生产和供应业", "44", "46"),
    "E": ("建筑业", "47", "50"),
    "F": ("批发和零售业", "51", "52"),
    "G": ("交通运输、仓储和邮政业", "53", "60"),
    "H": ("住宿和餐饮业", "61", "62"),
    "I": ("信息传输、软件和信息技术服务业", "63", "65"),
    "J": ("金融业", "66", "69"),
    "K": ("房地产业", "70", "70"),
    "L": ("租赁和商务服务业", "71", "72"),
    "M": ("科学研究和技术服务业", "73", "75"),
    "N": ("水利、环境和公共设施管理业", "76", "79"),
    "O": ("居民服务、修理和其他服务业", "80", "82"),
    "P": ("教育", "83", "83"),
    "Q": ("卫生和社会工作", "84", "85"),
    "R": ("文化、体育和娱乐业", "86", "90"),
    "S": ("公共管理、社会保障和社会组织", "91", "96"),
    "T": ("国际组织", "97", "97"),
}

DIVISIONS = {
    "01": "农业",
    "02": "林业",
    "03": "畜牧业",
    "04": "渔业",
    "05": "农、林、牧、渔专业及辅助性活动",
    "06": "煤炭开采和洗选业",
    "07": "石油和天然气开采业",
    "08": "黑色金属矿采选业",
    "09": "有色金属矿采选业",
    "10": "非金属矿采选业",
    "11": "开采专业及辅助性活动",
    "12": "其他采矿业",
    "13": "农副食品加工业",
    "14": "食品制造业",
    "15": "酒、饮料和精制茶制造业",
    "16": "烟草制品业",
    "17": "纺织业",
    "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业",
    "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业",
    "22": "造纸和纸制品业",
    "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业",
    "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业",
    "27": "医药制造业",
    "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业",
    "30": "非金属矿物制品业",
    "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业",
    "33": "金属制品业",
    "34": "通用设备制造业",
    "35": "专用设备制造业",
    "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业",
    "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业",
    "40": "仪器仪表制造业",
    "41": "其他制造业",
    "42": "废弃资源综合利用业",
    "43": "金属制品、机械和设备修理业",
    "44": "电力、热力生产和供应业",
    "45": "燃气生产和供应业",
    "46": "水的生产和供应业",
    "47": "房屋建筑业",
    "48": "土木工程建筑业",
    "49": "建筑安装业",
    "50": "建筑装饰、装修和其他建筑业",
    "51": "批发业",
    "52": "零售业",
    "53": "铁路运输业",
    "54": "道路运输业",
    "55": "水上运输业",
    "56": "航空运输业",
    "57": "管道运输业",
    "58": "多式联运和运输代理业",
    "59": "装卸搬运和仓储业",
    "60": "邮政业",
    "61": "住宿业",
    "62": "餐饮业",
    "63": "电信、广播电视和卫星传输服务",
    "64": "互联网和相关服务",
    "65": "软件和信息技术服务业",
    "66": "货币金融服务",
    "67": "资本市场服务",
    "68": "保险业",
    "69": "其他金融业",
    "70": "房地产业",
    "71": "租赁业",
    "72": "商务服务业",
    "73": "研究和试验发展",
    "74": "专业技术服务业",
    "75": "科技推广和应用服务业",
    "76": "水利管理业",
    "77": "生态保护和环境治理业",
    "78": "公共设施管理业",
    "79": "土地管理业",
    "80": "居民服务业",
    "81": "机动车、电子产品和日用产品修理业",
    "82": "其他服务业",
    "83": "教育",
    "84": "卫生",
    "85": "社会工作",
    "86": "新闻和出版业",
    "87": "广播、电视、电影和录音制作业",
    "88": "文化艺术业",
    "89": "体育",
    "90": "娱乐业",
    "91": "中国共产党机关",
    "92": "国家机构",
    "93": "人民政协、民主党派",
    "94": "社会保障",
    "95": "群众团体、社会团体和其他成员组织",
    "96": "基层群众自治组织及其他组织",
    "97": "国际组织",
}


def section_of(division: str) -> str:
    """门类 letter of a 大类 code ('36' → 'C'), '' when unknown."""
    for letter, (_name, low, high) in SECTIONS.items():
        if low <= division <= high:
            return letter
    return ""


def division_label(division: str) -> str:
    name = DIVISIONS.get(division, "")
    return f"{section_of(division)}{division} {name}" if name else ""


DIVISION_CHOICES = [(code, f"{section_of(code)}{code} {name}") for code, name in DIVISIONS.items()]

# Size classes, largest first.
LARGE, MEDIUM, SMALL, MICRO = "large", "medium", "small", "micro"
SIZE_LABELS = {LARGE: "大型", MEDIUM: "中型", SMALL: "小型", MICRO: "微型"}

# 统计上大中小微型企业划分办法（2017）附表: group → (大类 range, {class: {indicator: bound}}).
# X 从业人员（人）, Y 营业收入（万元）, Z 资产总额（万元）.
SIZE_RULES: dict[str, dict] = {
    "agriculture": {
        "label": "农、林、牧、渔业",
        "divisions": ("01", "05"),
        LARGE: {"Y": 20000},
        MEDIUM: {"Y": 500},
        SMALL: {"Y": 50},
    },
    "industry": {
        "label": "工业（采矿业，制造业，电力、热力、燃气及水生产和供应业）",
        "divisions": ("06", "46"),
        LARGE: {"X": 1000, "Y": 40000},
        MEDIUM: {"X": 300, "Y": 2000},
        SMALL: {"X": 20, "Y": 300},
    },
    "construction": {
        "label": "建筑业",
        "divisions": ("47", "50"),
        LARGE: {"Y": 80000, "Z": 80000},
        MEDIUM: {"Y": 6000, "Z": 5000},
        SMALL: {"Y": 300, "Z": 300},
    },
    "wholesale": {
        "label": "批发业",
        "divisions": ("51", "51"),
        LARGE: {"X": 200, "Y": 40000},
        MEDIUM: {"X": 20, "Y": 5000},
        SMALL: {"X": 5, "Y": 1000},
    },
    "retail": {
        "label": "零售业",
        "divisions": ("52", "52"),
        LARGE: {"X": 300, "Y": 20000},
        MEDIUM: {"X": 50, "Y": 500},
        SMALL: {"X": 10, "Y": 100},
    },
    "transport": {
        "label": "交通运输业",
        "divisions": ("53", "58"),
        LARGE: {"X": 1000, "Y": 30000},
        MEDIUM: {"X": 300, "Y": 3000},
        SMALL: {"X": 20, "Y": 200},
    },
    "warehousing": {
        "label": "仓储业",
        "divisions": ("59", "59"),
        LARGE: {"X": 200, "Y": 30000},
        MEDIUM: {"X": 100, "Y": 1000},
        SMALL: {"X": 20, "Y": 100},
    },
    "postal": {
        "label": "邮政业",
        "divisions": ("60", "60"),
        LARGE: {"X": 1000, "Y": 30000},
        MEDIUM: {"X": 300, "Y": 2000},
        SMALL: {"X": 20, "Y": 100},
    },
    "hospitality": {
        "label": "住宿业、餐饮业",
        "divisions": ("61", "62"),
        LARGE: {"X": 300, "Y": 10000},
        MEDIUM: {"X": 100, "Y": 2000},
        SMALL: {"X": 10, "Y": 100},
    },
    "telecom": {
        "label": "信息传输业",
        "divisions": ("63", "64"),
        LARGE: {"X": 2000, "Y": 100000},
        MEDIUM: {"X": 100, "Y": 1000},
        SMALL: {"X": 10, "Y": 100},
    },
    "software": {
        "label": "软件和信息技术服务业",
        "divisions": ("65", "65"),
        LARGE: {"X": 300, "Y": 10000},
        MEDIUM: {"X": 100, "Y": 1000},
        SMALL: {"X": 10, "Y": 50},
    },
    "real_estate": {
        "label": "房地产开发经营",
        "divisions": ("70", "70"),
        LARGE: {"Y": 200000, "Z": 10000},
        MEDIUM: {"Y": 1000, "Z": 5000},
        SMALL: {"Y": 100, "Z": 2000},
    },
    "leasing": {
        "label": "租赁和商务服务业",
        "divisions": ("71", "72"),
        LARGE: {"X": 300, "Z": 120000},
        MEDIUM: {"X": 100, "Z": 8000},
        SMALL: {"X": 10, "Z": 100},
    },
    "other": {
        "label": "其他未列明行业",
        "divisions": ("00", "99"),
        LARGE: {"X": 300},
        MEDIUM: {"X": 100},
        SMALL: {"X": 10},
    },
}


def size_group(division: str) -> str:
    for key, rule in SIZE_RULES.items():
        low, high = rule["divisions"]
        if key != "other" and low <= division <= high:
            return key
    return "other"


def size_class(division: str, *, employees, revenue, assets=None) -> str:
    """大/中/小/微 of a firm by the 2017 rule; '' when a figure the rule needs is missing."""
    rule = SIZE_RULES[size_group(division or "")]
    values = {"X": employees, "Y": revenue, "Z": assets}
    needed = set().union(*(rule[c].keys() for c in (LARGE, MEDIUM, SMALL)))
    if any(values[k] is None for k in needed):
        return ""
    for klass in (LARGE, MEDIUM, SMALL):
        if all(values[k] >= bound for k, bound in rule[klass].items()):
            return klass
    return MICRO


# 规模以上 (规上) thresholds of the statistics bureau (主营业务收入/营业收入, 万元): 规上工业 and
# 限额以上批发零售住宿餐饮 (国家统计局《关于印发统计上大中小微型企业划分办法的通知》配套口径 and
# the 2011 规上工业 threshold of 2 000 万元). A hint only: the 名录库 of the statistics bureau
# decides, so the flag on the profile is set by the bureau.
ABOVE_SCALE_REVENUE = {
    "industry": 2000,
    "wholesale": 2000,
    "retail": 500,
    "hospitality": 200,
}


def above_scale_hint(division: str, revenue) -> bool | None:
    threshold = ABOVE_SCALE_REVENUE.get(size_group(division or ""))
    if threshold is None or revenue is None:
        return None
    return revenue >= threshold
