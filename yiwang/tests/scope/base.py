"""The base of the scope matrix: the two extra personas, and the 人口库/法人库, work orders and
grids, one object on the A side of the test street (grid A, 东社区, 综合行政执法局, reported by
`resident`) and one on the D side (grid D, 西社区, 社会事业局, reported by `resident2`), built
through the services like real data. Also the rows of the operations no pillar claims (accounts,
base data, grids, work orders, triage, notifications)."""

from __future__ import annotations

from yiwang.core.validators import id_check_digit
from yiwang.tests.scope.common import ALL, BODY_FIRST, GRID, POINT, RESIDENTS, STREET, Row

PHONE = {"A": "13912340001", "D": "13912340002"}
REPORTER_PHONE = {"A": "13912349001", "D": "13912349002"}


def id_number(n: int) -> str:
    first17 = f"32057619800101{n:03d}"
    return first17 + id_check_digit(first17)


ID_NUMBER = {"A": id_number(11), "D": id_number(12)}
SECRETS = [*ID_NUMBER.values(), *PHONE.values(), *REPORTER_PHONE.values()]

MODELS = {
    "person": "basedata.Person",
    "household": "basedata.Household",
    "house": "basedata.House",
    "entity": "basedata.LegalEntity",
    "workorder": "workorders.WorkOrder",
    "grid": "grids.Region",
}

# Which personas see the A-side and the D-side object of each resource.
PEOPLE_A = STREET | {"grid_a", "zhuanyuan", "window"}
PEOPLE_D = STREET | {"window"}
PLACES_A = PEOPLE_A | {"zhifa", "officer", "shiye"}
PLACES_D = PEOPLE_D | {"zhifa", "officer", "shiye"}
SEES = {
    "person": {"A": PEOPLE_A, "D": PEOPLE_D},
    "household": {"A": PEOPLE_A, "D": PEOPLE_D},
    "house": {"A": PLACES_A, "D": PLACES_D},
    "entity": {"A": PLACES_A, "D": PLACES_D},
    "workorder": {
        "A": STREET | {"grid_a", "zhuanyuan", "zhifa", "officer", "resident"},
        "D": STREET | {"shiye", "resident2"},
    },
    "grid": {"A": STREET | {"grid_a", "zhuanyuan"}, "D": STREET},
}

RULES = {
    "auth_logout_create": Row("write"),
    "auth_me_retrieve": Row("list"),
    "auth_sessions_destroy": Row("write"),
    "auth_sessions_list": Row("list"),
    "auth_token_create": Row("write", anonymous=400),  # sign-in: open, wrong credentials 400
    "basedata_entities_create": Row("write", "entity"),
    "basedata_entities_list": Row("list", "entity"),
    "basedata_entities_partial_update": Row("write", "entity"),
    "basedata_entities_retrieve": Row("detail", "entity"),
    "basedata_export_retrieve": Row("detail"),
    "basedata_grid_load_retrieve": Row("list", may=ALL - RESIDENTS),
    "basedata_households_create": Row("write", "household"),
    "basedata_households_list": Row("list", "household"),
    "basedata_households_partial_update": Row("write", "household"),
    "basedata_households_retrieve": Row("detail", "household"),
    "basedata_houses_create": Row("write", "house"),
    "basedata_houses_list": Row("list", "house"),
    "basedata_houses_partial_update": Row("write", "house"),
    "basedata_houses_retrieve": Row("detail", "house"),
    "basedata_import_create": Row("write"),
    "basedata_imports_error_report_retrieve": Row("detail"),
    "basedata_imports_retrieve": Row("detail"),
    "basedata_people_colour_create": Row("write", "person"),
    "basedata_people_create": Row("write", "person"),
    "basedata_people_list": Row("list", "person"),
    "basedata_people_partial_update": Row("write", "person"),
    "basedata_people_retrieve": Row("detail", "person"),
    "basedata_people_reveal_create": Row("write", "person"),
    "basedata_people_search_create": Row("write"),
    "basedata_people_tags_create": Row("write", "person"),
    "basedata_tags_list": Row("list"),
    "basedata_templates_retrieve": Row("detail"),
    "categories_list": Row("list"),
    "grids_list": Row("open"),
    "grids_locate_retrieve": Row("open", query="?lon=120.005&lat=31.005"),
    "grids_retrieve": Row("detail", "grid"),
    "kpis_retrieve": Row("list"),
    "notifications_list": Row("list"),
    "notifications_read_all_create": Row("write"),
    "notifications_read_create": Row("write"),
    "responsibility_rules_list": Row("list"),
    "triage_hotspots_retrieve": Row("list"),
    "workorders_action": Row(
        "write", "workorder", refused_400="merge, extend_decide: " + BODY_FIRST
    ),
    "workorders_assist_task_action": Row("write", "workorder"),
    "workorders_create": Row("write", "workorder"),
    "workorders_list": Row("list", "workorder"),
    "workorders_photos_retrieve": Row("detail"),  # no photo in the world: 404 for every persona
    "workorders_retrieve": Row("detail", "workorder"),
    "workorders_support": Row("write", "workorder"),
}


def build(world, ids: dict) -> dict:
    _personas(world)
    return {
        "person": _people(world),
        "household": _households(world),
        "house": _houses(world),
        "entity": _entities(world),
        "workorder": _work_orders(world),
        "grid": dict(GRID),
    }


def _personas(world) -> None:
    """The 党群专员 of 东社区 and a 执法队员 of 综合行政执法局, beside the harness's personas."""
    from yiwang.accounts.models import OrgUnit, Role
    from yiwang.testing import make_user

    community = OrgUnit.objects.get(code="320571001001")
    world.users["zhuanyuan"] = make_user(
        "zhuanyuan", roles=[(community, Role.PARTY_SPECIALIST)], display_name="党群专员"
    )
    world.users["officer"] = make_user(
        "officer", roles=[(world.department, Role.ENFORCEMENT_OFFICER)], display_name="执法队员乙"
    )


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
