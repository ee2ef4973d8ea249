"""The economy desk of the demo street: firm profiles with last year's figures on the
法人库's enterprises, officials and visits (some overdue), a company user with a request, two
policies and a run evaluation. Idempotent: skipped once profiles exist.

Logins (password of the demo): `jingfa` 经济发展局, `qiye` a company user; `leader` is also
挂钩领导 of a few firms.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

DEMO_PASSWORD = "yiwang-demo"
SEED = 20261206
# basedata demo industry words → a GB/T 4754-2017 大类.
DIVISION_OF = {
    "软件和信息技术服务业": ["65"],
    "制造业": ["39", "34", "35", "38", "29", "33"],
    "交通运输业": ["54", "59"],
    "住宿和餐饮业": ["62"],
    "房地产业": ["70"],
    "批发和零售业": ["51", "52"],
}
POLICIES = [
    (
        "规上工业企业技术改造奖励",
        "对规上工业企业当年技改投入给予最高 10% 的奖励。",
        {
            "all": [
                {"field": "above_scale", "op": "eq", "value": True},
                {"field": "industry_section", "op": "eq", "value": "C"},
            ]
        },
    ),
    (
        "小微企业稳岗补贴",
        "按上年度参保人数给予稳岗补贴。",
        {"field": "size_class", "op": "in", "value": ["small", "micro"]},
    ),
    (
        "亩均效益 A 类企业用地优先保障",
        "A 类企业新增用地、用电、用能优先保障。",
        {"field": "evaluation_class", "op": "eq", "value": "A"},
    ),
]


def _user(username: str, display_name: str, unit, role: str, **extra):
    from yiwang.accounts.models import Membership, User

    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, org_unit=unit, role=role)
    return user


def _figures(rng: random.Random, division: str, above: bool) -> dict:
    land = (
        Decimal(rng.choice([2, 4, 6, 8, 12, 20, 35, 50]))
        if division < "44"
        else Decimal(rng.choice([0, 0, 1, 3]))
    )
    per_mu = rng.lognormvariate(5.5 if above else 4.3, 0.7)  # 万元 of revenue per 亩
    revenue = Decimal(round(per_mu * float(land or 1), 2))
    if above and revenue < 2000:
        revenue = Decimal(2000 + rng.randint(0, 8000))
    tax = (revenue * Decimal(rng.uniform(0.02, 0.09))).quantize(Decimal("0.01"))
    energy = (revenue * Decimal(rng.uniform(0.02, 0.2))).quantize(Decimal("0.01"))
    employees = max(3, int(float(revenue) / rng.uniform(40, 120)))
    return {
        "revenue": revenue,
        "tax": tax,
        "energy": energy if rng.random() > 0.05 else None,
        "land_mu": land,
        "employees": employees,
    }


def load(stdout) -> None:
    from yiwang.accounts.models import OrgUnit, Role, User
    from yiwang.basedata.models import LegalEntity
    from yiwang.economy import services as sv
    from yiwang.economy.models import FirmProfile

    installed = sv.enterprise_catalogue_install()
    if FirmProfile.objects.exists():
        stdout.write(f"经济发展：企业诉求分类 {installed}；演示企业已存在，跳过。")
        return
    bureau = OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT, name=sv.BUREAU_NAME).first()
    street = OrgUnit.objects.filter(kind=OrgUnit.Kind.STREET).order_by("id").first()
    leader = User.objects.filter(username="leader").first()
    entities = list(
        LegalEntity.objects.filter(kind__in=sv.FIRM_KINDS)
        .exclude(lon__isnull=True)
        .order_by("kind", "id")[:80]
    )
    if bureau is None or street is None or not entities:
        stdout.write("经济发展：缺少经济发展局或法人库演示数据，跳过。")
        return
    rng = random.Random(SEED)
    year = timezone.localdate().year - 1
    with transaction.atomic():
        jingfa = _user("jingfa", "周经发", bureau, Role.DEPARTMENT_STAFF, phone="0512-62880003")
        qiye = _user("qiye", "吴企业", street, Role.RESIDENT)
        firms = []
        for index, entity in enumerate(entities):
            choices = DIVISION_OF.get(entity.industry, ["52"])
            division = rng.choice(choices)
            above = entity.kind == "enterprise" and division < "44" and rng.random() < 0.6
            firm = sv.firm_profile_create(
                actor=None,
                entity=entity,
                industry=division,
                above_scale=above,
                established_on=dt.date(rng.randint(2005, year), rng.randint(1, 12), 1),
                rating_exempt=index % 37 == 5,
            )
            sv.firm_figures_save(actor=None, firm=firm, year=year, **_figures(rng, division, above))
            firms.append(firm)
        officials = [(jingfa, "staff")] + ([(leader, "leader")] if leader else [])
        for index, firm in enumerate(firms[:30]):
            official, kind = officials[index % len(officials)] if index < 8 else (jingfa, "staff")
            sv.official_assign(actor=None, firm=firm, official=official, kind=kind)
            days_ago = rng.choice([10, 30, 60, 120, 150])
            sv.visit_record(
                actor=official,
                firm=firm,
                visited_on=timezone.localdate() - dt.timedelta(days=days_ago),
                summary="走访了解生产经营情况，宣讲惠企政策。",
                raised=rng.choice(["", "招工难", "厂区道路破损", "希望了解技改补贴"]),
            )
        sv.firm_user_link(actor=None, firm=firms[0], user=qiye)
        sv.firm_contact_add(
            actor=jingfa, firm=firms[0], name="吴企业", title="行政经理", phone="13912345678"
        )
        sv.enterprise_request_create(
            actor=qiye,
            firm=firms[0],
            description="厂区门前道路破损，大货车进出困难，希望协调修复。",
            category="QY06",
        )
        sv.enterprise_request_create(
            actor=jingfa,
            firm=firms[0],
            description="企业扩产需招工 50 人，希望对接招聘会。",
            category="QY02",
        )
        run = sv.evaluation_run(actor=None, year=year)
        for title, summary, rule in POLICIES:
            policy = sv.policy_create(
                actor=None, title=title, summary=summary, issuer="经济发展局", rule=rule
            )
            sv.policy_push(actor=None, policy=policy)
    counts = "、".join(f"{k} {v}" for k, v in run.counts.items())
    stdout.write(
        f"经济发展：{len(firms)} 家企业档案（{year} 年数据），亩均评价 {counts}；"
        f"登录 jingfa（经济发展局）、qiye（企业用户），密码 {DEMO_PASSWORD}"
    )
