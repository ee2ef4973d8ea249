"""Fixtures of the party tests: the `world` street with registered residents.

东社区 (grids A, B): 居民 (resident) and 居民乙 (resident2) share household EA-1 in grid A;
周老伯 (no account) lives in EB-1 in grid B; a child of EA-1 is under 18. 西社区 (grid C):
居民丙 (resident3) in WC-1. So 东社区 has 3 adults in 2 households.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from yiwang.workorders.tests.conftest import calendar_2027, rules  # noqa: F401


@dataclass
class Hall:
    east: object
    west: object
    resident: object
    resident2: object
    outsider: object
    leader: object


def id_number(birth: str, serial: str) -> str:
    from yiwang.core.validators import id_check_digit

    first17 = f"320582{birth}{serial}"
    return first17 + id_check_digit(first17)


@pytest.fixture
def hall(world, rules):  # noqa: F811
    from yiwang.basedata.services import household_create, person_create
    from yiwang.testing import make_user

    admin, r = world.users["admin"], world.regions
    ea = household_create(actor=admin, code="EA-1", grid=r["A"].code, address="东社区1幢")
    eb = household_create(actor=admin, code="EB-1", grid=r["B"].code, address="东社区9幢")
    wc = household_create(actor=admin, code="WC-1", grid=r["C"].code, address="西社区3幢")
    people = [
        ("刘居民", "19800101", "123", "13900000001", ea, "head"),
        ("刘居民乙", "19820202", "124", "13900000002", ea, "spouse"),
        ("刘小宝", "20150303", "125", "", ea, "child"),
        ("周老伯", "19500404", "126", "", eb, "head"),
        ("陈居民丙", "19900505", "127", "13900000003", wc, "head"),
    ]
    for name, birth, serial, phone, household, relation in people:
        person_create(actor=admin, name=name, id_number=id_number(birth, serial),
                      grid=household.grid.code, phone=phone, household=household,
                      relation=relation)  # fmt: skip
    users = world.users
    for key, phone in (("resident", "13900000001"), ("resident2", "13900000002")):
        users[key].phone = phone
        users[key].save(update_fields=["phone"])
    outsider = make_user("resident3", roles=[(world.street, "resident")], phone="13900000003",
                         display_name="居民丙")  # fmt: skip
    return Hall(r["east"], r["west"], users["resident"], users["resident2"], outsider,
                users["leader"])  # fmt: skip
