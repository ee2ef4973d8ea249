"""Issue 12's journeys through the real pages in headless Chromium (phone size).

1. Seed 004's 水果店 story: a 占道经营 work order becomes a 简易程序 case decided on the spot,
   with its numbered 当场行政处罚决定书 as PDF; closing the case completes the order.
2. A 违法搭建 work order becomes an ordinary case carried to 结案 with a hearing request
   (the hearing is then moved into the past in the database: time passing, nothing else).
3. A 双随机 inspection plan is drawn with a seed and a result recorded; the public page shows it.

Run: `.venv/bin/pytest -m browser yiwang/enforcement/tests/test_browser.py`.
Screenshots go to /tmp/yiwang-shots/ (YIWANG_SHOTS overrides).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from yiwang.enforcement.tests.conftest import PERSON_ID, work_order
from yiwang.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("YIWANG_SHOTS", "/tmp/yiwang-shots"))


def shot(pg, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"enforcement-{name}.png"), full_page=True)


def switch_user(pg, username):
    pg.context.clear_cookies()
    browser_login(pg, username)


def step(pg, name):
    """Open a step's form on the case page (a <details>) if it is closed."""
    details = pg.locator(f"#step-{name}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def fill_party(pg, name="王某", code=PERSON_ID):
    pg.select_option("#id_party_kind", "person")
    pg.fill("#id_party_name", name)
    pg.fill("#id_party_code", code)


def test_fruit_stall_on_the_spot_with_pdf(enf, page):
    from playwright.sync_api import expect

    from yiwang.enforcement.models import Case

    order = work_order(
        enf, category="09006", description="星华街水果店把水果摊摆上人行道，占道经营"
    )
    browser_login(page, "zhifa")
    page.goto(page.base_url + f"/enforcement/cases/new/?work_order={order.pk}")
    expect(page.locator("h1")).to_have_text("登记案件")
    expect(page.locator(".card").first).to_contain_text(order.code)
    page.select_option("#id_procedure", "simple")
    page.select_option("#id_matter", "ZF-CG-001")
    fill_party(page)
    page.click("#open-case")
    expect(page.locator("#stage")).to_have_text("待立案")
    # beyond Art. 51: refused with the article, nothing changed
    page.fill("#id_decide_on_spot_amount", "300")
    page.click("#do-decide_on_spot")
    expect(page.locator("#step-decide_on_spot .form-error")).to_contain_text("法定幅度")
    expect(page.locator("#stage")).to_have_text("待立案")
    page.fill("#id_decide_on_spot_amount", "100")
    page.click("#do-decide_on_spot")
    expect(page.locator("#stage")).to_have_text("已送达")
    link = page.locator("#documents a", has_text="当场行政处罚决定书")
    expect(page.locator("#documents")).to_contain_text("唯综执当罚字〔")
    pdf = page.request.get(page.base_url + link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    shot(page, "on-spot")
    step(page, "record_payment")
    page.check("#id_on_spot")
    page.click("#do-record_payment")
    expect(page.locator("#stage")).to_have_text("已执行")
    page.click("#do-close")
    expect(page.locator("#stage")).to_have_text("已结案")
    order.refresh_from_db()
    case = Case.objects.get(work_order=order)
    note = case.events.get(action="close").note
    assert order.status == "completed" and case.fine_amount == 100, note
    assert case.code in order.events.order_by("-id").first().note


def test_illegal_building_ordinary_case_with_hearing_to_closure(enf, page):
    from playwright.sync_api import expect

    from yiwang.enforcement.models import Case

    order = work_order(enf, category="06001", description="星华街 8 号屋顶违法搭建彩钢板房")
    browser_login(page, "zhifa")
    page.goto(page.base_url + f"/enforcement/cases/new/?work_order={order.pk}")
    page.select_option("#id_procedure", "ordinary")
    page.select_option("#id_matter", "ZF-CG-017")
    fill_party(page, "李某")
    page.click("#open-case")
    expect(page.locator("#stage")).to_have_text("待立案")
    step(page, "file")
    page.click("#do-file")  # zhifa alone: refused (Art. 42)
    expect(page.locator("#step-file .form-error")).to_contain_text("不得少于两人")
    page.check("#off-zhifa2")
    page.click("#do-file")
    expect(page.locator("#stage")).to_have_text("调查取证")
    expect(page.locator("#deadlines")).to_contain_text("90日（自然日）")
    step(page, "add_evidence")
    page.select_option("#id_ev_kind", "record")
    page.fill("#id_ev_title", "现场勘验照片")
    page.fill("#id_ev_place", "星华街 8 号屋顶")
    page.locator("#id_ev_file").set_input_files(
        files=[{"name": "roof.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8roof-photo"}]
    )
    page.click("#do-add_evidence")
    expect(page.locator("#evidence")).to_contain_text("SHA-256")
    # 询问笔录 on the case page: one officer alone is refused, what was typed stays
    step(page, "take_record")
    page.fill("#id_rec_place", "唯亭街道综合行政执法局询问室")
    page.fill("#id_rec_content", "问：彩钢板房何时搭建？\n答：今年十月。")
    page.uncheck("#rec-off-zhifa2")
    page.click("#do-take_record")
    expect(page.locator("#step-take_record .form-error")).to_contain_text("不得少于两人")
    expect(page.locator("#id_rec_content")).to_have_value("问：彩钢板房何时搭建？\n答：今年十月。")
    page.check("#rec-off-zhifa2")
    page.click("#do-take_record")
    expect(page.locator("#records")).to_contain_text("询问笔录")
    expect(page.locator("#documents")).to_contain_text("询问笔录")
    shot(page, "record")
    step(page, "end_investigation")
    page.click("#do-end_investigation")
    expect(page.locator("#stage")).to_have_text("调查终结")
    page.fill("#id_notify_amount", "20000")
    page.click("#do-notify")
    expect(page.locator("#stage")).to_have_text("已告知")
    expect(page.locator("#deadlines")).to_contain_text("5个工作日")
    step(page, "request_hearing")
    page.click("#do-request_hearing")
    expect(page.locator("#stage")).to_have_text("听证中")
    expect(page.locator("#documents")).to_contain_text("听证通知书")
    case = Case.objects.get(work_order=order)
    Case.objects.filter(pk=case.pk).update(hearing_at=timezone.now() - dt.timedelta(hours=1))
    page.reload()
    step(page, "hold_hearing")
    page.select_option("#id_chair", "fazhi")
    page.fill("#id_record", "当事人称搭建用于晾晒，愿意限期自行拆除。")
    page.click("#do-hold_hearing")
    expect(page.locator("#stage")).to_have_text("听证完毕")
    expect(page.locator("#waiting")).to_contain_text("法制审核")
    switch_user(page, "fazhi")
    page.goto(page.base_url + f"/enforcement/cases/{case.pk}/")
    page.click("#do-legal_review")
    expect(page.locator("#stage")).to_have_text("法制审核通过")
    switch_user(page, "zhifa")
    page.goto(page.base_url + f"/enforcement/cases/{case.pk}/")
    step(page, "decide")
    page.fill("#id_decide_amount", "15000")
    page.click("#do-decide")  # a major case: 集体讨论 required (Art. 57)
    expect(page.locator("#step-decide .form-error")).to_contain_text("集体讨论")
    expect(page.locator("#id_decide_amount")).to_have_value("15000")
    step(page, "discuss")
    page.fill("#id_ds_chair", "周局长")
    page.fill("#id_ds_people", "周局长、陈副局长、吴副局长")
    page.fill("#id_ds_record", "承办人汇报案情和听证、法制审核意见，参会人员逐一发表意见")
    page.fill("#id_ds_conclusion", "同意罚款 15000 元并责令限期拆除")
    page.click("#do-discuss")
    expect(page.locator("#discussions")).to_contain_text("吴副局长")
    step(page, "decide")
    page.fill("#id_decide_amount", "15000")
    page.click("#do-decide")
    expect(page.locator("#stage")).to_have_text("已决定")
    expect(page.locator("#documents")).to_contain_text("唯综执罚决字〔")
    page.click("#do-serve")
    expect(page.locator("#stage")).to_have_text("已送达")
    page.click("#do-record_payment")
    expect(page.locator("#stage")).to_have_text("已执行")
    page.click("#do-close")
    expect(page.locator("#stage")).to_have_text("已结案")
    expect(page.locator("#publication")).to_contain_text("待公开")
    page.click("#do-publish")
    expect(page.locator("#publication")).to_contain_text("已于")
    shot(page, "ordinary-closed")
    dossier = page.request.get(page.base_url + page.locator("#dossier").get_attribute("href"))
    assert dossier.status == 200 and dossier.body().startswith(b"%PDF")
    order.refresh_from_db()
    assert order.status == "completed"


def test_inspection_plan_drawn_and_result_recorded(enf, page):
    from playwright.sync_api import expect

    from yiwang.basedata.models import LegalEntity
    from yiwang.enforcement.tests.conftest import valid_uscc

    for i in range(6):
        LegalEntity.objects.create(name=f"唯亭测试商户{i}",
                                   uscc=valid_uscc(f"9232059400000{i:04d}"),
                                   kind="enterprise", grid=enf.world.regions["A"])  # fmt: skip
    browser_login(page, "zhifa")
    page.goto(page.base_url + "/enforcement/inspections/")
    page.fill("#id_name", "明码标价双随机抽查")
    page.select_option("#id_matters", ["ZF-SC-006"])
    page.fill("#id_count", "3")
    page.click("#create-plan")
    expect(page.locator("#plan-status")).to_have_text("待抽取")
    page.fill("#id_seed", "browser-seed")
    page.click("#draw")
    expect(page.locator("#plan-status")).to_have_text("已抽取")
    expect(page.locator("#draw-record")).to_contain_text("browser-seed")
    targets = page.locator("#targets > li")
    expect(targets).to_have_count(3)
    form_button = page.locator("#targets button").first
    form_button.click()
    expect(page.locator("#targets")).to_contain_text("未发现问题")
    expect(page.locator("#targets")).to_contain_text("待公示")
    page.click("#publish-results")
    expect(page.locator("#targets")).to_contain_text("公示")
    expect(page.locator("#publish-results")).to_have_count(0)
    page.context.clear_cookies()
    page.goto(page.base_url + "/public/inspections/")
    expect(page.locator("h1")).to_contain_text("双随机一公开")
    expect(page.locator("main")).to_contain_text("browser-seed")
    expect(page.locator("main")).to_contain_text("未发现问题")
    shot(page, "public")
