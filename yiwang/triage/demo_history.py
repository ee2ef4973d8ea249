"""A labelled history for the demo street (唯亭街道): messages as residents and grid workers
write them about the high-frequency matters of the demo's responsibility list and the city
components (管理部件) they meet most, with the street's place names; a fifth are terse phone
reports without the place. `history(n_per_class, seed)` is deterministic for a given seed.

The UX test's everyday reports (`yiwang bench everyday`) are the test of what the demo
classifier learns from this, never part of it (tests/test_demo_history.py).
"""

from __future__ import annotations

import random

PLACES = [
    "青剑湖花园", "亭苑新村", "金陵花园", "星湖街", "唯亭老街", "跨春湖路", "葑亭大道",
    "青剑路", "浦田路", "夷亭路", "阳澄湖大道", "春辉路", "星华街", "玉成苑", "东亭苑",
    "唯亭菜场", "星湖商业广场", "亭华苑", "唯南花园", "双马新村", "青苑新村", "唯新路",
    "青剑湖地铁站", "唯亭实验小学", "华润国际社区", "星湖天街", "方洲路", "唯胜路",
]  # fmt: skip
SPOTS = [
    "{p}", "{p}门口", "{p}{n}幢楼下", "{p}南门", "{p}北门", "{p}东侧", "{p}{n}号楼旁边",
    "{p}小区里", "{p}路口", "{p}附近",
]  # fmt: skip
ENDINGS = [
    "", "，请尽快处理。", "，希望有关部门管一管。", "，已经好几天了。", "，居民意见很大。",
    "，麻烦派人来看看。", "，反映过一次了还没解决。", "。", "，谢谢！", "，请网格员核实。",
]  # fmt: skip

# category code -> what people write (a {spot} is filled with a place)
MESSAGES = {
    "09009": [
        "{spot}人行道上停满了私家车，行人只能走机动车道",
        "{spot}有辆白色轿车长期停在路边绿化带上",
        "{spot}机动车乱停乱放，早高峰堵得走不动",
        "{spot}几辆车停在斑马线上，过马路很危险",
        "有人把车停在{spot}的盲道上，一停就是一整天",
        "{spot}晚上车辆违停严重，双向车道只剩一条",
        "{spot}有辆外地牌照的车停了半个多月没人挪",
        "{spot}小汽车随意停放在人行道，推婴儿车都过不去",
    ],
    "09010": [
        "{spot}共享单车堆了一大片，把人行道堵死了",
        "{spot}自行车和电动车乱停，盲道都被占了",
        "{spot}非机动车停得横七竖八，行人没法走",
        "{spot}共享单车倒了一地，没人整理",
        "{spot}门口的电瓶车乱停一排，挡住了出入口",
        "{spot}公交站台边上停满了共享单车，候车的人没地方站",
    ],
    "09006": [
        "{spot}有人摆摊卖水果，占了半条马路",
        "{spot}早上有流动摊贩占道卖菜，车都开不过去",
        "{spot}晚上夜宵摊摆到了人行道上",
        "{spot}有人推三轮车占道经营，卖煎饼卖烤红薯",
        "{spot}路边摆地摊的越来越多，通行困难",
        "{spot}有商贩在路口占道兜售衣服鞋子",
    ],
    "06010": [
        "{spot}有一堆生活垃圾没人清理，苍蝇很多",
        "{spot}绿化带里被人倒了好几袋垃圾",
        "{spot}路边暴露垃圾好几天了，味道很大",
        "{spot}空地上堆着装修垃圾和生活垃圾",
        "{spot}河边草丛里扔了很多垃圾袋",
        "{spot}有人把垃圾直接扔在路边，没人收",
    ],
    "06042": [
        "{spot}的垃圾桶满了溢出来，一直没人清运",
        "{spot}垃圾站满溢，垃圾堆到了外面",
        "{spot}分类垃圾箱已经塞满，周边全是垃圾",
        "{spot}垃圾房两天没清运了，臭气熏天",
        "{spot}垃圾桶爆满，流浪猫把垃圾翻得到处都是",
    ],
    "06001": [
        "{spot}有住户在楼顶搭建彩钢板房",
        "{spot}一楼住户私自扩建院子，占用公共绿地",
        "{spot}有人在阳台外面违章搭建了一个棚子",
        "{spot}顶楼加盖了一层，存在安全隐患",
        "{spot}有人占用公共通道搭建简易房",
        "{spot}底楼商户私自搭了个雨棚延伸到人行道上",
        "{spot}有业主在屋顶私搭乱建，楼下漏水",
    ],
    "90001": [
        "{spot}地下车库有人住，晚上还在里面用电做饭",
        "{spot}的车库被改成了出租屋，住了好几个人",
        "{spot}有人在车库里住人，私拉电线很危险",
        "{spot}车库住人现象严重，存在消防安全隐患",
        "{spot}一楼车库里住着一家人，还在里面烧煤炉",
        "{spot}汽车库改成住房对外出租",
    ],
    "06028": [
        "{spot}晚上广场舞音响声音太大，影响休息",
        "{spot}楼下商铺每天放高音喇叭促销，太吵了",
        "{spot}酒吧半夜还在放音乐，噪声扰民",
        "{spot}楼上每天深夜有很大的噪音",
        "{spot}KTV噪音很大，凌晨一两点还在唱",
        "{spot}有人天天在楼下敲锣打鼓，吵得睡不着",
    ],
    "06027": [
        "{spot}的饭店油烟直排，窗户都不敢开",
        "{spot}餐馆没装油烟净化器，油烟熏到楼上住户",
        "{spot}烧烤店排油烟管道对着居民楼",
        "{spot}小吃店油烟很大，整栋楼都是油烟味",
        "{spot}底商餐饮油烟污染严重，晾的衣服都是味道",
    ],
    "07001": [
        "{spot}墙上贴满了小广告，办证贷款什么都有",
        "{spot}电线杆上到处是牛皮癣小广告",
        "{spot}楼道里被人贴了很多开锁疏通的小广告",
        "{spot}单元门上喷涂了小广告，很难清理",
        "{spot}有人在车窗上塞小卡片、乱贴广告",
        "{spot}公交站牌上被贴满了非法小广告",
    ],
    "90003": [
        "{spot}有人把电动车推进楼道里充电",
        "{spot}住户从楼上拉电线下来给电瓶车充电",
        "{spot}电动车停在楼梯间充电，很容易起火",
        "{spot}有人把电瓶带回家里充电，存在火灾隐患",
        "{spot}飞线充电现象严重，插线板挂在窗外",
        "{spot}电梯里经常有人推电动车上楼",
    ],
    "90002": [
        "{spot}有套房子被隔成了十几个小间出租",
        "{spot}楼上是群租房，住了二十多个人，进进出出很乱",
        "{spot}二房东把三居室改成隔断间群租",
        "{spot}一套房里住了很多人，晚上很吵，还有安全隐患",
        "{spot}有房东违规分割房屋对外出租，卫生很差",
    ],
    "09012": [
        "{spot}消防通道被私家车堵死了",
        "{spot}有人在消防通道上堆放杂物",
        "{spot}消防车通道长期停满车辆，万一着火进不来",
        "{spot}商铺把货物堆在消防通道上",
        "{spot}消防通道被地锁和石墩占用",
    ],
    "06029": [
        "{spot}晚上有人露天烧烤，烟很大",
        "{spot}夜宵摊在路边支起炭火烧烤，烟熏火燎",
        "{spot}每到晚上就有露天烧烤摊，烟雾飘进家里",
        "{spot}有人在绿地上烧烤，地上一片狼藉",
        "{spot}路边烧烤摊一直开到凌晨，油烟和炭灰很多",
    ],
    "06013": [
        "{spot}路面有个大坑，电动车差点摔倒",
        "{spot}人行道地砖松动翘起，走路容易绊倒",
        "{spot}道路破损严重，下雨天全是积水",
        "{spot}窨井盖旁边路面塌陷了一块",
        "{spot}马路开裂坑坑洼洼，车开过去很颠",
    ],
    "08001": [
        "{spot}工地晚上十点以后还在施工，噪音很大",
        "{spot}建筑工地夜间打桩，吵得没法睡觉",
        "{spot}工地凌晨还有渣土车进出，轰隆隆的",
        "{spot}附近工地天天夜里浇混凝土，施工扰民",
        "{spot}装修施工周末一大早就开始电钻",
    ],
}

# 管理部件 (GB/T 47678.5-2026, reference.md §1.6–1.7): what residents and grid workers write
# about the components they meet most — street lights, manhole covers, fire hydrants, clutter
# in shared spaces (乱堆杂物, an event class). Written as people write them (the thing, where,
# what is wrong with it).
COMPONENT_MESSAGES = {
    "01037": [
        "{spot}的路灯坏了，晚上黑乎乎的一片",
        "{spot}有两盏路灯晚上都不亮，走夜路很害怕",
        "{spot}路灯一闪一闪的，忽明忽暗",
        "{spot}整排路灯到了晚上都是黑的",
        "{spot}路灯杆被车撞歪了，灯罩也掉了",
        "{spot}路灯白天一直亮着，晚上反而灭了",
        "{spot}那根路灯的灯头掉下来挂在半空，很危险",
        "{spot}路灯坏了一个多星期了，没人来修",
    ],
    "01023": [
        "{spot}马路上的窨井盖缺了一块，晚上看不清容易踩空",
        "{spot}窨井盖不见了，只剩一个黑洞洞的井口",
        "{spot}车一开过去窨井盖就哐当响，盖子晃来晃去",
        "{spot}人行道上的井盖破了个洞，小孩踩上去很危险",
        "{spot}的井盖松了，一踩就翻，差点有人掉下去",
        "{spot}下水道井盖移位了，露出一条大缝",
        "{spot}窨井盖下沉，比路面低了好几公分，电动车颠得厉害",
        "{spot}有个井盖被压碎了，有人用树枝插着做记号",
    ],
    "01013": [
        "{spot}的消火栓在漏水，地上一直湿的",
        "{spot}消防栓被撞坏了，水管都露出来了",
        "{spot}楼里的灭火器过期很久了，压力表指针在红区",
        "{spot}消火栓箱门锁死打不开，里面水带也没了",
        "{spot}消防栓被商户用货架围起来了，根本找不到",
        "{spot}室外消火栓被车撞倒了，一直没人修",
    ],
    "06036": [
        "{spot}楼梯间被住户堆满了纸箱和旧家具，走路都要侧身",
        "{spot}楼道里乱堆了很多杂物，万一着火人都跑不出去",
        "{spot}有人把旧沙发、床垫堆放在单元门口好几个月了",
        "{spot}邻居在楼道里放了两个旧冰箱和一堆纸板",
        "{spot}公共过道里堆放着很多废品，卫生很差",
        "{spot}地下室走廊堆满了旧物和杂物",
        "{spot}有住户在楼梯拐角囤了一堆泡沫箱和瓶瓶罐罐",
        "{spot}空地上被人堆放了一大堆建材，一直没人清",
    ],
}


# Matters that are easily confused: a message about one often mentions the other, and the
# dispatchers' final category is not always the same for alike messages.
NEIGHBOURS = {
    "09009": "09012", "09012": "09009", "09010": "90003", "90003": "09010", "09006": "06029",
    "06029": "06027", "06027": "06029", "06010": "06042", "06042": "06010", "06028": "08001",
    "08001": "06028", "90001": "90002", "90002": "90001", "06001": "06013", "06013": "06001",
    "07001": "06010", "01037": "06013", "01023": "06013", "01013": "09012", "06036": "09012",
}  # fmt: skip
MIXED = 0.15  # share of messages that also mention the neighbouring matter
RELABELLED = 0.3  # share of those filed under the neighbouring category
# Share of terse reports typed on a phone: the problem alone, without the place (the map gives
# it) or any politeness, e.g. "路灯坏了" — the way the UX test's residents wrote.
TERSE = 0.2
DEMO = {"components": True, "terse": TERSE}  # what the demo street's history is made of


def _terse(template: str) -> str | None:
    """The first clause of a template that starts with the place, without the place."""
    if not template.startswith("{spot}"):
        return None
    clause = template.removeprefix("{spot}").lstrip("的").split("，")[0]
    return clause if len(clause) >= 4 else None


def history(
    n_per_class: int = 40, seed: int = 20261122, *, components: bool = False, terse: float = 0.0
) -> list[tuple[str, str]]:
    """[(description, category code)], n messages per category, shuffled: the 16 matters of
    MESSAGES (the triage tests' fixed set: the same rows for a seed as ever), plus the
    COMPONENT_MESSAGES when `components`, with a share `terse` of terse reports. The demo
    takes everything (`DEMO = {"components": True, "terse": TERSE}`)."""
    rng = random.Random(seed)
    messages = {**MESSAGES, **COMPONENT_MESSAGES} if components else MESSAGES

    def spot():
        return rng.choice(SPOTS).format(p=rng.choice(PLACES), n=rng.randint(1, 36))

    out, seen = [], set()
    for code, templates in messages.items():
        other = NEIGHBOURS[code]
        for i in range(n_per_class):
            template = templates[i % len(templates)]
            short = _terse(template) if terse and rng.random() < terse else None
            if short and short not in seen:  # once each: no copies across the folds
                seen.add(short)
                out.append((short, code))
                continue
            text, label = template.format(spot=spot()), code
            if rng.random() < MIXED:
                text += "，还有" + rng.choice(messages[other]).format(spot="旁边")
                label = other if rng.random() < RELABELLED else code
            out.append((text + rng.choice(ENDINGS), label))
    rng.shuffle(out)
    return out
