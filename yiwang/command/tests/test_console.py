"""The dispatcher's console (/command/console/, moved from /wo/dispatch/): the queues with their
quick actions, 智能分拣 suggestions, 疑似重复 with 合并 / 非重复, the 热点预警 panel, and the
old address's redirect. Errors are Chinese messages, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.triage.models import DuplicateFlag
from yiwang.workorders import intake
from yiwang.workorders import services as sv
from yiwang.workorders.models import ExtensionRequest, WorkOrder
from yiwang.workorders.tests.conftest import IN_A, login  # noqa: F401 (fixture)

S = WorkOrder.Status
CONSOLE = "/command/console/"
BOARD = "/command/console/?tab=triage"
TEXT = "青剑湖花园 12 幢楼下路边暴露垃圾，气味很大"
pytestmark = pytest.mark.django_db


def fresh(order):
    return WorkOrder.objects.get(pk=order.pk)


def action_url(order, name):
    return reverse("workorders:action", args=[order.pk, name])


def text(response) -> str:
    return response.content.decode()


def listed(html: str) -> str:
    """The order list of a console page (the side column and batch results left out)."""
    return html.split('id="board-orders"')[1].split("</ul>")[0]


@pytest.fixture
def unsure(monkeypatch):
    """The classifier hook answers with guesses below the auto-dispatch threshold."""

    def suggest(text):
        return intake.Suggestion(probability=0.62, candidates=[("06010", 0.62), ("09009", 0.21)])

    monkeypatch.setattr(intake, "suggest_category", suggest)


@pytest.fixture
def board(client, world):
    client.force_login(world.users["dispatcher"])
    return client


def page(client, url=BOARD) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return text(response)


# --- where it lives --------------------------------------------------------------------------


def test_the_dispatcher_lands_on_the_console_and_the_old_address_redirects(world, board):
    assert board.get("/")["Location"] == CONSOLE
    old = board.get("/wo/dispatch/?tab=overdue")
    assert old.status_code == 301 and old["Location"] == CONSOLE + "?tab=overdue"
    assert 'href="/command/console/"' in page(board, "/workbench/")


@pytest.mark.parametrize("persona", ["grid_a", "zhifa", "resident"])
def test_the_console_is_refused_to_other_roles(world, client, persona):
    client.force_login(world.users[persona])
    for url in (CONSOLE, CONSOLE + "hotline/", CONSOLE + "export.xlsx"):
        response = client.get(url)
        assert response.status_code == 403 and "指挥调度台仅供指挥中心坐席使用" in text(response)


# --- the queues (moved from the workorders page tests) ----------------------------------------


def test_triage_queue_and_quick_dispatch(world, rules, board):
    order = sv.work_order_create(
        actor=world.users["resident"], description="不知道是什么问题", address="某小区"
    )
    assert order.status == S.TRIAGE
    html = page(board, CONSOLE)
    assert order.code in html and "待分拣原因" in html and 'name="dispatch-category"' in html
    response = board.post(
        action_url(order, "dispatch"),
        {
            "dispatch-version": order.version,
            "dispatch-category": "90001",
            "dispatch-department": str(world.department.pk),
            "next": BOARD,
        },
    )
    assert response.status_code == 302 and response["Location"] == BOARD
    order = fresh(order)
    assert order.status == S.DISPATCHED and order.primary_department == world.department
    html = page(board)
    assert "已派遣至综合行政执法局" in html and order.code not in listed(html)


def test_dispatch_without_rule_shows_the_service_error_on_the_console(world, rules, board):
    order = sv.work_order_create(actor=world.users["resident"], description="问题", address="某处")
    response = board.post(
        action_url(order, "dispatch"),
        {"dispatch-version": order.version, "dispatch-category": "06002", "next": CONSOLE},
        follow=True,
    )
    assert "请指定主办部门和处置时限" in text(response)
    assert fresh(order).status == S.TRIAGE


def test_tabs_overdue_verify_extension(world, rules, report, board):
    order = report()
    late = report(description="超期的")
    WorkOrder.objects.filter(pk=late.pk).update(
        deadline=late.reported_at.replace(year=2020), yellow_at=late.reported_at.replace(year=2020)
    )
    overdue = page(board, CONSOLE + "?tab=overdue")
    assert late.code in overdue and order.code not in listed(overdue)
    zhifa = world.users["zhifa"]
    order = sv.work_order_accept(actor=zhifa, order=order, version=order.version)
    order = sv.work_order_extend_request(
        actor=zhifa,
        order=order,
        version=order.version,
        value=2,
        unit="work_days",
        reason="需要调查",
    )
    ext = page(board, CONSOLE + "?tab=extension")
    assert order.code in ext and "需要调查" in ext
    response = board.post(
        action_url(order, "extend_decide"),
        {"extend_decide-version": fresh(order).version, "extend_decide-approve": "1",
         "next": CONSOLE + "?tab=extension"},
    )  # fmt: skip
    assert response.status_code == 302
    assert ExtensionRequest.objects.get().status == ExtensionRequest.Status.APPROVED
    order = sv.work_order_complete(
        actor=zhifa,
        order=order,
        version=fresh(order).version,
        note="好了",
        no_photo_reason="现场不便拍照",
    )
    verify = page(board, CONSOLE + "?tab=verify")
    assert order.code in verify and "查看处置结果并核查" in verify
    assert "未上传处置照片，原因：现场不便拍照" in verify


@pytest.mark.parametrize("tab", ["triage", "overdue", "all"])
def test_console_lists_do_not_query_per_order(
    world, rules, report, board, django_assert_max_num_queries, tab
):
    for _ in range(8):
        report()
        report(category=None, description="说不清是什么")
    with django_assert_max_num_queries(24):  # 20, 15, 20 measured with 16 orders
        assert board.get(CONSOLE + f"?tab={tab}").status_code == 200


# --- 智能分拣 and 疑似重复 (moved from the triage page tests) -------------------------------------


def test_queue_shows_suggestions_and_one_click_accepts(board, report, unsure):
    order = report(description=TEXT, category=None)
    assert order.status == S.TRIAGE
    html = page(board)
    assert "智能分拣建议" in html and "暴露垃圾（06010）" in html and "62%" in html
    assert "21%" in html and html.count(">采纳<") == 2
    response = board.post(
        action_url(order, "dispatch"),
        {"dispatch-version": order.version, "dispatch-category": "06010", "next": BOARD},
    )
    assert response.status_code == 302 and response["Location"] == BOARD
    order = fresh(order)
    assert order.status == S.DISPATCHED and order.category.code == "06010"
    assert order.primary_department.name == "社会事业局"


def test_accepting_with_a_stale_version_is_a_chinese_message(board, report, unsure):
    order = report(description=TEXT, category=None)
    response = board.post(
        action_url(order, "dispatch"),
        {"dispatch-version": order.version + 5, "dispatch-category": "06010", "next": BOARD},
        follow=True,
    )
    assert response.status_code == 200 and "数据已被他人修改，请刷新后重试" in text(response)
    assert fresh(order).status == S.TRIAGE


def test_duplicates_beside_the_order_merge(board, report, unsure):
    master = report(description=TEXT, category=None)
    twin = report(description=TEXT + "！", category=None, lat=IN_A[1] + 0.0003)
    html = page(board)
    assert f'data-candidate="{master.code}"' in html
    assert "相似度 100%" in html and "相距 33 米" in html
    assert ">合并<" in html and ">非重复<" in html
    response = board.post(
        action_url(twin, "merge"),
        {"merge-version": twin.version, "merge-into": master.code, "next": BOARD},
    )
    assert response.status_code == 302
    assert fresh(twin).status == S.MERGED
    assert DuplicateFlag.objects.get(order=twin).status == DuplicateFlag.Status.MERGED


def test_dispatched_duplicates_have_their_own_queue(board, report):
    """An order dispatched automatically is never in 待分拣; its flag shows in 疑似重复."""
    master = report(description=TEXT, category="06010")
    twin = report(description=TEXT + "！", category="06010", lat=IN_A[1] + 0.0003)
    lone = report(description="路灯不亮，晚上很黑", category="06010", lat=IN_A[1] + 0.0006)
    assert twin.status == S.DISPATCHED
    assert f'data-candidate="{master.code}"' not in page(board)
    html = page(board, CONSOLE + "?tab=duplicates")
    assert '疑似重复 <span class="badge">1</span>' in html
    assert f'data-order="{twin.code}"' in html and f'data-candidate="{master.code}"' in html
    assert f'data-order="{lone.code}"' not in html and ">合并<" in html


def test_dismiss_and_dismiss_again(board, report, unsure):
    report(description=TEXT, category=None)
    twin = report(description=TEXT, category=None)
    flag = DuplicateFlag.objects.get(order=twin)
    url = reverse("command:duplicate-dismiss", args=[flag.pk])
    response = board.post(url, {"next": BOARD}, follow=True)
    assert "已标记为非重复" in text(response)
    assert DuplicateFlag.objects.get(pk=flag.pk).status == DuplicateFlag.Status.DISMISSED
    assert f'data-candidate="{flag.candidate.code}"' not in page(board)
    again = board.post(url, {"next": BOARD}, follow=True)
    assert again.status_code == 200 and "该疑似重复已处理（非重复）" in text(again)


def test_grid_worker_cannot_dismiss(client, world, report, unsure):
    report(description=TEXT, category=None)
    flag = DuplicateFlag.objects.get(order=report(description=TEXT, category=None))
    client.force_login(world.users["grid_a"])
    response = client.post(reverse("command:duplicate-dismiss", args=[flag.pk]))
    assert response.status_code == 403
    assert DuplicateFlag.objects.get(pk=flag.pk).status == DuplicateFlag.Status.OPEN


def test_hotspot_panel(board, report, monkeypatch):
    html = page(board)
    assert "热点预警（今日）" in html and "今日暂无" in html
    warning = {
        "grid": "320571001001002",
        "grid_name": "网格B",
        "category": "09009",
        "category_name": "机动车乱停放",
        "observed": 6,
        "expected": 0.054,
        "p_value": 2.1e-10,
        "alpha": 0.001,
    }
    monkeypatch.setattr("yiwang.command.page_selectors.hotspot_list", lambda **kw: [warning])
    html = page(board)
    assert "<strong>网格B</strong> · 机动车乱停放：今日 6 件，近 28 天日均 0.05 件" in html
