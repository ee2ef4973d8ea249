"""The objects of the scope matrix: for each scoped resource one object on the A side of the
test street (grid A, 东社区, 综合行政执法局, reported by `resident`) and one on the D side (grid D,
西社区, 社会事业局, reported by `resident2`), built through the services like real data."""

from __future__ import annotations

from dataclasses import dataclass, field

from yiwang.core.validators import id_check_digit

GRID = {"A": "320571001001001", "D": "320571001002002"}
POINT = {"A": (120.005, 31.005), "D": (120.015, 31.015)}
PHONE = {"A": "13912340001", "D": "13912340002"}
REPORTER_PHONE = {"A": "13912349001", "D": "13912349002"}


def id_number(n: int) -> str:
    first17 = f"32057619800101{n:03d}"
    return first17 + id_check_digit(first17)


ID_NUMBER = {"A": id_number(11), "D": id_number(12)}
# Plain personal data that no GET answer may carry, to any persona.
SECRETS = [*ID_NUMBER.values(), *PHONE.values(), *REPORTER_PHONE.values()]


@dataclass
class Objects:
    ids: dict = field(default_factory=dict)  # resource -> {"A": id, "D": id}


def build_objects(world) -> Objects:
    objects = Objects()
    objects.ids["person"] = _people(world)
    objects.ids["household"] = _households(world)
    objects.ids["house"] = _houses(world)
    objects.ids["entity"] = _entities(world)
    objects.ids["workorder"] = _work_orders(world)
    objects.ids["grid"] = dict(GRID)
    return objects


def _people(world) -> dict:
    from yiwang.basedata import services

    admin = world.users["admin"]
    return {
        side: services.person_create(
            actor=admin,
            name=f"{side}张三",
            id_number=ID_NUMBER[side],
            grid=GRID[side],
            phone=PHONE[side],
            address=f"{side}路1号",
        ).pk
        for side in "AD"
    }


def _households(world) -> dict:
    from yiwang.basedata import services

    admin = world.users["admin"]
    return {
        side: services.household_create(actor=admin, code=f"HH-{side}", grid=GRID[side]).pk
        for side in "AD"
    }


def _houses(world) -> dict:
    from yiwang.basedata import services

    admin = world.users["admin"]
    return {
        side: services.house_create(actor=admin, address=f"{side}路2号", grid=GRID[side]).pk
        for side in "AD"
    }


def _entities(world) -> dict:
    from yiwang.basedata import services

    admin = world.users["admin"]
    uscc = {"A": "91320594MA1MXXXX0A", "D": "91320594MA1MYYYY0B"}
    return {
        side: services.entity_create(
            actor=admin, name=f"{side}公司", uscc=_valid_uscc(uscc[side]), grid=GRID[side]
        ).pk
        for side in "AD"
    }


def _valid_uscc(base: str) -> str:
    from yiwang.core.validators import uscc_check_char

    return base[:17] + uscc_check_char(base[:17])


def _work_orders(world) -> dict:
    from yiwang.accounts.models import User
    from yiwang.workorders.services import work_order_create, work_order_dispatch

    reporter = {"A": "resident", "D": "resident2"}
    department = {"A": world.department, "D": world.department2}
    ids = {}
    for side in "AD":
        user = User.objects.get(pk=world.users[reporter[side]].pk)
        user.phone = REPORTER_PHONE[side]
        user.save(update_fields=["phone"])
        lon, lat = POINT[side]
        order = work_order_create(actor=user, description=f"{side}路灯不亮", lon=lon, lat=lat)
        order = work_order_dispatch(
            actor=world.users["dispatcher"],
            order=order,
            version=order.version,
            category="06013",
            department=department[side].pk,
            limit_value=5,
            limit_unit="work_days",
        )
        ids[side] = order.pk
    return ids
