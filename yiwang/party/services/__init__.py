"""Every write of the party app: one function per use case, one transaction, one audit event.

One module per use-case family (as Zulip's `zerver/actions/`):

- `topics`: 居民议事厅 — propose, discuss, vote, decide, follow up, complete;
- `colours`: 四色网格 — colour rules and the monthly colours;
- `organisations`: 党组织、党员、组织关系转接、三会一课;
- `alliance`: 红色朋友圈 — alliance units, service projects, 微心愿;
- `volunteers`: 志愿服务 — registration, teams, activities, hours, the record certificate.

Everything is re-exported here, so callers import from `yiwang.party.services`.
"""

from yiwang.party.services import alliance, volunteers
from yiwang.party.services.alliance import (
    ALLIANCE_ROLES,
    alliance_unit_register,
    fetch_visible,
    project_create,
    project_progress,
    region_code_of,
    wish_claim,
    wish_fulfil,
    wish_post,
)
from yiwang.party.services.colours import colour_rule_save, grid_colours_compute
from yiwang.party.services.common import STAFF_ROLES, is_staff_for
from yiwang.party.services.organisations import (
    ORG_ROLES,
    meeting_record,
    member_add,
    member_register,
    member_transfer,
    organisation_create,
)
from yiwang.party.services.topics import (
    FINISHED_ORDER_STATES,
    eligible_count,
    tally,
    topic_comment,
    topic_complete,
    topic_decide,
    topic_follow_up,
    topic_open_discussion,
    topic_open_voting,
    topic_propose,
    topic_vote,
)
from yiwang.party.services.volunteers import (
    activity_create,
    activity_signup,
    signup_check_in,
    signup_confirm_hours,
    team_create,
    team_member_add,
    team_member_remove,
    volunteer_certificate_issue,
    volunteer_record,
    volunteer_register,
)

__all__ = [
    "ALLIANCE_ROLES",
    "FINISHED_ORDER_STATES",
    "ORG_ROLES",
    "STAFF_ROLES",
    "activity_create",
    "activity_signup",
    "alliance",
    "alliance_unit_register",
    "colour_rule_save",
    "eligible_count",
    "fetch_visible",
    "grid_colours_compute",
    "is_staff_for",
    "meeting_record",
    "member_add",
    "member_register",
    "member_transfer",
    "organisation_create",
    "project_create",
    "project_progress",
    "region_code_of",
    "signup_check_in",
    "signup_confirm_hours",
    "tally",
    "team_create",
    "team_member_add",
    "team_member_remove",
    "topic_comment",
    "topic_complete",
    "topic_decide",
    "topic_follow_up",
    "topic_open_discussion",
    "topic_open_voting",
    "topic_propose",
    "topic_vote",
    "volunteer_certificate_issue",
    "volunteer_record",
    "volunteer_register",
    "volunteers",
    "wish_claim",
    "wish_fulfil",
    "wish_post",
]
