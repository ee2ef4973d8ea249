"""Closing the loop honestly: evidence or a written reason, the right rater, extension requests
closed with the order, 返工 visible to the department, and each viewer seeing what is theirs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.core.errors import Forbidden, ValidationFailed
from yiwang.core.models import AuditEvent
from yiwang.workorders import selectors
from yiwang.workorders import services as sv
from yiwang.workorders.models import ExtensionRequest, WorkOrder
from yiwang.workorders.tests.conftest import png_file
from yiwang.workorders.tests.test_views import fresh, text

S = WorkOrder.Status
pytestmark = pytest.mark.django_db


def accepted(world, report, **kwargs):
    order = report(**kwargs)
    return sv.work_order_accept(actor=world.users["zhifa"], order=order, version=order.version)


def test_completing_without_a_photo_needs_a_written_reason(world, report):
    order = accepted(world, report)
    with pytest.raises(ValidationFailed) as err:
        sv.work_order_complete(actor=world.users["zhifa"], order=order, version=2, note="已处理")
    assert "no_photo_reason" in err.value.fields
    assert fresh(order).status == S.HANDLING  # nothing changed
    order = sv.work_order_complete(
        actor=world.users["zhifa"],
        order=order,
        version=2,
        note="已处理",
        no_photo_reason="现场夜间无照明，已由网格员次日补拍",
    )
    assert order.status == S.COMPLETED
    assert fresh(order).no_photo_reason == "现场夜间无照明，已由网格员次日补拍"
    event = order.events.get(action="complete")
    assert event.data["no_photo_reason"].startswith("现场夜间")


def test_a_photo_needs_no_reason_and_stores_none(world, report):
    order = accepted(world, report)
    order = sv.work_order_complete(
        actor=world.users["zhifa"],
        order=order,
        version=2,
        note="已处理",
        photos=[png_file()],
        no_photo_reason="不会被保存",
    )
    assert fresh(order).no_photo_reason == ""


def test_an_open_extension_request_is_closed_with_the_order(world, report):
    order = accepted(world, report)
    zhifa = world.users["zhifa"]
    order = sv.work_order_extend_request(
        actor=zhifa, order=order, version=2, value=2, unit="work_days", reason="等待检测"
    )
    order = sv.work_order_complete(
        actor=zhifa, order=order, version=order.version, note="已处理", photos=[png_file()]
    )
    request = ExtensionRequest.objects.get(order=order)
    assert request.status == ExtensionRequest.Status.CLOSED
    assert "extend_decide" not in selectors.work_order_actions(
        user=world.users["dispatcher"], order=fresh(order)
    )
    assert any("延期申请已随办结关闭" in w for w in order.warnings)


def test_the_deadline_label_shows_the_extended_limit(world, report, login):
    order = accepted(world, report)
    order = sv.work_order_extend_request(
        actor=world.users["zhifa"],
        order=order,
        version=2,
        value=2,
        unit="work_days",
        reason="需测量",
    )
    sv.work_order_extend_decide(
        actor=world.users["dispatcher"], order=order, version=order.version, approve=True
    )
    page = text(login(world.users["zhifa"]).get(reverse("workorders:detail", args=[order.pk])))
    assert "（3工作日，延期 2工作日）" in page


def test_a_grid_worker_cannot_rate_what_they_reported_or_resolved(world, rules, report):
    grid_a = world.users["grid_a"]
    order = report(actor=grid_a, category="06010", description="路边暴露垃圾")
    order = sv.work_order_resolve_on_spot(
        actor=grid_a, order=order, version=order.version, note="已清理", photos=[png_file()]
    )
    assert "rate" not in selectors.work_order_actions(user=grid_a, order=order)
    with pytest.raises(Forbidden) as err:
        sv.work_order_rate(
            actor=grid_a, order=order, version=order.version, satisfaction="satisfied"
        )
    assert "网格员和工作人员不能评价" in err.value.message


def test_the_resident_reported_on_behalf_of_rates(world, rules, report):
    resident = world.users["resident"]
    resident.phone = "13912340000"
    resident.save()
    order = report(reporter=resident, reporter_name="居民", reporter_phone="13912340000")
    zhifa = world.users["zhifa"]
    order = sv.work_order_accept(actor=zhifa, order=order, version=order.version)
    order = sv.work_order_complete(
        actor=zhifa, order=order, version=order.version, note="已处理", photos=[png_file()]
    )
    assert "rate" in selectors.work_order_actions(user=resident, order=order)
    assert "rate" not in selectors.work_order_actions(user=world.users["grid_a"], order=order)
    rated = sv.work_order_rate(
        actor=resident, order=order, version=order.version, satisfaction="satisfied"
    )
    assert rated.satisfaction == "satisfied"


def test_rework_is_marked_in_the_department_inbox_with_its_reason(world, report, login):
    order = accepted(world, report)
    order = sv.work_order_complete(
        actor=world.users["zhifa"], order=order, version=2, note="已处理", photos=[png_file()]
    )
    sv.work_order_reopen(
        actor=world.users["dispatcher"], order=order, version=order.version, reason="车库仍有人住"
    )
    inbox = text(login(world.users["zhifa"]).get(reverse("workorders:inbox")))
    assert "返工" in inbox and "返工原因：车库仍有人住" in inbox


def test_the_resident_sees_what_a_resident_needs_and_no_internal_detail(world, report, login):
    resident = world.users["resident"]
    order = report(actor=resident, channel=None, photos=[png_file()])
    order = sv.work_order_accept(actor=world.users["zhifa"], order=order, version=order.version)
    order = sv.work_order_complete(
        actor=world.users["zhifa"],
        order=order,
        version=order.version,
        note="已责令搬离，车库恢复停车用途",
        photos=[png_file()],
    )
    page = text(login(resident).get(reverse("workorders:detail", args=[order.pk])))
    assert "已责令搬离，车库恢复停车用途" in page  # the handler's public note
    assert 'id="evidence-photos"' in page and "预计办结" in page
    assert order.grid.code not in page  # no grid codes
    assert world.users["zhifa"].display_name not in page  # no staff names
    assert "协办任务" not in page and "权责清单协办" not in page
    staff = text(login(world.users["zhifa"]).get(reverse("workorders:detail", args=[order.pk])))
    assert order.grid.code in staff and "协办任务" in staff


def test_staff_reveal_the_reporters_phone_for_the_call_back_audited(world, rules, report, login):
    order = report(reporter_name="张三", reporter_phone="13912345678")
    client = login(world.users["dispatcher"])
    page = text(client.get(reverse("workorders:detail", args=[order.pk])))
    assert "13912345678" not in page and "查看电话（回访，留痕）" in page
    revealed = text(
        client.post(reverse("workorders:reporter-phone", args=[order.pk]), {"purpose": "回访"})
    )
    assert "13912345678" in revealed
    event = AuditEvent.objects.get(action="workorder.reporter_reveal")
    assert event.note == "回访" and event.target_id == str(order.pk)
    # A resident (not in the loop) gets "not found"-like refusal, and no audit row.
    other = login(world.users["resident2"])
    response = other.post(reverse("workorders:reporter-phone", args=[order.pk]), {"purpose": "x"})
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="workorder.reporter_reveal").count() == 1


def test_the_back_button_does_not_file_the_report_twice(world, rules, login):
    client = login(world.users["resident"])
    form = {
        "description": "小区门口路灯不亮已经三天",
        "lon": "120.005",
        "lat": "31.005",
        "submit_token": "a1b2c3d4e5f6",
    }
    first = client.post(reverse("workorders:report"), form)
    again = client.post(reverse("workorders:report"), form)  # back, then submit again
    assert first.status_code == 302 and again.status_code == 302
    assert WorkOrder.objects.filter(description=form["description"]).count() == 1
