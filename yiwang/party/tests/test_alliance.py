"""红色朋友圈: units from the 法人库, projects with progress, 微心愿 claimed and fulfilled."""

from __future__ import annotations

import pytest

from yiwang.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from yiwang.party.models import ServiceProject, Wish
from yiwang.party.services.alliance import (
    alliance_unit_register,
    project_create,
    project_progress,
    wish_claim,
    wish_fulfil,
    wish_post,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(hall, world):
    from yiwang.basedata.services import entity_create
    from yiwang.core.validators import uscc_check_char

    first17 = "91320594MA1XY1234"
    uscc = first17 + uscc_check_char(first17)
    entity_create(actor=world.users["admin"], name="苏州某科技有限公司", uscc=uscc,
                  grid=world.regions["A"].code)  # fmt: skip
    commitments = ["每月一次助老服务", "提供场地"]
    return alliance_unit_register(actor=world.users["admin"], name="", community=hall.east.code,
                                  uscc=uscc, commitments=commitments)  # fmt: skip


def test_unit_is_linked_to_the_legal_entity_registry(unit):
    assert unit.name == "苏州某科技有限公司" and unit.legal_entity_id
    assert unit.commitments == ["每月一次助老服务", "提供场地"]


def test_unknown_credit_code_is_refused(hall, world):
    with pytest.raises(ValidationFailed):
        alliance_unit_register(actor=world.users["admin"], name="x", community=hall.east.code,
                               uscc="91320594MA1XYZ1230")  # fmt: skip


def test_project_progress_only_moves_forward(unit, world):
    admin = world.users["admin"]
    project = project_create(actor=admin, unit=unit, title="老年助餐", description="每周三送餐")
    project = project_progress(actor=admin, project=project, version=project.version,
                               progress_pct=40, beneficiaries=35, note="第一阶段")  # fmt: skip
    assert project.status == ServiceProject.Status.ONGOING and len(project.log) == 1
    with pytest.raises(ValidationFailed):
        project_progress(actor=admin, project=project, version=project.version,
                         progress_pct=30, beneficiaries=35, note="倒退")  # fmt: skip
    done = project_progress(actor=admin, project=project, version=project.version,
                            progress_pct=100, beneficiaries=80, note="完成")  # fmt: skip
    assert done.status == ServiceProject.Status.DONE


def test_wish_is_posted_claimed_once_and_fulfilled(unit, hall, world):
    admin = world.users["admin"]
    wish = wish_post(actor=hall.resident, title="想要一台助听器", description="耳背多年")
    assert wish.region_code == hall.east.code
    with pytest.raises(Forbidden):
        wish_post(actor=world.users["zhifa"], title="x", community=hall.east.code)
    with pytest.raises(NotFound):  # 西社区's resident cannot see it
        wish_claim(actor=hall.outsider, wish=wish, version=wish.version, unit=unit)
    claimed = wish_claim(actor=admin, wish=wish, version=wish.version, unit=unit)
    with pytest.raises(Conflict):
        wish_claim(actor=admin, wish=wish, version=claimed.version, unit=unit)
    done = wish_fulfil(actor=admin, wish=wish, version=claimed.version, note="已送到家中")
    assert done.status == Wish.Status.FULFILLED and done.unit_id == unit.pk


def test_alliance_api_and_page(unit, hall, world, client_for, client):
    from yiwang.testing import PASSWORD

    res = client_for(hall.resident).post("/api/v1/party/wishes/", {"title": "修好楼道灯"},
                                         format="json")  # fmt: skip
    assert res.status_code == 201
    wish = res.json()
    admin = client_for(world.users["admin"])
    res = admin.post(f"/api/v1/party/wishes/{wish['id']}/claim/",
                     {"version": wish["version"], "unit": unit.pk}, format="json")  # fmt: skip
    assert res.status_code == 200 and res.json()["unit"] == unit.name
    again = {"version": res.json()["version"], "unit": unit.pk}
    res = admin.post(f"/api/v1/party/wishes/{wish['id']}/claim/", again, format="json")
    assert res.status_code == 409
    units = client_for(hall.resident).get("/api/v1/party/alliance/").json()["results"]
    assert [u["name"] for u in units] == [unit.name]
    assert client_for(hall.outsider).get("/api/v1/party/alliance/").json()["results"] == []
    assert client.login(username=hall.resident.username, password=PASSWORD)
    body = client.get("/party/friends/").content.decode()
    assert "修好楼道灯" in body and "已认领" in body and unit.name in body
