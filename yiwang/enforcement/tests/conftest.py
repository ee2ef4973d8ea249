"""Fixtures of the enforcement tests: the `world` street plus certified officers, a legal
reviewer, a few matters of the demo list and a legal entity of the 法人库.

Officers: zhifa and zhifa2 (执法证), fazhi (法制审核人员), all of 综合行政执法局; 2027 is
declared (weekdays only) so deadlines never depend on the day the tests run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from yiwang.testing import make_user

# Valid checksums (GB 11643 / GB 32100), generated for the tests.
PERSON_ID = "11010519491231002X"


@dataclass
class Enf:
    world: object
    zhifa: object
    zhifa2: object
    fazhi: object
    entity: object


def valid_uscc(body17: str) -> str:
    from yiwang.core.validators import uscc_check_char

    return body17 + uscc_check_char(body17)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def seed_matters(codes=None):
    from yiwang.enforcement.demo_matters import matter_rows
    from yiwang.enforcement.services import matter_save

    rows = [r for r in matter_rows() if codes is None or r["code"] in codes]
    for row in rows:
        matter_save(actor=None, data=row)


def make_officers(world):
    from yiwang.accounts.models import Membership, Role
    from yiwang.enforcement.models import Officer

    dept = world.department
    until = dt.date.today() + dt.timedelta(days=365)
    zhifa = world.users["zhifa"]
    zhifa2 = make_user("zhifa2", roles=[(dept, Role.ENFORCEMENT_OFFICER)], display_name="钱执法")
    fazhi = make_user("fazhi", roles=[(dept, Role.ENFORCEMENT_OFFICER)], display_name="孙法制")
    Membership.objects.get_or_create(user=zhifa, org_unit=dept, role=Role.ENFORCEMENT_OFFICER)
    for i, user in enumerate([zhifa, zhifa2, fazhi], start=1):
        Officer.objects.create(
            user=user,
            department=dept,
            certificate_number=f"32057600{i:04d}",
            certified_until=until,
            legal_reviewer=user is fazhi,
        )
    return zhifa, zhifa2, fazhi


@pytest.fixture
def enf(world):
    from yiwang.basedata.models import LegalEntity
    from yiwang.core.models import CalendarYear

    CalendarYear.objects.get_or_create(year=2027, defaults={"source": "测试：仅按周末计"})
    seed_matters()
    zhifa, zhifa2, fazhi = make_officers(world)
    entity = LegalEntity.objects.create(
        name="唯亭鲜果坊", uscc=valid_uscc("92320594MA1N2K3L4"), kind="individual",
        grid=world.regions["A"], industry="零售业", address="唯亭街道星华街 8 号",
    )  # fmt: skip
    return Enf(world, zhifa, zhifa2, fazhi, entity)


def work_order(enf, *, category: str, description: str, lon=120.005, lat=31.005):
    """A work order reported by 网格员甲 in grid A and dispatched to 综合行政执法局."""
    from yiwang.workorders.catalogue import seed_categories
    from yiwang.workorders.models import Category
    from yiwang.workorders.services import work_order_create, work_order_dispatch

    seed_categories(Category)
    order = work_order_create(actor=enf.world.users["grid_a"], lon=lon, lat=lat,
                              description=description, category=category)  # fmt: skip
    order.refresh_from_db()
    if order.status == order.Status.DISPATCHED:
        return order
    return work_order_dispatch(
        actor=enf.world.users["dispatcher"], order=order, version=order.version,
        department=enf.world.department, limit_value=2, limit_unit="work_days",
    )  # fmt: skip
