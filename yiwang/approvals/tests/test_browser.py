"""Browser: the 开办小餐饮店 bundle from application to rating, in headless Chromium.

A resident on a phone finds the bundle by life event, reads what to bring, applies with one
form and uploads; the window clerk checks the materials and accepts; the reviewers of two
departments approve their steps; the clerk hands over the results; the resident rates.
"""

from __future__ import annotations

import re

import pytest

from yiwang.approvals.models import Application, Rating, ResultDocument
from yiwang.approvals.tests.conftest import PDF, PNG
from yiwang.testing import browser_login

pytestmark = pytest.mark.browser

FORM = {
    "applicant_name": "王小明",
    "id_number": "11010519491231002X",
    "phone": "13912345678",
    "shop_name": "唯亭小王面馆",
    "premises_address": "唯亭街道星华街88号",
    "business_scope": "餐饮服务",
    "area": "40",
    "staff_count": "3",
    "sign_size": "12",
}
SELECTS = {"cooking": "热食类食品制售", "drainage_type": "经隔油池后接入市政污水管网"}


def _as(pg, username):
    pg.context.clear_cookies()
    browser_login(pg, username)


def _approve_all(pg, username):
    _as(pg, username)
    while True:
        pg.goto(pg.base_url + "/approvals/review/")
        links = pg.locator("table a[href*='/approvals/applications/']")
        if links.count() == 0:
            return
        links.first.click()
        pg.wait_for_selector("form.step-form")
        pg.click("form.step-form button[value=approve_step]")
        pg.wait_for_load_state()
        assert "本环节已通过" in pg.content()


def test_restaurant_bundle_from_application_to_rating(page, desk_page, users):
    pg = page
    browser_login(pg, "resident")
    pg.goto(pg.base_url + "/approvals/")
    pg.click(".chips >> text=开店")
    pg.wait_for_url(re.compile(r"event="))
    pg.click("text=开办小餐饮店")
    pg.wait_for_selector("h1:has-text('开办小餐饮店')")
    assert "从业人员健康证明" in pg.content()
    pg.click("text=一次申请")
    pg.wait_for_selector("form.apply-form")
    for name, value in FORM.items():
        pg.fill(f"input[name='{name}']", value)
    for name, value in SELECTS.items():
        pg.select_option(f"select[name='{name}']", value)
    for inp in pg.locator("input[type=file]").all():
        key = inp.get_attribute("name").split(".", 1)[1]
        if key == "grease_trap":
            continue
        if key == "photo":
            inp.set_input_files({"name": "photo.png", "mimeType": "image/png", "buffer": PNG})
        else:
            inp.set_input_files(
                {"name": f"{key}.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )
    pg.click("button:has-text('提交申请')")
    pg.wait_for_selector("text=已提交")
    app = Application.objects.get(kind="bundle")
    assert app.children.count() == 4 and app.materials.count() == 9
    assert "食品经营许可（小餐饮）" in pg.content()

    desk = desk_page
    _as(desk, "window")
    desk.goto(desk.base_url + "/approvals/window/")
    desk.click(f"#to-accept tr:has-text('{app.number}') >> text=审核材料")
    desk.wait_for_selector("form.check-form")
    desk.check("form.check-form input[name=visit]")
    desk.click("form.check-form button[value=accept]")
    desk.wait_for_selector("text=已受理")
    app.refresh_from_db()
    assert app.status == "reviewing"

    _approve_all(desk, "jingfa")
    _approve_all(desk, "zhifa")
    app.refresh_from_db()
    assert app.status == "approved"

    _as(desk, "window")
    desk.goto(desk.base_url + "/approvals/window/")
    desk.click(f"#to-deliver tr:has-text('{app.number}') >> text=出件")
    desk.select_option("form.deliver-form select[name=method]", "window")
    desk.click("form.deliver-form button:has-text('出件')")
    desk.wait_for_selector("text=已出件")
    app.refresh_from_db()
    assert app.status == "delivered" and app.visits == 1 and app.within_visits

    # 出件 → the applicant: the message in the inbox leads to the results and their numbers
    pg.goto(pg.base_url + "/notifications/")
    told = pg.locator(f".notice-list li:has-text('{app.number} 已出件')")
    assert "办理结果" in told.inner_text()
    told.locator("button:has-text('查看')").click()
    pg.wait_for_url(re.compile(rf"/approvals/applications/{app.pk}/$"))
    results = pg.locator(".results").inner_text()
    numbers = [r.number for r in ResultDocument.objects.filter(application__parent=app)]
    assert len(numbers) == 4
    for number in numbers:
        assert number in results
    assert "已出件" in pg.content() and "一件事办结" in pg.content()
    pg.check("form.rate-form input[name=level][value='5']")
    pg.fill("form.rate-form textarea[name=comment]", "一窗办好，跑了一次")
    pg.click("form.rate-form button:has-text('提交评价')")
    pg.wait_for_selector("text=感谢您的评价")
    assert Rating.objects.get(application=app).level == 5
    assert "非常满意" in pg.content()


def test_missing_material_notice_on_phone(page, users):
    """The clerk's 一次性告知 lists every gap; the resident sees them all on the phone and
    supplements with one upload each."""
    from yiwang.approvals import services
    from yiwang.approvals.tests.conftest import submit_restaurant

    app = submit_restaurant(users)
    services.application_request_materials(
        actor=users["window"],
        application=app,
        version=app.version,
        gaps=[{"key": "health_cert", "reason": "已过期"}, {"key": "photo", "reason": "非白底"}],
    )
    pg = page
    browser_login(pg, "resident")
    pg.goto(pg.base_url + f"/approvals/applications/{app.pk}/")
    gaps = pg.inner_text("ol.gaps")
    assert "从业人员健康证明：已过期" in gaps and "非白底" in gaps
    for key, payload in [
        ("health_cert", ("h.pdf", "application/pdf", PDF)),
        ("photo", ("p.png", "image/png", PNG)),
    ]:
        pg.select_option("form.upload-form select[name=key]", key)
        pg.set_input_files(
            "form.upload-form input[type=file]",
            {"name": payload[0], "mimeType": payload[1], "buffer": payload[2]},
        )
        pg.click("form.upload-form button:has-text('上传')")
        pg.wait_for_selector("text=材料已提交")
    pg.click("button:has-text('补正完毕')")
    pg.wait_for_selector("text=补正材料已提交")
    app.refresh_from_db()
    assert app.status == "submitted"


def _shot(pg, name):
    """Screenshots for a person to look at, when YIWANG_SCREENSHOTS names a folder."""
    import os

    folder = os.environ.get("YIWANG_SCREENSHOTS")
    if folder:
        pg.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_bundle_with_one_wrong_field_resubmitted_without_uploading_again(page, desk_page, users):
    """One wrong field: the error stands next to it in Chinese, every typed value and file is
    kept; the corrected form goes in without a second upload; the window accepts it and the
    受理通知书 comes out as a numbered PDF."""
    import zlib

    from yiwang.approvals.models import Paper

    pg = page
    browser_login(pg, "resident")
    pg.goto(pg.base_url + "/approvals/apply/bundle/320576052-YJS-01/")
    for name, value in {**FORM, "id_number": "110105194912310021"}.items():
        pg.fill(f"input[name='{name}']", value)
    for name, value in SELECTS.items():
        pg.select_option(f"select[name='{name}']", value)
    for inp in pg.locator("input[type=file]").all():
        key = inp.get_attribute("name").split(".", 1)[1]
        if key == "photo":
            inp.set_input_files({"name": "照片.png", "mimeType": "image/png", "buffer": PNG})
        elif key != "grease_trap":
            inp.set_input_files(
                {"name": f"{key}.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )
    pg.click("button:has-text('提交申请')")
    pg.wait_for_selector(".field-error[data-field=id_number]")
    assert pg.inner_text(".field-error[data-field=id_number]") == "“身份证号”校验位错误"
    assert pg.input_value("input[name=shop_name]") == "唯亭小王面馆"
    assert pg.input_value("select[name=cooking]") == SELECTS["cooking"]
    assert pg.locator(".kept").count() == 9
    assert not Application.objects.exists()
    _shot(pg, "apply-error-phone")

    pg.fill("input[name=id_number]", FORM["id_number"])
    pg.click("button:has-text('提交申请')")  # no file chosen again
    pg.wait_for_selector("text=已提交")
    app = Application.objects.get(kind="bundle")
    assert app.materials.filter(is_current=True).count() == 9

    desk = desk_page
    _as(desk, "resident")
    desk.goto(desk.base_url + "/approvals/apply/bundle/320576052-YJS-01/")
    desk.fill("input[name=id_number]", "1101")
    desk.evaluate("document.querySelector('form.apply-form').noValidate = true")
    desk.click("button:has-text('提交申请')")
    desk.wait_for_selector(".field-error[data-field=id_number]")
    _shot(desk, "apply-error-desk")
    _as(desk, "window")
    desk.goto(desk.base_url + f"/approvals/window/{app.pk}/")
    desk.click("form.check-form button[value=accept]")
    desk.wait_for_selector("text=已受理")
    link = desk.locator("ul.papers a:has-text('打印')").first
    assert "受理通知书" in desk.inner_text("ul.papers")
    _shot(desk, "window-accepted-desk")
    response = desk.request.get(desk.base_url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    inflated = b"".join(
        zlib.decompress(m.group(1))
        for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
        if m.group(1)[:1] == b"x"
    )
    assert app.number.encode() in inflated
    paper = Paper.objects.get(application=app, kind="accept")
    assert paper.number in desk.inner_text("ul.papers")
    pg.goto(pg.base_url + f"/approvals/applications/{app.pk}/")
    assert paper.number in pg.content()
    _shot(pg, "detail-papers-phone")


def test_walk_in_applicant_taken_once_from_the_population_registry(desk_page, users, world):
    """At the window the clerk types the ID number once, finds the person in the 人口库, and
    the application takes name, phone and address from there."""
    from yiwang.basedata import services as basedata

    basedata.person_create(
        actor=None,
        name="张阿婆",
        id_number="11010519491231002X",
        grid=world.regions["A"].code,
        phone="13800001111",
        address="唯亭街道星华街8号",
    )
    desk = desk_page
    _as(desk, "window")
    desk.goto(desk.base_url + "/approvals/apply/item/320576052-20-0201/")
    assert desk.locator("input[name=id_number]").count() == 0  # asked once, above
    desk.fill("input[name='applicant.id_number']", "11010519491231002X")
    desk.click("button.lookup")
    desk.wait_for_selector("text=已从人口库带出申请人")
    assert desk.input_value("input[name='applicant.name']") == "张阿婆"
    assert desk.input_value("input[name='applicant.phone']") == "13800001111"
    _shot(desk, "walk-in-desk")
    desk.check("input[name='paper.id_card']")
    desk.click("button:has-text('提交申请')")
    desk.wait_for_selector("text=已提交")
    app = Application.objects.get()
    assert app.channel == "window" and app.full_form["address"] == "唯亭街道星华街8号"
