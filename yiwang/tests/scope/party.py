"""The scope matrix for 党建引领:
organisations, members, meetings, 议事厅 topics, wishes, alliance, volunteers, 四色.

Side A: the 网格党支部 of grid A (东社区), its member (the A-side person of `base`), a topic, a
wish, an alliance unit with its project and an activity of 东社区, and grid A's colour; side D
the same in 西社区 / grid D. A resident "lives" where the 人口库 person with their phone lives
(`party/residents.py`): this module gives `resident` the phone of the A-side person of `base`
(grid A) and `resident2` that of the D-side one (grid D), so the community-public data (topics,
wishes, alliance, activities) is theirs on their own side only.

Who sees what (`party/models.py`): organisations, members and colours are `RegionScoped` —
the street, the community's 党群专员 and the grid workers of the grid they belong to;
co-governance data is `CommunityScoped` — the street, the community's staff (专员, the grid
workers of all its grids) and the residents who live there. Departments and the window have no
part in party work."""

from __future__ import annotations

import datetime as dt

from yiwang.tests.scope.base import PHONE
from yiwang.tests.scope.common import COMMUNITY, GRID, RESIDENTS, STREET, Row

SECRETS: list = []  # the members and residents are the people of `base`, with its secrets

MODELS = {
    "party_organisation": "party.PartyOrganisation",
    "party_member": "party.PartyMember",
    "topic": "party.Topic",
    "wish": "party.Wish",
    "alliance_unit": "party.AllianceUnit",
    "service_project": "party.ServiceProject",
    "activity": "party.Activity",
    "grid_colour": "party.GridColour",
}

# 党组织、党员、四色: the street, the community's 专员, the grid's own 网格员.
REGION_A = STREET | {"grid_a", "zhuanyuan"}
REGION_D = STREET
# 议事厅、微心愿、红色朋友圈、志愿活动: also every grid worker of the community and its residents.
PUBLIC_A = STREET | {"grid_a", "grid_b", "zhuanyuan", "resident"}
PUBLIC_D = STREET | {"resident2"}
SEES = {
    "party_organisation": {"A": REGION_A, "D": REGION_D},
    "party_member": {"A": REGION_A, "D": REGION_D},
    "grid_colour": {"A": REGION_A, "D": REGION_D},
    "topic": {"A": PUBLIC_A, "D": PUBLIC_D},
    "wish": {"A": PUBLIC_A, "D": PUBLIC_D},
    "alliance_unit": {"A": PUBLIC_A, "D": PUBLIC_D},
    "service_project": {"A": PUBLIC_A, "D": PUBLIC_D},
    "activity": {"A": PUBLIC_A, "D": PUBLIC_D},
}

# Who keeps party records (党组织、党员、红色朋友圈): ORG_ROLES / ALLIANCE_ROLES.
PARTY_STAFF = frozenset({"admin", "leader", "zhuanyuan"})
# Who computes the 四色网格: ADMIN and LEADER only (`services/colours.py`).
COLOUR_ADMINS = frozenset({"admin", "leader"})

RULES = {
    # Only registered volunteers sign up; both residents are volunteers of their community.
    "party_activities_retrieve": Row("list", "activity"),
    "party_activities_signup_create": Row("write", "activity", may=RESIDENTS),
    "party_alliance_create": Row("write", may=PARTY_STAFF),
    "party_alliance_retrieve": Row("list", "alliance_unit"),
    "party_colours_compute_create": Row("write", may=COLOUR_ADMINS),
    "party_colours_retrieve": Row("list", "grid_colour"),
    "party_members_transfer_create": Row("write", "party_member", may=PARTY_STAFF),
    "party_organisations_meetings_create": Row("write", "party_organisation", may=PARTY_STAFF),
    "party_organisations_retrieve": Row("list", "party_organisation"),
    "party_projects_progress_create": Row("write", "service_project", may=PARTY_STAFF),
    # Every transition ({action} is an enum): the community's staff only (专员, its grid
    # workers, the street); residents who see the topic are refused (403).
    "party_topic_action": Row("write", "topic", may=STREET | {"grid_a", "grid_b", "zhuanyuan"}),
    "party_topic_detail": Row("detail", "topic"),
    "party_topic_list": Row("list", "topic"),
    # Who may propose depends on the community named in the body (its residents and staff),
    # read before the role can be judged: an empty body is a 400 for everyone.
    "party_topic_propose": Row("write"),
    # Residents and staff of the community speak: everyone who sees the topic.
    "party_topics_comments_create": Row("write", "topic"),
    # Only the adult residents who live in the community vote (staff are no voters).
    "party_topics_vote_create": Row("write", "topic", may=RESIDENTS),
    "party_volunteers_record_retrieve": Row("list", may=RESIDENTS),  # the others: 404
    # claim and fulfil: the party staff record what a unit does; grid workers and residents
    # who see the wish are refused (403).
    "party_wish_action": Row("write", "wish", may=PARTY_STAFF),
    "party_wish_list": Row("list", "wish"),
    # Without a community in the body, the wish goes to the community one lives in: residents
    # only (staff name the community they post for, and are refused without one).
    "party_wish_post": Row("write", may=RESIDENTS),
}


def build(world, ids: dict) -> dict:
    _residents_live_on_their_side(world)
    colours = _colours(world)
    orgs = _organisations(world)
    units = _alliance_units(world)
    return {
        "party_organisation": orgs,
        "party_member": _members(world, ids, orgs),
        "topic": _topics(world),
        "wish": {
            side: _wish(_fresh(world, who), side)
            for side, who in (("A", "resident"), ("D", "resident2"))
        },
        "alliance_unit": units,
        "service_project": _projects(world, units),
        "activity": _activities(world),
        "grid_colour": colours,
    }


def _staff(world, side):
    """The party worker of each side: the 专员 of 东社区; for 西社区 (whose staff is no
    persona) the admin."""
    return world.users["zhuanyuan" if side == "A" else "admin"]


def _residents_live_on_their_side(world) -> None:
    """`resident` lives in grid A, `resident2` in grid D: their accounts take the phones of the
    A-side and D-side people of `base` (the world keeps its two people), and both register as
    volunteers of the community they live in."""
    from yiwang.party.services.volunteers import volunteer_register

    for side, who in (("A", "resident"), ("D", "resident2")):
        user = _fresh(world, who)
        user.phone = PHONE[side]
        user.save(update_fields=["phone"])
        volunteer_register(actor=user, skills="陪伴老人")


def _fresh(world, who):
    """The persona's user as stored (`base` changes the residents' rows, not `world.users`)."""
    from yiwang.accounts.models import User

    return User.objects.get(pk=world.users[who].pk)


def _organisations(world) -> dict:
    from yiwang.party.services import organisations

    return {
        side: organisations.organisation_create(
            actor=_staff(world, side),
            name=f"网格{side}党支部",
            kind="branch",
            grid=GRID[side],
            term_started_on=dt.date(2024, 1, 1),
        ).pk
        for side in "AD"
    }


def _members(world, ids, orgs) -> dict:
    from yiwang.party.services import organisations

    return {
        side: organisations.member_add(
            actor=_staff(world, side),
            person=ids["person"][side],
            organisation=orgs[side],
            joined_on=dt.date(2001, 7, 1),
        ).pk
        for side in "AD"
    }


def _topics(world) -> dict:
    from yiwang.party.services import topics

    out = {}
    for side in "AD":
        staff = _staff(world, side)
        topic = topics.topic_propose(
            actor=staff, community=COMMUNITY[side], title=f"{side}加装电梯", body="是否加装电梯"
        )
        topic = topics.topic_open_voting(actor=staff, topic=topic, version=topic.version)
        out[side] = topic.pk
    return out


def _wish(user, side) -> int:
    from yiwang.party.services import alliance

    return alliance.wish_post(actor=user, title=f"{side}想要一副老花镜").pk


def _alliance_units(world) -> dict:
    from yiwang.party.services import alliance

    return {
        side: alliance.alliance_unit_register(
            actor=_staff(world, side),
            name=f"{side}共建单位",
            community=COMMUNITY[side],
            commitments=["义诊"],
        ).pk
        for side in "AD"
    }


def _projects(world, units) -> dict:
    from yiwang.party.services import alliance

    return {
        side: alliance.project_create(
            actor=_staff(world, side), unit=units[side], title=f"{side}义诊进社区"
        ).pk
        for side in "AD"
    }


def _activities(world) -> dict:
    from django.utils import timezone

    from yiwang.party.services.volunteers import activity_create

    start = timezone.now() + dt.timedelta(days=3)
    return {
        side: activity_create(
            actor=_staff(world, side),
            title=f"{side}清扫楼道",
            community=COMMUNITY[side],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
        ).pk
        for side in "AD"
    }


def _colours(world) -> dict:
    """This month's colour of every grid (the list answers this month by default)."""
    from django.utils import timezone

    from yiwang.party.models import GridColour
    from yiwang.party.services import colours

    admin = world.users["admin"]
    colours.colour_rule_save(actor=admin, colour="green", label="示范网格", conditions=[])
    month = timezone.localdate().replace(day=1)
    colours.grid_colours_compute(actor=admin, month=month)
    rows = GridColour.objects.filter(month=month)
    return {side: rows.get(region_code=GRID[side]).pk for side in "AD"}
