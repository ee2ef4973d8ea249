"""Reads: data scope, list filters, the category tree, allowed actions and the KPIs."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.workorders import selectors as sel
from yiwang.workorders import services as sv
from yiwang.workorders.models import Category, WorkOrder
from yiwang.workorders.tests.conftest import IN_A, IN_B, MONDAY, TZ

pytestmark = pytest.mark.django_db
S = WorkOrder.Status


@pytest.fixture
def orders(world, rules, report):
    """甲 reports in grid A (车库住人 → 执法局), 乙 in grid B (暴露垃圾 → 社会事业局), a resident
    reports a triage order, and a 12345 order without a place."""
    return {
        "a": report(),
        "b": report(actor=world.users["grid_b"], lon=IN_B[0], lat=IN_B[1], category="06010"),
        "resident": report(actor=world.users["resident"], category=None),
        "nowhere": sv.work_order_create(
            actor=None, channel="hotline_12345", description="无地址来电", address="不详"
        ),
    }


def visible(user):
    return set(sel.work_order_list(user=user).values_list("pk", flat=True))


def test_scope_grid_worker_b_cannot_see_grid_worker_a(world, orders):
    a, b = orders["a"].pk, orders["b"].pk
    assert a in visible(world.users["grid_a"]) and b not in visible(world.users["grid_a"])
    assert b in visible(world.users["grid_b"]) and a not in visible(world.users["grid_b"])
    with pytest.raises(NotFound):
        sel.work_order_get(user=world.users["grid_b"], id=a)


def test_scope_departments_residents_and_the_street(world, orders):
    pks = {k: o.pk for k, o in orders.items()}
    assert visible(world.users["zhifa"]) == {pks["a"]}
    # 社会事业局: its own order (暴露垃圾) and the 车库住人 order it cooperates on (rule 协办)
    assert visible(world.users["shiye"]) == {pks["a"], pks["b"]}
    assert visible(world.users["resident"]) == {pks["resident"]}
    assert visible(world.users["resident2"]) == set()
    assert visible(world.users["dispatcher"]) == set(pks.values())  # incl. the unplaced one
    assert visible(world.users["leader"]) == {pks["a"], pks["b"], pks["resident"], pks["nowhere"]}
    assert visible(world.users["admin"]) == set(pks.values())
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()


def test_list_filters(world, orders):
    dispatcher = world.users["dispatcher"]

    def pks(**filters):
        return set(
            sel.work_order_list(user=dispatcher, filters=filters).values_list("pk", flat=True)
        )

    assert pks(status="triage") == {orders["resident"].pk, orders["nowhere"].pk}
    assert pks(status="dispatched,triage") == {o.pk for o in orders.values()}
    assert pks(grid=world.regions["A"].code) == {orders["a"].pk, orders["resident"].pk}
    assert pks(grid="320571001001") == {orders["a"].pk, orders["b"].pk, orders["resident"].pk}
    assert pks(category="06") == {orders["b"].pk}  # big class
    assert pks(category="90001") == {orders["a"].pk}
    assert pks(department=str(world.department.pk)) == {orders["a"].pk}
    assert pks(department=str(world.department2.pk)) == {orders["a"].pk, orders["b"].pk}
    assert pks(q="无地址") == {orders["nowhere"].pk}
    assert pks(q=orders["a"].code) == {orders["a"].pk}
    assert pks(sla="green") == {orders["a"].pk, orders["b"].pk}
    assert pks(sla="red") == set()
    with pytest.raises(ValidationFailed):
        pks(status="bogus")
    with pytest.raises(ValidationFailed):
        pks(sla="purple")


def test_sla_filter_matches_the_model(world, rules):
    for day in (1, 3):
        sv.work_order_create(
            actor=None,
            reporter=world.users["resident"],
            channel="hotline_12345",
            description="车库住人",
            lon=IN_A[0],
            lat=IN_A[1],
            category="90001",
            reported_at=dt.datetime(2026, 6, day, 9, tzinfo=TZ),
        )
    from yiwang.workorders.filters import sla_q

    now = dt.datetime(2026, 6, 4, 12, tzinfo=TZ)  # order 1 is yellow, order 3 is green
    for colour in ("green", "yellow", "red"):
        by_sql = set(WorkOrder.objects.filter(sla_q(colour, now)).values_list("pk", flat=True))
        by_model = {o.pk for o in WorkOrder.objects.all() if o.sla_at(now) == colour}
        assert by_sql == by_model, colour
    assert {o.sla_at(now) for o in WorkOrder.objects.all()} == {"green", "yellow"}


def test_list_query_count_does_not_grow_with_rows(
    world, orders, report, django_assert_max_num_queries
):
    from yiwang.workorders.api import WorkOrderSerializer

    for _ in range(10):
        report(actor=world.users["resident"], category=None)
    user = world.users["dispatcher"]
    with django_assert_max_num_queries(3):
        qs = (
            sel.work_order_list(user=user)
            .select_related("reporter")
            .prefetch_related("reporter__memberships")
        )
        data = WorkOrderSerializer(qs, many=True, context={}).data
    assert len(data) == 14
    names = {row["reporter_display"] for row in data}
    assert "居*" in names and "网格员甲" in names and "匿名" in names  # residents masked


def test_detail_has_events_photos_tasks(world, orders, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        order = sel.work_order_get(user=world.users["dispatcher"], id=orders["a"].pk)
        assert [e.action for e in order.events.all()] == ["report", "dispatch"]
        assert len(order.assist_tasks.all()) == 1


def test_allowed_actions_per_role(world, orders):
    a = sel.work_order_get(user=world.users["zhifa"], id=orders["a"].pk)
    assert sel.work_order_actions(user=world.users["zhifa"], order=a) == [
        "accept",
        "return",
        "extend",
    ]
    dispatcher = sel.work_order_actions(user=world.users["dispatcher"], order=a)
    assert {"dispatch", "supervise", "merge"} <= set(dispatcher) and "accept" not in dispatcher
    assert sel.work_order_actions(user=world.users["grid_a"], order=a) == []  # not on-spot
    triage = orders["resident"]
    assert "cancel" in sel.work_order_actions(user=world.users["resident"], order=triage)
    assert "resolve_on_spot" in sel.work_order_actions(user=world.users["grid_a"], order=triage)


def test_category_tree_with_rules(world, rules):
    tree = sel.category_tree(region_code=world.regions["A"].code)
    codes = {big["code"] for big in tree}
    assert {"06", "07", "08", "09", "10", "12345-01", "90"} <= codes
    local = next(big for big in tree if big["code"] == "90")
    garage = next(c for c in local["children"] if c["code"] == "90001")
    assert garage["is_local_extension"] and garage["parent"] == "90"
    assert garage["rule"]["primary_department"]["name"] == "综合行政执法局"
    assert garage["rule"]["limit_display"] == "3工作日"
    assert garage["rule"]["cooperating_departments"] == [
        {"id": world.department2.pk, "name": "社会事业局"}
    ]
    roads = next(c for c in next(b for b in tree if b["code"] == "06")["children"]
                 if c["code"] == "06013")  # fmt: skip
    assert roads["rule"] is None


def test_catalogue_is_seeded_by_migration(db):
    assert Category.objects.filter(parent__isnull=True).count() >= 15
    assert Category.objects.get(code="09009").name == "机动车乱停放"
    assert Category.objects.get(code="90001").is_local_extension
    assert Category.objects.get(code="12345-0102").parent.code == "12345-01"
    for small in Category.objects.filter(parent__isnull=False).select_related("parent"):
        assert small.code.startswith(small.parent.code)


# --- KPIs -------------------------------------------------------------------------------------


def bulk(n, **fields):
    """n orders straight into the table (KPIs read columns, not timelines)."""
    base = {
        "channel": "resident",
        "description": "x",
        "region_code": "320571001001001",
        "reported_at": MONDAY,
    }
    base.update(fields)
    start = WorkOrder.objects.count()
    WorkOrder.objects.bulk_create(
        [WorkOrder(code=f"WT-K{start + i:06d}", **base) for i in range(n)]
    )


def test_kpi_due_rates_match_the_tianmen_report(world):
    """天门 report: 应结案 972, 结案 911 (93.72 %), 按期结案 737 (75.82 %)."""
    due = dt.datetime(2026, 6, 10, 17, 30, tzinfo=TZ)
    done = dt.datetime(2026, 6, 9, 10, tzinfo=TZ)
    bulk(737, status=S.ARCHIVED, deadline=due, completed_at=done, completed_on_time=True,
         archived_at=done, archived_workdays=1.0)  # fmt: skip
    bulk(174, status=S.ARCHIVED, deadline=due, completed_at=done, completed_on_time=False,
         archived_at=done, archived_workdays=3.0)  # fmt: skip
    bulk(61, status=S.HANDLING, deadline=due)
    bulk(5, status=S.CANCELLED, deadline=due)  # not due: withdrawn
    bulk(40, status=S.HANDLING, deadline=dt.datetime(2026, 7, 10, tzinfo=TZ))  # due next month
    kpi = sel.work_order_kpis(
        user=world.users["leader"],
        date_from=dt.date(2026, 6, 1),
        date_to=dt.date(2026, 6, 30),
        now=dt.datetime(2026, 7, 1, tzinfo=TZ),
    )
    assert kpi["due"] == 972 and kpi["closed"] == 911 and kpi["closed_on_time"] == 737
    assert kpi["completion_rate"] == 0.9372 and kpi["on_time_rate"] == 0.7582
    assert kpi["overdue"] == 174 + 61
    assert kpi["overdue_open"] == 61
    assert kpi["reported"] == 972 + 5 + 40
    assert kpi["archived"] == 911
    assert kpi["avg_workdays_to_archive"] == round((737 * 1.0 + 174 * 3.0) / 911, 2)


def test_kpi_on_spot_in_grid_and_satisfaction(world):
    rated_at = dt.datetime(2026, 6, 12, tzinfo=TZ)
    bulk(8, channel="grid_worker", status=S.ARCHIVED, resolved_on_spot=True, resolved_in_grid=True,
         satisfaction="satisfied", rated_at=rated_at)  # fmt: skip
    bulk(2, channel="grid_worker", status=S.ARCHIVED, satisfaction="unsatisfied", rated_at=rated_at)
    bulk(5, channel="resident", status=S.ARCHIVED, resolved_in_grid=True,
         satisfaction="basically_satisfied", rated_at=rated_at)  # fmt: skip
    bulk(5, channel="resident", status=S.TRIAGE)
    kpi = sel.work_order_kpis(
        user=world.users["dispatcher"], date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 30)
    )
    assert kpi["patrol_reported"] == 10 and kpi["on_spot_rate"] == 0.8
    assert kpi["handled"] == 15 and kpi["in_grid_rate"] == round(13 / 15, 4)
    assert kpi["rated"] == 15 and kpi["satisfaction_rate"] == round(13 / 15, 4)
    assert kpi["by_status"]["archived"] == 15 and kpi["by_status"]["triage"] == 5
    assert kpi["due"] == 0 and kpi["completion_rate"] is None


def test_kpi_scope_and_filters(world):
    bulk(3, status=S.TRIAGE)  # grid A
    bulk(2, status=S.TRIAGE, region_code="320571001002001")  # grid C, 西社区
    bulk(4, status=S.HANDLING, region_code="320571001001002", primary_department=world.department)
    june = {"date_from": dt.date(2026, 6, 1), "date_to": dt.date(2026, 6, 30)}
    assert sel.work_order_kpis(user=world.users["leader"], **june)["reported"] == 9
    assert sel.work_order_kpis(user=world.users["grid_a"], **june)["reported"] == 3
    assert sel.work_order_kpis(user=world.users["zhifa"], **june)["reported"] == 4
    assert sel.work_order_kpis(user=world.users["resident"], **june)["reported"] == 0
    leader = world.users["leader"]
    assert sel.work_order_kpis(user=leader, region="320571001002", **june)["reported"] == 2
    assert sel.work_order_kpis(user=leader, department=world.department.pk, **june)["reported"] == 4
    assert sel.work_order_kpis(user=leader, date_from=dt.date(2026, 7, 1),
                               date_to=dt.date(2026, 7, 31))["reported"] == 0  # fmt: skip
    with pytest.raises(ValidationFailed):
        sel.work_order_kpis(user=leader, date_from=dt.date(2026, 7, 1), date_to=dt.date(2026, 6, 1))


def test_kpi_query_count_is_fixed(world, django_assert_max_num_queries):
    bulk(50, status=S.ARCHIVED, archived_at=MONDAY, completed_on_time=True, deadline=MONDAY)
    with django_assert_max_num_queries(7):
        sel.work_order_kpis(
            user=world.users["leader"], date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31)
        )
