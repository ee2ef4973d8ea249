"""智能分拣 on the dispatcher's console (/command/console/) in headless Chromium: the triage
queue shows the machine's suggestions with their probabilities, one click on 采纳 dispatches the
order with that category, and a flagged 疑似重复 is merged into its master with one click.

The classifier hook (`yiwang.workorders.intake.suggest_category`, the optional outside model) is
replaced by a fixed unsure answer, so no trained model is needed.

Run: `.venv/bin/pytest yiwang/command/tests/test_console_browser_triage.py -m browser`.
"""

from __future__ import annotations

import pytest

from yiwang.testing import browser_login
from yiwang.workorders.tests.conftest import IN_A, seed_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
GARBAGE = "青剑湖花园 12 幢楼下路边暴露垃圾，气味很大"
PARKING = "唯亭街道星湖街东口机动车乱停放，堵住人行道"


@pytest.fixture
def unsure(monkeypatch):
    """The classifier answers below the auto-dispatch threshold: orders wait in triage."""
    from yiwang.workorders import intake

    def suggest(text):
        guesses = [("06010", 0.71), ("09009", 0.18)] if "垃圾" in text else [("09009", 0.64)]
        return intake.Suggestion(probability=guesses[0][1], candidates=guesses)

    monkeypatch.setattr(intake, "suggest_category", suggest)


def test_dispatcher_accepts_a_suggestion_and_merges_a_duplicate(world, request, unsure, desk_page):
    from playwright.sync_api import expect

    from yiwang.triage.models import DuplicateFlag
    from yiwang.workorders.models import WorkOrder

    seed_categories()
    request.getfixturevalue("rules")
    report = request.getfixturevalue("report")
    garbage = report(description=GARBAGE, category=None)
    master = report(description=PARKING, category=None, lon=IN_A[0] + 0.004)
    twin = report(description=PARKING + "！", category=None, lon=IN_A[0] + 0.0042)
    assert {o.status for o in (garbage, master, twin)} == {"triage"}

    browser_login(desk_page, "dispatcher")
    desk_page.goto(desk_page.base_url + "/command/console/?tab=triage")
    expect(desk_page.locator("#hotspots")).to_contain_text("热点预警")

    # 1. The suggestion and its probability; one click on 采纳 dispatches with that category.
    row = desk_page.locator(f"#board-orders li[data-order='{garbage.code}']")
    first = row.locator("form.suggestion").first
    expect(first).to_contain_text("暴露垃圾（06010）")
    expect(first.locator(".prob")).to_have_text("71%")
    expect(row.locator("form.suggestion").nth(1).locator(".prob")).to_have_text("18%")
    first.get_by_role("button", name="采纳 暴露垃圾").click()
    expect(desk_page.locator(".messages")).to_contain_text("已派遣至社会事业局")
    expect(desk_page.locator(f"#board-orders li[data-order='{garbage.code}']")).to_have_count(0)
    garbage = WorkOrder.objects.get(pk=garbage.pk)
    assert garbage.status == "dispatched" and garbage.category.code == "06010"

    # 2. The duplicate beside the newer order: candidate, similarity, distance; 合并.
    row = desk_page.locator(f"#board-orders li[data-order='{twin.code}']")
    flag = row.locator(f".duplicates li[data-candidate='{master.code}']")
    expect(flag).to_contain_text("相似度")
    expect(flag).to_contain_text("相距 19 米")
    flag.get_by_role("button", name=f"合并到 {master.code}").click()
    expect(desk_page.locator(".messages")).to_contain_text("合并重复工单成功")
    expect(desk_page.locator(f"#board-orders li[data-order='{twin.code}']")).to_have_count(0)
    twin = WorkOrder.objects.get(pk=twin.pk)
    assert twin.status == "merged" and twin.merged_into_id == master.pk
    assert DuplicateFlag.objects.get(order=twin).status == "merged"
