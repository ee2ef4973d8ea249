"""The scope matrix for 综合执法:
cases, documents, inspection plans, summons, referrals, the public 权责清单.

Cases belong to the street's one enforcement agency (综合行政执法局): side A is a case about a
place in grid A (东社区), side D one in grid D (西社区), both opened by the certified 执法队员
(`officer`, given a 执法证 here) against a natural person whose ID number and phone are
personal data. Each case has a numbered document (立案审批表), a summons of 社会事业局 (联合执法
召集) and a referral (案件移送). Inspection plans (双随机) are the one resource a department
other than the agency also owns: plan A is 综合行政执法局's, plan D 社会事业局's (drawn up by a
certified officer of that department, who is no persona).
"""

from __future__ import annotations

from yiwang.tests.scope.common import POINT, STREET, Row

PHONE = {"A": "13912348001", "D": "13912348002"}


def _id_number(n: int) -> str:
    from yiwang.core.validators import id_check_digit

    first17 = f"32057619850303{n:03d}"
    return first17 + id_check_digit(first17)


ID_NUMBER = {"A": _id_number(31), "D": _id_number(32)}
SECRETS = [*ID_NUMBER.values(), *PHONE.values()]

MODELS = {
    "enforcement_case": "enforcement.Case",
    "enforcement_document": "enforcement.Document",
    "inspection_plan": "enforcement.InspectionPlan",
    "summons": "enforcement.Summons",
    "referral": "enforcement.Referral",
}

# A case is seen by its agency (staff and officers: scope follows the org unit) and by the
# street (admin, leader, dispatcher), wherever in the street it lies. Grid workers, the 党群专员,
# the window, other departments and residents do not see cases (the party's data is in them).
CASE = STREET | {"zhifa", "officer"}
# Only a certified officer of the agency acts on a case (行政处罚法第四十二条): the `officer`
# persona holds the 执法证; `zhifa` is staff without one, the street oversees but does not act.
OFFICERS = frozenset({"officer"})

SEES = {
    "enforcement_case": {"A": CASE, "D": CASE},
    "enforcement_document": {"A": CASE, "D": CASE},
    "referral": {"A": CASE, "D": CASE},
    # a plan is its department's; the street oversees every plan
    "inspection_plan": {"A": STREET | {"zhifa", "officer"}, "D": STREET | {"shiye"}},
    # a summons is answered by the summoned partner department (社会事业局) only
    "summons": {"A": frozenset({"shiye"}), "D": frozenset({"shiye"})},
}

RULES = {
    "enforcement_cases_action": Row("write", "enforcement_case", may=OFFICERS),
    "enforcement_cases_document": Row("write", "enforcement_case", may=OFFICERS),
    "enforcement_cases_dossier": Row("detail", "enforcement_case"),
    "enforcement_cases_get": Row("detail", "enforcement_case"),
    "enforcement_cases_list": Row("list", "enforcement_case"),
    "enforcement_cases_open": Row("write", may=OFFICERS),
    "enforcement_documents_pdf": Row("detail", "enforcement_document"),
    "enforcement_documents_void": Row("write", "enforcement_document", may=OFFICERS),
    "enforcement_kpis": Row("list"),
    "enforcement_matters_export": Row("open", anonymous=200),  # 权责清单: public
    "enforcement_matters_import": Row("write", may=frozenset({"admin"})),
    "enforcement_matters_list": Row("open", anonymous=200),  # 权责清单: public
    "enforcement_plans_create": Row("write", may=OFFICERS),
    "enforcement_plans_draw": Row("write", "inspection_plan", may=OFFICERS),
    "enforcement_plans_get": Row("detail", "inspection_plan"),
    "enforcement_plans_list": Row("list", "inspection_plan"),
    # only the drawn inspectors record results; the plans here are not drawn yet
    "enforcement_plans_result": Row("write", "inspection_plan", may=frozenset()),
    # No published decision in the world (one needs a case decided and served through the
    # whole ordinary procedure): only "no such publication → 404, nothing changed" is asserted.
    "enforcement_publications_withdraw": Row("write", may=OFFICERS),
    "enforcement_referral_receipt": Row("write", "referral", may=OFFICERS),
    "enforcement_summons_action": Row("write", "summons", may=frozenset({"shiye"})),
}


def build(world, ids: dict) -> dict:
    from yiwang.core.models import CalendarYear

    # case limits run into next year: declare it (weekdays only), as the enforcement tests do
    CalendarYear.objects.get_or_create(year=2027, defaults={"source": "测试：仅按周末计"})
    _matters()
    officer = _certify(world.users["officer"], world.department, 1)
    cases = {side: _case(world, officer, side) for side in "AD"}
    out = {
        "enforcement_case": {side: case.pk for side, case in cases.items()},
        "enforcement_document": {},
        "summons": {},
        "referral": {},
    }
    for side, case in cases.items():
        out["enforcement_document"][side] = _document(officer, case).pk
        out["summons"][side] = _summon(world, officer, case).pk
        out["referral"][side] = _refer(officer, case).pk
    other = _other_officer(world)
    out["inspection_plan"] = {"A": _plan(officer).pk, "D": _plan(other).pk}
    return out


def _matters() -> None:
    from yiwang.enforcement.demo_matters import matter_rows
    from yiwang.enforcement.services import matter_save

    for row in matter_rows():
        if row["code"] in ("ZF-CG-017", "ZF-SC-006"):
            matter_save(actor=None, data=row)


def _certify(user, department, n: int):
    """A 执法证 for `user`, valid for a year."""
    import datetime as dt

    from yiwang.enforcement.models import Officer

    Officer.objects.create(
        user=user,
        department=department,
        certificate_number=f"32057699{n:04d}",
        certified_until=dt.date.today() + dt.timedelta(days=365),
    )
    return user


def _other_officer(world):
    from yiwang.accounts.models import Role
    from yiwang.testing import make_user

    user = make_user(
        "shiye_officer",
        roles=[(world.department2, Role.ENFORCEMENT_OFFICER)],
        display_name="社会事业局执法人员",
    )
    return _certify(user, world.department2, 2)


def _case(world, officer, side: str):
    from yiwang.enforcement import services

    lon, lat = POINT[side]
    return services.case_open(
        actor=officer,
        procedure="ordinary",
        matter="ZF-CG-017",
        party={
            "kind": "person",
            "name": f"{side}当事人",
            "id_number": ID_NUMBER[side],
            "phone": PHONE[side],
        },
        facts=f"{side}路屋顶违法搭建",
        lon=lon,
        lat=lat,
    )


def _document(officer, case):
    from yiwang.enforcement import services

    return services.document_issue(actor=officer, case=case, kind="filing")


def _summon(world, officer, case):
    from yiwang.enforcement import services

    case.refresh_from_db()
    (summons,) = services.case_summon(
        actor=officer,
        case=case,
        version=case.version,
        partners=[world.department2.code],
        minutes=60,
        note="请派员到场核查",
    )
    return summons


def _refer(officer, case):
    from yiwang.enforcement import services

    case.refresh_from_db()
    services.case_refer(
        actor=officer,
        case=case,
        version=case.version,
        authority="区住建局",
        reason="不属本机关管辖",
    )
    return case.referrals.get()


def _plan(officer):
    from yiwang.enforcement import services

    return services.inspection_plan_create(
        actor=officer,
        name=f"{officer.username}的抽查计划",
        matters=["ZF-SC-006"],
        population={"entity_kinds": ["enterprise"]},
        count=1,
    )
