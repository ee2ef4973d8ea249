"""Demo org units and users of 唯亭街道 (苏州工业园区). Idempotent.

Community names are those of the 35 NBS communities of 唯亭街道 (code 320576052), written here
as a fixture: the demo never reads ../shared/data at run time.
"""

from __future__ import annotations

from yiwang.accounts.models import Membership, OrgUnit, Role, User

DEMO_PASSWORD = "yiwang-demo"
DISTRICT = ("320576", "苏州工业园区")
STREET = ("320576052", "唯亭街道")
# (NBS code suffix, name) of the 35 communities.
COMMUNITIES = [
    ("001", "唯亭社区"), ("002", "亭南社区"), ("003", "芭堤社区"), ("004", "东亭社区"),
    ("006", "青苑社区"), ("007", "古娄一村社区"), ("008", "古娄二村社区"), ("009", "张泾社区"),
    ("010", "高浜社区"), ("011", "新镇社区"), ("012", "青剑湖社区"), ("013", "龙会社区"),
    ("014", "浦田社区"), ("015", "怡邻社区"), ("016", "亭苑社区"), ("017", "悬珠社区"),
    ("018", "阳澄湖村社区"), ("019", "新娄社区"), ("020", "湖滨社区"), ("021", "青澄花园社区"),
    ("022", "青春家园社区"), ("023", "维纳花园社区"), ("024", "西湖社区"), ("025", "观湖社区"),
    ("026", "厦亭社区"), ("027", "虹桥社区"), ("028", "泾上社区"), ("029", "戈巷社区"),
    ("030", "施家浜社区"), ("032", "跨塘社区"), ("033", "晴湾社区"), ("034", "望湖社区"),
    ("035", "优澄社区"), ("036", "澄湾社区"), ("037", "阳光社区"),
]  # fmt: skip
# "一办六局一中心" (plus the 为民服务中心): (code suffix, name).
DEPARTMENTS = [
    ("D01", "党政办"),
    ("D02", "党群工作局"),
    ("D03", "经济发展局"),
    ("D04", "社会事业局"),
    ("D05", "综合行政执法局"),
    ("D06", "安全生产监督管理局"),
    ("D07", "社区治理局"),
    ("C01", "为民服务中心"),
    ("C02", "集成指挥中心"),
]


def department_code(suffix: str) -> str:
    return f"{STREET[0]}-{suffix}"


def department(name: str) -> OrgUnit:
    return OrgUnit.objects.get(kind=OrgUnit.Kind.DEPARTMENT, name=name, parent__code=STREET[0])


def _unit(code, name, kind, parent=None, region_code="", order=0) -> OrgUnit:
    unit, _ = OrgUnit.objects.update_or_create(
        code=code,
        defaults={"name": name, "kind": kind, "parent": parent, "region_code": region_code,
                  "sort_order": order},
    )  # fmt: skip
    return unit


def _user(username, display_name, memberships, **extra) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    for unit, role in memberships:
        Membership.objects.get_or_create(user=user, org_unit=unit, role=role)
    return user


def load(stdout) -> None:
    district = _unit(DISTRICT[0], DISTRICT[1], OrgUnit.Kind.DISTRICT, region_code=DISTRICT[0])
    street = _unit(STREET[0], STREET[1], OrgUnit.Kind.STREET, district, region_code=STREET[0])
    for i, (suffix, name) in enumerate(COMMUNITIES):
        code = STREET[0] + suffix
        _unit(code, name, OrgUnit.Kind.COMMUNITY, street, region_code=code, order=i)
    for i, (suffix, name) in enumerate(DEPARTMENTS):
        _unit(department_code(suffix), name, OrgUnit.Kind.DEPARTMENT, street, order=100 + i)
    _user("admin", "系统管理员", [], is_superuser=True, is_staff=True)
    _user("leader", "王街道", [(street, Role.LEADER)])
    _user("dispatcher", "李坐席", [(department("集成指挥中心"), Role.DISPATCHER)])
    _user("gridworker", "张网格", [(street, Role.GRID_WORKER)])
    zhifa = department("综合行政执法局")
    _user("zhifa", "赵执法", [(zhifa, Role.DEPARTMENT_STAFF), (zhifa, Role.ENFORCEMENT_OFFICER)])
    _user("window", "陈综窗", [(department("为民服务中心"), Role.WINDOW_CLERK)])
    _user("resident", "刘居民", [(street, Role.RESIDENT)], phone="13900000000")
    stdout.write(
        f"组织机构与演示账号：{OrgUnit.objects.count()} 个机构，{User.objects.count()} 个用户"
    )
