"""Pages: find, guide, apply with uploads, follow, window check form, reviewer steps, rating,
rectification, KPIs; refusals become messages and change nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.approvals import services
from yiwang.approvals.models import Application, Rectification
from yiwang.approvals.tests.conftest import PDF, PNG, restaurant_form, submit_restaurant

pytestmark = pytest.mark.django_db

KEYS = [
    "id_card",
    "premises_proof",
    "photo",
    "layout_plan",
    "food_safety_rules",
    "health_cert",
    "sign_design",
    "owner_consent",
    "drainage_plan",
]


def login(client, user):
    client.force_login(user)
    return client


def files(skip=()):
    out = {}
    for k in KEYS:
        if k in skip:
            continue
        if k == "photo":
            out[f"material.{k}"] = SimpleUploadedFile("p.png", PNG, "image/png")
        else:
            out[f"material.{k}"] = SimpleUploadedFile(f"{k}.pdf", PDF, "application/pdf")
    return out


def text(response) -> str:
    return response.content.decode()


def test_find_page_lists_bundles_and_filters_by_life_event(client, catalogue):
    r = client.get("/approvals/")
    assert r.status_code == 200
    page = text(r)
    assert "开办小餐饮店" in page and "我要办事" in page and "出生" in page
    r = client.get("/approvals/", {"event": "亡故"})
    page = text(r)
    assert "身后一件事" in page and "殡葬惠民补贴申领" in page and "食品经营许可" not in page
    r = client.get("/approvals/", {"q": "低保"}, HTTP_HX_REQUEST="true")
    page = text(r)
    assert "最低生活保障审核确认" in page and "<html" not in page  # an HTMX partial


def test_guides_show_what_to_bring(client, catalogue):
    page = text(client.get("/approvals/items/320576052-01-0104/"))
    assert "从业人员健康证明" in page and "需核验原件" in page and "承诺 5 个工作日" in page
    page = text(client.get("/approvals/bundles/320576052-YJS-01/"))
    assert "共 10 项" in page and "营业执照等由本件事内部产生" in page
    assert "未找到" in text(client.get("/approvals/items/nope/"))


def test_apply_bundle_with_uploads(client, users):
    login(client, users["resident"])
    r = client.get("/approvals/apply/bundle/320576052-YJS-01/")
    assert r.status_code == 200 and 'name="material.health_cert"' in text(r)
    data = {**restaurant_form(sign_lit=""), "channel": "online", **files()}
    r = client.post("/approvals/apply/bundle/320576052-YJS-01/", data)
    app = Application.objects.get(kind="bundle")
    assert r.status_code == 302 and r["Location"] == f"/approvals/applications/{app.pk}/"
    page = text(client.get(r["Location"]))
    assert "已提交" in page and "个体工商户设立登记" in page and "提交申请" in page


def test_apply_missing_material_shows_error_and_creates_nothing(client, users):
    login(client, users["resident"])
    data = {**restaurant_form(), "channel": "online", **files(skip=("health_cert",))}
    r = client.post("/approvals/apply/bundle/320576052-YJS-01/", data, follow=True)
    assert "缺少必要材料：从业人员健康证明" in text(r)
    assert not Application.objects.exists()


def test_window_queue_check_form_one_notice_then_accept(client, users):
    app = submit_restaurant(users)
    login(client, users["window"])
    page = text(client.get("/approvals/window/"))
    assert app.number in page and "待受理" in page
    page = text(client.get(f"/approvals/window/{app.pk}/"))
    assert "一次性告知" in page and "从业人员健康证明" in page
    # the clerk ticks two gaps and presses 受理 by mistake: refused, nothing changes
    r = client.post(
        f"/approvals/applications/{app.pk}/act/",
        {
            "action": "accept",
            "version": app.version,
            "gap.health_cert": "1",
            "reason.health_cert": "已过期",
        },
        follow=True,
    )
    assert "一次性告知" in text(r)
    app.refresh_from_db()
    assert app.status == "submitted"
    r = client.post(
        f"/approvals/applications/{app.pk}/act/",
        {
            "action": "request_materials",
            "version": app.version,
            "gap.health_cert": "1",
            "reason.health_cert": "已过期",
            "gap.photo": "1",
            "reason.photo": "非白底",
            "next": "/approvals/window/",
        },
        follow=True,
    )
    assert "已一次性告知 2 项补正材料" in text(r)
    app.refresh_from_db()
    assert app.status == "needs_materials" and len(app.missing_materials) == 2

    # the resident sees the gaps, uploads, supplements
    login(client, users["resident"])
    page = text(client.get(f"/approvals/applications/{app.pk}/"))
    assert "从业人员健康证明：已过期" in page and "补正完毕" in page
    for key, f in [
        ("health_cert", SimpleUploadedFile("h.pdf", PDF)),
        ("photo", SimpleUploadedFile("p.png", PNG)),
    ]:
        client.post(
            f"/approvals/applications/{app.pk}/act/", {"action": "upload", "key": key, "file": f}
        )
    app.refresh_from_db()
    client.post(
        f"/approvals/applications/{app.pk}/act/", {"action": "supplement", "version": app.version}
    )
    app.refresh_from_db()
    assert app.status == "submitted"

    login(client, users["window"])
    client.post(
        f"/approvals/applications/{app.pk}/act/",
        {"action": "accept", "version": app.version, "visit": "1"},
    )
    app.refresh_from_db()
    assert app.status == "reviewing" and app.visits == 1


def test_reviewer_page_and_step_form(client, users):
    app = submit_restaurant(users)
    services.application_accept(actor=users["window"], application=app, version=1)
    food = app.children.get(item__name="食品经营许可（小餐饮）")
    login(client, users["jingfa"])
    page = text(client.get("/approvals/review/"))
    assert "材料审查" in page and food.number in page
    page = text(client.get(f"/approvals/applications/{food.pk}/"))
    assert "当前环节：材料审查" in page and "110105********002X" in page  # masked
    client.post(
        f"/approvals/applications/{food.pk}/act/",
        {"action": "approve_step", "version": food.version, "opinion": "材料齐全"},
    )
    food.refresh_from_db()
    assert food.steps.get(name="材料审查").state == "approved"
    # someone who does not hold the step: refused with a message
    login(client, users["window"])
    r = client.post(
        f"/approvals/applications/{food.pk}/act/",
        {"action": "approve_step", "version": food.version},
        follow=True,
    )
    assert "您不是该环节的办理人" in text(r)


def test_other_resident_cannot_open_application(client, users):
    app = submit_restaurant(users)
    login(client, users["resident2"])
    assert "未找到办件" in text(client.get(f"/approvals/applications/{app.pk}/"))
    r = client.post(f"/approvals/applications/{app.pk}/act/", {"action": "supplement"})
    assert "未找到办件" in text(r)


def test_home_page_workbench_links(client, users):
    login(client, users["resident"])
    assert "/approvals/" in text(client.get("/"))
    login(client, users["window"])
    assert client.get("/")["Location"] == "/approvals/window/"  # the clerk's home is the queue
    assert "综窗受理" in text(client.get("/workbench/"))
    login(client, users["shiye"])
    assert "/approvals/review/" in text(client.get("/workbench/"))


def test_rating_and_rectification_pages(client, users):
    app = services.application_submit(
        actor=users["resident"],
        item="320576052-20-0201",
        form={
            "applicant_name": "刘居民",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
            "address": "星华街1号",
        },
        materials=[services.MaterialInput(key="id_card", filename="i.pdf", content=PDF)],
    )
    app = services.application_accept(actor=users["window"], application=app, version=1)
    services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="electronic"
    )
    app.refresh_from_db()
    login(client, users["resident"])
    own = text(client.get(f"/approvals/applications/{app.pk}/"))
    assert "请评价本次服务" in own
    # the applicant's own page masks their ID number and phone too (issue 11)
    assert "110105********002X" in own and "11010519491231002X" not in own
    assert "13912345678" not in own
    client.post(
        f"/approvals/applications/{app.pk}/act/",
        {"action": "rate", "version": app.version, "level": "2", "comment": "排队太久"},
    )
    rect = Rectification.objects.get()
    login(client, users["shiye"])
    page = text(client.get("/approvals/rectifications/"))
    assert "排队太久" in page and "整改中" in page
    client.post(
        "/approvals/rectifications/",
        {"id": rect.pk, "action": "follow_up", "kind": "callback", "note": "已回访"},
    )
    client.post(
        "/approvals/rectifications/",
        {
            "id": rect.pk,
            "action": "close",
            "version": rect.version,
            "outcome": "fixed",
            "result": "增开窗口",
        },
    )
    rect.refresh_from_db()
    assert rect.state == "closed" and rect.follow_ups.count() == 2


def test_kpi_page(client, users):
    login(client, users["leader"])
    r = client.get("/approvals/kpis/")
    assert r.status_code == 200 and "按期办结率" in text(r)
    assert "日期格式" in text(client.get("/approvals/kpis/", {"from": "bad"}))


def test_window_clerk_applies_on_behalf_with_paper_materials(client, users):
    login(client, users["window"])
    page = text(client.get("/approvals/apply/item/320576052-20-0406/"))
    assert "窗口代为申报" in page and "已收取纸质件" in page
    r = client.post(
        "/approvals/apply/item/320576052-20-0406/",
        {
            "channel": "window",
            "applicant.name": "张阿婆",
            "applicant.phone": "13800001111",
            "applicant.id_number": "11010519491231002X",
            "paper.id_card": "1",
            "paper.photo": "1",
        },
    )
    app = Application.objects.get()
    assert r["Location"] == f"/approvals/window/{app.pk}/"
    assert app.channel == "window" and app.visits == 1 and app.submitted_by == users["window"]
    assert set(app.materials.values_list("source", flat=True)) == {"paper"}
    # the identity was typed once, in the applicant block, and filled the form
    assert app.full_form["applicant_name"] == "张阿婆"
    assert app.full_form["id_number"] == "11010519491231002X"
    assert app.applicant_id_number == "11010519491231002X"


def test_admin_pages_load(client, users):
    from yiwang.approvals.models import Bundle

    login(client, users["admin"])
    app = submit_restaurant(users)
    bundle = Bundle.objects.get(name="开办小餐饮店")
    for url in [
        "/admin/approvals/serviceitem/",
        "/admin/approvals/application/",
        f"/admin/approvals/application/{app.pk}/change/",
        f"/admin/approvals/bundle/{bundle.pk}/change/",
        "/admin/approvals/stepflow/",
    ]:
        assert client.get(url).status_code == 200, url
