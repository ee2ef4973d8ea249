import datetime as dt
from decimal import Decimal

import pytest

from yiwang.basedata.models import LegalEntity
from yiwang.core.errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.economy import services as sv
from yiwang.economy.evaluation import explain
from yiwang.economy.models import (
    EnterpriseRequest,
    EvaluationResult,
    EvaluationRun,
    FirmFigures,
    FirmProfile,
    Policy,
    PolicyNotice,
)
from yiwang.economy.tests.conftest import add_firm, make_uscc

LAST_YEAR = dt.date.today().year - 1


def test_evaluation_classes_scores_and_facts(econ):
    run = sv.evaluation_run(actor=econ.bureau_user, year=LAST_YEAR)
    assert run.counts == {"A": 2, "B": 4, "C": 4, "D": 0, "T": 0}
    best = EvaluationResult.objects.get(run=run, rank=1)
    assert best.firm == econ.firms[-1]  # the firm with the most tax and revenue per 亩
    assert best.klass == "A"
    facts = explain(best.facts, run.scheme, run.benchmarks)
    tax = facts["indicators"]["tax_per_mu"]
    # mean tax per 亩 = 5 × 5.5 = 27.5, benchmark = 2 × mean = 55; firm 10: 50/亩 → 45 × 50/55
    assert tax["benchmark"] == 55.0 and tax["value"] == 50.0 and tax["weight"] == 45
    assert tax["score"] == round(45 * 50 / 55, 2)
    assert facts["figures"]["land_mu"] == 10.0
    worst = EvaluationResult.objects.get(run=run, rank=10)
    assert worst.klass == "C" and worst.score < best.score
    assert AuditEvent.objects.filter(action="economy.evaluation.run").count() == 1


def test_a_new_run_supersedes_the_old_one(econ):
    first = sv.evaluation_run(actor=econ.bureau_user, year=LAST_YEAR)
    second = sv.evaluation_run(actor=econ.bureau_user, year=LAST_YEAR)
    first.refresh_from_db()
    assert not first.is_current and second.is_current


def test_scope_of_evaluation_and_t_class(econ, world):
    small = add_firm(
        50, grid=world.regions["A"], above_scale=False, year=LAST_YEAR,
        revenue=Decimal(100), tax=Decimal(5), energy=Decimal(1), land_mu=Decimal("2.5"),
        employees=3,
    )  # fmt: skip
    no_energy = add_firm(
        51, grid=world.regions["A"], year=LAST_YEAR, revenue=Decimal(100), tax=Decimal(5),
        energy=None, land_mu=Decimal(5), employees=3,
    )  # fmt: skip
    exempt = add_firm(
        52, grid=world.regions["A"], year=LAST_YEAR, revenue=Decimal(100), tax=Decimal(5),
        energy=Decimal(1), land_mu=Decimal(5), employees=3,
    )  # fmt: skip
    FirmProfile.objects.filter(pk=exempt.pk).update(rating_exempt=True)
    run = sv.evaluation_run(actor=econ.bureau_user, year=LAST_YEAR)
    results = {r.firm_id: r for r in run.results.all()}
    assert small.pk not in results  # below scale on < 3 亩: out of scope
    assert results[no_energy.pk].klass == "T"
    assert results[no_energy.pk].facts["reason"] == "缺少能耗数据"
    assert results[exempt.pk].klass == "T"
    assert run.counts["T"] == 2


def test_only_the_bureau_runs_evaluations(econ, world):
    with pytest.raises(Forbidden):
        sv.evaluation_run(actor=world.users["grid_a"], year=LAST_YEAR)
    with pytest.raises(ValidationFailed):
        sv.evaluation_run(actor=econ.bureau_user, year="明年")
    assert not EvaluationRun.objects.exists()


def test_weights_must_sum_to_100(econ):
    scheme = sv.current_scheme()
    with pytest.raises(ValidationFailed) as exc:
        sv.evaluation_scheme_save(
            actor=econ.bureau_user,
            version=scheme.version,
            weights={"tax_per_mu": 50, "revenue_per_mu": 35, "tax_per_energy": 20},
        )
    assert "100%" in exc.value.message
    scheme.refresh_from_db()
    assert scheme.weights["tax_per_mu"] == 45
    with pytest.raises(ValidationFailed):
        sv.evaluation_scheme_save(
            actor=econ.bureau_user, version=scheme.version, weights={"profit": 100}
        )
    saved = sv.evaluation_scheme_save(
        actor=econ.bureau_user,
        version=scheme.version,
        weights={"tax_per_mu": 60, "revenue_per_mu": 40},
    )
    assert saved.version == scheme.version + 1
    with pytest.raises(StaleVersion):
        sv.evaluation_scheme_save(actor=econ.bureau_user, version=scheme.version, weights=None)


def test_negative_land_or_revenue_changes_nothing(econ):
    firm = econ.firms[0]
    for bad in ({"land_mu": "-1"}, {"revenue": -5}):
        values = {"revenue": 10, "tax": 1, "land_mu": 3, **bad}
        with pytest.raises(ValidationFailed) as exc:
            sv.firm_figures_save(actor=econ.bureau_user, firm=firm, year=LAST_YEAR - 1, **values)
        assert "不能为负数" in exc.value.message
    assert not FirmFigures.objects.filter(firm=firm, year=LAST_YEAR - 1).exists()


def test_figures_set_the_size_class(econ):
    firm = econ.firms[0]
    sv.firm_figures_save(
        actor=econ.bureau_user, firm=firm, year=LAST_YEAR - 1,
        revenue="45000", tax="100", land_mu="30", employees=1200,
    )  # fmt: skip
    firm.refresh_from_db()
    # the latest year (LAST_YEAR: 20 people, 1000 万元) decides: 工业 小型 (X ≥ 20, Y ≥ 300)
    assert (firm.size_class, firm.size_year) == ("small", LAST_YEAR)
    figures = FirmFigures.objects.get(firm=firm, year=LAST_YEAR)
    with pytest.raises(Conflict):
        sv.firm_figures_save(actor=econ.bureau_user, firm=firm, year=LAST_YEAR, revenue=1, tax=1)
    sv.firm_figures_save(
        actor=econ.bureau_user, firm=firm, year=LAST_YEAR, version=figures.version,
        revenue="50000", tax="100", employees=1500, land_mu=10,
    )  # fmt: skip
    firm.refresh_from_db()
    assert firm.size_class == "large"


def test_register_checks_the_credit_code(econ, world):
    bad = make_uscc(77)[:-1] + ("0" if make_uscc(77)[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        sv.firm_register(actor=econ.bureau_user, name="坏码企业", uscc=bad, grid="320571001001001")
    assert "校验位" in exc.value.message
    assert not LegalEntity.objects.filter(name="坏码企业").exists()
    firm = sv.firm_register(
        actor=econ.bureau_user,
        name="新企业",
        uscc=make_uscc(77),
        grid="320571001001001",
        industry="39",
        above_scale=True,
    )
    assert firm.entity.uscc == make_uscc(77) and firm.industry_section == "C"
    with pytest.raises(Conflict):
        sv.firm_register(
            actor=econ.bureau_user, name="重复", uscc=make_uscc(77), grid="320571001001001"
        )


def test_not_a_firm(econ, world):
    entity = LegalEntity.objects.create(
        name="某协会", uscc=make_uscc(88), kind="social", grid=world.regions["A"]
    )
    with pytest.raises(ValidationFailed):
        sv.firm_profile_create(actor=econ.bureau_user, entity=entity)


def test_policy_rules_and_eligibility(econ):
    with pytest.raises(ValidationFailed) as exc:
        sv.policy_create(
            actor=econ.bureau_user, title="坏规则", rule={"field": "profit", "op": "gt", "value": 1}
        )
    assert "未知的字段" in exc.value.message
    assert not Policy.objects.exists()
    policy = sv.policy_create(
        actor=econ.bureau_user,
        title="高新技术企业奖励",
        rule={"all": [{"field": "industry_section", "op": "eq", "value": "C"},
                      {"field": "revenue", "op": "gte", "value": 8000}]},
    )  # fmt: skip
    from yiwang.economy.selectors import policy_eligible_firms

    eligible = policy_eligible_firms(user=econ.bureau_user, policy=policy)
    assert {f.pk for f in eligible} == {f.pk for f in econ.firms[7:]}  # revenue 8000..10000
    sv.official_assign(actor=econ.bureau_user, firm=econ.firms[9], official=econ.official)
    assert sv.policy_push(actor=econ.bureau_user, policy=policy) == 1
    assert sv.policy_push(actor=econ.bureau_user, policy=policy) == 0
    assert PolicyNotice.objects.get().official == econ.official
    from yiwang.notifications.models import Notification

    message = Notification.objects.get(recipient=econ.official)
    assert policy.title in message.title and "测试企业10" in message.body


def test_enterprise_request_by_firm_and_official(econ, world):
    sv.enterprise_catalogue_install()
    firm = econ.firms[0]
    sv.firm_user_link(actor=econ.bureau_user, firm=firm, user=econ.firm_user)
    request = sv.enterprise_request_create(
        actor=econ.firm_user,
        firm=firm,
        description="厂区门口道路破损，货车进出困难",
        category="QY06",
    )
    order = request.work_order
    assert order.channel == "enterprise" and order.reporter == econ.firm_user
    assert order.category.code == "QY06"
    with pytest.raises(NotFound):
        sv.enterprise_request_create(
            actor=world.users["resident2"], firm=firm, description="冒充企业", category="QY01"
        )
    sv.official_assign(actor=econ.bureau_user, firm=firm, official=econ.official, kind="leader")
    on_behalf = sv.enterprise_request_create(
        actor=econ.official, firm=firm, description="招工难，希望对接职业介绍", category="QY02"
    )
    assert on_behalf.on_behalf and on_behalf.work_order.reporter == econ.firm_user
    assert EnterpriseRequest.objects.filter(firm=firm).count() == 2


def test_visits_and_overdue(econ):
    from yiwang.economy.selectors import official_firms

    firm = econ.firms[0]
    with pytest.raises(Forbidden):
        sv.visit_record(actor=econ.official, firm=firm, visited_on=dt.date.today(), summary="x")
    sv.official_assign(actor=econ.bureau_user, firm=firm, official=econ.official)
    later = dt.date.today() + dt.timedelta(days=200)
    assert official_firms(user=econ.official, today=later)[0]["overdue"] is True
    with pytest.raises(ValidationFailed):
        sv.visit_record(actor=econ.official, firm=firm, visited_on=later, summary="将来")
    sv.visit_record(
        actor=econ.official,
        firm=firm,
        visited_on=dt.date.today(),
        summary="了解生产",
        raised="缺工",
    )
    row = official_firms(user=econ.official, today=dt.date.today() + dt.timedelta(days=30))[0]
    assert row["overdue"] is False and row["last_visit_on"] == dt.date.today()


def test_scope_of_firms(econ, world):
    visible_a = set(
        FirmProfile.objects.visible_to(world.users["grid_a"]).values_list("pk", flat=True)
    )
    assert visible_a == {f.pk for f in econ.firms if f.grid == world.regions["A"]}
    sv.firm_user_link(actor=econ.bureau_user, firm=econ.firms[0], user=econ.firm_user)
    assert list(FirmProfile.objects.visible_to(econ.firm_user)) == [econ.firms[0]]
    assert FirmProfile.objects.visible_to(world.users["resident2"]).count() == 0
