"""双随机一公开: plans, the reproducible draw, exclusions and results.

The draw (优化营商环境条例 Art. 54; reference §4.4): targets drawn at random from the frozen
population list, then ≥ 2 inspectors per target drawn at random from the certified officer
pool, after excluding inspectors with a declared interest in the target (回避) and grid workers
(网格员 may report but may not inspect enterprises, 国办发〔2024〕54号). The record keeps the
seed, the population size and a SHA-256 of the population list (and of the pool), who drew and
when: the same seed over the same population and pool gives the same result.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from yiwang.accounts.models import Role, User
from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed, check_version
from yiwang.enforcement.errors import EnforcementErrorCode as E
from yiwang.enforcement.models import (
    Case,
    DocumentKind,
    InspectionPlan,
    InspectionTarget,
    Interest,
    Matter,
    Officer,
)
from yiwang.enforcement.services.common import positive_int, require_officer, text
from yiwang.enforcement.services.numbering import document_issue

P = InspectionPlan.Status


def _matters(codes) -> list[Matter]:
    if not isinstance(codes, list | tuple) or not codes:
        raise ValidationFailed("请选择抽查事项。", fields={"matters": ["至少一项"]})
    matters = list(Matter.objects.filter(code__in=[str(c) for c in codes], is_current=True))
    missing = sorted(set(map(str, codes)) - {m.code for m in matters})
    if missing:
        raise ValidationFailed(
            f"执法事项清单中没有：{'、'.join(missing)}。",
            code=E.UNKNOWN_MATTER,
            fields={"matters": missing},
        )
    return matters


def _population_filter(value) -> dict:
    from yiwang.basedata.models import LegalEntity

    if not isinstance(value, dict):
        raise ValidationFailed("请填写检查对象范围。", fields={"population": ["必填"]})
    kinds = value.get("entity_kinds") or []
    grids = value.get("grids") or []
    industries = value.get("industries") or []
    for name, items in (("entity_kinds", kinds), ("grids", grids), ("industries", industries)):
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValidationFailed(
                "检查对象范围应为文字列表。", fields={f"population.{name}": ["格式不正确"]}
            )
    bad = [k for k in kinds if k not in LegalEntity.Kind.values]
    if bad or not kinds:
        raise ValidationFailed(
            f"法人类型应为：{'、'.join(LegalEntity.Kind.values)}。",
            fields={"population.entity_kinds": bad or ["至少一类"]},
        )
    return {"entity_kinds": sorted(kinds), "grids": sorted(grids), "industries": sorted(industries)}


def _named_pool(usernames) -> list[str]:
    """An explicit inspector list: grid workers and uncertified people are refused."""
    if usernames in (None, []):
        return []
    if not isinstance(usernames, list) or not all(isinstance(u, str) for u in usernames):
        raise ValidationFailed("检查人员应为用户名列表。", fields={"inspectors": ["格式不正确"]})
    for user in User.objects.filter(username__in=usernames):
        if user.memberships.filter(role=Role.GRID_WORKER).exists():
            raise ValidationFailed(
                f"{user.display_name or user.username}是网格员，网格员不得参与涉企行政检查"
                "（国务院办公厅关于严格规范涉企行政检查的意见，国办发〔2024〕54号）。",
                code=E.GRID_WORKER_INSPECTOR,
                fields={"inspectors": [f"{user.username} 是网格员"]},
            )
    return sorted(set(usernames))


@transaction.atomic
def inspection_plan_create(
    *, actor, name, matters, population, count=None, ratio=None, inspectors_per_target=2,
    yearly_cap=2, inspectors=None,
) -> InspectionPlan:  # fmt: skip
    """A 双随机 plan: matters, the target population (法人库 by kind, industry, grid), a count or
    a ratio, and the number of inspectors per target (at least two)."""
    officer = require_officer(actor)
    filt = _population_filter(population)
    pool = _named_pool(inspectors)
    if pool:
        filt["inspectors"] = pool
    if (count in (None, "")) == (ratio in (None, "")):
        raise ValidationFailed(
            "请填写抽取数量 count 或比例 ratio（二选一）。", fields={"count": ["二选一"]}
        )
    if count not in (None, ""):
        count = positive_int(count, field="count", label="抽取数量", high=100000)
        ratio = None
    else:
        try:
            ratio = Decimal(str(ratio))
        except InvalidOperation:
            raise ValidationFailed(
                "抽取比例应为 0–1 之间的小数。", fields={"ratio": ["格式不正确"]}
            )
        if not ratio.is_finite() or not (Decimal("0") < ratio <= Decimal("1")):
            raise ValidationFailed("抽取比例应为 0–1 之间的小数。", fields={"ratio": ["超出范围"]})
        count = None
    per = positive_int(inspectors_per_target, field="inspectors_per_target",
                       label="每户检查人员", low=2, high=10)  # fmt: skip
    plan = InspectionPlan.objects.create(
        name=text(name, field="name", label="计划名称", max_length=200),
        department=officer.department,
        population_filter=filt,
        count=count,
        ratio=ratio,
        inspectors_per_target=per,
        yearly_cap=positive_int(yearly_cap, field="yearly_cap", label="每户每年抽查上限", high=50),
    )
    plan.matters.set(_matters(matters))
    audit_record(
        actor=actor,
        action="enforcement.plan.create",
        target=plan,
        after={"name": plan.name, "population": filt, "count": count, "ratio": ratio},
    )
    return plan


def population(plan: InspectionPlan, *, now=None) -> tuple[list, list]:
    """(eligible entities ordered by credit code, excluded [(uscc, reason)]) of a plan."""
    from yiwang.basedata.models import LegalEntity

    filt = plan.population_filter
    qs = LegalEntity.objects.filter(kind__in=filt["entity_kinds"])
    if filt.get("grids"):
        qs = qs.filter(grid__code__in=filt["grids"])
    if filt.get("industries"):
        qs = qs.filter(industry__in=filt["industries"])
    entities = list(qs.order_by("uscc").only("id", "uscc", "name"))
    year = timezone.localtime(now or timezone.now()).year
    counts: dict[int, int] = {}
    for eid in (
        InspectionTarget.objects.filter(
            plan__drawn_at__year=year, entity__in=[e.pk for e in entities]
        )
        .exclude(plan=plan)
        .values_list("entity_id", flat=True)
    ):
        counts[eid] = counts.get(eid, 0) + 1
    eligible, excluded = [], []
    for e in entities:
        if counts.get(e.pk, 0) >= plan.yearly_cap:
            excluded.append({"uscc": e.uscc, "reason": f"本年度已抽查{counts[e.pk]}次，达到上限"})
        else:
            eligible.append(e)
    return eligible, excluded


def officer_pool(plan: InspectionPlan) -> tuple[list[User], list]:
    """(certified inspectors ordered by username, excluded [(username, reason)])."""
    officers = Officer.objects.select_related("user").filter(
        department=plan.department, is_active=True, certified_until__gte=timezone.localdate()
    )
    named = plan.population_filter.get("inspectors") or []
    if named:
        officers = officers.filter(user__username__in=named)
    pool, excluded = [], []
    grid_workers = set(
        User.objects.filter(memberships__role=Role.GRID_WORKER).values_list("pk", flat=True)
    )
    for o in sorted(officers, key=lambda o: o.user.username):
        if o.user_id in grid_workers:  # 国办发〔2024〕54号: grid workers never inspect
            excluded.append({"username": o.user.username, "reason": "网格员不得参与涉企检查"})
        else:
            pool.append(o.user)
    return pool, excluded


def digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def draw(*, seed: str, entities: list, pool: list[User], per: int, size: int, conflicts: dict):
    """The pure draw: [(entity, [inspectors])]. Deterministic in (seed, lists, per, size)."""
    rng = random.Random(f"{seed}|{digest([e.uscc for e in entities])}")
    chosen = sorted(rng.sample(range(len(entities)), size))
    result = []
    for index in chosen:
        entity = entities[index]
        eligible = [u for u in pool if u.pk not in conflicts.get(entity.uscc, set())]
        if len(eligible) < per:
            raise Conflict(
                f"可抽取的检查人员不足：{entity.name} 排除回避人员后只有 {len(eligible)} 人，"
                f"每户需 {per} 人（双随机：每个对象不少于两名检查人员）。",
                code=E.POOL_TOO_SMALL,
            )
        result.append((entity, rng.sample(eligible, per)))
    return result


@transaction.atomic
def inspection_plan_draw(*, actor, plan, version, seed=None) -> InspectionPlan:
    """抽取 (once per plan): freeze the population and the pool, record seed and hashes."""
    plan = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    check_version(plan, version)
    require_officer(actor, plan.department)
    if plan.status != P.DRAFT:
        raise Conflict("该计划已抽取，抽取结果不得更改。", code=E.WRONG_STAGE)
    if isinstance(seed, int | float) and not isinstance(seed, bool):
        seed = str(seed)
    seed = text(seed, field="seed", label="随机种子", required=False, max_length=64) or (
        secrets.token_hex(8)
    )
    now = timezone.now()
    entities, excluded = population(plan, now=now)
    pool, pool_excluded = officer_pool(plan)
    size = plan.count if plan.count else int((Decimal(len(entities)) * plan.ratio).to_integral())
    size = max(1, size) if plan.ratio else size
    if size > len(entities) or not entities:
        raise Conflict(
            f"检查对象只有 {len(entities)} 户，不能抽取 {size} 户。", code=E.POOL_TOO_SMALL
        )
    conflicts: dict[str, set] = {}
    for uscc, uid, reason in Interest.objects.filter(
        credit_code__in=[e.uscc for e in entities], user__in=pool
    ).values_list("credit_code", "user_id", "reason"):
        conflicts.setdefault(uscc, set()).add(uid)
        pool_excluded.append({"username": uid, "uscc": uscc, "reason": f"回避：{reason}"})
    result = draw(seed=seed, entities=entities, pool=pool, per=plan.inspectors_per_target,
                  size=size, conflicts=conflicts)  # fmt: skip
    for order, (entity, inspectors) in enumerate(result, start=1):
        target = InspectionTarget.objects.create(plan=plan, entity=entity, order=order)
        target.inspectors.set(inspectors)
    plan.seed, plan.population_size = seed, len(entities)
    plan.population_hash = digest([e.uscc for e in entities])
    plan.pool_hash = digest([u.username for u in pool])
    plan.drawn_at, plan.drawn_by, plan.status = now, acting_user(actor), P.DRAWN
    plan.excluded = excluded + pool_excluded
    plan.bump_version(
        fields=[
            "seed",
            "population_size",
            "population_hash",
            "pool_hash",
            "drawn_at",
            "drawn_by",
            "status",
            "excluded",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="enforcement.plan.draw",
        target=plan,
        after={
            "seed": seed,
            "population_size": len(entities),
            "population_hash": plan.population_hash,
            "targets": len(result),
        },
    )
    return plan  # fmt: skip


@transaction.atomic
def inspection_result_record(*, actor, plan, target_id, result, note="", open_case=False,
                             matter=None) -> InspectionTarget:  # fmt: skip
    """检查结果 of one target by one of its drawn inspectors; a failed result may open an
    ordinary case against the enterprise (source 双随机抽查)."""
    if not InspectionTarget.objects.filter(plan=plan, inspectors=actor).exists():
        # refused before the body is read: a refusal never depends on what was sent
        raise Forbidden("只有抽中的检查人员可以录入检查结果。")
    target_id = positive_int(target_id, field="target", label="检查对象", high=2**62)
    target = (
        InspectionTarget.objects.select_for_update()
        .select_related("entity", "plan")
        .filter(plan=plan, pk=target_id)
        .first()
    )
    if target is None:
        raise ValidationFailed("该计划没有这个检查对象。", fields={"target": ["不存在"]})
    if not target.inspectors.filter(pk=actor.pk).exists():
        raise Forbidden("只有抽中的检查人员可以录入检查结果。")
    if target.result:
        raise Conflict("该对象的检查结果已录入。", code=E.WRONG_STAGE)
    valid = [r for r in InspectionTarget.Result.values if r]
    if result not in valid:
        raise ValidationFailed(f"检查结果应为：{'、'.join(valid)}。", fields={"result": ["不正确"]})
    target.result = result
    target.result_note = text(note, field="note", label="检查情况", required=result == "failed")
    target.inspected_at = timezone.now()
    if open_case:
        if result != "failed":
            raise ValidationFailed(
                "只有发现问题的检查结果可以立案。", fields={"open_case": ["不可"]}
            )
        from yiwang.enforcement.services.cases import case_open

        matter_code = matter or plan.matters.values_list("code", flat=True).first()
        entity = target.entity
        target.case = case_open(
            actor=actor, procedure=Case.Procedure.ORDINARY, matter=matter_code,
            party={"kind": "organisation", "name": entity.name, "credit_code": entity.uscc,
                   "address": entity.address},
            facts=target.result_note, lon=entity.lon, lat=entity.lat,
            source=Case.Source.INSPECTION,
        )  # fmt: skip
    target.save(update_fields=["result", "result_note", "inspected_at", "case"])
    document_issue(actor=actor, case=None, target=target, kind=DocumentKind.INSPECTION_RESULT)
    from yiwang.enforcement.services.publication import publication_due_for_result

    publication_due_for_result(target, target.inspected_at)
    if not plan.targets.filter(result="").exists():
        InspectionPlan.objects.filter(pk=plan.pk).update(status=P.DONE)
    audit_record(actor=actor, action="enforcement.plan.result", target=target,
                 after={"result": result, "case": target.case_id})  # fmt: skip
    return target
