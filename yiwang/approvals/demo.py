"""Demo data of 审批服务 for 唯亭街道: the catalogue (47 items, 4 一件事), reviewers of the
departments, and a handful of applications in every state so each page has something to show.

Idempotent: the catalogue is upserted by code (a flow version is published only when its steps
change); reviewers are get-or-create; sample applications are made only once.
"""

from __future__ import annotations

from yiwang.accounts.demo import DEMO_PASSWORD, STREET, department
from yiwang.accounts.models import Membership, OrgUnit, Role, User
from yiwang.approvals import services
from yiwang.approvals.catalogue import catalogue_load
from yiwang.approvals.demo_catalogue import BUNDLES, ITEMS, RESTAURANT
from yiwang.approvals.models import Application

PDF = b"%PDF-1.4\n% yiwang demo material\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
REVIEWERS = [
    ("shiye", "孙审批", "社会事业局", Role.DEPARTMENT_STAFF),
    ("jingfa", "周经发", "经济发展局", Role.DEPARTMENT_STAFF),
    ("zhifa", "赵执法", "综合行政执法局", Role.DEPARTMENT_STAFF),
    ("zhili", "吴治理", "社区治理局", Role.DEPARTMENT_STAFF),
]


def _user(username, name, unit, role) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, org_unit=unit, role=role)
    return user


def _file(key, *, png=False):
    if png:
        return services.MaterialInput(key=key, filename=f"{key}.png", content=PNG)
    return services.MaterialInput(key=key, filename=f"{key}.pdf", content=PDF)


def _materials(**kw):
    from yiwang.approvals import selectors
    from yiwang.approvals.catalogue import requirements_for

    if "bundle" in kw:
        reqs = requirements_for(bundle=selectors.bundle_get(code=kw["bundle"]))
    else:
        reqs = requirements_for(item=selectors.item_get(code=kw["item"]))
    return [_file(r.key, png=r.formats == ["jpg", "png"]) for r in reqs if r.required]


def _steps_all(app_id, actors):
    from yiwang.approvals.models import ApplicationStep

    while True:
        app = Application.objects.get(pk=app_id)
        step = ApplicationStep.objects.filter(application=app, state="active").first()
        if step is None:
            return app
        services.application_approve_step(
            actor=actors[step.department.name],
            application=app,
            version=app.version,
            opinion="材料齐全，同意。",
        )


PERSON = {"applicant_name": "刘居民", "id_number": "11010519491231002X", "phone": "13912345678"}


def _samples(street, window, resident, actors) -> int:
    def submit(**kw):
        return services.application_submit(actor=resident, materials=_materials(**kw), **kw)

    def accept(app):
        app.refresh_from_db()
        return services.application_accept(actor=window, application=app, version=app.version)

    # 1. 开办小餐饮店: accepted, the licence issued on the spot, the rest in review.
    shop = submit(
        bundle=RESTAURANT,
        form={
            **PERSON,
            "shop_name": "唯亭阿婆面馆",
            "premises_address": "唯亭街道星华街88号",
            "business_scope": "餐饮服务",
            "area": 45,
            "cooking": "热食类食品制售",
            "staff_count": 4,
            "sign_size": 8,
            "drainage_type": "经隔油池后接入市政污水管网",
        },
    )
    shop = accept(shop)
    sign = shop.children.get(item__name="设置户外招牌审核")
    _steps_all(sign.pk, actors)
    # 2. 灵活就业人员参保登记: 即办件, delivered electronically, rated 非常满意.
    job = submit(item=f"{STREET[0]}-20-0201", form={**PERSON, "address": "唯亭街道青剑湖花园"})
    job = accept(job)
    job = services.application_deliver(
        actor=window, application=job, version=job.version, method="electronic"
    )
    services.application_rate(
        actor=resident, application=job, version=job.version, level=5, comment="全程网办，很方便"
    )
    # 3. 高龄津贴: delivered by post, rated 不满意 → a rectification for 社会事业局.
    age = submit(item=f"{STREET[0]}-05-0404", form={**PERSON, "address": "唯亭街道浦田社区"})
    age = _steps_all(accept(age).pk, actors)
    age = services.application_deliver(
        actor=window, application=age, version=age.version, method="post", note="挂号信"
    )
    services.application_rate(
        actor=resident,
        application=age,
        version=age.version,
        level=2,
        comment="电话咨询时说法不一致，多跑了一趟",
    )
    # 4. 新生儿出生一件事: waiting at the window.
    submit(
        bundle=f"{STREET[0]}-YJS-02",
        form={
            **PERSON,
            "spouse_name": "刘先生",
            "spouse_id_number": "11010519491231002X",
            "child_order": "二孩",
            "baby_name": "刘小宝",
            "baby_birth_date": "2026-11-01",
        },
    )
    # 5. 身后一件事: one notice listing every gap (一次性告知).
    after = submit(
        bundle=f"{STREET[0]}-YJS-03",
        form={
            **PERSON,
            "deceased_name": "刘老伯",
            "deceased_id_number": "11010519491231002X",
            "death_date": "2026-11-10",
            "relation": "子女",
        },
    )
    services.application_request_materials(
        actor=window,
        application=after,
        version=after.version,
        gaps=[
            {"key": "hukou_cancel", "reason": "未加盖派出所印章"},
            {"key": "bank_card", "reason": "须为申请人本人账户"},
        ],
    )
    # 6. 老年人优待证: submitted at the window on a neighbour's behalf, paper materials.
    services.application_submit(
        actor=window,
        channel="window",
        item=f"{STREET[0]}-20-0406",
        applicant={"name": "张阿婆", "phone": "13800001111"},
        form={
            "applicant_name": "张阿婆",
            "id_number": "11010519491231002X",
            "phone": "13800001111",
        },
        materials=[
            services.MaterialInput(key="id_card", paper=True),
            services.MaterialInput(key="photo", paper=True),
        ],
    )
    return Application.objects.filter(street=street, parent__isnull=True).count()


def load(stdout) -> None:
    street = OrgUnit.objects.get(code=STREET[0], kind=OrgUnit.Kind.STREET)
    result = catalogue_load(actor=None, items=ITEMS, bundles=BUNDLES, street=street)
    actors = {}
    for username, name, dept, role in REVIEWERS:
        actors[dept] = _user(username, name, department(dept), role)
    specialist = _user("zhuanyuan", "钱专员", street, Role.PARTY_SPECIALIST)
    window = User.objects.get(username="window")
    resident = User.objects.get(username="resident")
    made = 0
    if not Application.objects.filter(street=street).exists():
        made = _samples(street, window, resident, actors)
    stdout.write(
        f"审批服务：{len(ITEMS)} 个事项（新建 {result.items_created}），{len(BUNDLES)} 个一件事，"
        f"示例办件 {made} 件；审批人员 "
        + "、".join(f"{u.username}（{d}）" for d, u in actors.items())
        + f"、{specialist.username}（党群专员，上门办），密码 {DEMO_PASSWORD}"
    )
