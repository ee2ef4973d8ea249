"""智能分拣 on the dispatcher's board (/wo/dispatch/): the classifier's suggestions with their
probabilities and a one-click 采纳, 疑似重复 with 合并 / 非重复, the 热点预警 panel; errors are
Chinese messages, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yiwang.triage.models import DuplicateFlag
from yiwang.workorders import intake
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.tests.conftest import IN_A

pytestmark = pytest.mark.django_db
BOARD = "/wo/dispatch/?tab=triage"
TEXT = "青剑湖花园 12 幢楼下路边暴露垃圾，气味很大"


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


def page(client) -> str:
    response = client.get(BOARD)
    assert response.status_code == 200
    return response.content.decode()


def fresh(order):
    return WorkOrder.objects.get(pk=order.pk)


def test_queue_shows_suggestions_and_one_click_accepts(board, report, unsure):
    order = report(description=TEXT, category=None)
    assert order.status == WorkOrder.Status.TRIAGE
    html = page(board)
    assert "智能分拣建议" in html and "暴露垃圾（06010）" in html and "62%" in html
    assert "21%" in html and html.count(">采纳<") == 2
    response = board.post(
        reverse("workorders:action", args=[order.pk, "dispatch"]),
        {"dispatch-version": order.version, "dispatch-category": "06010", "next": BOARD},
    )
    assert response.status_code == 302 and response["Location"] == BOARD
    order = fresh(order)
    assert order.status == WorkOrder.Status.DISPATCHED and order.category.code == "06010"
    assert order.primary_department.name == "社会事业局"


def test_accepting_with_a_stale_version_is_a_chinese_message(board, report, unsure):
    order = report(description=TEXT, category=None)
    response = board.post(
        reverse("workorders:action", args=[order.pk, "dispatch"]),
        {"dispatch-version": order.version + 5, "dispatch-category": "06010", "next": BOARD},
        follow=True,
    )
    assert response.status_code == 200
    assert "数据已被他人修改，请刷新后重试" in response.content.decode()
    assert fresh(order).status == WorkOrder.Status.TRIAGE


def test_duplicates_beside_the_order_merge_and_dismiss(board, report, unsure):
    master = report(description=TEXT, category=None)
    twin = report(description=TEXT + "！", category=None, lat=IN_A[1] + 0.0003)
    html = page(board)
    assert f'data-candidate="{master.code}"' in html
    assert "相似度 100%" in html and "相距 33 米" in html
    assert ">合并<" in html and ">非重复<" in html
    response = board.post(
        reverse("workorders:action", args=[twin.pk, "merge"]),
        {"merge-version": twin.version, "merge-into": master.code, "next": BOARD},
    )
    assert response.status_code == 302
    assert fresh(twin).status == WorkOrder.Status.MERGED
    assert DuplicateFlag.objects.get(order=twin).status == DuplicateFlag.Status.MERGED


def test_dispatched_duplicates_have_their_own_queue(board, report):
    """An order dispatched automatically is never in 待分拣; its flag shows in 疑似重复."""
    master = report(description=TEXT, category="06010")
    twin = report(description=TEXT + "！", category="06010", lat=IN_A[1] + 0.0003)
    lone = report(description="路灯不亮，晚上很黑", category="06010", lat=IN_A[1] + 0.0006)
    assert twin.status == WorkOrder.Status.DISPATCHED
    assert f'data-candidate="{master.code}"' not in page(board)
    response = board.get("/wo/dispatch/?tab=duplicates")
    html = response.content.decode()
    assert response.status_code == 200 and '疑似重复 <span class="badge">1</span>' in html
    assert f'data-order="{twin.code}"' in html and f'data-candidate="{master.code}"' in html
    assert f'data-order="{lone.code}"' not in html and ">合并<" in html
    response = board.post(
        reverse("workorders:action", args=[twin.pk, "merge"]),
        {"merge-version": twin.version, "merge-into": master.code, "next": BOARD},
    )
    assert response.status_code == 302 and fresh(twin).status == WorkOrder.Status.MERGED
    html = board.get("/wo/dispatch/?tab=duplicates").content.decode()
    assert f'data-order="{twin.code}"' not in html


def test_dismiss_and_dismiss_again(board, report, unsure):
    report(description=TEXT, category=None)
    twin = report(description=TEXT, category=None)
    flag = DuplicateFlag.objects.get(order=twin)
    url = reverse("workorders:duplicate-dismiss", args=[flag.pk])
    response = board.post(url, {"next": BOARD}, follow=True)
    assert "已标记为非重复" in response.content.decode()
    assert DuplicateFlag.objects.get(pk=flag.pk).status == DuplicateFlag.Status.DISMISSED
    assert f'data-candidate="{flag.candidate.code}"' not in page(board)
    again = board.post(url, {"next": BOARD}, follow=True)
    assert again.status_code == 200 and "该疑似重复已处理（非重复）" in again.content.decode()


def test_grid_worker_cannot_dismiss(client, world, report, unsure):
    report(description=TEXT, category=None)
    flag = DuplicateFlag.objects.get(order=report(description=TEXT, category=None))
    client.force_login(world.users["grid_a"])
    response = client.post(reverse("workorders:duplicate-dismiss", args=[flag.pk]), follow=True)
    assert "只有指挥中心坐席可以判定非重复" in response.content.decode()
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
    monkeypatch.setattr("yiwang.triage.selectors.hotspot_list", lambda **kw: [warning])
    html = page(board)
    assert "<strong>网格B</strong> · 机动车乱停放：今日 6 件，近 28 天日均 0.05 件" in html
