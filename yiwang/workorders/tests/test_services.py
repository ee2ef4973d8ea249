"""The work-order services: intake, routing, every action, permissions, states, versions."""

from __future__ import annotations

import datetime as dt
import types

import pytest
from django.db import connection

from yiwang.core.errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.testing import make_user
from yiwang.workorders import services as sv
from yiwang.workorders.models import (
    AssistTask,
    ExtensionRequest,
    ResponsibilityRule,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderPhoto,
    WorkOrderSequence,
)
from yiwang.workorders.services import common
from yiwang.workorders.tests.conftest import IN_A, IN_B, MONDAY, TZ, png_file

S = WorkOrder.Status
pytestmark = pytest.mark.django_db


def db_state():
    """Row counts of every table an action may write, to assert "nothing half-written"."""
    return {
        model.__name__: model.objects.count()
        for model in (
            WorkOrder,
            WorkOrderEvent,
            AuditEvent,
            WorkOrderSequence,
            AssistTask,
            ExtensionRequest,
            WorkOrderPhoto,
            ResponsibilityRule,
        )
    }


def fresh(order):
    return WorkOrder.objects.get(pk=order.pk)


def hotline(world, **kwargs):
    """A 12345 order imported by the system with a historical reported_at (default MONDAY)."""
    args = {
        "actor": None,
        "reporter": world.users["resident"],
        "channel": "hotline_12345",
        "description": "小区车库有人居住",
        "lon": IN_A[0],
        "lat": IN_A[1],
        "category": "90001",
        "reported_at": MONDAY,
    }
    args.update(kwargs)
    return sv.work_order_create(**args)


# --- intake -----------------------------------------------------------------------------------


def test_garage_story_is_dispatched_automatically(world, rules, report):
    """Seed 004: a grid worker reports 车库住人; the platform sends it to 综合行政执法局."""
    before = AuditEvent.objects.count()
    order = report()
    assert order.status == S.DISPATCHED
    assert order.primary_department == world.department
    assert order.grid == world.regions["A"]
    assert order.region_code == "320571001001001"
    assert order.channel == WorkOrder.Channel.GRID_WORKER
    assert order.rule == rules.garage and order.rule.version == 1
    assert order.category.code == "90001" and order.category.is_local_extension
    assert order.deadline is not None and order.yellow_at < order.deadline
    assert order.version == 1 and order.replayed is False
    today = order.reported_at.astimezone(TZ).date()
    assert order.code == f"WT{today:%Y%m%d}-0001"
    actions = list(order.events.values_list("action", "from_state", "to_state"))
    assert actions == [("report", "", "submitted"), ("dispatch", "submitted", "dispatched")]
    assert AuditEvent.objects.count() == before + 1  # intake: one audit row
    audit = AuditEvent.objects.latest("id")
    assert audit.action == "workorder.report" and audit.after["status"] == "dispatched"
    # the rule's cooperating department (社会事业局) gets its sub-task
    task = order.assist_tasks.get()
    assert task.department == world.department2 and task.status == AssistTask.Status.OPEN


def test_codes_count_per_day(world, rules, report):
    first, second = report(), report()
    assert first.code[-5:] == "-0001" and second.code[-5:] == "-0002"
    old = hotline(world, reported_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=TZ))
    assert old.code == "WT20260302-0001"


def test_deadline_counts_from_reported_at_in_working_days(world, rules):
    order = hotline(world)  # Monday 2026-06-01 09:00, 3 working days
    assert order.deadline == dt.datetime(2026, 6, 4, 17, 30, tzinfo=TZ)
    # 80 % of 29.5 office hours = 23.6 h → Thursday 08:30 + 1.6 h
    assert order.yellow_at == dt.datetime(2026, 6, 4, 10, 6, tzinfo=TZ)
    building = hotline(world, category="06001")  # 15 working days, over the 端午 holiday
    assert building.deadline.date() == dt.date(2026, 6, 23)


def test_holiday_week_deadline(world, rules):
    """National Day 2026 (10-01..10-07 off): 1 working day reported on 09-30 ends on 10-08."""
    order = hotline(world, category="06010", reported_at=dt.datetime(2026, 9, 30, 16, 0, tzinfo=TZ))
    assert order.deadline.astimezone(TZ).date() == dt.date(2026, 10, 8)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"category": None}, "no_category"),
        ({"lon": None, "lat": None, "address": "唯亭街道某小区"}, "no_grid"),
        ({"category": "06013"}, "no_rule"),
    ],
)
def test_orders_that_cannot_be_routed_wait_in_triage(world, rules, report, kwargs, reason):
    order = report(**kwargs)
    assert order.status == S.TRIAGE and order.triage_reason == reason
    assert order.primary_department is None and order.deadline is None
    assert order.events.last().action == "triage"
    if reason == "no_grid":
        assert order.grid is None and order.region_code == "320571001"  # the only street


def test_calendar_gap_sends_the_order_to_triage(world, rules, monkeypatch):
    from yiwang.core.workdays import CalendarUndefined

    def no_calendar(*args, **kwargs):
        raise CalendarUndefined("2027年的节假日安排尚未录入")

    monkeypatch.setattr(common, "deadline_with_basis", no_calendar)
    order = hotline(world)
    assert order.status == S.TRIAGE and order.triage_reason == "calendar_undefined"


def _fake_classifier(monkeypatch, suggest):
    """Register a stand-in classifier through intake's hook (as triage does in ready())."""
    from yiwang.workorders import intake

    monkeypatch.setitem(intake._PROVIDERS, "classifier", types.SimpleNamespace(suggest=suggest))


def test_classifier_hook_sets_the_category_when_confident(world, rules, report, monkeypatch):
    _fake_classifier(monkeypatch, lambda text: [("06010", 0.2), ("09009", 0.93)])
    order = report(category=None, description="小区门口机动车乱停放")
    assert order.category.code == "09009" and order.category_source == "auto"
    assert order.category_confidence == pytest.approx(0.93)
    assert order.status == S.DISPATCHED
    assert order.events.first().data["suggestions"][0] == ["09009", 0.93]


def test_classifier_hook_leaves_unsure_orders_to_people(world, rules, report, monkeypatch):
    _fake_classifier(monkeypatch, lambda text: [("09009", 0.55)])
    order = report(category=None)
    assert order.status == S.TRIAGE and order.category is None
    assert order.category_confidence == pytest.approx(0.55)


def test_classifier_errors_never_stop_a_report(world, rules, report, monkeypatch, caplog):
    def broken(text):
        raise RuntimeError("model file missing")

    _fake_classifier(monkeypatch, broken)
    order = report(category=None)
    assert order.status == S.TRIAGE
    assert "model file missing" in order.events.first().data["classifier_error"]
    assert "triage classifier failed" in caplog.text
    _fake_classifier(monkeypatch, lambda text: [("no-such-code", 0.99)])
    assert report(category=None).status == S.TRIAGE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lon": None, "lat": None}, "lon"),
        ({"lat": None}, "lat"),
        ({"lat": 95}, "lat"),
        ({"lon": -181}, "lon"),
        ({"lon": "abc"}, "lon"),
        ({"lon": float("nan")}, "lon"),
        ({"category": "99999"}, "category"),
        ({"category": "09"}, "category"),
        ({"description": "x" * 4001}, "description"),
        ({"description": "   "}, "description"),
        ({"priority": "very"}, "priority"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"photos": ["not-an-image"]}, "photos"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, rules, report, kwargs, field):
    if kwargs.get("photos") == ["not-an-image"]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        kwargs = {"photos": [SimpleUploadedFile("x.jpg", b"GIF89a not really", "image/jpeg")]}
    before = db_state()
    with pytest.raises(ValidationFailed) as err:
        report(**kwargs)
    assert field in err.value.fields, err.value.fields
    assert db_state() == before


def test_photo_over_the_size_limit_is_refused(world, rules, report, settings):
    settings.UPLOAD_MAX_BYTES = 100
    before = db_state()
    with pytest.raises(ValidationFailed, match="超过大小上限"):
        report(photos=[png_file(size=(64, 64))])
    assert db_state() == before


def test_report_photos_are_stored_with_the_report_event(world, rules, report):
    order = report(photos=[png_file(), png_file("b.jpg", fmt="JPEG")])
    photos = list(order.photos.all())
    assert [p.kind for p in photos] == ["report", "report"]
    assert {p.content_type for p in photos} == {"PNG", "JPEG"}
    assert photos[0].width == 16 and photos[0].event.action == "report"


def test_channel_and_backdating_are_limited_by_role(world, rules, report):
    resident = world.users["resident"]
    with pytest.raises(Forbidden):
        report(actor=resident, channel="hotline_12345")
    with pytest.raises(ValidationFailed) as err:
        report(reported_at="2026-06-01T09:00:00+08:00")  # a grid worker may not backdate
    assert "reported_at" in err.value.fields
    with pytest.raises(ValidationFailed):
        hotline(world, reported_at=dt.datetime(2031, 1, 1, tzinfo=TZ))  # the future
    with pytest.raises(ValidationFailed):
        hotline(world, reported_at="yesterday")
    order = report(actor=resident)
    assert order.channel == "resident" and order.reporter == resident


def test_idempotency_key_returns_the_first_order(world, rules, report):
    first = report(idempotency_key="abc-1")
    again = report(idempotency_key="abc-1", description="重复提交")
    assert again.pk == first.pk and again.replayed is True
    assert WorkOrder.objects.count() == 1
    other = report(actor=world.users["grid_b"], idempotency_key="abc-1")  # another reporter
    assert other.pk != first.pk


def test_external_id_is_imported_once(world, rules):
    hotline(world, external_id="GD2026060100001")
    before = db_state()
    with pytest.raises(Conflict) as err:
        hotline(world, external_id="GD2026060100001")
    assert err.value.code == "duplicate_external_id"
    assert db_state() == before


def test_anonymous_reporter_contact_is_encrypted(world, rules):
    order = sv.work_order_create(
        actor=None,
        reporter=None,
        channel="open311",
        description="路边暴露垃圾",
        lon=IN_A[0],
        lat=IN_A[1],
        category="06010",
        reporter_name="张三",
        reporter_phone="13912345678",
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT reporter_name, reporter_phone FROM workorders_workorder WHERE id = %s",
            [order.pk],
        )
        raw = cur.fetchone()
    assert "13912345678" not in raw[1] and "张三" not in raw[0]
    assert fresh(order).reporter_phone == "13912345678"


# --- the loop ---------------------------------------------------------------------------------


def test_full_loop_accept_complete_verify_rate(world, rules, report):
    zhifa, dispatcher, resident = (
        world.users["zhifa"],
        world.users["dispatcher"],
        world.users["resident"],
    )
    order = report(reporter=resident)  # 代为上报: the resident rates
    order = sv.work_order_accept(actor=zhifa, order=order, version=order.version, note="已派员")
    assert order.status == S.HANDLING and order.handler == zhifa and order.version == 2
    order = sv.work_order_complete(
        actor=zhifa, order=order.pk, version=2, note="已劝离并清空车库", photos=[png_file()]
    )
    assert order.status == S.COMPLETED and order.completed_on_time is True
    assert order.warnings and "社会事业局" in order.warnings[0]  # its sub-task is still open
    evidence = order.photos.get()
    assert evidence.kind == "evidence" and evidence.event.action == "complete"
    order = sv.work_order_verify(actor=dispatcher, order=order.pk, version=3, note="现场核实")
    assert order.status == S.ARCHIVED and order.archived_workdays is not None
    assert order.assist_tasks.get().status == AssistTask.Status.CANCELLED
    order = sv.work_order_rate(
        actor=resident, order=order.pk, version=4, satisfaction="satisfied", comment="很快"
    )
    assert order.status == S.ARCHIVED and order.satisfaction == "satisfied"
    assert list(order.events.values_list("action", flat=True)) == [
        "report",
        "dispatch",
        "accept",
        "complete",
        "verify",
        "rate",
    ]
    audit = AuditEvent.objects.filter(target_type="workorders.workorder", target_id=str(order.pk))
    assert audit.count() == 5  # intake (1) + accept, complete, verify, rate


def test_wrong_role_or_department_is_forbidden(world, rules, report):
    order = report()
    before = db_state()
    with pytest.raises(Forbidden):  # another department that can see it (rule 协办)
        sv.work_order_accept(actor=world.users["shiye"], order=order, version=1)
    with pytest.raises(Forbidden):  # the dispatcher does not accept for a department
        sv.work_order_accept(actor=world.users["dispatcher"], order=order, version=1)
    with pytest.raises(Forbidden):
        sv.work_order_verify(actor=world.users["zhifa"], order=order, version=1)
    with pytest.raises(NotFound):  # 网格员乙 cannot even see grid A's order
        sv.work_order_supervise(actor=world.users["grid_b"], order=order, version=1, note="x")
    with pytest.raises(NotFound):
        sv.work_order_accept(actor=world.users["resident2"], order=order, version=1)
    assert db_state() == before and fresh(order).version == 1


def test_wrong_state_and_stale_version_are_conflicts(world, rules, report):
    order = report()
    before = db_state()
    with pytest.raises(Conflict) as err:
        sv.work_order_verify(actor=world.users["dispatcher"], order=order, version=1)
    assert err.value.code == "invalid_state" and err.value.status == 409
    with pytest.raises(StaleVersion):
        sv.work_order_accept(actor=world.users["zhifa"], order=order, version=7)
    with pytest.raises(ValidationFailed):
        sv.work_order_accept(actor=world.users["zhifa"], order=order, version=None)
    assert db_state() == before and fresh(order).status == S.DISPATCHED


def test_two_people_accepting_at_once_one_wins(world, rules, report):
    """Both read version 1; the second call (on its stale copy) gets 409, nothing written."""
    zhifa2 = make_user("zhifa2", roles=[(world.department, "department_staff")])
    order = report()
    copy_a, copy_b = fresh(order), fresh(order)
    sv.work_order_accept(actor=world.users["zhifa"], order=copy_a, version=copy_a.version)
    before = db_state()
    with pytest.raises(StaleVersion) as err:
        sv.work_order_accept(actor=zhifa2, order=copy_b, version=copy_b.version)
    assert err.value.status == 409
    assert db_state() == before
    assert fresh(order).handler == world.users["zhifa"]


def test_version_compare_and_set_catches_a_lost_update(world, rules, report):
    """Even if two writers passed the version check, the UPDATE … WHERE version = ? lets only
    one through."""
    order = report()
    a, b = fresh(order), fresh(order)
    a.bump_version(fields=["supervised"])
    with pytest.raises(StaleVersion):
        b.bump_version(fields=["supervised"])


def test_return_goes_back_to_triage_and_dispatch_again(world, rules, report):
    zhifa, dispatcher = world.users["zhifa"], world.users["dispatcher"]
    order = report()
    with pytest.raises(ValidationFailed):
        sv.work_order_return(actor=zhifa, order=order, version=1, reason=" ")
    order = sv.work_order_return(actor=zhifa, order=order, version=1, reason="应由物业处理")
    assert order.status == S.TRIAGE and order.primary_department is None
    assert order.deadline is None and order.return_count == 1
    assert order.assist_tasks.get().status == AssistTask.Status.CANCELLED
    with pytest.raises(NotFound):  # no longer the department's order
        sv.work_order_accept(actor=zhifa, order=order, version=order.version)
    order = sv.work_order_dispatch(
        actor=dispatcher,
        order=order,
        version=order.version,
        department=world.department2.pk,
        note="改派社会事业局",
    )
    assert order.status == S.DISPATCHED and order.primary_department == world.department2
    assert order.rule == rules.garage  # limit from the rule, department overridden
    event = order.events.last()
    assert event.action == "dispatch" and event.data["department"] == world.department2.pk


def test_dispatch_without_a_rule_needs_department_and_limit(world, rules, report):
    dispatcher = world.users["dispatcher"]
    order = report(category="06013")  # 道路破损: no rule
    with pytest.raises(ValidationFailed) as err:
        sv.work_order_dispatch(actor=dispatcher, order=order, version=1)
    assert err.value.code == "no_rule"
    with pytest.raises(ValidationFailed):
        sv.work_order_dispatch(actor=dispatcher, order=order, version=1, department="nope")
    order = sv.work_order_dispatch(
        actor=dispatcher,
        order=order,
        version=1,
        department=world.department2,
        limit_value=8,
        limit_unit="work_hours",
    )
    assert order.status == S.DISPATCHED and order.rule is None and order.deadline is not None


def test_whistle_assist_subtasks(world, rules, report):
    zhifa, shiye = world.users["zhifa"], world.users["shiye"]
    order = report(category="09009")  # parking: no cooperating department in the rule
    order = sv.work_order_accept(actor=zhifa, order=order, version=1)
    with pytest.raises(ValidationFailed):
        sv.work_order_assist(actor=zhifa, order=order, version=2, departments=[], note="请协助")
    with pytest.raises(ValidationFailed):  # the primary cannot summon itself
        sv.work_order_assist(
            actor=zhifa, order=order, version=2, departments=[world.department.pk], note="x"
        )
    with pytest.raises(NotFound):  # before the whistle 社会事业局 cannot see the order
        sv.work_order_accept(actor=shiye, order=order, version=2)
    order = sv.work_order_assist(
        actor=zhifa, order=order, version=2, departments=[world.department2.pk], note="请协助清理"
    )
    task = order.assist_tasks.get()
    assert task.source == "whistle" and order.version == 3
    with pytest.raises(Conflict):  # one active task per department
        sv.work_order_assist(
            actor=zhifa, order=order, version=3, departments=[world.department2.pk], note="再次"
        )
    with pytest.raises(Forbidden):
        sv.assist_task_accept(actor=zhifa, task=task, version=1)
    task = sv.assist_task_accept(actor=shiye, task=task, version=1)
    assert task.status == "accepted"
    with pytest.raises(StaleVersion):
        sv.assist_task_complete(actor=shiye, task=task, version=1, note="done")
    task = sv.assist_task_complete(actor=shiye, task=task, version=2, note="已清理杂物")
    assert task.status == "done"
    order = sv.work_order_complete(
        actor=zhifa, order=order, version=3, note="已处理", no_photo_reason="现场不便拍照"
    )
    assert not any("协办" in w for w in order.warnings)
    actions = list(order.events.values_list("action", flat=True))
    assert actions[-4:] == ["assist", "assist_accept", "assist_complete", "complete"]


def test_extension_request_and_decision(world, rules, report):
    zhifa, dispatcher = world.users["zhifa"], world.users["dispatcher"]
    order = report(category="06001")
    order = sv.work_order_accept(actor=zhifa, order=order, version=1)
    old_deadline = order.deadline
    order = sv.work_order_extend_request(
        actor=zhifa, order=order, version=2, value=5, unit="work_days", reason="需要测绘"
    )
    with pytest.raises(Conflict) as err:
        sv.work_order_extend_request(
            actor=zhifa, order=order, version=3, value=1, unit="work_days", reason="再延"
        )
    assert err.value.code == "extension_pending"
    with pytest.raises(Forbidden):
        sv.work_order_extend_decide(actor=zhifa, order=order, version=3, approve=True)
    with pytest.raises(ValidationFailed):  # refusing needs a reason
        sv.work_order_extend_decide(actor=dispatcher, order=order, version=3, approve=False)
    order = sv.work_order_extend_decide(actor=dispatcher, order=order, version=3, approve=True)
    assert order.deadline > old_deadline and order.extension_count == 1
    request = order.extensions.get()
    assert request.status == "approved" and request.new_deadline == order.deadline
    with pytest.raises(Conflict) as err:
        sv.work_order_extend_decide(actor=dispatcher, order=order, version=4, approve=True)
    assert err.value.code == "no_pending_extension"
    order = sv.work_order_extend_request(
        actor=zhifa, order=order, version=4, value=1, unit="work_days", reason="还要"
    )
    order = sv.work_order_extend_decide(
        actor=dispatcher, order=order, version=5, approve=False, note="不予延期"
    )
    assert order.extensions.filter(status="refused").count() == 1
    assert order.extension_count == 1


def test_extension_after_the_deadline_is_refused(world, rules):
    order = hotline(world, reported_at=dt.datetime(2026, 5, 6, 9, 0, tzinfo=TZ))
    order = sv.work_order_accept(actor=world.users["zhifa"], order=order, version=1)
    with pytest.raises(Conflict) as err:
        sv.work_order_extend_request(
            actor=world.users["zhifa"],
            order=order,
            version=2,
            value=1,
            unit="work_days",
            reason="x",
        )
    assert err.value.code == "deadline_passed"


def test_supervise(world, rules, report):
    order = report()
    with pytest.raises(Forbidden):
        sv.work_order_supervise(actor=world.users["zhifa"], order=order, version=1, note="快")
    with pytest.raises(ValidationFailed):
        sv.work_order_supervise(actor=world.users["dispatcher"], order=order, version=1, note="")
    order = sv.work_order_supervise(
        actor=world.users["leader"], order=order, version=1, note="请加快"
    )
    assert order.supervised and order.supervise_count == 1 and order.status == S.DISPATCHED


def test_resolve_on_spot_by_the_grid_worker_of_that_grid(world, rules, report):
    grid_a, grid_b = world.users["grid_a"], world.users["grid_b"]
    parking = report(category="09009")
    with pytest.raises(NotFound):
        sv.work_order_resolve_on_spot(
            actor=grid_b, order=parking, version=1, note="已挪车", no_photo_reason="现场不便拍照"
        )
    order = sv.work_order_resolve_on_spot(
        actor=grid_a, order=parking, version=1, note="联系车主挪车", photos=[png_file()]
    )
    assert order.status == S.COMPLETED and order.resolved_on_spot and order.resolved_in_grid
    assert order.handler == grid_a and order.completed_on_time
    garage = report()  # 车库住人: the rule does not allow on-spot resolution
    before = db_state()
    with pytest.raises(Forbidden) as err:
        sv.work_order_resolve_on_spot(
            actor=grid_a, order=garage, version=1, note="x", no_photo_reason="现场不便拍照"
        )
    assert err.value.code == "on_spot_not_allowed"
    assert db_state() == before
    # grid B's worker, reporting inside grid A, is not that grid's worker
    elsewhere = report(actor=grid_b, category="09009")
    with pytest.raises(Forbidden):
        sv.work_order_resolve_on_spot(
            actor=grid_b, order=elsewhere, version=1, note="x", no_photo_reason="现场不便拍照"
        )


def test_resolve_on_spot_from_triage_with_a_category(world, rules, report):
    order = report(category=None)
    order = sv.work_order_resolve_on_spot(
        actor=world.users["grid_a"],
        order=order,
        version=1,
        note="已清理",
        category="06010",
        no_photo_reason="现场不便拍照",
    )
    assert order.status == S.COMPLETED and order.category.code == "06010"
    assert order.rule == rules.garbage and order.primary_department is None
    order = sv.work_order_verify(actor=world.users["dispatcher"], order=order, version=2)
    assert order.status == S.ARCHIVED


def test_merge_duplicates_the_reporter_follows_the_master(world, rules, report):
    from yiwang.workorders.selectors import work_order_list

    dispatcher, resident2 = world.users["dispatcher"], world.users["resident2"]
    master = report()
    duplicate = report(actor=resident2, description="车库里住了人")
    assert not work_order_list(user=resident2).filter(pk=master.pk).exists()
    with pytest.raises(ValidationFailed):
        sv.work_order_merge(actor=dispatcher, order=duplicate, version=1, into=duplicate.pk)
    order = sv.work_order_merge(actor=dispatcher, order=duplicate, version=1, into=master.pk)
    assert order.status == S.MERGED and order.merged_into == master
    assert order.assist_tasks.filter(status="open").count() == 0
    assert work_order_list(user=resident2).filter(pk=master.pk).exists()
    assert master.events.last().action == "merged_in"
    closed = report()
    closed = sv.work_order_cancel(actor=dispatcher, order=report(category=None), version=1)
    with pytest.raises(Conflict):  # cannot merge into a closed order
        sv.work_order_merge(actor=dispatcher, order=report(), version=1, into=closed.pk)


def test_cancel_only_before_dispatch(world, rules, report):
    grid_a = world.users["grid_a"]
    triage = report(category=None)
    with pytest.raises(Forbidden):  # the leader sees it but may not withdraw it
        sv.work_order_cancel(actor=world.users["leader"], order=triage, version=1)
    order = sv.work_order_cancel(actor=grid_a, order=triage, version=1, reason="误报")
    assert order.status == S.CANCELLED
    dispatched = report()
    with pytest.raises(Conflict):
        sv.work_order_cancel(actor=grid_a, order=dispatched, version=1)


def _complete(world, order):
    zhifa = world.users["zhifa"]
    order = sv.work_order_accept(actor=zhifa, order=order, version=order.version)
    return sv.work_order_complete(
        actor=zhifa,
        order=order,
        version=order.version,
        note="已处理",
        no_photo_reason="现场不便拍照",
    )


def test_unsatisfied_rating_reopens_once(world, rules, report):
    grid_a = world.users["resident"]  # the resident on whose behalf grid_a reported
    order = _complete(world, report(reporter=grid_a))
    with pytest.raises(Forbidden):
        sv.work_order_rate(
            actor=world.users["dispatcher"],
            order=order,
            version=order.version,
            satisfaction="satisfied",
        )
    with pytest.raises(ValidationFailed):
        sv.work_order_rate(actor=grid_a, order=order, version=order.version, satisfaction="meh")
    order = sv.work_order_rate(
        actor=grid_a,
        order=order,
        version=order.version,
        satisfaction="unsatisfied",
        comment="没人管",
    )
    assert order.status == S.HANDLING and order.rating_reopened and order.reopen_count == 1
    order = sv.work_order_complete(
        actor=world.users["zhifa"],
        order=order,
        version=order.version,
        note="再次处理",
        no_photo_reason="现场不便拍照",
    )
    order = sv.work_order_rate(
        actor=grid_a, order=order, version=order.version, satisfaction="unsatisfied"
    )
    assert order.status == S.COMPLETED  # the second unsatisfied rating only records
    with pytest.raises(Conflict) as err:
        sv.work_order_rate(
            actor=grid_a, order=order, version=order.version, satisfaction="satisfied"
        )
    assert err.value.code == "already_rated"


def test_reopen_archived_order(world, rules, report):
    dispatcher = world.users["dispatcher"]
    order = _complete(world, report())
    order = sv.work_order_verify(actor=dispatcher, order=order, version=order.version)
    with pytest.raises(ValidationFailed):
        sv.work_order_reopen(actor=dispatcher, order=order, version=order.version, reason="")
    order = sv.work_order_reopen(
        actor=dispatcher, order=order, version=order.version, reason="现场复查仍有人居住"
    )
    assert order.status == S.HANDLING and order.reopen_count == 1
    assert order.archived_at is None and order.archived_workdays is None


# --- the responsibility list ------------------------------------------------------------------


def test_rule_versions_orders_keep_theirs(world, rules, report):
    admin = world.users["admin"]
    before = report()
    v2 = sv.responsibility_rule_save(
        actor=admin,
        category="90001",
        primary_department=world.department2,
        limit_value=5,
        limit_unit="work_days",
    )
    assert v2.version == 2 and v2.supersedes == rules.garage
    old = ResponsibilityRule.objects.get(pk=rules.garage.pk)
    assert old.is_current is False
    after = report()
    assert (
        fresh(before).rule == rules.garage and fresh(before).primary_department == world.department
    )
    assert after.rule == v2 and after.primary_department == world.department2
    with pytest.raises(Forbidden):
        sv.responsibility_rule_save(
            actor=world.users["dispatcher"],
            category="90001",
            primary_department=world.department,
            limit_value=1,
        )


def test_most_specific_region_rule_wins(world, rules, report):
    sv.responsibility_rule_save(
        actor=world.users["admin"],
        category="90001",
        region_prefix=world.regions["A"].code,
        primary_department=world.department2,
        limit_value=1,
        limit_unit="work_days",
    )
    in_a = report()
    in_b = report(lon=IN_B[0], lat=IN_B[1])
    assert in_a.primary_department == world.department2
    assert in_b.primary_department == world.department


def test_rule_input_is_validated(world, rules):
    admin = world.users["admin"]
    with pytest.raises(ValidationFailed):
        sv.responsibility_rule_save(
            actor=admin, category="90001", primary_department=world.department, limit_value=0
        )
    with pytest.raises(ValidationFailed):
        sv.responsibility_rule_save(
            actor=admin,
            category="90001",
            primary_department=world.department,
            limit_value=1.5,
            limit_unit="work_days",
        )
    with pytest.raises(ValidationFailed):  # a street is not a department
        sv.responsibility_rule_save(
            actor=admin, category="90001", primary_department=world.street, limit_value=1
        )


# --- real concurrency (PostgreSQL: row locks across connections) ------------------------------


def _in_threads(n, target):
    import threading

    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        from django.db import connection as conn

        try:
            barrier.wait(timeout=10)
            results[i] = target(i)
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


# Skipped before its fixtures run: a transactional test flushes the database at teardown.
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (row locks across connections); run with DATABASE_URL",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_and_codes_on_postgresql(world):
    from yiwang.workorders.tests.conftest import seed_categories

    seed_categories()  # a transactional test starts from a flushed database
    sv.responsibility_rule_save(
        actor=world.users["admin"],
        category="90001",
        primary_department=world.department,
        limit_value=3,
        limit_unit="work_days",
    )
    zhifa2 = make_user("zhifa2", roles=[(world.department, "department_staff")])
    staff = [world.users["zhifa"], zhifa2]

    def report(i):
        return sv.work_order_create(
            actor=world.users["grid_a"], description=f"车库住人 {i}", lon=IN_A[0], lat=IN_A[1],
            category="90001",
        )  # fmt: skip

    from yiwang.workorders.locating import locate_point

    # Build the grid index before the threads start (grids.locate clears its dirty flag before
    # the rebuild finishes, so concurrent first callers could see the previous index).
    assert locate_point(*IN_A).grid.pk == world.regions["A"].pk
    created = _in_threads(6, report)
    assert all(isinstance(o, WorkOrder) for o in created), created
    assert len({o.code for o in created}) == 6  # the per-day counter never repeats
    order = created[0]
    results = _in_threads(
        2, lambda i: sv.work_order_accept(actor=staff[i], order=order.pk, version=1)
    )
    wins = [r for r in results if isinstance(r, WorkOrder)]
    losses = [r for r in results if isinstance(r, Conflict)]
    detail = [(o.status, o.triage_reason, o.primary_department_id) for o in created]
    assert len(wins) == 1 and len(losses) == 1, (results, detail, world.department.pk)
    assert losses[0].status == 409
    assert fresh(order).version == 2
    assert order.events.filter(action="accept").count() == 1
