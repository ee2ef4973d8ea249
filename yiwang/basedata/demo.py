"""Demo base data of 唯亭街道: synthetic people, households, houses and legal entities.

Runs after grids/demo.py. Deterministic (seeded) and idempotent (skipped when the street
already has base data). Everything is synthetic: ID numbers and credit codes carry valid check
characters but belong to nobody.

Size, chosen to load in a few seconds and still make the load report (网格负荷) meaningful:
- in one community, the one around the demo grid worker's grid (120.78 E, 31.37 N), eight
  grids (the grid worker's own first) get realistic household counts from
  `HOUSEHOLD_PATTERN` (normal 300–500, one overloaded, one under, two empty): about 2,300
  households and 6,000 people;
- all other grids get no people in the demo: the load report shows them as 空置 — honestly,
  as empty registries, not as invented figures;
- legal entities (0–3 per grid) and shops across the whole street.
"""

from __future__ import annotations

import datetime as dt
import random
import time

import shapely
from django.db import transaction
from django.db.models import OuterRef, Subquery

from yiwang.basedata.geo import parse_geometry
from yiwang.basedata.models import House, Household, LegalEntity, Person, PersonTag
from yiwang.core.audit import audit_record
from yiwang.core.validators import USCC_CHARSET, id_check_digit, uscc_check_char

SEED = 20262
STREET_CODE = "320576052"
FOCUS_POINT = (120.78, 31.37)
REFERENCE_DAY = dt.date(2025, 6, 30)  # ages are counted to this day, so reruns are identical
# Households of the first comprehensive grids of the focus community, in grid-code order:
# normal (300-500), empty, overloaded (>500), under (<300). The community's other grids stay
# empty in the demo.
HOUSEHOLD_PATTERN = [420, 0, 560, 310, 150, 380, 0, 450]
HOUSEHOLD_SIZES = [(1, 0.20), (2, 0.30), (3, 0.28), (4, 0.16), (5, 0.06)]
LOCAL_AREAS = ["320576"] * 6 + ["320506"] * 2  # 苏州工业园区, 吴中区
MIGRANT_AREAS = ["340421", "411521", "321323", "342201", "510922", "412724", "320923"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘沈顾陆钱"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌浩宇晨欣怡佳琪子轩梓涵"
PHONE_PREFIXES = [
    "139",
    "138",
    "137",
    "136",
    "135",
    "158",
    "159",
    "188",
    "189",
    "151",
    "152",
    "177",
]
ESTATES = ["新村", "花园", "家园", "苑", "公寓", "雅居", "名邸", "佳园"]
ROADS = ["星华街", "唯新路", "亭旺路", "葑亭大道", "青剑路", "春辉路", "东亭路", "金陵东路"]
INDUSTRIES = [
    ("科技", "软件和信息技术服务业"),
    ("电子", "制造业"),
    ("精密机械", "制造业"),
    ("新材料", "制造业"),
    ("物流", "交通运输业"),
    ("餐饮管理", "住宿和餐饮业"),
    ("物业管理", "房地产业"),
    ("贸易", "批发和零售业"),
]
SHOPS = ["便利店", "小吃店", "理发店", "五金店", "水果店", "面馆", "药房", "洗衣店"]
COLOUR_REASONS = {
    "red": "14天内有中高风险地区旅居史，集中隔离观察中",
    "yellow": "外地返回，居家健康监测",
    "green": "已完成健康监测，解除管控",
}


class _Ids:
    """Unique synthetic ID numbers with valid check digits."""

    def __init__(self, rng):
        self.rng = rng
        self.seen = set()

    def make(self, area: str, birth: dt.date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(1, 500) * 2 - (1 if male else 0)  # odd = male
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            value = first17 + id_check_digit(first17)
            if value not in self.seen:
                self.seen.add(value)
                return value


def _birth(rng, age: int) -> dt.date:
    start = dt.date(REFERENCE_DAY.year - age - 1, REFERENCE_DAY.month, REFERENCE_DAY.day)
    return start + dt.timedelta(days=rng.randrange(1, 365))


def _age(birth: dt.date) -> int:
    return (REFERENCE_DAY - birth).days // 365


def _name(rng, surname=None) -> str:
    return (
        (surname or rng.choice(SURNAMES))
        + rng.choice(GIVEN)
        + (rng.choice(GIVEN) if rng.random() < 0.65 else "")
    )


def _phone(rng) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _size(rng) -> int:
    r, total = rng.random(), 0.0
    for size, p in HOUSEHOLD_SIZES:
        total += p
        if r < total:
            return size
    return HOUSEHOLD_SIZES[-1][0]


def _points_in(geom, rng, n: int) -> list[tuple[float, float]]:
    """n points inside the polygon (rejection sampling in its bounding box)."""
    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    out = []
    while len(out) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(geom, x, y):
            out.append((round(x, 6), round(y, 6)))
    return out


def org_code(rng) -> str:
    """A 9-character organisation code (GB 11714) with its check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(ch) * w for ch, w in zip(body, weights, strict=True)) % 11
    return body + ("X" if c == 10 else "0" if c == 11 else str(c))


def make_uscc(rng, prefix: str) -> str:
    first17 = prefix + "320594" + org_code(rng)
    assert len(first17) == 17 and all(c in USCC_CHARSET for c in first17)
    return first17 + uscc_check_char(first17)


def _household_people(rng, ids: _Ids, tags: dict, size: int):
    """(people as dicts, is migrant household) for one household of `size`."""
    migrant = rng.random() < 0.3
    area = rng.choice(MIGRANT_AREAS if migrant else LOCAL_AREAS)
    if size == 1:
        head_age = rng.choice([rng.randint(25, 45), rng.randint(60, 90), rng.randint(66, 92)])
    else:
        head_age = rng.randint(28, 80)
    head_male = rng.random() < 0.6
    surname = rng.choice(SURNAMES)
    members = [("head", head_age, head_male, surname)]
    if size >= 2:
        spouse_age = max(22, head_age + rng.randint(-5, 5))
        members.append(("spouse", spouse_age, not head_male, rng.choice(SURNAMES)))
    for _ in range(size - len(members)):
        if head_age >= 55 and rng.random() < 0.5:
            members.append(("grandchild", rng.randint(0, 14), rng.random() < 0.5, surname))
        elif head_age < 45 and rng.random() < 0.3:
            members.append(("parent", head_age + rng.randint(24, 32), rng.random() < 0.5, surname))
        else:
            child_age = max(0, head_age - rng.randint(24, 34))
            members.append(("child", child_age, rng.random() < 0.5, surname))
    people = []
    for relation, age, male, family_name in members:
        age = min(age, 99)
        birth = _birth(rng, age)
        person_tags = []
        if migrant:
            person_tags.append(tags["流动人口"])
        if size == 1 and age >= 65 and rng.random() < 0.9:
            person_tags.append(tags["独居老人"])
        if size == 2 and age >= 65 and all(m[1] >= 65 for m in members):
            person_tags.append(tags["空巢老人"])
        if rng.random() < 0.015:
            person_tags.append(tags["残疾人"])
        if relation == "head" and rng.random() < 0.012:
            person_tags.append(tags["低保"])
        if relation == "head" and rng.random() < 0.002:
            person_tags.append(tags["特困供养"])
        if male and 30 <= age <= 70 and rng.random() < 0.02:
            person_tags.append(tags["退役军人"])
        if age >= 18 and rng.random() < 0.002:
            person_tags.append(tags["重点人员"])
        people.append(
            {
                "name": _name(rng, family_name),
                "id_number": ids.make(area, birth, male),
                "phone": _phone(rng) if age >= 16 and rng.random() < 0.92 else "",
                "relation": relation,
                "tags": person_tags,
            }
        )
    return people


def load(stdout) -> None:
    started = time.perf_counter()
    from yiwang.grids.models import Region

    grids = list(
        Region.objects.filter(
            level=Region.Level.GRID, code__startswith=STREET_CODE, is_active=True
        ).select_related("parent")
    )
    if not grids:
        stdout.write("基础数据：演示网格尚未载入，跳过。")
        return
    if Household.objects.filter(grid__code__startswith=STREET_CODE).exists():
        stdout.write("基础数据：演示数据已存在，跳过。")
        return
    with transaction.atomic():
        counts = _load(grids)
        audit_record(
            actor=None,
            action="basedata.demo.load",
            target_type="basedata.demo",
            target_id=STREET_CODE,
            after=counts,
            note="演示数据（合成）",
        )
    seconds = time.perf_counter() - started
    stdout.write(
        f"基础数据：{counts['community']} {counts['households']} 户 {counts['people']} 人，"
        f"房屋 {counts['houses']} 处，法人 {counts['entities']} 个（{seconds:.1f} 秒）"
    )


def _focus_grid(grids) -> str:
    """The code of the demo grid worker's grid (or the first grid)."""
    try:
        from yiwang.grids.locate import locate

        found = locate(*FOCUS_POINT, fresh=True)
    except ImportError:  # pragma: no cover - the grid app always has locate
        found = None
    if found is not None and found.grid.code.startswith(STREET_CODE):
        return found.grid.code
    return min(g.code for g in grids)


def _load(grids) -> dict:
    rng = random.Random(SEED)
    ids = _Ids(rng)
    tags = {t.name: t for t in PersonTag.objects.all()}
    home = _focus_grid(grids)
    focus = home[:12]
    geoms = {g.pk: parse_geometry(g.geojson) for g in grids if g.geojson}
    # The grid worker's own grid first, so the demo login `gridworker` has people to see.
    comprehensive = sorted(
        (g for g in grids if g.code.startswith(focus) and g.kind == "comprehensive"),
        key=lambda g: (g.code != home, g.code),
    )
    houses, households, people_rows = [], [], []
    for grid, n in zip(comprehensive, HOUSEHOLD_PATTERN, strict=False):
        if grid.pk not in geoms:
            continue
        base = grid.parent.name.removesuffix("社区") if grid.parent else "唯亭"
        estate = f"{base}{rng.choice(ESTATES)}{int(grid.code[-3:])}区"
        per_building = 24
        vacant = int(n * 0.05)
        points = _points_in(geoms[grid.pk], rng, (n + vacant) // per_building + 1)
        for k in range(n + vacant):
            building, flat = divmod(k, per_building)
            floor, door = divmod(flat, 2)
            lon, lat = points[building]
            address = f"唯亭街道{estate}{building + 1}幢{floor + 1}0{door + 1}室"
            house = House(address=address, kind="residential", lon=lon, lat=lat, grid=grid)
            houses.append(house)
            if k >= n:
                continue  # a vacant flat: a house without a household
            hh = Household(code=f"{grid.code}{k + 1:04d}", address=address, house=house, grid=grid)
            households.append(hh)
            for p in _household_people(rng, ids, tags, _size(rng)):
                people_rows.append((hh, p))
    # Shops and factories across the whole street; entities in them.
    entities = []
    for grid in sorted(grids, key=lambda g: g.code):
        if grid.pk not in geoms:
            continue
        n_entities = rng.choice([0, 1, 1, 2, 2, 3])
        points = _points_in(geoms[grid.pk], rng, n_entities + 2)
        road = rng.choice(ROADS)
        for k in range(2):  # two shops per grid
            lon, lat = points[k]
            houses.append(
                House(
                    address=f"唯亭街道{road}{grid.code[-5:]}-{k + 1}号商铺",
                    kind="shop",
                    lon=lon,
                    lat=lat,
                    grid=grid,
                )
            )
        for k in range(n_entities):
            lon, lat = points[k + 2]
            r = rng.random()
            if r < 0.7:
                word, industry = rng.choice(INDUSTRIES)
                name = f"苏州{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{word}有限公司"
                kind, prefix = "enterprise", "91"
                address = f"唯亭街道{road}{rng.randint(1, 400)}号"
                if rng.random() < 0.3:
                    houses.append(
                        House(address=address + "厂房", kind="factory", lon=lon, lat=lat, grid=grid)
                    )
            elif r < 0.95:
                industry = "批发和零售业"
                name = f"唯亭{rng.choice(SURNAMES)}记{rng.choice(SHOPS)}"
                kind, prefix = "individual", "92"
                address = f"唯亭街道{road}{rng.randint(1, 400)}号"
            elif r < 0.98:
                industry = "社会组织"
                name = f"唯亭{rng.choice(['志愿者协会', '老年协会', '邻里互助会'])}"
                kind, prefix = "social", "52"
                address = f"唯亭街道{road}{rng.randint(1, 400)}号"
            else:
                industry = "公共管理"
                name = f"{grid.parent.name if grid.parent else '唯亭'}服务站"
                kind, prefix = "public", "12"
                address = f"唯亭街道{road}{rng.randint(1, 400)}号"
            phone = f"0512-6{rng.randrange(10**7):07d}" if rng.random() < 0.6 else _phone(rng)
            entities.append(
                LegalEntity(
                    name=f"{name}（{grid.code[-6:]}-{k + 1}）" if kind == "public" else name,
                    uscc=make_uscc(rng, prefix),
                    kind=kind,
                    legal_rep=_name(rng),
                    phone=phone,
                    address=address,
                    lon=lon,
                    lat=lat,
                    grid=grid,
                    industry=industry,
                )
            )
    _dedupe(entities, "uscc")
    _dedupe(houses, "address", keep={id(hh.house) for hh in households})
    House.objects.bulk_create(houses, batch_size=1000)
    for hh in households:
        hh.house_id = hh.house.pk
    Household.objects.bulk_create(households, batch_size=1000)
    people = []
    for hh, p in people_rows:
        person = Person(
            name=p["name"],
            address=hh.address,
            household=hh,
            relation=p["relation"],
            grid_id=hh.grid_id,
        )
        person.set_id_number(p["id_number"])
        person.set_phone(p["phone"])
        if rng.random() < 0.01:
            person.colour = rng.choice(["red", "yellow", "yellow", "green", "green"])
            person.colour_reason = COLOUR_REASONS[person.colour]
            person.colour_marked_at = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)
        person._tags = p["tags"]
        people.append(person)
    Person.objects.bulk_create(people, batch_size=1000)
    # Each household's head, in one UPDATE … SET head_id = (SELECT …).
    Household.objects.filter(pk__in=[hh.pk for hh in households]).update(
        head=Subquery(
            Person.objects.filter(household=OuterRef("pk"), relation="head").values("pk")[:1]
        )
    )
    through = Person.tags.through
    through.objects.bulk_create(
        [through(person_id=p.pk, persontag_id=t.pk) for p in people for t in p._tags],
        batch_size=1000,
    )
    LegalEntity.objects.bulk_create(entities, batch_size=1000)
    community = next((g.parent.name for g in comprehensive if g.parent), focus)
    return {
        "community": community,
        "households": len(households),
        "people": len(people),
        "houses": len(houses),
        "entities": len(entities),
    }


def _dedupe(objs: list, attr: str, keep=()) -> None:
    """Drop later objects with a duplicate `attr` (random factory addresses, codes); objects
    in `keep` (houses that households live in) are unique by construction."""
    seen, out = set(), []
    for obj in objs:
        key = getattr(obj, attr)
        if key in seen:
            assert id(obj) not in keep, f"duplicate address of a lived-in house: {key}"
            continue
        seen.add(key)
        out.append(obj)
    objs[:] = out
