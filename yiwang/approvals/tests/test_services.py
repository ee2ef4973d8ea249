"""Services: the life cycle of applications and bundles, timing, visits, materials, 好差评."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.approvals import services
from yiwang.approvals.catalogue import step_flow_publish
from yiwang.approvals.demo_catalogue import RESTAURANT
from yiwang.approvals.models import (
    Application,
    ApplicationEvent,
    ApplicationMaterial,
    ApplicationStep,
    Rating,
    Rectification,
    ServiceItem,
)
from yiwang.approvals.tests.conftest import (
    PDF,
    SH,
    pdf,
    restaurant_form,
    restaurant_materials,
    run_steps,
    submit_restaurant,
)
from yiwang.core.errors import Conflict, Forbidden, StaleVersion, ValidationFailed
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def reviewers(users):
    return {
        "经济发展局": users["jingfa"],
        "综合行政执法局": users["zhifa"],
        "社会事业局": users["shiye"],
    }


def accept(users, app, **kw):
    app.refresh_from_db()
    return services.application_accept(
        actor=users["window"], application=app, version=app.version, **kw
    )


def counts():
    return (
        Application.objects.count(),
        ApplicationMaterial.objects.count(),
        ApplicationEvent.objects.count(),
        AuditEvent.objects.count(),
    )


# ---------------------------------------------------------------------------------------------
# The restaurant bundle, end to end
# ---------------------------------------------------------------------------------------------


def test_restaurant_bundle_full_life_cycle(users, clock):
    app = submit_restaurant(users)
    assert app.kind == Application.Kind.BUNDLE and app.status == "submitted"
    children = list(app.children.order_by("id"))
    assert [c.item.name for c in children] == [
        "个体工商户设立登记",
        "食品经营许可（小餐饮）",
        "设置户外招牌审核",
        "城镇污水排入排水管网许可",
    ]
    assert {c.department.name for c in children} == {"经济发展局", "综合行政执法局"}
    # One set of materials on the parent, the licence produced inside the bundle not asked.
    keys = set(app.materials.values_list("key", flat=True))
    assert "business_licence" not in keys and "id_card" in keys
    assert app.materials.filter(key="id_card").count() == 1
    assert app.visits == 0  # submitted online

    clock.advance(hours=1)
    app = accept(users, app)
    assert app.status == "reviewing"
    children = {c.item.name: c for c in app.children.all()}
    licence = children["个体工商户设立登记"]
    assert licence.status == "approved" and licence.decided_on_spot  # 即办件
    food = children["食品经营许可（小餐饮）"]
    assert food.status == "accepted"
    # 冷食 of 40 ㎡: the 现场核查 step does not apply (JSON condition).
    states = dict(food.steps.values_list("name", "state"))
    assert states == {"材料审查": "active", "现场核查": "skipped", "审批决定": "pending"}
    # Deadline: 5 working days from Monday 2026-03-02 -> Monday 2026-03-09 close of office.
    assert food.deadline.astimezone(SH) == dt.datetime(2026, 3, 9, 17, 30, tzinfo=SH)
    assert app.deadline == max(c.deadline for c in app.children.all())

    for child in app.children.exclude(status="approved"):
        run_steps(child.pk, reviewers(users))
    app.refresh_from_db()
    assert app.status == "approved"
    assert set(app.children.values_list("status", flat=True)) == {"approved"}

    app = services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="electronic"
    )
    assert app.status == "delivered" and app.visits == 0
    assert set(app.children.values_list("status", flat=True)) == {"delivered"}

    rating = services.application_rate(
        actor=users["resident"], application=app, version=app.version, level=5, comment="很快"
    )
    assert rating.level == 5 and not hasattr(rating, "rectification_cache")
    assert not Rectification.objects.exists()
    labels = list(app.events.values_list("label", flat=True))
    assert labels[0] == "提交申请" and labels[-1] == "评价：非常满意"
    assert "一件事办结" in labels
    assert AuditEvent.objects.filter(target_type="approvals.application", target_id=str(app.pk))


def _bundle_life_cycle(users, pin=None):
    """Submit, accept, review, deliver and rate (a 差评) one restaurant bundle; with `pin`,
    each service call must stay within its number of queries."""

    def call(service, name, **kwargs):
        if pin is None:
            return service(**kwargs)
        with pin(LIFE_CYCLE_QUERIES[name]):
            return service(**kwargs)

    app = call(
        services.application_submit,
        "submit",
        actor=users["resident"],
        bundle=RESTAURANT,
        form=restaurant_form(),
        materials=restaurant_materials(),
    )
    app = call(
        services.application_accept, "accept", actor=users["window"], application=app, version=1
    )
    by_department = reviewers(users)
    for child in app.children.exclude(status="approved").order_by("id"):
        for step in child.steps.filter(state__in=["active", "pending"]).order_by("order"):
            version = Application.objects.values_list("version", flat=True).get(pk=child.pk)
            call(
                services.application_approve_step,
                "approve_step",
                actor=by_department[step.department.name],
                application=child,
                version=version,
            )
    app.refresh_from_db()
    app = call(
        services.application_deliver,
        "deliver",
        actor=users["window"],
        application=app,
        version=app.version,
        method="electronic",
    )
    call(
        services.application_rate,
        "rate",
        actor=users["resident"],
        application=app,
        version=app.version,
        level=2,
        comment="等待时间偏长",
        step="deliver",
    )
    return app


# Statements per call once the catalogue, calendar and memberships are cached, savepoints
# included; a column left out of a narrowed read would show here as an extra query. Each
# numbered paper or result costs three (the sequence's UPDATE and SELECT, the row's INSERT):
# accept issues the 受理通知书 and the 即办件's result, the last step its result, deliver the
# 出件回执; rate finds the window unit the rated hand-over belongs to. Deliver also tells the
# applicant (issue 13: 出件 → the applicant): one INSERT of the message, measured 12 → 13; the
# applicant's row comes joined to the locked read, so telling them costs no SELECT.
LIFE_CYCLE_QUERIES = {"submit": 9, "accept": 20, "approve_step": 15, "deliver": 13, "rate": 10}


def test_bundle_life_cycle_query_counts_are_pinned(users, django_assert_max_num_queries):
    _bundle_life_cycle(users)  # warms the caches
    app = _bundle_life_cycle(users, pin=django_assert_max_num_queries)
    assert app.status == "delivered"
    assert set(app.children.values_list("status", flat=True)) == {"delivered"}
    assert Rectification.objects.filter(application=app).exists()


def test_heat_cooking_triggers_site_inspection_step(users):
    app = submit_restaurant(users, form=restaurant_form(cooking="热食类食品制售"))
    app = accept(users, app)
    food = app.children.get(item__name="食品经营许可（小餐饮）")
    assert food.steps.get(name="现场核查").state == "pending"


def test_item_application_immediate_decided_at_acceptance(users):
    app = services.application_submit(
        actor=users["resident"],
        item="320576052-20-0201",
        form={
            "applicant_name": "刘居民",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
            "address": "星华街1号",
        },
        materials=[pdf("id_card")],
    )
    app = accept(users, app)
    assert app.status == "approved" and app.decided_on_spot
    assert app.deadline == app.accepted_at


def test_window_submission_counts_visit_and_pickup_same_day_is_one_trip(users):
    app = services.application_submit(
        actor=users["window"],
        channel="window",
        item="320576052-20-0406",  # 老年人优待证办理: 即办件, at most one visit
        applicant={"name": "张阿姨", "phone": "13912345678", "username": "resident2"},
        form={
            "applicant_name": "张阿姨",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
        },
        materials=[
            services.MaterialInput(key="id_card", paper=True),
            services.MaterialInput(key="photo", paper=True),
        ],
    )
    assert app.visits == 1 and app.applicant == users["resident2"]
    app = accept(users, app, visit=True)
    app = services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="window"
    )
    assert app.visits == 1 and app.within_visits


def test_pickup_on_another_day_breaks_most_one_trip(users, clock):
    app = services.application_submit(
        actor=users["window"],
        channel="window",
        item="320576052-01-0104",
        applicant={"name": "王小明"},
        form=restaurant_form(),
        materials=[
            services.MaterialInput(key=k, paper=True)
            for k in [
                "id_card",
                "business_licence",
                "premises_proof",
                "layout_plan",
                "food_safety_rules",
                "health_cert",
            ]
        ],
    )
    app = accept(users, app, visit=True)
    run_steps(app.pk, reviewers(users))
    clock.advance(days=2)
    app.refresh_from_db()
    app = services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="window"
    )
    assert app.visits == 2 and app.max_visits == 1 and not app.within_visits


# ---------------------------------------------------------------------------------------------
# 一次性告知 and the clock
# ---------------------------------------------------------------------------------------------


def test_request_materials_lists_all_gaps_and_supplement_returns(users):
    app = submit_restaurant(users)
    app = services.application_request_materials(
        actor=users["window"],
        application=app,
        version=app.version,
        gaps=[{"key": "health_cert", "reason": "已过期"}, {"key": "layout_plan", "reason": "模糊"}],
    )
    assert app.status == "needs_materials"
    assert [g["name"] for g in app.missing_materials] == [
        "从业人员健康证明",
        "经营场所平面布局图及设备布局、操作流程图",
    ]
    assert app.paused_at is None  # not accepted yet: the clock has not started
    # Accepting or supplementing before the gaps are filled is refused, nothing changes.
    with pytest.raises(ValidationFailed) as exc:
        services.application_supplement(
            actor=users["resident"], application=app, version=app.version
        )
    assert exc.value.code == "missing_materials" and set(exc.value.fields) == {
        "health_cert",
        "layout_plan",
    }
    services.material_add(actor=users["resident"], application=app, material=pdf("health_cert"))
    services.material_add(actor=users["resident"], application=app, material=pdf("layout_plan"))
    app.refresh_from_db()
    app = services.application_supplement(
        actor=users["resident"], application=app, version=app.version
    )
    assert app.status == "submitted" and app.missing_materials == []
    assert app.materials.filter(key="health_cert", is_current=True).count() == 1
    assert app.materials.filter(key="health_cert").count() == 2
    assert accept(users, app).status == "reviewing"


def test_request_materials_during_review_pauses_the_clock(users, clock):
    app = submit_restaurant(users)
    app = accept(users, app)
    food = app.children.get(item__name="食品经营许可（小餐饮）")
    first_deadline = food.deadline
    step_deadline = food.steps.get(state="active").deadline
    food = services.application_request_materials(
        actor=users["jingfa"],
        application=food,
        version=food.version,
        gaps=[{"key": "food_safety_rules", "reason": "缺少管理人员信息"}],
    )
    assert food.status == "needs_materials" and food.paused_at is not None
    clock.advance(days=3)  # Thursday 2026-03-05: 3 working days pass
    services.material_add(
        actor=users["resident"], application=food, material=pdf("food_safety_rules")
    )
    food.refresh_from_db()
    food = services.application_supplement(
        actor=users["resident"], application=food, version=food.version
    )
    assert food.status == "accepted"
    assert food.paused_workdays == 3
    assert food.deadline.astimezone(SH).date() == dt.date(2026, 3, 12)
    assert food.deadline > first_deadline
    assert food.steps.get(state="active").deadline.date() > step_deadline.date()
    # the parent's deadline follows the latest child
    app.refresh_from_db()
    assert app.deadline == food.deadline


def test_reject_requires_reason_and_legal_basis(users):
    app = submit_restaurant(users)
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.application_reject(
            actor=users["window"], application=app, version=app.version, reason="", legal_basis=""
        )
    assert set(exc.value.fields) == {"reason", "legal_basis"}
    assert counts() == before
    app = services.application_reject(
        actor=users["window"],
        application=app,
        version=app.version,
        reason="经营场所为住宅，不符合受理条件",
        legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（一）项",
    )
    assert app.status == "rejected"
    assert set(app.children.values_list("status", flat=True)) == {"rejected"}


# ---------------------------------------------------------------------------------------------
# Bad input: a clear error and nothing changed
# ---------------------------------------------------------------------------------------------


def test_missing_required_material_refused_nothing_created(users):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        submit_restaurant(users, materials=restaurant_materials(skip=("health_cert",)))
    assert exc.value.code == "missing_materials"
    assert "从业人员健康证明" in exc.value.message
    assert set(exc.value.fields) == {"health_cert"}
    assert counts() == before


def test_wrong_file_type_refused(users):
    before = counts()
    bad = [m for m in restaurant_materials() if m.key != "food_safety_rules"]
    bad.append(
        services.MaterialInput(
            key="food_safety_rules", filename="rules.jpg", content=b"\xff\xd8\xff\xe0"
        )
    )
    with pytest.raises(ValidationFailed) as exc:
        submit_restaurant(users, materials=bad)
    assert exc.value.code == "wrong_file_type" and "PDF" in exc.value.message
    # a .pdf name on content that is not a PDF
    fake = [m for m in restaurant_materials() if m.key != "id_card"]
    fake.append(services.MaterialInput(key="id_card", filename="id.pdf", content=b"MZ\x90\x00"))
    with pytest.raises(ValidationFailed) as exc:
        submit_restaurant(users, materials=fake)
    assert exc.value.code == "wrong_file_type" and "内容" in exc.value.message
    assert counts() == before


def test_file_too_large_refused(users, settings):
    settings.UPLOAD_MAX_BYTES = 100
    big = [m for m in restaurant_materials() if m.key != "id_card"]
    big.append(services.MaterialInput(key="id_card", filename="id.pdf", content=PDF + b"0" * 200))
    with pytest.raises(ValidationFailed) as exc:
        submit_restaurant(users, materials=big)
    assert exc.value.code == "file_too_large"


def test_item_not_devolved_to_street_refused(users):
    before = counts()
    with pytest.raises(ValidationFailed) as exc:
        services.application_submit(
            actor=users["resident"], item="320571002-20-9001", form={"applicant_name": "刘"}
        )
    assert exc.value.code == "not_devolved" and "测试街道" in exc.value.message
    assert counts() == before


def test_invalid_form_lists_every_problem(users):
    with pytest.raises(ValidationFailed) as exc:
        submit_restaurant(users, form=restaurant_form(id_number="123", area="大", shop_name=""))
    assert exc.value.code == "invalid_form"
    assert set(exc.value.fields) == {"id_number", "area", "shop_name"}


def test_step_acted_on_by_someone_who_does_not_hold_it(users):
    app = accept(users, submit_restaurant(users))
    food = app.children.get(item__name="食品经营许可（小餐饮）")
    sign = app.children.get(item__name="设置户外招牌审核")
    for actor, target in [(users["zhifa"], food), (users["window"], food), (users["jingfa"], sign)]:
        with pytest.raises(Forbidden) as exc:
            services.application_approve_step(actor=actor, application=target, version=1)
        assert exc.value.code == "not_step_holder"
    with pytest.raises(Forbidden):
        services.application_deny(
            actor=users["zhifa"],
            application=food,
            version=food.version,
            reason="x",
            legal_basis="y",
        )
    assert food.steps.get(state="active").name == "材料审查"
    food.refresh_from_db()
    assert food.status == "accepted"


def test_rating_twice_refused(users):
    app = accept(users, submit_restaurant(users))
    for child in app.children.exclude(status="approved"):
        run_steps(child.pk, reviewers(users))
    app.refresh_from_db()
    app = services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="post"
    )
    services.application_rate(
        actor=users["resident"], application=app, version=app.version, level=4
    )
    app.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        services.application_rate(
            actor=users["resident"],
            application=app,
            version=app.version,
            level=1,
            comment="再评一次",
        )
    assert exc.value.code == "already_rated"
    assert Rating.objects.get(application=app).level == 4


def test_stale_version_refused(users):
    app = submit_restaurant(users)
    stale = app.version
    accept(users, app)
    with pytest.raises(StaleVersion):
        services.application_reject(
            actor=users["window"], application=app, version=stale, reason="r", legal_basis="b"
        )


def test_concurrent_accept_loses_with_409(users):
    """Two clerks read version 1; the second write finds the row changed (compare-and-set)."""
    app = submit_restaurant(users)
    first = Application.objects.get(pk=app.pk)
    services.application_accept(actor=users["window"], application=first, version=1)
    with pytest.raises((StaleVersion, Conflict)):
        services.application_accept(actor=users["window"], application=app, version=1)
    assert ApplicationStep.objects.filter(application__parent=app).count() > 0
    assert ApplicationEvent.objects.filter(application=app, action="accept").count() == 1


def test_wrong_state_is_conflict(users):
    app = submit_restaurant(users)
    with pytest.raises(Conflict) as exc:
        services.application_deliver(
            actor=users["window"], application=app, version=app.version, method="post"
        )
    assert exc.value.code == "wrong_state"


def test_clerk_of_another_street_cannot_accept(users):
    app = submit_restaurant(users)
    with pytest.raises(Forbidden):
        services.application_accept(actor=users["window_other"], application=app, version=1)


def test_sub_application_actions_go_to_parent(users):
    app = submit_restaurant(users)
    child = app.children.first()
    with pytest.raises(Conflict) as exc:
        services.application_accept(actor=users["window"], application=child, version=1)
    assert exc.value.code == "use_parent"


# ---------------------------------------------------------------------------------------------
# Deny, bundle conclusion, versioned flows
# ---------------------------------------------------------------------------------------------


def test_denied_child_and_bundle_conclusion(users):
    app = accept(users, submit_restaurant(users))
    drain = app.children.get(item__name="城镇污水排入排水管网许可")
    drain = services.application_deny(
        actor=users["zhifa"],
        application=drain,
        version=drain.version,
        reason="未设置隔油池",
        legal_basis="《城镇排水与污水处理条例》第二十一条",
    )
    assert drain.status == "denied"
    assert set(drain.steps.values_list("state", flat=True)) == {"denied", "cancelled"}
    for child in app.children.filter(status="accepted"):
        run_steps(child.pk, reviewers(users))
    app.refresh_from_db()
    assert app.status == "approved"  # results to hand over; the denial is in the timeline
    assert app.events.get(action="conclude").note == "3 项准予办理，1 项不予办理"


def test_new_flow_version_does_not_change_application_in_flight(users):
    app = accept(users, submit_restaurant(users))
    food = app.children.get(item__name="食品经营许可（小餐饮）")
    item = ServiceItem.objects.get(name="食品经营许可（小餐饮）")
    flow = step_flow_publish(
        actor=users["admin"],
        item=item,
        steps=[{"name": "一次性审批", "department": "320571001-D03", "limit_days": 2}],
    )
    assert flow.version == 2
    food.refresh_from_db()
    assert food.flow.version == 1
    run_steps(food.pk, reviewers(users))
    assert list(food.steps.values_list("name", flat=True)) == ["材料审查", "现场核查", "审批决定"]
    app2 = accept(users, submit_restaurant(users))
    food2 = app2.children.get(item__name="食品经营许可（小餐饮）")
    assert food2.flow.version == 2
    assert list(food2.steps.values_list("name", flat=True)) == ["一次性审批"]


# ---------------------------------------------------------------------------------------------
# 免提交 reuse
# ---------------------------------------------------------------------------------------------


def _approved_single(users):
    app = services.application_submit(
        actor=users["resident"],
        item="320576052-20-0201",
        form={
            "applicant_name": "刘居民",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
            "address": "星华街1号",
        },
        materials=[pdf("id_card")],
    )
    return accept(users, app)


def test_reuse_material_from_earlier_approved_application(users):
    earlier = _approved_single(users)
    source = earlier.materials.get(key="id_card")
    materials = [m for m in restaurant_materials() if m.key != "id_card"]
    materials.append(services.MaterialInput(key="id_card", reuse=source.pk))
    app = submit_restaurant(users, materials=materials)
    reused = app.materials.get(key="id_card")
    assert reused.source == "reuse" and reused.reused_from == source
    assert reused.file.name == source.file.name


def test_reuse_refused_for_someone_else_or_not_reusable(users):
    earlier = _approved_single(users)
    source = earlier.materials.get(key="id_card")
    materials = [m for m in restaurant_materials() if m.key != "id_card"]
    materials.append(services.MaterialInput(key="id_card", reuse=source.pk))
    with pytest.raises(ValidationFailed) as exc:
        submit_restaurant(users, actor=users["resident2"], materials=materials)
    assert exc.value.code == "not_reusable"
    materials = [m for m in restaurant_materials() if m.key != "health_cert"]
    materials.append(services.MaterialInput(key="health_cert", reuse=source.pk))
    with pytest.raises(ValidationFailed) as exc:
        submit_restaurant(users, materials=materials)
    assert exc.value.code == "not_reusable"


# ---------------------------------------------------------------------------------------------
# 好差评 and 差评整改
# ---------------------------------------------------------------------------------------------


def _delivered(users):
    app = _approved_single(users)
    return services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="electronic"
    )


def test_bad_rating_opens_rectification_with_default_deadline(users, clock):
    app = _delivered(users)
    with pytest.raises(ValidationFailed):
        services.application_rate(
            actor=users["resident"], application=app, version=app.version, level=1
        )
    rating = services.application_rate(
        actor=users["resident"],
        application=app,
        version=app.version,
        level=2,
        comment="窗口人员态度差",
    )
    rect = Rectification.objects.get(rating=rating)
    assert rect.department.name == "社会事业局"
    # 5 working days from Monday 2026-03-02 -> Monday 2026-03-09
    assert rect.deadline.astimezone(SH).date() == dt.date(2026, 3, 9)
    services.rectification_follow_up(
        actor=users["shiye"], rectification=rect, kind="callback", note="已电话回访，致歉"
    )
    with pytest.raises(Forbidden):
        services.rectification_follow_up(
            actor=users["zhifa"], rectification=rect, kind="progress", note="x"
        )
    clock.advance(days=2)
    rect = services.rectification_close(
        actor=users["shiye"],
        rectification=rect,
        version=rect.version,
        outcome="fixed",
        result="已开展服务礼仪培训",
    )
    assert rect.state == "closed" and rect.on_time
    assert list(rect.follow_ups.values_list("kind", flat=True)) == ["callback", "close"]


def test_rectification_deadline_is_configurable(users):
    services.policy_set(
        actor=users["admin"],
        street=users["window"].memberships.first().org_unit,
        rectify_workdays=15,
    )
    app = _delivered(users)
    rating = services.application_rate(
        actor=users["resident"], application=app, version=app.version, level=1, comment="太慢"
    )
    rect = rating.rectification
    assert rect.deadline.astimezone(SH).date() == dt.date(2026, 3, 23)


def test_only_applicant_rates(users):
    app = _delivered(users)
    with pytest.raises(Forbidden):
        services.application_rate(
            actor=users["resident2"], application=app, version=app.version, level=5
        )


# ---------------------------------------------------------------------------------------------
# Calendar beyond the package's data
# ---------------------------------------------------------------------------------------------


def test_deadline_beyond_known_calendar_is_provisional_not_an_error(users, clock):
    clock.set(2026, 12, 28, 9, 0)
    app = accept(users, submit_restaurant(users))
    food = app.children.get(item__name="食品经营许可（小餐饮）")
    assert food.deadline_provisional
    assert app.deadline_provisional  # the 一件事 follows its children
    # 5 working days from Monday 12-28: 12-29, 12-30, 12-31, then 元旦 (01-01, a Friday, a
    # statutory holiday on the provisional calendar) and the weekend are skipped: 01-04, 01-05.
    assert food.deadline.astimezone(SH).date() == dt.date(2027, 1, 5)


def test_entering_the_year_recomputes_provisional_promised_deadlines(users, clock):
    from yiwang.core import services as core_services
    from yiwang.core import workdays

    clock.set(2026, 12, 28, 9, 0)
    app = accept(users, submit_restaurant(users))
    food = app.children.get(item__name="食品经营许可（小餐饮）")
    rows = [
        (n, day, "放假", name)
        for n, (day, name) in enumerate(workdays.provisional_holidays(2027).items(), start=2)
    ]
    rows.append((99, dt.date(2027, 1, 2), "上班", "元旦调休"))  # a Saturday worked
    core_services.calendar_year_enter(actor=None, year=2027, source="通知", rows=rows)
    food.refresh_from_db()
    app.refresh_from_db()
    assert food.deadline.astimezone(SH).date() == dt.date(2027, 1, 4)
    assert not food.deadline_provisional
    assert app.deadline >= food.deadline and not app.deadline_provisional
    assert food.events.filter(action="deadline_recompute").exists()


def test_home_service_by_party_specialist_counts_no_visit(users):
    from yiwang.accounts.models import Role
    from yiwang.testing import make_user

    street = users["window"].memberships.first().org_unit
    specialist = make_user("zhuanyuan", roles=[(street, Role.PARTY_SPECIALIST)])
    app = services.application_submit(
        actor=specialist,
        channel="home",
        item="320576052-05-0401",
        applicant={"name": "李奶奶", "phone": "13800001111"},
        form={
            "applicant_name": "李奶奶",
            "id_number": "11010519491231002X",
            "phone": "13800001111",
            "address": "东社区3幢",
            "family_size": 1,
            "monthly_income": 600,
        },
        materials=[
            services.MaterialInput(key=k, paper=True)
            for k in ["id_card", "hukou", "income_statement", "hardship_proof"]
        ],
    )
    assert app.channel == "home" and app.visits == 0 and app.applicant is None
    with pytest.raises(Forbidden):
        services.application_submit(
            actor=users["resident"],
            channel="home",
            item="320576052-05-0401",
            applicant={"name": "x"},
            form={},
        )
    # online applicants cannot claim paper materials
    with pytest.raises(ValidationFailed):
        services.application_submit(
            actor=users["resident"],
            item="320576052-20-0201",
            form={
                "applicant_name": "刘居民",
                "id_number": "11010519491231002X",
                "phone": "13912345678",
                "address": "星华街1号",
            },
            materials=[services.MaterialInput(key="id_card", paper=True)],
        )
