"""The scope matrix for 经济发展: firms, figures, visits, requests, policies, 亩均 evaluations.

Side A: a firm profile on base's A-side 法人 (grid A), its enterprise user `resident`
(企业用户), its official (挂钩人员) `zhifa`; side D: one on the D-side 法人 (grid D), its
enterprise user `resident2`, its official `shiye`. Each firm has a contact (phone: a secret),
last year's figures, a visit and a request (企业诉求). Runs (亩均评价) and policies (惠企政策)
belong to no side of the street: the two "sides" are two runs (two years) and two policies,
so that the role gates meet a real object, not only an id that does not exist.
"""

from __future__ import annotations

from yiwang.tests.scope.base import PLACES_A, PLACES_D
from yiwang.tests.scope.common import ALL, RESIDENTS, STREET, Row

CONTACT_PHONE = {"A": "13912345671", "D": "13912345672"}
SECRETS = [*CONTACT_PHONE.values()]

# 经济发展局 (`services.is_bureau`): street leaders and administrators (the test world has no
# 经济发展局 unit; the dispatcher is the command centre, not the economy desk).
BUREAU = frozenset({"admin", "leader"})
OFFICIAL = {"A": "zhifa", "D": "shiye"}  # 挂钩人员 of each side's firm
FIRM_USER = {"A": "resident", "D": "resident2"}  # 企业用户 of each side's firm
OFFICIALS = frozenset(OFFICIAL.values())

MODELS = {
    "firm": "economy.FirmProfile",
    "enterprise_request": "economy.EnterpriseRequest",
    "evaluation": "economy.EvaluationRun",
    "policy": "economy.Policy",
}

# Firms: basedata's 法人库 scope of the firm's grid (the street, the grid's worker, the
# community's staff, the street's departments and window for inspections and checks), plus
# the firm's own official and its enterprise user (models.FirmProfile.scope_q, README "Who").
PLACES = {"A": PLACES_A, "D": PLACES_D}
FIRM = {side: PLACES[side] | {FIRM_USER[side], OFFICIAL[side]} for side in "AD"}
SEES = {
    "firm": FIRM,
    # A request (企业诉求) is a work order (channel enterprise): the bureau, the firm's official
    # and its user see it, and whoever the work-order scope gives it to (here, filed without a
    # place or a category, it waits in triage: the dispatcher). Not the departments, the window
    # or the grid worker who see the firm (selectors.enterprise_requests).
    "enterprise_request": {side: STREET | {OFFICIAL[side], FIRM_USER[side]} for side in "AD"},
    # Runs are the bureau's (their results are the firms' tax and land figures).
    "evaluation": {"A": BUREAU, "D": BUREAU},
    # Published policies are public to every signed-in user (firms read them on their page).
    "policy": {"A": ALL, "D": ALL},
}

RULES = {
    "economy_evaluation_scheme_retrieve": Row("list", may=BUREAU),
    "economy_evaluation_scheme_update": Row("write", may=BUREAU),
    "economy_evaluations_create": Row("write", may=BUREAU),
    "economy_evaluations_export_retrieve": Row("detail", "evaluation"),
    # The list answers everyone 200: empty outside the bureau (asserted by SEES).
    "economy_evaluations_list": Row("list", "evaluation"),
    "economy_evaluations_map_retrieve": Row("detail", "evaluation"),
    "economy_evaluations_retrieve": Row("detail", "evaluation"),
    "economy_figures_import_create": Row("write", may=BUREAU),
    "economy_firms_contacts_create": Row("write", "firm", may=BUREAU | OFFICIALS),
    "economy_firms_create": Row("write", may=BUREAU),
    "economy_firms_figures_create": Row("write", "firm", may=BUREAU),
    "economy_firms_list": Row("list", "firm"),
    "economy_firms_officials_create": Row("write", "firm", may=BUREAU),
    "economy_firms_partial_update": Row("write", "firm", may=BUREAU),
    # The firm's own user, its official, the bureau. (An official of the OTHER side's firm who
    # still sees it, e.g. shiye on firm A, is refused too: economy/tests/test_scope.py.)
    "economy_firms_requests_create": Row("write", "firm", may=BUREAU | OFFICIALS | RESIDENTS),
    "economy_firms_retrieve": Row("detail", "firm"),
    "economy_firms_visits_create": Row("write", "firm", may=BUREAU | OFFICIALS),
    "economy_kpis_retrieve": Row("list"),
    # The enterprise user's own firm; anyone not bound to a firm: 404. That the page holds
    # only the user's own firm: economy/tests/test_scope.py (the answer nests ids of users,
    # contacts and visits, which the engine cannot tell from firm ids).
    "economy_my_firm_retrieve": Row("detail", may=RESIDENTS),
    "economy_policies_create": Row("write", may=BUREAU),
    # The eligible firms of the user's own territory (at most their firms): any signed-in user.
    "economy_policies_eligible_list": Row("detail", "policy"),
    "economy_policies_list": Row("list", "policy"),
    "economy_policies_partial_update": Row("write", "policy", may=BUREAU),
    "economy_policies_push_create": Row("write", "policy", may=BUREAU),
    "economy_policies_retrieve": Row("detail", "policy"),
    "economy_requests_list": Row("list", "enterprise_request"),
    # The firm rates its request (the work order's reporter: the enterprise user).
    "economy_requests_rate_create": Row("write", "enterprise_request", may=RESIDENTS),
}


def build(world, ids: dict) -> dict:
    from yiwang.basedata.models import LegalEntity

    admin = world.users["admin"]
    firms = {side: _firm(world, LegalEntity.objects.get(pk=ids["entity"][side]), side)
             for side in "AD"}  # fmt: skip
    runs = _runs(admin)
    return {
        "firm": {side: firm.pk for side, firm in firms.items()},
        "enterprise_request": {side: _request(world, firms[side], side) for side in "AD"},
        "evaluation": runs,
        "policy": {side: _policy(admin, side) for side in "AD"},
    }


def _firm(world, entity, side: str):
    """The firm with its user, official, contact, figures of the last two years and a visit."""
    from django.utils import timezone

    from yiwang.economy import services

    admin = world.users["admin"]
    firm = services.firm_profile_create(
        actor=admin, entity=entity, address=f"{side}路8号", industry="13", above_scale=True
    )
    services.firm_user_link(actor=admin, firm=firm, user=world.users[FIRM_USER[side]])
    official = world.users[OFFICIAL[side]]
    services.official_assign(actor=admin, firm=firm, official=official, kind="staff")
    services.firm_contact_add(
        actor=admin, firm=firm, name=f"{side}联系人", title="经理", phone=CONTACT_PHONE[side]
    )
    year = timezone.localdate().year
    for back, revenue in ((1, 5000), (2, 4000)):
        services.firm_figures_save(
            actor=admin, firm=firm, year=year - back, revenue=revenue, tax=300, land_mu=20
        )
    services.visit_record(
        actor=official, firm=firm, visited_on=timezone.localdate(), summary=f"{side}走访"
    )
    return firm


def _request(world, firm, side: str) -> int:
    """The firm's own request, raised by its enterprise user."""
    from yiwang.economy import services

    user = world.users[FIRM_USER[side]]
    return services.enterprise_request_create(
        actor=user, firm=firm, description=f"{side}企业用工诉求"
    ).pk


def _runs(admin) -> dict:
    """Two runs (the year before last, last year) over both firms."""
    from django.utils import timezone

    from yiwang.economy import services

    year = timezone.localdate().year
    return {
        "A": services.evaluation_run(actor=admin, year=year - 2).pk,
        "D": services.evaluation_run(actor=admin, year=year - 1).pk,
    }


def _policy(admin, side: str) -> int:
    from yiwang.economy import services

    rule = {"field": "above_scale", "op": "eq", "value": True}
    policy = services.policy_create(actor=admin, title=f"{side}政策", rule=rule)
    services.policy_push(actor=admin, policy=policy)  # both firms qualify: their officials told
    return policy.pk
