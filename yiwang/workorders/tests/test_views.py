"""The work-order pages (Django test client): each page for its role, scope, every action form,
bad input and stale versions shown in Chinese next to the form, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.workorders import services as sv
from yiwang.workorders.models import AssistTask, ExtensionRequest, WorkOrder, WorkOrderPhoto
from yiwang.workorders.tests.conftest import IN_A, IN_B, OUTSIDE, png_file

S = WorkOrder.Status
STALE = "数据已被他人修改，请刷新后重试"
pytestmark = pytest.mark.django_db


def fresh(order):
    return WorkOrder.objects.get(pk=order.pk)


def action_url(order, name):
    return reverse("workorders:action", args=[order.pk, name])


def post_action(client, order, name, data=None, version=None):
    payload = {f"{name}-version": fresh(order).version if version is None else version}
    payload.update({f"{name}-{k}": v for k, v in (data or {}).items()})
    return client.post(action_url(order, name), payload)


def text(response) -> str:
    return response.content.decode()


# --- report -----------------------------------------------------------------------------------


def test_resident_report_page_has_map_address_and_photo(world, rules, login):
    client = login(world.users["resident"])
    response = client.get(reverse("workorders:report"))
    assert response.status_code == 200
    body = text(response)
    assert "我要上报" in body
    assert 'id="report-map"' in body and "leaflet.js" in body
    assert 'name="address"' in body and 'name="photos"' in body and 'accept="image/*"' in body
    assert 'capture="environment"' not in body  # residents may pick from the gallery
    assert "获取当前位置" not in body and 'name="reporter_phone"' not in body
    assert 'data-tiles=""' in body  # offline by default: no tile server


def test_grid_worker_report_page_has_camera_and_gps(world, rules, login):
    body = text(login(world.users["grid_a"]).get(reverse("workorders:report")))
    assert 'capture="environment"' in body
    assert 'id="gps-button"' in body and "获取当前位置" in body
    assert 'name="reporter_phone"' in body  # 代为上报
    assert "车库住人（90001）" in body
    # the grid worker's own grid is drawn under the map
    assert '"level": "grid"' in body and "\\u7f51\\u683cA" in body  # 网格A, JSON-escaped


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("workorders:report"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_resident_reports_with_photo_and_point(world, rules, login):
    client = login(world.users["resident"])
    response = client.post(
        reverse("workorders:report"),
        {
            "description": "12 幢车库有人居住，晚上还在里面做饭",
            "lon": IN_A[0],
            "lat": IN_A[1],
            "address": "青剑湖花园 12 幢",
            "category": "90001",
            "photos": [png_file("garage.png")],
            "submit_token": "t-1",
        },
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workorders:detail", args=[order.pk])
    assert order.reporter == world.users["resident"]
    assert order.channel == WorkOrder.Channel.RESIDENT
    assert order.status == S.DISPATCHED and order.primary_department == world.department
    assert order.photos.filter(kind=WorkOrderPhoto.Kind.REPORT).count() == 1
    page = text(client.get(response["Location"]))
    assert order.code in page and "上报成功" in page and "已自动派遣至综合行政执法局" in page
    assert "按权责清单自动派遣至综合行政执法局" in page  # the timeline
    assert reverse("workorder-photo", args=[order.pk, order.photos.get().pk]) in page


def test_double_submit_creates_one_order(world, rules, login):
    client = login(world.users["resident"])
    data = {"description": "路灯不亮", "address": "青剑湖花园门口", "submit_token": "same"}
    client.post(reverse("workorders:report"), data)
    client.post(reverse("workorders:report"), data)
    assert WorkOrder.objects.count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"description": "", "address": "某处"}, "请填写问题描述。"),
        ({"description": "x" * 4001, "address": "某处"}, "问题描述不能超过 4000 字。"),
        ({"description": "有问题"}, "请在地图上点选问题位置，或填写地址。"),
        ({"description": "有问题", "lon": IN_A[0]}, "经度和纬度须同时提供。"),
        ({"description": "有问题", "lon": "abc", "lat": "31"}, "经度必须是数字。"),
        ({"description": "有问题", "lon": "200", "lat": "31"}, "经度超出范围"),
        (
            {"description": "有问题", "address": "某处", "category": "nope"},
            "请选择列表中的事项分类。",
        ),
    ],
)
def test_report_bad_input_shows_chinese_message(world, rules, login, data, message):
    response = login(world.users["resident"]).post(reverse("workorders:report"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert WorkOrder.objects.count() == 0


def test_report_photo_that_is_not_an_image(world, rules, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = login(world.users["resident"]).post(
        reverse("workorders:report"),
        {"description": "有问题", "address": "某处", "photos": [fake]},
    )
    assert response.status_code == 400
    assert "“x.jpg”不是有效的图片。" in text(response)
    assert WorkOrder.objects.count() == 0


def test_grid_worker_reports_on_behalf_of_a_resident(world, rules, login):
    """代为上报: the resident registered with that phone becomes the reporter (回访, 评价)."""
    resident = world.users["resident"]
    resident.phone = "13912345678"
    resident.save()
    client = login(world.users["grid_a"])
    response = client.post(
        reverse("workorders:report"),
        {
            "description": "居民反映：12 幢车库有人居住",
            "lon": IN_A[0],
            "lat": IN_A[1],
            "category": "90001",
            "reporter_name": "刘居民",
            "reporter_phone": "13912345678",
            "photos": [png_file()],
        },
    )
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert order.channel == WorkOrder.Channel.GRID_WORKER
    assert order.reporter == resident and order.reporter_phone == "13912345678"
    assert order.code in text(login(resident).get(reverse("workorders:mine")))


def test_on_behalf_of_an_unregistered_resident_keeps_the_phone_for_the_call_back(
    world, rules, login
):
    response = login(world.users["grid_a"]).post(
        reverse("workorders:report"),
        {"description": "居民反映路灯不亮", "address": "青剑湖花园 3 幢",
         "reporter_name": "王阿姨", "reporter_phone": "13700001111"},
    )  # fmt: skip
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert order.reporter == world.users["grid_a"]
    assert (order.reporter_name, order.reporter_phone) == ("王阿姨", "13700001111")


def test_grid_worker_bad_reporter_phone(world, rules, login):
    response = login(world.users["grid_a"]).post(
        reverse("workorders:report"),
        {"description": "有问题", "address": "某处", "reporter_phone": "12345"},
    )
    assert response.status_code == 400
    assert WorkOrder.objects.count() == 0
    assert "反映人电话" in text(response)


def test_locate_fragment(world, login):
    client = login(world.users["resident"])
    inside = text(client.get(reverse("workorders:locate"), {"lon": IN_A[0], "lat": IN_A[1]}))
    assert "网格A" in inside
    outside = text(client.get(reverse("workorders:locate"), {"lon": OUTSIDE[0], "lat": OUTSIDE[1]}))
    assert "人工分拣" in outside
    assert "坐标无效" in text(client.get(reverse("workorders:locate"), {"lon": "x", "lat": "1"}))


# --- lists and scope --------------------------------------------------------------------------


def test_mine_lists_only_my_orders(world, rules, login):
    mine = sv.work_order_create(
        actor=world.users["resident"], description="我的问题", address="A 处"
    )
    other = sv.work_order_create(
        actor=world.users["resident2"], description="别人的问题", address="B 处"
    )
    body = text(login(world.users["resident"]).get(reverse("workorders:mine")))
    assert mine.code in body and other.code not in body


def test_grid_page_scope(world, rules, report, login):
    """网格员乙 does not see 网格员甲's orders."""
    in_a = report()
    in_b = report(actor=world.users["grid_b"], lon=IN_B[0], lat=IN_B[1])
    body_a = text(login(world.users["grid_a"]).get(reverse("workorders:grid")))
    body_b = text(login(world.users["grid_b"]).get(reverse("workorders:grid")))
    assert in_a.code in body_a and in_b.code not in body_a
    assert in_b.code in body_b and in_a.code not in body_b
    assert (
        login(world.users["grid_b"]).get(reverse("workorders:detail", args=[in_a.pk])).status_code
        == 404
    )


def test_grid_page_tabs(world, rules, report, login):
    order = report(category="09009", description="车辆乱停")
    client = login(world.users["grid_a"])
    sv.work_order_resolve_on_spot(
        actor=world.users["grid_a"],
        order=order,
        version=order.version,
        note="已劝离",
        no_photo_reason="现场不便拍照",
    )
    assert order.code not in text(client.get(reverse("workorders:grid")))
    assert order.code in text(client.get(reverse("workorders:grid"), {"tab": "done"}))


@pytest.mark.parametrize(
    "url, allowed, refused",
    [
        ("workorders:grid", "grid_a", "resident"),
        ("workorders:inbox", "zhifa", "grid_a"),
    ],
)
def test_role_pages_are_forbidden_to_others(world, login, url, allowed, refused):
    assert login(world.users[allowed]).get(reverse(url)).status_code == 200
    response = login(world.users[refused]).get(reverse(url))
    assert response.status_code == 403 and "无权访问" in text(response)


def test_inbox_shows_sla_colours_and_assist_tasks(world, rules, report, login):
    green = report()
    red = report(description="车库住人（老问题）")
    WorkOrder.objects.filter(pk=red.pk).update(
        deadline=red.reported_at.replace(year=2020), yellow_at=red.reported_at.replace(year=2020)
    )
    body = text(login(world.users["zhifa"]).get(reverse("workorders:inbox")))
    assert green.code in body and red.code in body
    assert "sla-border-red" in body and "sla-border-green" in body
    assert body.index(red.code) < body.index(green.code)  # earliest deadline first
    reds = text(login(world.users["zhifa"]).get(reverse("workorders:inbox"), {"sla": "red"}))
    assert red.code in reds and green.code not in reds
    # the rule's 协办 department (社会事业局) sees its sub-task, not a 主办 order
    shiye = text(login(world.users["shiye"]).get(reverse("workorders:inbox")))
    assert 'id="assist-tasks"' in shiye and green.code in shiye
    assert login(world.users["grid_b"]).get(reverse("workorders:inbox")).status_code == 403


# The dispatch board's tests moved with it to yiwang/command/tests/test_console.py.


# --- the detail page and its actions ----------------------------------------------------------


def test_detail_shows_the_actions_of_each_role(world, rules, report, login):
    order = report(photos=[png_file()])
    zhifa = text(login(world.users["zhifa"]).get(reverse("workorders:detail", args=[order.pk])))
    assert 'id="action-accept"' in zhifa and 'id="action-return"' in zhifa
    assert 'id="action-verify"' not in zhifa
    assert 'id="order-map"' in zhifa and "网格A" in zhifa and f'data-lon="{IN_A[0]:f}"' in zhifa
    assert "上报照片" in zhifa and "<img" in zhifa
    desk = text(login(world.users["dispatcher"]).get(reverse("workorders:detail", args=[order.pk])))
    assert 'id="action-accept"' not in desk and 'id="action-supervise"' in desk
    assert 'id="action-merge"' in desk
    grid_a = text(login(world.users["grid_a"]).get(reverse("workorders:detail", args=[order.pk])))
    assert 'id="action-accept"' not in grid_a
    assert (
        login(world.users["resident"])
        .get(reverse("workorders:detail", args=[order.pk]))
        .status_code
        == 404
    )


def test_the_whole_loop_through_the_forms(world, rules, report, login):
    resident = world.users["resident"]
    order = report(actor=resident, channel=None, photos=[png_file()])
    client = login(world.users["zhifa"])
    assert post_action(client, order, "accept", {"note": "收到"}).status_code == 302
    assert fresh(order).status == S.HANDLING
    response = client.post(
        action_url(order, "complete"),
        {"complete-version": fresh(order).version, "complete-note": "已清理，人员已搬离",
         "complete-photos": [png_file("after.png")]},
    )  # fmt: skip
    assert response.status_code == 302
    order = fresh(order)
    assert order.status == S.COMPLETED
    assert order.photos.filter(kind=WorkOrderPhoto.Kind.EVIDENCE).count() == 1
    client = login(world.users["dispatcher"])
    assert post_action(client, order, "verify", {"note": "现场核实"}).status_code == 302
    assert fresh(order).status == S.ARCHIVED
    client = login(resident)
    assert "待评价" in text(client.get(reverse("workorders:mine")))
    assert 'id="action-rate"' in text(client.get(reverse("workorders:detail", args=[order.pk])))
    post_action(client, order, "rate", {"satisfaction": "satisfied", "comment": "很快"})
    order = fresh(order)
    assert order.satisfaction == "satisfied" and order.status == S.ARCHIVED
    page = text(client.get(reverse("workorders:detail", args=[order.pk])))
    for step in ["上报", "派遣", "签收", "处置完成", "核查结案", "评价"]:
        assert f"{step}" in page.split('id="timeline"')[1]
    assert 'id="action-rate"' not in page  # rated once


def test_stale_version_shows_message_and_changes_nothing(world, rules, report, login):
    order = report()
    client = login(world.users["zhifa"])
    stale = order.version
    sv.work_order_supervise(
        actor=world.users["dispatcher"], order=order, version=order.version, note="请尽快"
    )
    response = post_action(client, order, "accept", version=stale)
    assert response.status_code == 409
    assert STALE in text(response)
    assert fresh(order).status == S.DISPATCHED


def test_stale_version_via_htmx_returns_the_panel(world, rules, report, login):
    order = report()
    client = login(world.users["zhifa"])
    stale = order.version
    sv.work_order_supervise(
        actor=world.users["dispatcher"], order=order, version=order.version, note="请尽快"
    )
    response = client.post(
        action_url(order, "accept"), {"accept-version": stale}, HTTP_HX_REQUEST="true"
    )
    body = text(response)
    assert response.status_code == 409
    assert STALE in body and body.lstrip().startswith('<section class="card" id="order-panel"')
    assert "<html" not in body


def test_htmx_action_success_returns_updated_panel(world, rules, report, login):
    order = report()
    response = login(world.users["zhifa"]).post(
        action_url(order, "accept"), {"accept-version": order.version}, HTTP_HX_REQUEST="true"
    )
    body = text(response)
    assert response.status_code == 200 and "签收成功" in body
    assert 'data-status="handling"' in body and 'id="action-complete"' in body


def test_wrong_role_and_wrong_state_are_messages_not_500(world, rules, report, login):
    order = report()
    grid_a = login(world.users["grid_a"])  # sees the order (own grid) but may not accept it
    response = post_action(grid_a, order, "accept")
    assert response.status_code == 403 and "只有主办部门的工作人员可以签收" in text(response)
    response = post_action(login(world.users["dispatcher"]), order, "verify")
    assert response.status_code == 409 and "不能核查结案" in text(response)
    assert fresh(order).status == S.DISPATCHED
    response = login(world.users["zhifa"]).post(action_url(order, "nonsense"), {})
    assert response.status_code == 404
    assert login(world.users["zhifa"]).get(action_url(order, "accept")).status_code == 405


def test_required_fields_of_action_forms(world, rules, report, login):
    order = report()
    client = login(world.users["zhifa"])
    response = post_action(client, order, "return", {"reason": ""})
    assert response.status_code == 400 and "请填写退回原因。" in text(response)
    response = client.post(action_url(order, "accept"), {})
    assert response.status_code == 400 and "缺少版本号，请刷新后重试。" in text(response)
    assert fresh(order).status == S.DISPATCHED


def test_return_sends_the_department_back_to_its_inbox(world, rules, report, login):
    order = report()
    client = login(world.users["zhifa"])
    response = post_action(client, order, "return", {"reason": "不属于本部门职责"})
    assert response.status_code == 302 and response["Location"] == reverse("workorders:inbox")
    assert fresh(order).status == S.TRIAGE
    response = client.post(
        action_url(order, "accept"), {"accept-version": 1}, HTTP_HX_REQUEST="true"
    )  # no longer the department's: HTMX is sent back to the inbox
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("workorders:inbox")
    assert client.post(action_url(order, "accept"), {"accept-version": 1}).status_code == 404


def test_assist_and_task_report_in(world, rules, report, login):
    order = report(category="06001", description="违法搭建")
    zhifa = world.users["zhifa"]
    order = sv.work_order_accept(actor=zhifa, order=order, version=order.version)
    client = login(zhifa)
    response = client.post(
        action_url(order, "assist"),
        {"assist-version": order.version, "assist-departments": [str(world.department2.pk)],
         "assist-note": "需要社会事业局配合"},
    )  # fmt: skip
    assert response.status_code == 302
    task = AssistTask.objects.get(order=order)
    client = login(world.users["shiye"])
    page = text(client.get(reverse("workorders:detail", args=[order.pk])))
    assert "报到（社会事业局）" in page
    url = reverse("workorders:task-action", args=[order.pk, task.pk, "accept"])
    assert client.post(url, {f"task{task.pk}accept-version": task.version}).status_code == 302
    task.refresh_from_db()
    assert task.status == AssistTask.Status.ACCEPTED
    response = client.post(url, {f"task{task.pk}accept-version": 1})
    assert response.status_code == 409  # already reported in (stale version / wrong state)


def test_assist_offers_only_departments_without_an_active_task(world, rules, report, login):
    order = report()  # the 车库住人 rule already summons 社会事业局 (协办)
    order = sv.work_order_accept(actor=world.users["zhifa"], order=order, version=order.version)
    page = text(login(world.users["zhifa"]).get(reverse("workorders:detail", args=[order.pk])))
    form = page.split('id="action-assist"')[1].split("</details>")[0]
    assert "东社区" in form and "社会事业局" not in form and "综合行政执法局" not in form


def test_assist_requires_departments(world, rules, report, login):
    order = report()
    order = sv.work_order_accept(actor=world.users["zhifa"], order=order, version=order.version)
    response = post_action(login(world.users["zhifa"]), order, "assist", {"note": "帮忙"})
    assert response.status_code == 400 and "请选择协办部门。" in text(response)


def test_extension_request_form(world, rules, report, login):
    order = report()
    client = login(world.users["zhifa"])
    response = post_action(
        client, order, "extend", {"value": "abc", "unit": "work_days", "reason": "x"}
    )
    assert response.status_code == 400 and "时限必须是数字。" in text(response)
    response = post_action(
        client, order, "extend", {"value": "2", "unit": "work_days", "reason": "需调查"}
    )
    assert response.status_code == 302
    assert ExtensionRequest.objects.get().status == ExtensionRequest.Status.PENDING


def test_resolve_on_spot_by_the_grid_worker(world, rules, report, login):
    order = report(category="09009", description="车辆乱停放")
    client = login(world.users["grid_a"])
    page = text(client.get(reverse("workorders:detail", args=[order.pk])))
    assert 'id="action-resolve_on_spot"' in page and 'capture="environment"' in page
    response = client.post(
        action_url(order, "resolve_on_spot"),
        {"resolve_on_spot-version": order.version, "resolve_on_spot-note": "已联系车主挪车",
         "resolve_on_spot-photos": [png_file()]},
    )  # fmt: skip
    assert response.status_code == 302
    order = fresh(order)
    assert order.status == S.COMPLETED and order.resolved_on_spot
    garage = report()  # 车库住人: the rule does not allow on-spot handling
    page = text(client.get(reverse("workorders:detail", args=[garage.pk])))
    assert 'id="action-resolve_on_spot"' not in page


def test_merge_by_code(world, rules, report, login):
    master = report()
    duplicate = report(description="同一个车库")
    client = login(world.users["dispatcher"])
    response = post_action(client, duplicate, "merge", {"into": "WT-NOPE"})
    assert response.status_code == 400 and "要并入的工单 WT-NOPE 不存在。" in text(response)
    response = post_action(client, duplicate, "merge", {"into": master.code.lower()})
    assert response.status_code == 302
    assert fresh(duplicate).status == S.MERGED and fresh(duplicate).merged_into == master


def test_reopen_and_cancel(world, rules, report, login):
    order = report()
    zhifa = world.users["zhifa"]
    order = sv.work_order_accept(actor=zhifa, order=order, version=order.version)
    order = sv.work_order_complete(
        actor=zhifa, order=order, version=order.version, note="好了", no_photo_reason="现场不便拍照"
    )
    client = login(world.users["dispatcher"])
    response = post_action(client, order, "reopen", {"reason": "照片看不出已整改"})
    assert response.status_code == 302 and fresh(order).status == S.HANDLING
    own = sv.work_order_create(actor=world.users["resident"], description="问题", address="某处")
    client = login(world.users["resident"])
    response = post_action(client, own, "cancel", {"reason": "已自行解决"})
    assert response.status_code == 302 and fresh(own).status == S.CANCELLED


def test_rate_only_by_the_reporter(world, rules, report, login):
    order = report(actor=world.users["resident"], channel=None)
    zhifa = world.users["zhifa"]
    order = sv.work_order_accept(actor=zhifa, order=order, version=order.version)
    order = sv.work_order_complete(
        actor=zhifa, order=order, version=order.version, note="好了", no_photo_reason="现场不便拍照"
    )
    response = post_action(login(world.users["resident"]), order, "rate", {"satisfaction": ""})
    assert response.status_code == 400 and "请选择满意度。" in text(response)
    response = post_action(
        login(world.users["dispatcher"]), order, "rate", {"satisfaction": "satisfied"}
    )
    assert response.status_code == 403 and "只有上报问题的居民" in text(response)


def test_home_links_each_role_to_its_page(world, login):
    assert "/wo/report/" in text(login(world.users["resident"]).get("/"))
    assert "/wo/grid/" in text(login(world.users["grid_a"]).get("/workbench/"))
    assert "/wo/inbox/" in text(login(world.users["zhifa"]).get("/workbench/"))
    desk = text(login(world.users["dispatcher"]).get("/workbench/"))
    assert "/command/console/" in desk and "/wo/inbox/" not in desk


def test_the_old_dispatch_board_address_redirects_to_the_console(world, login):
    response = login(world.users["dispatcher"]).get("/wo/dispatch/?tab=verify")
    assert response.status_code == 301 and response["Location"] == "/command/console/?tab=verify"


def test_detail_query_count_is_bounded(world, rules, report, login, django_assert_max_num_queries):
    order = report(photos=[png_file(), png_file("b.png")])
    client = login(world.users["dispatcher"])
    with django_assert_max_num_queries(20):  # 15 measured
        assert client.get(reverse("workorders:detail", args=[order.pk])).status_code == 200


@pytest.mark.parametrize(
    "user, url",
    [
        ("zhifa", "/wo/inbox/"),
        ("shiye", "/wo/inbox/"),
        ("grid_a", "/wo/grid/"),
        ("grid_a", "/wo/mine/"),
    ],
)
def test_list_pages_do_not_query_per_order(
    world, rules, report, login, django_assert_max_num_queries, user, url
):
    for _ in range(8):
        report()
    client = login(world.users[user])
    with django_assert_max_num_queries(14):  # 7–13 measured with 8 orders (bell + roles)
        assert client.get(url).status_code == 200
