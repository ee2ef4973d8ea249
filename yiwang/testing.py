"""Shared test harness: named personas and an API client per persona.

Personas (conventions §5): 网格员甲 in grid A, 网格员乙 in grid B, a department (部门), the
street (街道: dispatcher, leader), a resident and an admin. Built on a tiny street of two
communities with two grids each, so scope tests have something to tell apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from rest_framework.test import APIClient

from yiwang.accounts.models import Membership, OrgUnit, Role, User
from yiwang.grids.geometry import square

PASSWORD = "test-pass-123"


@dataclass
class World:
    district: OrgUnit
    street: OrgUnit
    department: OrgUnit  # 综合行政执法局
    department2: OrgUnit  # 社会事业局
    regions: dict  # name -> Region
    users: dict  # persona -> User


def make_user(username: str, *, roles: list[tuple[OrgUnit, str]] = (), **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    for unit, role in roles:
        Membership.objects.create(user=user, org_unit=unit, role=role)
    return user


def build_world() -> World:
    """Street 测试街道 (code 320571001) with communities 东社区/西社区 and grids A-D.

    Grid A = [120.00,120.01]×[31.00,31.01]; B east of it; C, D north of them.
    """
    from yiwang.grids.models import GridWorker, Region

    district = OrgUnit.objects.create(
        name="测试区", code="320571", kind=OrgUnit.Kind.DISTRICT, region_code="320571"
    )
    street = OrgUnit.objects.create(
        name="测试街道",
        code="320571001",
        kind=OrgUnit.Kind.STREET,
        parent=district,
        region_code="320571001",
    )
    department = OrgUnit.objects.create(
        name="综合行政执法局", code="320571001-D05", kind=OrgUnit.Kind.DEPARTMENT, parent=street
    )
    department2 = OrgUnit.objects.create(
        name="社会事业局", code="320571001-D04", kind=OrgUnit.Kind.DEPARTMENT, parent=street
    )
    r = {}
    r["street"] = Region.objects.create(
        code="320571001",
        name="测试街道",
        level=Region.Level.STREET,
        geojson=square(120.0, 31.0, 0.02),
    )
    r["east"] = Region.objects.create(
        code="320571001001",
        name="东社区",
        level=Region.Level.COMMUNITY,
        parent=r["street"],
        geojson=json.dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [[120.0, 31.0], [120.02, 31.0], [120.02, 31.01], [120.0, 31.01], [120.0, 31.0]]
                ],
            }
        ),
    )
    r["west"] = Region.objects.create(
        code="320571001002",
        name="西社区",
        level=Region.Level.COMMUNITY,
        parent=r["street"],
        geojson=json.dumps(
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [120.0, 31.01],
                        [120.02, 31.01],
                        [120.02, 31.02],
                        [120.0, 31.02],
                        [120.0, 31.01],
                    ]
                ],
            }
        ),
    )
    for name, parent, lon, lat, code in [
        ("A", "east", 120.0, 31.0, "320571001001001"),
        ("B", "east", 120.01, 31.0, "320571001001002"),
        ("C", "west", 120.0, 31.01, "320571001002001"),
        ("D", "west", 120.01, 31.01, "320571001002002"),
    ]:
        r[name] = Region.objects.create(
            code=code,
            name=f"网格{name}",
            level=Region.Level.GRID,
            parent=r[parent],
            geojson=square(lon, lat, 0.01),
        )
    community_unit = OrgUnit.objects.create(
        name="东社区",
        code="320571001001",
        kind=OrgUnit.Kind.COMMUNITY,
        parent=street,
        region_code="320571001001",
    )
    u = {}
    u["admin"] = make_user("admin", is_superuser=True, is_staff=True, display_name="管理员")
    u["leader"] = make_user("leader", roles=[(street, Role.LEADER)], display_name="街道领导")
    u["dispatcher"] = make_user(
        "dispatcher", roles=[(street, Role.DISPATCHER)], display_name="坐席"
    )
    u["grid_a"] = make_user(
        "grid_a", roles=[(community_unit, Role.GRID_WORKER)], display_name="网格员甲"
    )
    u["grid_b"] = make_user(
        "grid_b", roles=[(community_unit, Role.GRID_WORKER)], display_name="网格员乙"
    )
    # Grid workers see their own grids only, not their community: drop the community prefix.
    Membership.objects.filter(user__in=[u["grid_a"], u["grid_b"]]).update(org_unit=street)
    GridWorker.objects.create(region=r["A"], user=u["grid_a"], name="网格员甲", phone="13800000001")
    GridWorker.objects.create(region=r["B"], user=u["grid_b"], name="网格员乙", phone="13800000002")
    u["zhifa"] = make_user(
        "zhifa", roles=[(department, Role.DEPARTMENT_STAFF)], display_name="执法队员"
    )
    u["shiye"] = make_user(
        "shiye", roles=[(department2, Role.DEPARTMENT_STAFF)], display_name="社会事业局"
    )
    u["window"] = make_user("window", roles=[(street, Role.WINDOW_CLERK)], display_name="综窗")
    u["resident"] = make_user("resident", roles=[(street, Role.RESIDENT)], display_name="居民")
    u["resident2"] = make_user("resident2", roles=[(street, Role.RESIDENT)], display_name="居民乙")
    return World(district, street, department, department2, r, u)


def api_client(user: User | None = None) -> APIClient:
    """An API client signed in as `user` with a fresh API token (not audited: a fixture)."""
    client = APIClient()
    if user is not None:
        from yiwang.accounts.sessions import token_create

        _, key = token_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def browser_login(pg, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page of the live server (`pg.base_url`)."""
    pg.goto(pg.base_url + "/accounts/login/")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", password)
    pg.click("button[type=submit]")
    pg.wait_for_load_state()
