"""What a 数字城管 console has, on ours: search by code, text or address; the all-orders list
with its filters and .xlsx export (personal data masked); the audited phone search (POST);
photos and the small map in the triage queue; 12345 来电登记; batch actions with a result per
order; the 我也遇到 count beside each order."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from yiwang.core.models import AuditEvent
from yiwang.workorders import services as sv
from yiwang.workorders.models import WorkOrder, WorkOrderSupporter
from yiwang.workorders.tests.conftest import IN_A, IN_B, png_file

S = WorkOrder.Status
CONSOLE = "/command/console/"
CALLER = "13912345678"
pytestmark = pytest.mark.django_db


def fresh(order):
    return WorkOrder.objects.get(pk=order.pk)


def listed(response) -> str:
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode().split('id="board-orders"')[1].split("</ul>")[0]


@pytest.fixture
def desk(client, world):
    client.force_login(world.users["dispatcher"])
    return client


@pytest.fixture
def triaged(world, rules):
    """Two orders without a category (待分拣) in grid A, one with a photo."""

    def make(description, **kwargs):
        return sv.work_order_create(
            actor=world.users["grid_a"],
            description=description,
            lon=kwargs.pop("lon", IN_A[0]),
            lat=kwargs.pop("lat", IN_A[1]),
            **kwargs,
        )

    return [
        make("井盖松动有响声", photos=[png_file()]),
        make("有人在楼道里烧东西", lon=IN_A[0] + 0.002),
    ]


# --- search and filters ----------------------------------------------------------------------


def test_search_by_code_text_and_address(desk, report):
    one = report(description="东门口垃圾桶满溢好几天", address="青剑湖花园东门")
    two = report(description="车库住人", address="星湖街 88 号")
    by_code = listed(desk.get(CONSOLE, {"tab": "all", "q": one.code.lower()}))
    assert one.code in by_code and two.code not in by_code
    by_text = listed(desk.get(CONSOLE, {"tab": "all", "q": "垃圾桶 满溢"}))
    assert one.code in by_text and two.code not in by_text
    by_address = listed(desk.get(CONSOLE, {"tab": "all", "q": "星湖街"}))
    assert two.code in by_address and one.code not in by_address


def test_filters_status_grid_community_department_channel_dates_overdue(world, desk, report):
    a = report()
    b = report(lon=IN_B[0], lat=IN_B[1], actor=world.users["grid_b"], category="06010")
    late = report(description="超期了")
    WorkOrder.objects.filter(pk=late.pk).update(deadline=timezone.now() - dt.timedelta(hours=2))
    old = report(description="上个月的")
    WorkOrder.objects.filter(pk=old.pk).update(reported_at=timezone.now() - dt.timedelta(days=40))

    def codes(**params):
        html = listed(desk.get(CONSOLE, {"tab": "all", **params}))
        return {o.code for o in (a, b, late, old) if o.code in html}

    assert codes() == {a.code, b.code, late.code, old.code}
    assert codes(grid="320571001001002") == {b.code}
    assert codes(community="320571001001") == {a.code, b.code, late.code, old.code}
    assert codes(community="320571001002") == set()
    assert codes(department=str(world.department.pk)) == {a.code, late.code, old.code}
    # 主办 or 协办: 车库住人's rule gives 社会事业局 a cooperating sub-task
    assert codes(department=str(world.department2.pk)) == {a.code, b.code, late.code, old.code}
    assert codes(category="06010") == {b.code}
    assert codes(overdue="on") == {late.code}
    assert codes(channel="grid_worker") == {a.code, b.code, late.code, old.code}
    assert codes(channel="hotline_12345") == set()
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert codes(date_from=since) == {a.code, b.code, late.code}
    assert codes(status="dispatched") == {a.code, b.code, late.code, old.code}


def test_bad_filters_are_chinese_messages_never_a_500(desk, report):
    report()
    response = desk.get(
        CONSOLE,
        {"tab": "all", "status": "nonsense", "date_from": "2026-13-45", "grid": "<script>"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "请从列表中选择" in html and "日期格式不正确" in html and "筛选条件有误" in html
    reversed_dates = desk.get(
        CONSOLE, {"tab": "all", "date_from": "2026-12-06", "date_to": "2026-12-01"}
    )
    assert "结束日期不能早于开始日期" in reversed_dates.content.decode()
    export = desk.get(CONSOLE + "export.xlsx", {"status": "nonsense"})
    assert export.status_code == 302


def test_supporter_count_beside_each_order_and_as_a_filter(world, desk, report):
    joined, alone = report(), report(description="另一件")
    for user in (world.users["resident"], world.users["resident2"]):
        WorkOrderSupporter.objects.create(order=joined, user=user)
    html = listed(desk.get(CONSOLE, {"tab": "all"}))
    row = html.split(f'data-order="{joined.code}"')[1].split("</li>")[0]
    assert "我也遇到 2" in row
    other = html.split(f'data-order="{alone.code}"')[1].split("</li>")[0]
    assert "我也遇到" not in other
    supported = listed(desk.get(CONSOLE, {"tab": "all", "supported": "on"}))
    assert joined.code in supported and alone.code not in supported


def test_the_list_is_scoped_to_the_user(world, client, report):
    """A leader of the street sees the list; a dispatcher sees only what their scope allows
    (the list starts from the scoped queryset): here both see the street's orders, and a
    department's staff is refused the page."""
    order = report()
    client.force_login(world.users["leader"])
    assert order.code in listed(client.get(CONSOLE, {"tab": "all"}))
    client.force_login(world.users["zhifa"])
    assert client.get(CONSOLE, {"tab": "all"}).status_code == 403


# --- export ----------------------------------------------------------------------------------


def test_export_xlsx_of_the_filtered_list_masks_personal_data(world, desk, report):
    from openpyxl import load_workbook

    resident = world.users["resident"]
    resident.phone = CALLER
    resident.save(update_fields=["phone"])
    mine = report(
        description=f"楼道堆放杂物，联系 {CALLER}",
        reporter_name="张三丰",
        reporter_phone=CALLER,
        reporter=None,
    )
    other = report(lon=IN_B[0], lat=IN_B[1], actor=world.users["grid_b"], category="06010")
    WorkOrderSupporter.objects.create(order=mine, user=world.users["resident2"])
    response = desk.get(CONSOLE + "export.xlsx", {"grid": "320571001001001"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    header, data = rows[0], rows[1:]
    assert header[0] == "工单编号" and "我也遇到（人）" in header
    assert [r[0] for r in data] == [mine.code] and other.code not in str(rows)
    row = dict(zip(header, data[0], strict=True))
    assert row["上报人"] == "张**" and row["上报人电话"] == "139****5678"
    assert CALLER not in str(rows) and "张三丰" not in str(rows)
    assert row["我也遇到（人）"] == 1 and row["小类"] == "车库住人"
    audit = AuditEvent.objects.get(action="command.console.export")
    assert audit.actor == world.users["dispatcher"] and audit.after["rows"] == 1


# --- phone search ----------------------------------------------------------------------------


def test_phone_search_is_a_post_exact_audited_and_finds_callers_and_accounts(world, desk, report):
    resident = world.users["resident"]
    resident.phone = CALLER
    resident.save(update_fields=["phone"])
    own = report(actor=resident, description="我家门口路灯不亮")  # the account's phone (hash)
    called = report(description="来电反映噪音", reporter=None, reporter_phone="13900001111")
    other = report(description="别人的")
    assert desk.get(CONSOLE + "phone/").status_code == 302  # GET never searches
    response = desk.post(CONSOLE + "phone/", {"phone": CALLER, "purpose": "来电人询问办理进度"})
    html = response.content.decode()
    assert response.status_code == 200 and "139****5678" in html and CALLER not in html
    found = html.split('id="phone-results"')[1].split("</section>")[0]
    assert own.code in found and other.code not in found and called.code not in found
    typed = desk.post(CONSOLE + "phone/", {"phone": "139 0000 1111", "purpose": "回访"})
    found = typed.content.decode().split('id="phone-results"')[1].split("</section>")[0]
    assert called.code in found and own.code not in found
    audits = AuditEvent.objects.filter(action="command.console.phone_search").order_by("pk")
    assert [a.note for a in audits] == ["来电人询问办理进度", "回访"]
    assert all(CALLER not in str(a.after) + a.note + a.target_id for a in audits)
    assert audits[0].after == {"field": "phone", "found": 1}


def _copies(order, n: int) -> None:
    """`n` copies of `order` (codes `<code>-<i>`), reported now, in one INSERT … SELECT."""
    fields = [f for f in WorkOrder._meta.local_concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    changed = {"code": "code || '-' || i", "reported_at": "%s"}
    values = ", ".join(changed.get(f.name, qn(f.column)) for f in fields)
    sql = (
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) "
        f"INSERT INTO {qn(WorkOrder._meta.db_table)} ({columns}) "
        f"SELECT {values} FROM {qn(WorkOrder._meta.db_table)}, n WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), order.pk])


def test_phone_search_finds_a_caller_older_than_the_newest_20000_orders(world, desk, report):
    """The typed phone is found through its keyed hash, however old the order and however many
    orders with other typed phones came after it (the search used to decrypt only the 20,000
    newest of the last 90 days)."""
    called = report(description="来电反映路灯不亮", reporter=None, reporter_phone="13900002222")
    WorkOrder.objects.filter(pk=called.pk).update(
        reported_at=timezone.now() - dt.timedelta(days=800)
    )
    other = report(description="别的来电", reporter=None, reporter_phone="13700001111")
    _copies(other, 20_001)
    assert WorkOrder.objects.filter(reporter_phone="13700001111").count() == 20_002
    found = desk.post(CONSOLE + "phone/", {"phone": "+86 139 0000 2222", "purpose": "回访"})
    results = found.content.decode().split('id="phone-results"')[1].split("</section>")[0]
    assert found.status_code == 200 and called.code in results and other.code not in results
    wrong = desk.post(CONSOLE + "phone/", {"phone": "13900002223", "purpose": "回访"})
    results = wrong.content.decode().split('id="phone-results"')[1].split("</section>")[0]
    assert wrong.status_code == 200 and called.code not in results and other.code not in results


def test_phone_search_refusals(world, client, desk, report, settings):
    bad = desk.post(CONSOLE + "phone/", {"phone": "12", "purpose": "回访"})
    assert bad.status_code == 400 and "电话号码格式不正确" in bad.content.decode()
    no_purpose = desk.post(CONSOLE + "phone/", {"phone": CALLER, "purpose": ""})
    assert no_purpose.status_code == 400 and "请填写查找用途" in no_purpose.content.decode()
    settings.YIWANG_PII_SEARCHES_PER_HOUR = 2
    for _ in range(2):
        assert (
            desk.post(CONSOLE + "phone/", {"phone": CALLER, "purpose": "回访"}).status_code == 200
        )
    third = desk.post(CONSOLE + "phone/", {"phone": CALLER, "purpose": "回访"})
    assert third.status_code == 429 and "每小时最多 2 次" in third.content.decode()
    client.force_login(world.users["zhifa"])
    assert client.post(CONSOLE + "phone/", {"phone": CALLER, "purpose": "回访"}).status_code == 403
    assert AuditEvent.objects.filter(action="command.console.phone_search").count() == 2


def test_a_leader_may_see_the_console_but_not_search_phones(world, client):
    client.force_login(world.users["leader"])
    response = client.post(CONSOLE + "phone/", {"phone": CALLER, "purpose": "回访"})
    assert response.status_code == 403 and "只有指挥中心坐席" in response.content.decode()


# --- the triage queue: photos and the map ----------------------------------------------------


def test_triage_queue_shows_photos_and_the_points_on_a_small_map(desk, triaged):
    import json

    with_photo, without = triaged
    assert {o.status for o in triaged} == {S.TRIAGE}
    response = desk.get(CONSOLE, {"tab": "triage"})
    html = response.content.decode()
    photo = with_photo.photos.get()
    url = reverse("workorder-photo", args=[with_photo.pk, photo.pk])
    assert f'<img src="{url}"' in html
    assert 'id="console-map"' in html and 'data-base-url="/wo/map/base.json"' in html
    assert "leaflet.js" in html and "command/console.js" in html
    points = json.loads(html.split('id="console-points" type="application/json">')[1].split("<")[0])
    assert {p["code"] for p in points} == {with_photo.code, without.code}
    assert f'data-code="{without.code}"' in html
    assert desk.get(url).status_code == 200  # the photo answers for the dispatcher


# --- 12345 phone intake ----------------------------------------------------------------------


def test_hotline_intake_files_through_the_normal_intake(world, desk, rules):
    assert desk.get(CONSOLE + "hotline/").status_code == 200
    response = desk.post(
        CONSOLE + "hotline/",
        {
            "caller_name": "李四",
            "caller_phone": "139-1234-5678".replace("-", ""),
            "description": "小区车库有人住，晚上做饭用煤气罐",
            "lon": IN_A[0],
            "lat": IN_A[1],
            "category": "90001",
            "submit_token": "t-1",
        },
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get(channel=WorkOrder.Channel.HOTLINE)
    assert response["Location"] == f"/wo/{order.pk}/"
    assert order.reporter_name == "李四" and order.reporter_phone == CALLER
    assert order.reporter_id is None  # the caller has no account
    assert order.status == S.DISPATCHED and order.primary_department == world.department
    assert order.grid.code == "320571001001001"
    event = order.events.get(action="report")
    assert event.actor == world.users["dispatcher"]


def test_hotline_caller_with_an_account_becomes_the_reporter(world, desk, rules):
    resident = world.users["resident"]
    resident.phone = CALLER
    resident.save(update_fields=["phone"])
    desk.post(
        CONSOLE + "hotline/",
        {"caller_phone": CALLER, "description": "楼下有人乱停车堵路", "address": "星湖街 1 号"},
    )
    order = WorkOrder.objects.get(channel=WorkOrder.Channel.HOTLINE)
    assert order.reporter == resident and order.status == S.TRIAGE


def test_hotline_bad_input_keeps_the_form_and_files_nothing(world, client, desk, rules):
    response = desk.post(
        CONSOLE + "hotline/", {"caller_name": "王五", "caller_phone": "12345", "description": ""}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "请填写诉求内容" in html and "王五" in html
    no_place = desk.post(CONSOLE + "hotline/", {"caller_phone": CALLER, "description": "有问题"})
    assert (
        no_place.status_code == 400 and "请在地图上点选位置或填写地址" in no_place.content.decode()
    )
    bad_phone = desk.post(
        CONSOLE + "hotline/",
        {"caller_phone": "12345", "description": "有问题", "address": "星湖街"},
    )
    assert bad_phone.status_code == 400 and "电话号码格式不正确" in bad_phone.content.decode()
    assert not WorkOrder.objects.exists()
    client.force_login(world.users["grid_a"])
    refused = client.post(
        CONSOLE + "hotline/", {"caller_phone": CALLER, "description": "x", "address": "y"}
    )
    assert refused.status_code == 403 and not WorkOrder.objects.exists()


# --- batch actions ---------------------------------------------------------------------------


def _tick(*orders, stale=()):
    return [f"{o.pk}:{o.version + (1 if o in stale else 0)}" for o in orders]


def test_batch_dispatch_goes_through_per_order_and_reports_the_stale_one(world, desk, triaged):
    a, b = triaged
    c = sv.work_order_create(
        actor=world.users["grid_a"], description="第三件", lon=IN_A[0], lat=IN_A[1]
    )
    response = desk.post(
        CONSOLE + "batch/",
        {
            "action": "dispatch",
            "department": str(world.department2.pk),
            "category": "06010",
            "orders": _tick(a, b, c, stale=[b]),
            "next": CONSOLE + "?tab=triage",
        },
    )
    assert response.status_code == 302 and response["Location"] == CONSOLE + "?tab=triage"
    assert fresh(a).status == S.DISPATCHED and fresh(c).status == S.DISPATCHED
    assert fresh(a).primary_department == world.department2
    assert fresh(b).status == S.TRIAGE and fresh(b).version == b.version
    html = desk.get(response["Location"]).content.decode()
    results = html.split('id="batch-results"')[1].split("</section>")[0]
    assert "成功 2 件，未成功 1 件" in results
    assert f"<strong>{b.code}</strong>：数据已被他人修改" in results
    assert f"<strong>{a.code}</strong>：已派遣至社会事业局" in results
    # one timeline event and one audit row per dispatched order
    assert fresh(a).events.filter(action="dispatch").count() == 1
    assert AuditEvent.objects.filter(action="workorder.dispatch").count() == 2
    # shown once (POST/redirect/GET)
    assert 'id="batch-results"' not in desk.get(CONSOLE).content.decode()


def test_batch_merge_several_into_one_and_supervise(world, desk, report):
    master = report(description="星湖街东口机动车乱停放", category="09009")
    twins = [report(description="星湖街东口乱停车", category="09009") for _ in range(2)]
    desk.post(
        CONSOLE + "batch/",
        {"action": "merge", "into": master.code.lower(), "orders": _tick(*twins, master)},
    )
    assert [fresh(t).status for t in twins] == [S.MERGED, S.MERGED]
    assert all(fresh(t).merged_into_id == master.pk for t in twins)
    html = desk.get(CONSOLE).content.decode()
    assert f"<strong>{master.code}</strong>：不能合并到自身" in html
    late = report(description="拖了很久")
    response = desk.post(
        CONSOLE + "batch/",
        {"action": "supervise", "note": "请今天内处置", "orders": _tick(fresh(master), late)},
    )
    assert response.status_code == 302
    assert fresh(master).supervised and fresh(late).supervised


def test_batch_refusals_change_nothing(world, client, desk, report):
    order = report()
    no_orders = desk.post(CONSOLE + "batch/", {"action": "supervise", "note": "快"}, follow=True)
    assert "请先勾选要操作的工单" in no_orders.content.decode()
    no_note = desk.post(
        CONSOLE + "batch/", {"action": "supervise", "orders": _tick(order)}, follow=True
    )
    assert "批量督办须填写督办意见" in no_note.content.decode()
    bad = desk.post(CONSOLE + "batch/", {"action": "delete", "orders": _tick(order)}, follow=True)
    assert "请选择批量操作" in bad.content.decode()
    unknown = desk.post(
        CONSOLE + "batch/",
        {"action": "merge", "into": "WO-NOPE", "orders": _tick(order)},
        follow=True,
    )
    assert "要并入的工单 WO-NOPE 不存在" in unknown.content.decode()
    missing = desk.post(
        CONSOLE + "batch/",
        {"action": "supervise", "note": "快", "orders": ["99999999:1", "x:y"]},
        follow=True,
    )
    assert "#99999999</strong>：工单不存在或无权查看" in missing.content.decode()
    client.force_login(world.users["zhifa"])
    refused = client.post(
        CONSOLE + "batch/", {"action": "supervise", "note": "快", "orders": _tick(order)}
    )
    assert refused.status_code == 403
    assert not fresh(order).supervised and fresh(order).version == order.version
