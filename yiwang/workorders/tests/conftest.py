"""Fixtures of the work-order tests: the `world` street plus a small responsibility list.

Rules (region prefix "" = whole jurisdiction):
- 90001 车库住人 → 综合行政执法局, 3 working days, cooperating 社会事业局
- 09009 机动车乱停放 → 综合行政执法局, 2 working days, on-spot allowed
- 06010 暴露垃圾 → 社会事业局, 1 working day, on-spot allowed
- 06001 私搭乱建 → 综合行政执法局, 15 working days (no on-spot)
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("Asia/Shanghai")
IN_A = (120.005, 31.005)  # inside grid A
IN_B = (120.015, 31.005)  # inside grid B
OUTSIDE = (121.5, 31.2)  # in no grid
# A Monday morning in a normal working week (2026-06-01 is a Monday; 端午 is 06-19).
MONDAY = dt.datetime(2026, 6, 1, 9, 0, tzinfo=TZ)


@dataclass
class Rules:
    garage: object
    parking: object
    garbage: object
    building: object


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def calendar_2027(db):
    """Tests must not depend on the day they run: 2027 is not in chinese-calendar yet, so
    declare it (weekdays only) for tests whose deadlines may reach it."""
    from yiwang.core.models import CalendarYear

    CalendarYear.objects.get_or_create(year=2027, defaults={"source": "测试：仅按周末计"})


@pytest.fixture
def login(client):
    """The test client signed in as a given user (signing the previous one out)."""

    def as_user(user):
        client.logout()
        client.force_login(user)
        return client

    return as_user


def seed_categories():
    """The data migration seeds the catalogue; a transactional test's flush empties it."""
    from yiwang.workorders.catalogue import seed_categories as seed
    from yiwang.workorders.models import Category

    seed(Category)


@pytest.fixture
def rules(world, calendar_2027):
    from yiwang.workorders.services import responsibility_rule_save

    admin = world.users["admin"]
    return Rules(
        garage=responsibility_rule_save(
            actor=admin,
            category="90001",
            primary_department=world.department,
            cooperating_departments=[world.department2],
            limit_value=3,
            limit_unit="work_days",
        ),
        parking=responsibility_rule_save(
            actor=admin,
            category="09009",
            primary_department=world.department,
            limit_value=2,
            limit_unit="work_days",
            on_spot_allowed=True,
        ),
        garbage=responsibility_rule_save(
            actor=admin,
            category="06010",
            primary_department=world.department2,
            limit_value=1,
            limit_unit="work_days",
            on_spot_allowed=True,
        ),
        building=responsibility_rule_save(
            actor=admin,
            category="06001",
            primary_department=world.department,
            limit_value=15,
            limit_unit="work_days",
        ),
    )


def png_file(name="photo.png", size=(16, 12), color=(200, 30, 30), fmt="PNG"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def report(world, rules):
    """Create an order as 网格员甲 in grid A (default: 车库住人, auto-dispatched)."""
    from yiwang.workorders.services import work_order_create

    def make(**kwargs):
        args = {
            "actor": world.users["grid_a"],
            "description": "青剑湖花园 12 幢车库有人居住，存在消防隐患",
            "lon": IN_A[0],
            "lat": IN_A[1],
            "category": "90001",
        }
        args.update(kwargs)
        return work_order_create(**args)

    return make
