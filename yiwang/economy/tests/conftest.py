"""Fixtures of the economy tests: the bureau (经济发展局), an official, a company user and a
few firms in grid A of the test street (see yiwang/testing.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from yiwang.accounts.models import OrgUnit, Role
from yiwang.core.validators import uscc_check_char
from yiwang.testing import make_user


def make_uscc(n: int) -> str:
    first17 = f"91320594{n:09d}"
    return first17 + uscc_check_char(first17)


@dataclass
class Econ:
    bureau: OrgUnit
    bureau_user: object
    official: object
    firm_user: object
    firms: list


def add_firm(n: int, *, grid, above_scale=True, industry="36", **figures):
    from yiwang.basedata.models import LegalEntity
    from yiwang.economy.models import FirmFigures, FirmProfile

    entity = LegalEntity.objects.create(
        name=f"测试企业{n}",
        uscc=make_uscc(n),
        kind="enterprise",
        grid=grid,
        address=f"测试路{n}号",
        lon=grid_lon(grid),
        lat=grid_lat(grid),
    )
    firm = FirmProfile.objects.create(
        entity=entity,
        grid=grid,
        industry=industry,
        industry_section="C",
        above_scale=above_scale,
        address=entity.address,
    )
    if figures:
        FirmFigures.objects.create(firm=firm, **figures)
    return firm


def grid_lon(grid) -> float:
    import json

    return json.loads(grid.geojson)["coordinates"][0][0][0] + 0.005


def grid_lat(grid) -> float:
    import json

    return json.loads(grid.geojson)["coordinates"][0][0][1] + 0.005


@pytest.fixture
def econ(world):
    bureau = OrgUnit.objects.create(
        name="经济发展局", code="320571001-D03", kind=OrgUnit.Kind.DEPARTMENT, parent=world.street
    )
    bureau_user = make_user(
        "jingfa", roles=[(bureau, Role.DEPARTMENT_STAFF)], display_name="经发局干部"
    )
    official = make_user(
        "guagou", roles=[(world.department2, Role.DEPARTMENT_STAFF)], display_name="挂钩干部"
    )
    firm_user = make_user("qiye", roles=[(world.street, Role.RESIDENT)], display_name="企业用户")
    year = dt.date.today().year - 1
    firms = [
        add_firm(
            i,
            grid=world.regions["A" if i % 2 else "B"],
            year=year,
            revenue=Decimal(1000 * i),
            tax=Decimal(50 * i),
            energy=Decimal(10 * i),
            land_mu=Decimal(10),
            employees=20 * i,
        )
        for i in range(1, 11)
    ]
    return Econ(bureau, bureau_user, official, firm_user, firms)
