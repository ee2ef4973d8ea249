"""Fixtures of the approvals tests: a fixed clock, a media folder, the demo catalogue loaded
for the test street, and personas for the departments that review.

The clock is fixed (Monday 2026-03-02 09:00, Asia/Shanghai) because deadlines count Chinese
working days and the package's calendar ends in 2026.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from yiwang.accounts.models import OrgUnit, Role
from yiwang.approvals import services
from yiwang.approvals.catalogue import catalogue_load
from yiwang.approvals.demo_catalogue import BUNDLES, ITEMS, RESTAURANT
from yiwang.testing import make_user

SH = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n% yiwang test material\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SH)

    def __call__(self):
        return self.now

    def set(self, *args):
        self.now = dt.datetime(*args, tzinfo=SH)

    def advance(self, **kwargs):
        self.now += dt.timedelta(**kwargs)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(timezone, "now", c)
    return c


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def restaurant_form(**extra) -> dict:
    form = {
        "applicant_name": "王小明",
        "id_number": "11010519491231002X",
        "phone": "13912345678",
        "shop_name": "唯亭小王面馆",
        "premises_address": "唯亭街道星华街88号",
        "business_scope": "餐饮服务",
        "area": 40,
        "cooking": "冷食类食品制售",
        "staff_count": 3,
        "sign_size": 6,
        "sign_lit": False,
        "drainage_type": "经隔油池后接入市政污水管网",
    }
    form.update(extra)
    return form


def pdf(key: str, name: str | None = None) -> services.MaterialInput:
    return services.MaterialInput(key=key, filename=name or f"{key}.pdf", content=PDF)


def restaurant_materials(skip: tuple[str, ...] = ()) -> list[services.MaterialInput]:
    keys = [
        "id_card",
        "premises_proof",
        "photo",
        "layout_plan",
        "food_safety_rules",
        "health_cert",
        "sign_design",
        "owner_consent",
        "drainage_plan",
    ]
    out = []
    for k in keys:
        if k in skip:
            continue
        if k == "photo":
            out.append(services.MaterialInput(key=k, filename="photo.png", content=PNG))
        else:
            out.append(pdf(k))
    return out


class Catalogue:
    def __init__(self, world, other_street, users):
        self.world = world
        self.other_street = other_street
        self.users = users
        self.restaurant = RESTAURANT
        self.items = {i["name"]: i["code"] for i in ITEMS}

    def code(self, name: str) -> str:
        return self.items[name]


@pytest.fixture
def catalogue(world):
    """The demo catalogue devolved to 测试街道, plus the departments and reviewers it needs, and
    a second street (另一街道) with an item devolved only there."""
    street = world.street
    depts = {"综合行政执法局": world.department, "社会事业局": world.department2}
    for code, name in [("D03", "经济发展局"), ("D07", "社区治理局"), ("C01", "为民服务中心")]:
        depts[name] = OrgUnit.objects.create(
            name=name, code=f"{street.code}-{code}", kind=OrgUnit.Kind.DEPARTMENT, parent=street
        )
    users = dict(world.users)
    users["jingfa"] = make_user(
        "jingfa", roles=[(depts["经济发展局"], Role.DEPARTMENT_STAFF)], display_name="经发审批"
    )
    users["jingfa2"] = make_user(
        "jingfa2", roles=[(depts["经济发展局"], Role.DEPARTMENT_STAFF)], display_name="经发二"
    )
    catalogue_load(actor=users["admin"], items=ITEMS, bundles=BUNDLES, street=street)
    other = OrgUnit.objects.create(
        name="另一街道",
        code="320571002",
        kind=OrgUnit.Kind.STREET,
        parent=world.district,
        region_code="320571002",
    )
    other_dept = OrgUnit.objects.create(
        name="社会事业局", code="320571002-D04", kind=OrgUnit.Kind.DEPARTMENT, parent=other
    )
    users["window_other"] = make_user(
        "window_other", roles=[(other, Role.WINDOW_CLERK)], display_name="另一综窗"
    )
    catalogue_load(
        actor=users["admin"],
        items=[
            {
                "code": "320571002-20-9001",
                "name": "另一街道特色服务",
                "item_type": "20",
                "affair_type": "1",
                "department": other_dept.code,
                "form_fields": [{"name": "applicant_name", "label": "姓名", "required": True}],
            }
        ],
        street=other,
    )
    return Catalogue(world, other, users)


@pytest.fixture
def users(catalogue):
    return catalogue.users


def submit_restaurant(users, *, actor=None, form=None, materials=None, **kwargs):
    return services.application_submit(
        actor=actor or users["resident"],
        bundle=RESTAURANT,
        form=form or restaurant_form(),
        materials=restaurant_materials() if materials is None else materials,
        **kwargs,
    )


def run_steps(app_id, users_by_dept: dict):
    """Approve every active step of an item application with the holder of its department."""
    from yiwang.approvals.models import Application, ApplicationStep

    while True:
        app = Application.objects.get(pk=app_id)
        step = ApplicationStep.objects.filter(application=app, state="active").first()
        if step is None:
            return app
        actor = users_by_dept[step.department.name]
        services.application_approve_step(actor=actor, application=app, version=app.version)
