"""双随机一公开: the reproducible draw, exclusions before it, results and the public page."""

from __future__ import annotations

import pytest

from yiwang.accounts.models import Membership, Role
from yiwang.core.errors import Conflict, Forbidden, ValidationFailed
from yiwang.enforcement import services as svc
from yiwang.enforcement.models import Case, InspectionPlan, Interest
from yiwang.enforcement.tests.conftest import valid_uscc


@pytest.fixture
def firms(enf):
    from yiwang.basedata.models import LegalEntity

    return [
        LegalEntity.objects.create(name=f"唯亭商户{i:02d}",
                                   uscc=valid_uscc(f"9132059400001{i:04d}"),
                                   kind="enterprise", grid=enf.world.regions["A" if i % 2 else "B"])
        for i in range(20)
    ]  # fmt: skip


def plan(enf, **kw):
    args = {"name": "明码标价抽查", "matters": ["ZF-SC-006"],
            "population": {"entity_kinds": ["enterprise"]}, "count": 5}  # fmt: skip
    args.update(kw)
    return svc.inspection_plan_create(actor=enf.zhifa, **args)


def drawn(enf, p, seed="s1"):
    p = svc.inspection_plan_draw(actor=enf.zhifa, plan=p, version=p.version, seed=seed)
    return [(t.entity.uscc, sorted(u.username for u in t.inspectors.all()))
            for t in p.targets.order_by("order")]  # fmt: skip


def test_same_seed_and_population_draw_the_same(enf, firms):
    first, second = plan(enf), plan(enf, name="复核")
    a, b = drawn(enf, first), drawn(enf, second)
    assert a == b and len(a) == 5
    assert all(len(inspectors) == 2 for _, inspectors in a)
    first.refresh_from_db()
    assert first.population_size == 20 and len(first.population_hash) == 64
    assert first.seed == "s1" and first.drawn_by == enf.zhifa
    other = drawn(enf, plan(enf, name="另一种子"), seed="s2")
    assert other != a


def test_draw_is_frozen(enf, firms):
    p = plan(enf)
    drawn(enf, p)
    p.refresh_from_db()
    with pytest.raises(Conflict):
        svc.inspection_plan_draw(actor=enf.zhifa, plan=p, version=p.version, seed="again")


def test_population_follows_grid_and_ratio(enf, firms):
    p = plan(enf, population={"entity_kinds": ["enterprise"], "grids": ["320571001001001"]},
             count=None, ratio="0.2")  # fmt: skip
    result = drawn(enf, p)
    p.refresh_from_db()
    assert p.population_size == 10 and len(result) == 2
    grid_a = {f.uscc for f in firms if f.grid.code == "320571001001001"}
    assert {uscc for uscc, _ in result} <= grid_a


def test_conflicted_inspector_is_excluded_before_the_draw(enf, firms):
    for f in firms:  # zhifa2 is related to every firm: only zhifa and fazhi remain
        Interest.objects.create(user=enf.zhifa2, credit_code=f.uscc, reason="亲属经营")
    result = drawn(enf, plan(enf))
    assert all(inspectors == ["fazhi", "zhifa"] for _, inspectors in result)
    Interest.objects.create(user=enf.fazhi, credit_code=firms[0].uscc, reason="曾任顾问")
    Interest.objects.create(user=enf.fazhi, credit_code=firms[1].uscc, reason="曾任顾问")
    p = plan(enf, name="全部", count=20)
    with pytest.raises(Conflict) as bad:
        svc.inspection_plan_draw(actor=enf.zhifa, plan=p, version=p.version, seed="x")
    assert "不少于两名" in bad.value.message
    p.refresh_from_db()
    assert p.status == "draft" and not p.targets.exists()


def test_grid_worker_is_never_an_inspector(enf, firms):
    with pytest.raises(ValidationFailed) as bad:
        plan(enf, inspectors=["zhifa", "grid_a"])
    assert "国办发〔2024〕54号" in bad.value.message
    assert not InspectionPlan.objects.exists()
    # a certified officer who is also a grid worker is excluded from the pool, recorded
    Membership.objects.create(user=enf.zhifa2, org_unit=enf.world.street, role=Role.GRID_WORKER)
    p = plan(enf)
    result = drawn(enf, p)
    assert all("zhifa2" not in inspectors for _, inspectors in result)
    p.refresh_from_db()
    assert any(e.get("username") == "zhifa2" for e in p.excluded)


def test_yearly_cap_excludes_enterprises(enf, firms):
    drawn(enf, plan(enf, count=20, yearly_cap=1))
    p = plan(enf, name="第二轮", count=1, yearly_cap=1)
    with pytest.raises(Conflict):  # every firm has had its one inspection this year
        svc.inspection_plan_draw(actor=enf.zhifa, plan=p, version=p.version, seed="y")


def test_results_by_drawn_inspectors_and_a_case_from_a_failure(enf, firms, client_for):
    p = plan(enf, count=2)
    drawn(enf, p)
    target = p.targets.order_by("order").first()
    inspector = target.inspectors.order_by("username").first()
    outsider = next(u for u in (enf.zhifa, enf.zhifa2, enf.fazhi)
                    if not target.inspectors.filter(pk=u.pk).exists())  # fmt: skip
    with pytest.raises(Forbidden):
        svc.inspection_result_record(actor=outsider, plan=p, target_id=target.pk, result="passed")
    done = svc.inspection_result_record(
        actor=inspector,
        plan=p,
        target_id=target.pk,
        result="failed",
        note="未明码标价",
        open_case=True,
    )
    assert done.case.source == Case.Source.INSPECTION
    assert done.case.party_credit_code == target.entity.uscc
    assert done.case.legal_entity == target.entity
    # public page without login lists the plan; the result shows once published (一公开)
    page = client_for().get("/public/inspections/")
    assert page.status_code == 200
    text = page.content.decode()
    assert p.name in text and target.entity.name in text and "待公示" in text
    assert "未明码标价" not in text
    assert svc.inspection_results_publish(actor=inspector, plan=p) == 1
    text = client_for().get("/public/inspections/").content.decode()
    assert "发现问题：未明码标价" in text


def test_plan_api_names(enf, firms, client_for):
    api = client_for(enf.zhifa)
    body = {"name": "API 抽查", "matters": ["ZF-SC-006"],
            "population": {"entity_kinds": ["enterprise"]}, "count": 3,
            "inspectors_per_target": 2}  # fmt: skip
    made = api.post("/api/v1/enforcement/inspection-plans/", body, format="json")
    assert made.status_code == 201
    pid = made.json()["id"]
    one = api.post(f"/api/v1/enforcement/inspection-plans/{pid}/draw/", {"seed": "abc"},
                   format="json").json()  # fmt: skip
    made2 = api.post("/api/v1/enforcement/inspection-plans/", body, format="json").json()
    two = api.post(f"/api/v1/enforcement/inspection-plans/{made2['id']}/draw/", {"seed": "abc"},
                   format="json").json()  # fmt: skip
    assert {"seed", "population_size", "population_hash", "targets"} <= set(one)
    assert one["targets"][0]["entity"].keys() >= {"id", "name", "credit_code"}
    assert [t["entity"]["id"] for t in one["targets"]] == [
        t["entity"]["id"] for t in two["targets"]
    ]
    assert [t["inspectors"] for t in one["targets"]] == [t["inspectors"] for t in two["targets"]]
    target = one["targets"][0]
    me = client_for(
        __import__("yiwang.accounts.models", fromlist=["User"]).User.objects.get(
            username=target["inspectors"][0]["username"]
        )
    )
    res = me.post(f"/api/v1/enforcement/inspection-plans/{pid}/results/",
                  {"target": target["id"], "result": "passed"}, format="json")  # fmt: skip
    assert res.status_code == 200 and res.json()["targets"][0]["result"] == "passed"
    notice = res.json()["targets"][0]["documents"][0]
    assert notice["kind"] == "inspection_result" and notice["number"].startswith("唯综执检字〔")
    pdf = me.get(notice["url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = api.post("/api/v1/enforcement/inspection-plans/", {**body, "inspectors": ["grid_a"]},
                   format="json")  # fmt: skip
    assert bad.status_code == 400 and "54号" in bad.json()["error"]["message"]


def test_bad_plan_input_answers_400(enf, firms, client_for):
    api = client_for(enf.zhifa)
    base = {"name": "x", "matters": ["ZF-SC-006"], "population": {"entity_kinds": ["enterprise"]}}
    for bad in ({**base, "ratio": "NaN"}, {**base, "ratio": "2"}, {**base, "count": "abc"},
                {**base, "count": 3, "ratio": 0.1}, {**base, "matters": "ZF-SC-006", "count": 1},
                {**base, "population": {"entity_kinds": ["alien"]}, "count": 1}):  # fmt: skip
        answer = api.post("/api/v1/enforcement/inspection-plans/", bad, format="json")
        assert answer.status_code == 400, (bad, answer.content)
    assert not InspectionPlan.objects.exists()
    made = api.post("/api/v1/enforcement/inspection-plans/", {**base, "count": 2},
                    format="json").json()  # fmt: skip
    drawn_plan = api.post(f"/api/v1/enforcement/inspection-plans/{made['id']}/draw/",
                          {"seed": 42}, format="json")  # fmt: skip
    assert drawn_plan.status_code == 200 and drawn_plan.json()["seed"] == "42"
    # a drawn inspector's bad target is a 400 (anyone else is refused first: 403)
    inspector = InspectionPlan.objects.get(pk=made["id"]).targets.first().inspectors.first()
    bad_target = client_for(inspector).post(
        f"/api/v1/enforcement/inspection-plans/{made['id']}/results/",
        {"target": "abc", "result": "passed"}, format="json")  # fmt: skip
    assert bad_target.status_code == 400


def test_result_refused_to_who_was_not_drawn_whatever_the_body(enf, firms, client_for):
    """The street sees every plan, but only a drawn inspector records a result: anyone else is
    refused (403) before the body is read, not told the body is wrong (scope matrix, issue 11)."""
    from yiwang.core.models import AuditEvent

    p = plan(enf, count=2)
    drawn(enf, p)
    events = AuditEvent.objects.count()
    for persona in ("leader", "admin"):
        api = client_for(enf.world.users[persona])
        url = f"/api/v1/enforcement/inspection-plans/{p.pk}/results/"
        assert api.get(f"/api/v1/enforcement/inspection-plans/{p.pk}/").status_code == 200
        assert api.post(url, {}, format="json").status_code == 403, persona
    assert AuditEvent.objects.count() == events
    assert not p.targets.exclude(result="").exists()


def test_a_street_oversees_only_its_own_departments_plans(enf, firms, client_for):
    """A street's leader sees the plans of its departments; a leader of another street does
    not (before: every leader and dispatcher saw every plan)."""
    from yiwang.accounts.models import OrgUnit
    from yiwang.testing import make_user

    p = plan(enf)
    other = OrgUnit.objects.create(name="另一街道", code="320571002", kind=OrgUnit.Kind.STREET,
                                   parent=enf.world.district, region_code="320571002")  # fmt: skip
    strangers = [make_user(f"other_{role}", roles=[(other, role)])
                 for role in (Role.LEADER, Role.DISPATCHER)]  # fmt: skip
    url = "/api/v1/enforcement/inspection-plans/"
    for user in strangers:
        api = client_for(user)
        assert api.get(url).json()["count"] == 0, user.username
        assert api.get(f"{url}{p.pk}/").status_code == 404, user.username
    for persona in ("leader", "dispatcher"):
        listed = client_for(enf.world.users[persona]).get(url).json()["results"]
        assert [row["id"] for row in listed] == [p.pk], persona
