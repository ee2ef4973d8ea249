"""Fixtures of the 业务对接 tests: a responsibility list for two services, an Open311 client
with its API key, a service attribute, and a real PNG photo."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

API_KEY = "test-open311-key"
# A point inside grid A of yiwang.testing.build_world (grid A = [120.00,120.01]×[31.00,31.01]).
IN_GRID_A = {"lat": "31.005", "long": "120.005"}
IN_GRID_B = {"lat": "31.005", "long": "120.015"}


@dataclass
class Open311World:
    world: object
    key: object
    raw_key: str
    client_user: object
    parking: object  # 09009 机动车乱停放 → 综合行政执法局, 2 working days; attribute plate
    garbage: object  # 06010 暴露垃圾 → 社会事业局, 24 hours; required attribute amount
    unruled: object  # 06013 道路破损: no rule, so not an Open311 service


@pytest.fixture
def o311(world):
    from yiwang.core.workdays import TimeUnit
    from yiwang.integrations.models import Open311ServiceAttribute
    from yiwang.integrations.services import open311_api_key_issue
    from yiwang.workorders.models import Category, ResponsibilityRule

    parking = Category.objects.get(code="09009")
    garbage = Category.objects.get(code="06010")
    unruled = Category.objects.get(code="06013")
    ResponsibilityRule.objects.create(
        category=parking,
        primary_department=world.department,
        limit_value=2,
        limit_unit=TimeUnit.WORK_DAYS,
        filing_criteria="机动车停放在禁停区域",
    )
    ResponsibilityRule.objects.create(
        category=garbage,
        primary_department=world.department2,
        limit_value=24,
        limit_unit=TimeUnit.HOURS,
    )
    Open311ServiceAttribute.objects.create(
        category=parking,
        code="plate",
        datatype="string",
        required=False,
        description="车牌号",
        order=1,
    )
    Open311ServiceAttribute.objects.create(
        category=garbage,
        code="amount",
        datatype="singlevaluelist",
        required=True,
        description="垃圾量",
        order=1,
        values=[{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}],
    )
    from yiwang.testing import make_user

    client_user = make_user("fixmystreet", display_name="FixMyStreet 接口")
    key, raw = open311_api_key_issue(
        actor=world.users["admin"], name="FixMyStreet", user=client_user, key=API_KEY
    )
    return Open311World(world, key, raw, client_user, parking, garbage, unruled)


def png_bytes(size=(8, 6), color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _fast_settings(tmp_path, settings):
    """Uploaded photos in a temporary folder (the root conftest sets the fast password hasher)."""
    settings.MEDIA_ROOT = tmp_path / "media"
