"""The enforcement part of the demo street (唯亭街道): the matter list, certified officers,
partner departments of the 1+5+N joint system, cases in every stage, and a drawn 双随机 plan.

Idempotent: the matters are saved as versions (unchanged rows create nothing); officers and
partners are get-or-create; cases and the plan are created only when the agency has none.
Cases are carried through the real services; to show cases that have been heard, reviewed,
decided, served and paid, the demo moves a scheduled hearing into the past (as time would),
which it records in the timeline note of that case.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Membership, OrgUnit, Role, User
from yiwang.core.errors import ServiceError
from yiwang.enforcement import services as svc
from yiwang.enforcement.demo_matters import matter_rows
from yiwang.enforcement.models import Case, InspectionPlan, Officer

PASSWORD = "yiwang-demo"
AGENCY = "综合行政执法局"
STREET_CODE = "320576052"
# The 1+5+N partners: 公安、交警、安监、环保、市场监管 on call (district units).
PARTNERS = [
    ("320576-P01", "园区公安分局唯亭派出所"),
    ("320576-P02", "园区交警大队唯亭中队"),
    ("320576-P03", "园区市场监督管理局唯亭分局"),
    ("320576-P04", "园区生态环境局"),
    ("320576-P05", "园区消防救援大队唯亭站"),
]
# (username, name, certificate, legal reviewer)
OFFICERS = [
    ("zhifa", "赵执法", "32057605200001", False),
    ("zhifa2", "钱执法", "32057605200002", False),
    ("fazhi", "孙法制", "32057605200003", True),
]
PEOPLE = [
    ("陈某", "320582198705124316"), ("周某", "32058219900308252X"),
    ("吴某", "320582197811200015"), ("郑某", "320582199512014428"),
]  # fmt: skip
HOME = (120.7800, 31.3700)


def _valid_id(raw: str) -> str:
    from yiwang.core.validators import id_check_digit

    return raw[:17] + id_check_digit(raw[:17])


def _agency() -> OrgUnit | None:
    return OrgUnit.objects.filter(
        kind=OrgUnit.Kind.DEPARTMENT, name=AGENCY, parent__code=STREET_CODE
    ).first()


def _officers(agency: OrgUnit) -> dict:
    until = timezone.localdate() + dt.timedelta(days=3 * 365)
    users = {}
    for username, name, number, reviewer in OFFICERS:
        user, created = User.objects.get_or_create(username=username,
                                                   defaults={"display_name": name})  # fmt: skip
        if created:
            user.set_password(PASSWORD)
            user.save()
        Membership.objects.get_or_create(user=user, org_unit=agency,
                                         role=Role.ENFORCEMENT_OFFICER)  # fmt: skip
        Officer.objects.get_or_create(user=user, defaults={
            "department": agency, "certificate_number": number, "certified_until": until,
            "legal_reviewer": reviewer})  # fmt: skip
        users[username] = user
    return users


def _partners() -> list[OrgUnit]:
    district = OrgUnit.objects.filter(kind=OrgUnit.Kind.DISTRICT).order_by("pk").first()
    units = []
    for code, name in PARTNERS:
        unit, _ = OrgUnit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": OrgUnit.Kind.DEPARTMENT, "parent": district}
        )
        units.append(unit)
    return units


def _person(i: int) -> dict:
    name, raw = PEOPLE[i % len(PEOPLE)]
    return {"kind": "person", "name": name, "id_number": _valid_id(raw), "phone": "13800138000"}


def _entity_party(i: int) -> dict | None:
    from yiwang.basedata.models import LegalEntity

    entity = LegalEntity.objects.filter(grid__code__startswith=STREET_CODE).order_by("uscc")[
        i : i + 1
    ]
    e = entity.first()
    if e is None:
        return None
    return {"kind": "organisation", "name": e.name, "credit_code": e.uscc, "address": e.address}


def _open(zhifa, procedure, matter, party, facts, offset=0.0):
    return svc.case_open(actor=zhifa, procedure=procedure, matter=matter, party=party,
                         facts=facts, lon=HOME[0] + offset, lat=HOME[1] + offset / 2,
                         address="唯亭街道星华街")  # fmt: skip


def _r(case):
    case.refresh_from_db()
    return case


def _simple(u, i, matter, amount, facts, *, close=True, pay=True):
    case = _open(u["zhifa"], "simple", matter, _person(i), facts, 0.001 * i)
    penalty = {"kind": "fine", "amount": amount} if amount else {"kind": "warning"}
    case = svc.case_decide_on_spot(actor=u["zhifa"], case=case, version=case.version,
                                   penalty=penalty)  # fmt: skip
    if amount and pay:
        case = svc.case_record_payment(actor=u["zhifa"], case=case, version=case.version,
                                       amount=amount, on_spot=float(amount) <= 100)  # fmt: skip
    if close:
        svc.case_close(actor=u["zhifa"], case=case, version=case.version)
    return case


def _investigated(u, matter, party, facts, offset):
    z = u["zhifa"]
    case = _open(z, "ordinary", matter, party, facts, offset)
    case = svc.case_file(actor=z, case=case, version=case.version, officers=["zhifa", "zhifa2"])
    item = svc.case_add_evidence(actor=z, case=case, version=case.version, kind="record",
                                 title="现场检查（勘验）笔录", place="唯亭街道星华街")  # fmt: skip
    case = _r(item.case)
    svc.case_add_evidence(actor=z, case=case, version=case.version, kind="statement",
                          title="当事人陈述", place="综合行政执法局询问室",
                          description="承认违法事实")  # fmt: skip
    case = _r(case)
    start = timezone.localtime() - dt.timedelta(hours=1)
    svc.case_take_record(actor=z, case=case, version=case.version, kind="inquiry",
                         started_at=start, ended_at=start + dt.timedelta(minutes=40),
                         place="综合行政执法局询问室", subject_name=case.party_name,
                         subject_role="当事人", officers=["zhifa", "zhifa2"],
                         content=f"问：{facts}，是否属实？\n答：属实。\n问：还有什么补充？\n"
                                 "答：没有，愿意改正。")  # fmt: skip
    case = _r(case)
    return svc.case_end_investigation(actor=z, case=case, version=case.version)


def _heard(u, matter, party, facts, amount, offset):
    z = u["zhifa"]
    case = _investigated(u, matter, party, facts, offset)
    case = svc.case_notify(actor=z, case=case, version=case.version,
                           penalty={"kind": "fine", "amount": amount})  # fmt: skip
    case = svc.case_request_hearing(
        actor=z, case=case, version=case.version, hearing_at=timezone.now() + dt.timedelta(days=14)
    )
    Case.objects.filter(pk=case.pk).update(hearing_at=timezone.now() - dt.timedelta(hours=2))
    case = _r(case)
    return svc.case_hold_hearing(actor=z, case=case, version=case.version, chair="fazhi",
                                 record_text="演示：听证时间已移至过去（模拟时间经过）。当事人称搭建"
                                 "用于堆放杂物，愿意自行拆除。")  # fmt: skip


def _cases(u):
    z, f = u["zhifa"], u["fazhi"]
    # 简易程序 (seed 002: most are handled on the spot)
    _simple(u, 0, "ZF-CG-001", "100", "在星华街人行道摆摊销售水果，占用人行道约 6 平方米")
    _simple(u, 1, "ZF-CG-004", None, "在公交站台张贴小广告 20 余张")
    _simple(u, 2, "ZF-XF-002", "200", "在楼道内停放电动自行车并充电，堵塞疏散通道")
    _simple(u, 3, "ZF-CG-001", "50", "流动摊贩占道经营，经劝导后仍不离开", close=False, pay=False)
    _simple(u, 0, "ZF-CG-007", "200", "渣土车未覆盖，沿路遗撒", close=False)
    # 普通程序 at every stage
    _open(z, "ordinary", "ZF-CG-012", _person(0), "擅自开挖人行道铺设管线，未办理挖掘许可", 0.002)
    _investigated(u, "ZF-HB-001", _person(1), "在禁止区域露天烧烤", 0.003)
    case = _open(z, "ordinary", "ZF-HB-006", _person(2), "商铺门口使用高音喇叭招揽顾客", 0.0035)
    svc.case_file(actor=z, case=case, version=case.version, officers=["zhifa", "zhifa2"])
    case = _investigated(u, "ZF-CG-010", _person(2), "在道路两侧堆放建筑物料", 0.004)
    svc.case_notify(actor=z, case=case, version=case.version,
                    penalty={"kind": "fine", "amount": "2000"})  # fmt: skip
    case = _investigated(u, "ZF-CG-017", _person(3), "未经规划许可在屋顶搭建彩钢板房约 40 平方米",
                         0.005)  # fmt: skip
    case = svc.case_notify(actor=z, case=case, version=case.version,
                           penalty={"kind": "fine", "amount": "20000"})  # fmt: skip
    svc.case_request_hearing(
        actor=z, case=case, version=case.version, hearing_at=timezone.now() + dt.timedelta(days=14)
    )
    heard = _heard(u, "ZF-CG-017", _person(0), "在自家院内违法搭建二层砖混房约 60 平方米",
                   "30000", 0.006)  # fmt: skip
    heard = _r(heard)
    party = _entity_party(0) or _person(1)
    reviewed = _heard(u, "ZF-CG-018", _person(1), "在小区绿地上搭建彩钢棚约 30 平方米", "20000",
                      0.007)  # fmt: skip
    reviewed = svc.case_legal_review(
        actor=f,
        case=reviewed,
        version=reviewed.version,
        opinion="事实清楚，证据确凿，程序合法，同意处罚意见。",
    )
    closed = _heard(u, "ZF-CG-017", _person(2), "在楼顶违法加建阳光房约 25 平方米", "20000", 0.008)
    closed = svc.case_legal_review(
        actor=f,
        case=closed,
        version=closed.version,
        opinion="事实清楚，证据确凿，程序合法，同意处罚意见。",
    )
    svc.case_discuss(actor=z, case=closed, version=closed.version, chair="局长 周建国",
                     participants=["周建国", "陈立", "吴敏", "法制科 孙法制"],
                     record_text="承办人汇报案情、听证意见和法制审核意见，参会人员逐一发表意见。",
                     conclusion="同意罚款15000元并责令限期拆除。")  # fmt: skip
    closed = _r(closed)
    closed = svc.case_decide(actor=z, case=closed, version=closed.version, outcome="penalty",
                             penalty={"kind": "fine", "amount": "15000"})  # fmt: skip
    closed = svc.case_serve(actor=z, case=closed, version=closed.version)
    closed = svc.case_record_payment(actor=z, case=closed, version=closed.version, amount="15000")
    closed = svc.case_close(actor=z, case=closed, version=closed.version)
    svc.publication_publish(actor=z, publication=closed.publications.get())  # Art. 48
    case = _investigated(u, "ZF-SC-001", party, "未取得营业执照从事水果零售经营", 0.009)
    case = svc.case_notify(actor=z, case=case, version=case.version,
                           penalty={"kind": "fine", "amount": "3000"})  # fmt: skip
    case = svc.case_decide(actor=z, case=case, version=case.version, outcome="penalty",
                           penalty={"kind": "fine", "amount": "3000"}, waived=True)  # fmt: skip
    svc.case_serve(actor=z, case=case, version=case.version, method="直接送达")
    case = _investigated(u, "ZF-SC-003", _person(3), "餐馆两名从业人员未取得健康证明上岗", 0.010)
    case = svc.case_notify(actor=z, case=case, version=case.version,
                           penalty={"kind": "warning"})  # fmt: skip
    svc.case_decide(actor=z, case=case, version=case.version, outcome="penalty",
                    penalty={"kind": "warning"}, waived=True)  # fmt: skip
    case = _open(z, "ordinary", "ZF-AQ-006", _entity_party(1) or _person(2),
                 "厂房安全出口被货物堵塞，涉嫌重大隐患", 0.011)  # fmt: skip
    svc.case_summon(actor=z, case=case, version=case.version,
                    partners=[PARTNERS[0][0], PARTNERS[2][0]], minutes=10,
                    note="水果店占道纠纷现场，需公安、市场监管 10 分钟内到场")  # fmt: skip
    case = _r(case)
    svc.case_refer(actor=z, case=case, version=case.version, authority="园区应急管理局",
                   reason="涉及重大事故隐患，超出街道赋权范围")  # fmt: skip
    return heard


def _plan(u):
    from yiwang.basedata.models import LegalEntity

    if not LegalEntity.objects.filter(grid__code__startswith=STREET_CODE).exists():
        return None
    plan = svc.inspection_plan_create(
        actor=u["zhifa"], name="2026年第四季度商户消防安全和明码标价双随机抽查",
        matters=["ZF-XF-003", "ZF-SC-006"],
        population={"entity_kinds": ["enterprise", "individual"]}, count=5,
        inspectors_per_target=2,
    )  # fmt: skip
    plan = svc.inspection_plan_draw(actor=u["zhifa"], plan=plan, version=plan.version,
                                    seed="weiting-2026q4")  # fmt: skip
    first = plan.targets.order_by("order").first()
    inspector = first.inspectors.first()
    svc.inspection_result_record(actor=inspector, plan=plan, target_id=first.pk,
                                 result="passed", note="消防器材完好，价格标签齐全")  # fmt: skip
    svc.inspection_results_publish(actor=inspector, plan=plan)
    return plan


def load(stdout) -> None:
    for row in matter_rows():
        svc.matter_save(actor=None, data=row)
    agency = _agency()
    if agency is None:
        stdout.write("综合执法：演示机构尚未载入，仅载入执法事项清单。")
        return
    with transaction.atomic():
        users = _officers(agency)
        _partners()
    if Case.objects.filter(department=agency).exists():
        stdout.write("综合执法：演示案件已存在，跳过。")
        return
    try:
        with transaction.atomic():
            _cases(users)
            plan = _plan(users) if not InspectionPlan.objects.exists() else None
    except ServiceError as exc:  # e.g. a calendar year not yet entered
        stdout.write(f"综合执法：演示案件未能载入：{exc.message}")
        return
    stdout.write(
        f"综合执法：执法事项 {len(matter_rows())} 项，案件 {Case.objects.count()} 件"
        f"{'，双随机计划 1 个' if plan else ''}（执法人员 zhifa、zhifa2，法制审核 fazhi）"
    )
