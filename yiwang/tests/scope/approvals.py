"""The scope matrix for 审批服务:
applications, materials, rectifications, steps, the public 办事指南.

Side A: an application of `resident` for an item handled by 综合行政执法局; side D: one of
`resident2` for an item handled by 社会事业局; both at the one street's window (测试街道). Each
side has two applications: one accepted and waiting on its review step (the `application`), and
one approved, handed over and rated 差评 on its review step (the `rectification` it opened, and
its material the applicant may reuse, 免提交).
"""

from __future__ import annotations

from yiwang.tests.scope.common import STREET, Row

PDF = b"%PDF-1.4\n% yiwang scope matrix material\n%%EOF\n"
APPLICANT = {"A": "resident", "D": "resident2"}
PHONE = {"A": "13912347001", "D": "13912347002"}


def _id_number(n: int) -> str:
    from yiwang.core.validators import id_check_digit

    first17 = f"32057619900202{n:03d}"
    return first17 + id_check_digit(first17)


ID_NUMBER = {"A": _id_number(21), "D": _id_number(22)}
SECRETS = [*ID_NUMBER.values(), *PHONE.values()]

MODELS = {
    "application": "approvals.Application",
    "material": "approvals.ApplicationMaterial",
    "application_step": "approvals.Application",
    "reusable_material": "approvals.ApplicationMaterial",
    "rectification": "approvals.Rectification",
}

# Who sees an application: its applicant, the window clerks of its street (综窗, who accept and
# hand over), the department that handles the item (its staff and its 执法队员 alike: scope
# follows the org unit), and the street (admin, leader, dispatcher). Grid workers, the 党群专员
# (unless they submitted it, 上门办) and other departments do not.
APPLICATION_A = STREET | {"window", "zhifa", "officer", "resident"}
APPLICATION_D = STREET | {"window", "shiye", "resident2"}
# The steps list ("my review steps") holds what the persona must act on: the active step's
# department and role (department_staff), or the superuser.
STEP_A = frozenset({"admin", "zhifa"})
STEP_D = frozenset({"admin", "shiye"})
HAND_IN = frozenset({"admin", "window", "resident", "resident2"})
# Who works a 差评 rectification: its department (any member) and the street's leaders.
RECTIFIERS = frozenset({"admin", "leader", "zhifa", "officer", "shiye"})

SEES = {
    "application": {"A": APPLICATION_A, "D": APPLICATION_D},
    "material": {"A": APPLICATION_A, "D": APPLICATION_D},
    "application_step": {"A": STEP_A, "D": STEP_D},
    # 免提交: only the applicant reuses their own earlier material.
    "reusable_material": {"A": frozenset({"resident"}), "D": frozenset({"resident2"})},
    "rectification": {"A": APPLICATION_A, "D": APPLICATION_D},
}

# One row covers all eight application actions (accept, …, rate), each for another actor (the
# clerk, the step holder, the applicant): who may do which is the approvals tests' business;
# here every action of every persona outside the application's scope answers 404.
RULES = {
    "approvals_applications_action": Row("write", "application"),
    "approvals_applications_get": Row("detail", "application"),
    "approvals_applications_list": Row("list", "application"),
    "approvals_applications_submit": Row("write"),  # anyone may apply (online, 代办, 上门办)
    "approvals_bundles_get": Row("detail", anonymous=404),  # 办事指南: public
    "approvals_bundles_list": Row("open", anonymous=200),  # 办事指南: public
    "approvals_catalogue_export": Row("open", anonymous=200),  # 办事指南: public
    "approvals_items_get": Row("detail", anonymous=404),  # 办事指南: public
    "approvals_items_list": Row("open", anonymous=200),  # 办事指南: public
    "approvals_kpis": Row("list"),
    # the applicant (or who submitted for them) and the window hand in materials
    "approvals_materials_add": Row("write", "application", may=HAND_IN),
    # the material's file: who sees the application (the file is streamed; its bytes are
    # checked for plain personal data like any answer)
    "approvals_materials_file": Row("detail", "application", params=(("mid", "material"),)),
    "approvals_materials_list": Row("detail", "application"),
    # {key: [materials]}: the rows sit under each material key
    "approvals_materials_reusable": Row(
        "list", "reusable_material", query="?keys=id_card", deep=True
    ),
    "approvals_rectifications_action": Row("write", "rectification", may=RECTIFIERS),
    "approvals_rectifications_list": Row("list", "rectification"),
    "approvals_steps_list": Row(
        "list", "application_step", deep=True
    ),  # a step names its application
}


def build(world, ids: dict) -> dict:
    _catalogue(world)
    waiting = {side: _accepted(world, side) for side in "AD"}
    rated = {side: _rated(world, side) for side in "AD"}
    return {
        "application": {side: app.pk for side, app in waiting.items()},
        "material": {side: _material(app).pk for side, app in waiting.items()},
        "application_step": {side: app.pk for side, app in waiting.items()},
        "reusable_material": {side: _material(app).pk for side, (app, _r) in rated.items()},
        "rectification": {side: rect.pk for side, (_a, rect) in rated.items()},
    }


def _item_code(side: str) -> str:
    return f"320571001-01-99{1 if side == 'A' else 2}1"


def _catalogue(world) -> None:
    from yiwang.approvals.catalogue import catalogue_load

    department = {"A": world.department, "D": world.department2}
    items = [
        {
            "code": _item_code(side),
            "name": f"范围测试事项{side}",
            "item_type": "01",
            "affair_type": "2",
            "statutory_limit_days": 20,
            "promised_limit_days": 5,
            "department": department[side].code,
            "form_fields": [
                {"name": "applicant_name", "label": "申请人姓名", "required": True},
                {"name": "id_number", "label": "身份证号", "type": "id_number", "required": True},
                {"name": "phone", "label": "联系电话", "type": "phone", "required": True},
            ],
            "materials": [
                {"key": "id_card", "name": "申请人居民身份证", "formats": ["pdf"], "reusable": True}
            ],
            "steps": [{"name": "审查决定", "department": department[side].code, "limit_days": 3}],
        }
        for side in "AD"
    ]
    catalogue_load(actor=world.users["admin"], items=items, street=world.street)


def _submitted(world, side: str):
    from yiwang.approvals import services

    return services.application_submit(
        actor=world.users[APPLICANT[side]],
        item=_item_code(side),
        form={
            "applicant_name": f"{side}申请人",
            "id_number": ID_NUMBER[side],
            "phone": PHONE[side],
        },
        materials=[services.MaterialInput(key="id_card", filename="id.pdf", content=PDF)],
    )


def _accepted(world, side: str):
    """Submitted online by the side's resident and accepted at the window: the review step of
    the item's department is active."""
    from yiwang.approvals import services

    app = _submitted(world, side)
    return services.application_accept(
        actor=world.users["window"], application=app, version=app.version
    )


def _rated(world, side: str):
    """Approved by the department, handed over, rated 差评 on the review step: a rectification
    of the department."""
    from yiwang.approvals import services
    from yiwang.approvals.models import Application, Rectification

    reviewer = world.users["zhifa" if side == "A" else "shiye"]
    app = _accepted(world, side)
    step = app.steps.get()
    app = services.application_approve_step(actor=reviewer, application=app, version=app.version)
    app = services.application_deliver(
        actor=world.users["window"], application=app, version=app.version, method="window"
    )
    app = Application.objects.get(pk=app.pk)
    services.application_rate(
        actor=world.users[APPLICANT[side]],
        application=app,
        version=app.version,
        level=1,
        comment="审查太慢",
        step=str(step.pk),
    )
    return app, Rectification.objects.get(application=app)


def _material(app):
    return app.materials.get(key="id_card", is_current=True)
