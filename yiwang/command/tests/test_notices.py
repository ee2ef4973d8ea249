"""Who is told what (issue 13 §2), through the work-order services: dispatch → the department's
staff; 督办 and overdue → the department head; 吹哨 → the summoned departments."""

import datetime as dt

import pytest

from yiwang.notifications.models import Notification
from yiwang.workorders import services as wo

pytestmark = pytest.mark.django_db


def kinds(user):
    return list(
        Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True)
    )


def test_dispatch_supervise_overdue_and_whistle_are_told(world, report):
    order = report(category="09009")  # 机动车乱停放 → 综合行政执法局, dispatched automatically
    zhifa, shiye = world.users["zhifa"], world.users["shiye"]
    assert kinds(zhifa) == ["dispatch"]
    assert Notification.objects.get(recipient=zhifa).link == f"/wo/{order.pk}/"
    order = wo.work_order_supervise(
        actor=world.users["leader"], order=order, version=order.version, note="请加快"
    )
    assert kinds(zhifa) == ["dispatch", "supervise"]  # no head configured: the staff
    order = wo.work_order_accept(actor=zhifa, order=order, version=order.version)
    wo.work_order_assist(
        actor=zhifa,
        order=order,
        version=order.version,
        departments=[world.department2.pk],
        note="需社会事业局协助",
    )
    assert kinds(shiye)[-1] == "assist"
    wo.work_order_sla_sweep(now=order.deadline + dt.timedelta(minutes=1))
    assert kinds(zhifa)[-1] == "overdue"
    assert wo.work_order_sla_sweep(now=order.deadline + dt.timedelta(minutes=2))["red"] == 0
    assert kinds(zhifa).count("overdue") == 1  # told once
    order.refresh_from_db()
    order = wo.work_order_complete(
        actor=zhifa,
        order=order,
        version=order.version,
        note="已劝离车辆",
        no_photo_reason="手机故障",
    )
    dispatcher = world.users["dispatcher"]
    order = wo.work_order_verify(actor=dispatcher, order=order, version=order.version)
    assert kinds(world.users["grid_a"]) == ["archived"]  # the reporter, with the link to rate
    wo.work_order_reopen(actor=dispatcher, order=order, version=order.version, reason="仍有车辆")
    assert kinds(zhifa)[-1] == "reopen"  # the handler


def test_notifications_do_not_leak_to_others(world, report):
    report(category="09009")
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"zhifa"}
