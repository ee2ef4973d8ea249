"""The window and the bundle as users live them (issue 10): forms that keep what was typed and
uploaded and say what is wrong next to each field, the walk-in applicant taken once from the
人口库, the numbered printed papers and the results, 补正 shown as received at once, and a 差评
routed to the unit that owns the rated step."""

from __future__ import annotations

import re
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.approvals import services
from yiwang.approvals.models import Application, HeldUpload, Paper, Rectification, ResultDocument
from yiwang.approvals.tests.conftest import (
    PDF,
    PNG,
    restaurant_form,
    run_steps,
    submit_restaurant,
)
from yiwang.core.errors import ValidationFailed
from yiwang.core.models import AuditEvent

pytestmark = pytest.mark.django_db

BUNDLE = "320576052-YJS-01"
APPLY = f"/approvals/apply/bundle/{BUNDLE}/"
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
BAD_ID = "110105194912310021"  # the check digit should be X
RAW_KEYS = ("id_number", "gaps", "health_cert", "comment", "step", "applicant.")


def text(response) -> str:
    return response.content.decode()


def files(skip=(), wrong=()):
    out = {}
    for k in KEYS:
        if k in skip:
            continue
        name = f"材料{KEYS.index(k) + 1}"
        if k in wrong:
            out[f"material.{k}"] = SimpleUploadedFile(
                f"{name}.pdf", b"not a pdf", "application/pdf"
            )
        elif k == "photo":
            out[f"material.{k}"] = SimpleUploadedFile(f"{name}.png", PNG, "image/png")
        else:
            out[f"material.{k}"] = SimpleUploadedFile(f"{name}.pdf", PDF, "application/pdf")
    return out


def visible_text(html: str) -> str:
    """The page as a person reads it: no tags, no attribute values."""
    return re.sub(r"<[^>]+>", " ", html)


def field_error(html: str, name: str) -> str:
    found = re.search(rf'<span class="field-error" data-field="{re.escape(name)}">([^<]*)<', html)
    return found.group(1) if found else ""


def held_ids(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="held\.([a-z_]+)" value="(\d+)"', html))


def assert_reads_chinese(html: str) -> None:
    shown = visible_text(html)
    assert "。。" not in shown
    for key in RAW_KEYS:
        assert key not in shown, key


def pdf_of(response) -> bytes:
    """The PDF's objects, inflated (WeasyPrint compresses them, the document info too)."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return inflated(response.content)


def inflated(pdf: bytes) -> bytes:
    assert pdf.startswith(b"%PDF")
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"".join(out)


# ---------------------------------------------------------------------------------------------
# 1. A form with one wrong field keeps every file and value; errors next to their fields
# ---------------------------------------------------------------------------------------------


def test_form_messages_have_no_double_stop_and_no_repeated_label():
    from yiwang.approvals.catalogue import clean_form

    fields = [{"name": "id_number", "label": "身份证号", "type": "id_number", "required": True}]
    with pytest.raises(ValidationFailed) as caught:
        clean_form(fields, {"id_number": BAD_ID})
    assert caught.value.fields == {"id_number": ["“身份证号”校验位错误"]}
    assert caught.value.message == "申请表有误：“身份证号”校验位错误。"


def test_submit_reports_every_problem_at_once(users):
    with pytest.raises(ValidationFailed) as caught:
        services.application_submit(
            actor=users["resident"],
            bundle=BUNDLE,
            form=restaurant_form(id_number=BAD_ID, area="很大"),
            materials=[],
        )
    fields = caught.value.fields
    assert {"id_number", "area", "health_cert", "photo"} <= set(fields)
    assert "处需要修改" in caught.value.message
    assert not Application.objects.exists()


def test_resident_form_with_one_wrong_field_keeps_files_and_values(client, users):
    client.force_login(users["resident"])
    data = {**restaurant_form(id_number=BAD_ID, sign_lit=""), "channel": "online", **files()}
    r = client.post(APPLY, data)
    html = text(r)
    assert r.status_code == 400 and not Application.objects.exists()
    assert field_error(html, "id_number") == "“身份证号”校验位错误"
    assert_reads_chinese(html)
    # every typed value is still there, and every file is held for the corrected form
    assert 'value="唯亭小王面馆"' in html and f'value="{BAD_ID}"' in html
    assert 'value="经隔油池后接入市政污水管网" selected' in html
    held = held_ids(html)
    assert set(held) == set(KEYS)
    assert "无需重新上传" in html

    # corrected and sent again without a single file
    again = {**restaurant_form(sign_lit=""), "channel": "online"}
    again.update({f"held.{k}": v for k, v in held.items()})
    r = client.post(APPLY, again)
    app = Application.objects.get(kind="bundle")
    assert r.status_code == 302 and r["Location"] == f"/approvals/applications/{app.pk}/"
    assert app.materials.filter(is_current=True).count() == 9
    assert app.materials.get(key="photo").file.read() == PNG
    assert not HeldUpload.objects.exists()


def test_a_wrong_file_is_named_at_its_field_and_the_good_ones_are_kept(client, users):
    client.force_login(users["resident"])
    data = {**restaurant_form(), "channel": "online", **files(wrong=("health_cert",))}
    r = client.post(APPLY, data)
    html = text(r)
    assert r.status_code == 400
    assert "文件内容与扩展名不符" in field_error(html, "health_cert")
    assert set(held_ids(html)) == set(KEYS) - {"health_cert"}
    assert_reads_chinese(html)


def test_held_uploads_belong_to_their_uploader(client, users):
    client.force_login(users["resident"])
    r = client.post(APPLY, {**restaurant_form(id_number=BAD_ID), **files()})
    held = held_ids(text(r))
    client.force_login(users["resident2"])
    data = {**restaurant_form(), "channel": "online"}
    data.update({f"held.{k}": v for k, v in held.items()})
    r = client.post(APPLY, data)
    assert r.status_code == 400 and not Application.objects.exists()
    assert "held." not in text(r)  # another person's files are not offered


def test_rating_form_refusal_keeps_choice_and_speaks_chinese(client, users):
    app = _delivered_bundle(users)
    client.force_login(users["resident"])
    r = client.post(
        f"/approvals/applications/{app.pk}/act/",
        {"action": "rate", "version": app.version, "level": "2", "comment": ""},
    )
    html = text(r)
    assert r.status_code == 400
    assert field_error(html, "comment") == "请写明不满意的原因"
    assert field_error(html, "step") == "请选择不满意的环节"
    assert 'value="2" required checked' in html
    assert_reads_chinese(html)


def test_window_notice_without_gaps_is_named_at_the_checklist(client, users):
    app = submit_restaurant(users)
    client.force_login(users["window"])
    r = client.post(
        f"/approvals/applications/{app.pk}/act/",
        {"action": "request_materials", "version": app.version, "note": "请尽快"},
    )
    html = text(r)
    assert r.status_code == 400
    assert field_error(html, "gaps") == "至少一项"
    assert 'name="note" value="请尽快"' in html
    assert_reads_chinese(html)


# ---------------------------------------------------------------------------------------------
# 2. A walk-in applicant is taken once, from the 人口库 when known
# ---------------------------------------------------------------------------------------------


def test_walk_in_identity_from_the_population_registry(client, users, world):
    from yiwang.basedata import services as basedata

    grid = world.regions["A"]
    person = basedata.person_create(
        actor=None,
        name="张阿婆",
        id_number="11010519491231002X",
        grid=grid.code,
        phone="13800001111",
        address="唯亭街道星华街8号",
    )
    client.force_login(users["window"])
    url = "/approvals/apply/item/320576052-20-0201/"
    page = text(client.get(url))
    assert 'name="applicant.id_number"' in page and 'name="id_number"' not in page
    r = client.post(
        url,
        {"channel": "window", "action": "lookup", "applicant.id_number": "11010519491231002x"},
    )
    html = text(r)
    assert 'name="applicant.name" value="张阿婆"' in html
    assert 'name="applicant.phone" inputmode="tel" value="13800001111"' in html
    assert 'value="唯亭街道星华街8号"' in html
    actions = set(AuditEvent.objects.filter(actor=users["window"]).values_list("action", flat=True))
    assert {"basedata.person.search", "basedata.person.reveal"} <= actions
    r = client.post(
        url,
        {
            "channel": "window",
            "applicant.id_number": "11010519491231002X",
            "applicant.name": "张阿婆",
            "applicant.phone": "13800001111",
            "applicant.address": "唯亭街道星华街8号",
            "applicant.person": str(person.pk),
            "paper.id_card": "1",
        },
    )
    app = Application.objects.get()
    assert r.status_code == 302
    assert app.full_form["address"] == "唯亭街道星华街8号"
    assert app.full_form["phone"] == "13800001111" and app.applicant_name == "张阿婆"


def test_walk_in_unknown_person_is_typed_by_hand(client, users):
    client.force_login(users["window"])
    r = client.post(
        "/approvals/apply/item/320576052-20-0201/",
        {"channel": "window", "action": "lookup", "applicant.id_number": "11010519491231002X"},
    )
    assert "人口库中没有该身份证号" in text(r) and not Application.objects.exists()


# ---------------------------------------------------------------------------------------------
# 3. Printed papers, numbered; the result documents after 出件
# ---------------------------------------------------------------------------------------------


def _accepted(users):
    app = submit_restaurant(users)
    return services.application_accept(actor=users["window"], application=app, version=1)


def _delivered_bundle(users):
    app = _accepted(users)
    by_dept = {"经济发展局": users["jingfa"], "综合行政执法局": users["zhifa"]}
    for child in app.children.all():
        run_steps(child.pk, by_dept)
    app.refresh_from_db()
    return services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="window"
    )


def test_acceptance_issues_a_numbered_notice_printable_by_applicant_and_clerk(client, users):
    app = _accepted(users)
    paper = Paper.objects.get(application=app, kind="accept")
    assert paper.number == "测试综受字〔2026〕第0001号"
    assert paper.data["application_number"] == app.number
    assert len(paper.data["items"]) == 4
    second = _accepted(users)
    assert Paper.objects.get(application=second, kind="accept").serial == 2
    url = f"/approvals/applications/{app.pk}/papers/{paper.pk}.pdf"
    for who in ("resident", "window"):
        client.force_login(users[who])
        page = text(client.get(f"/approvals/applications/{app.pk}/"))
        assert "受理通知书" in page and paper.number in page and url in page
        assert app.number.encode() in pdf_of(client.get(url))
    client.force_login(users["resident2"])
    assert client.get(url).status_code == 404


def test_notice_lists_every_gap_with_its_reason(client, users):
    app = submit_restaurant(users)
    gaps = [{"key": "health_cert", "reason": "已过期"}, {"key": "photo", "reason": "非白底"}]
    services.application_request_materials(
        actor=users["window"], application=app, version=1, gaps=gaps
    )
    paper = Paper.objects.get(application=app, kind="notice")
    assert [(g["name"], g["reason"]) for g in paper.data["gaps"]] == [
        ("从业人员健康证明", "已过期"),
        ("近期一寸白底免冠照片", "非白底"),
    ]
    client.force_login(users["resident"])
    pdf_of(client.get(f"/approvals/applications/{app.pk}/papers/{paper.pk}.pdf"))


def test_refusal_paper_carries_reason_and_legal_basis(users):
    app = submit_restaurant(users)
    services.application_reject(
        actor=users["window"],
        application=app,
        version=1,
        reason="经营场所位于居民楼内，不符合规划",
        legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项",
    )
    paper = Paper.objects.get(application=app, kind="reject")
    assert paper.data["reason"].startswith("经营场所") and "第三十二条" in paper.data["legal_basis"]
    assert "综不受字" in paper.number


def test_delivery_receipt_lists_results_and_applicant_sees_them_after_delivery(client, users):
    app = _accepted(users)
    by_dept = {"经济发展局": users["jingfa"], "综合行政执法局": users["zhifa"]}
    for child in app.children.all():
        run_steps(child.pk, by_dept)
    results = ResultDocument.objects.filter(application__parent=app)
    assert results.count() == 4
    assert len(set(results.values_list("number", flat=True))) == 4
    client.force_login(users["resident"])
    detail = client.get(f"/api/v1/approvals/applications/{app.pk}/").json()
    assert detail["results"] == []  # not before 出件
    result = results.first()
    assert (
        client.get(f"/approvals/applications/{app.pk}/results/{result.pk}.pdf").status_code == 404
    )

    app.refresh_from_db()
    services.application_deliver(
        actor=users["window"], application=app, version=app.version, method="window"
    )
    receipt = Paper.objects.get(application=app, kind="receipt")
    assert sorted(r["number"] for r in receipt.data["results"]) == sorted(
        results.values_list("number", flat=True)
    )
    detail = client.get(f"/api/v1/approvals/applications/{app.pk}/").json()
    assert {r["number"] for r in detail["results"]} == set(results.values_list("number", flat=True))
    assert {p["kind"] for p in detail["papers"]} == {"accept", "receipt"}
    page = text(client.get(f"/approvals/applications/{app.pk}/"))
    assert result.number in page and "办理结果" in page
    assert app.number.encode() in pdf_of(
        client.get(f"/approvals/applications/{app.pk}/results/{result.pk}.pdf")
    )


# ---------------------------------------------------------------------------------------------
# 4. A material uploaded for a 补正 shows as received at once
# ---------------------------------------------------------------------------------------------


def test_supplemented_material_shows_received_on_the_page_and_in_the_api(client, users):
    app = submit_restaurant(users)
    gaps = [{"key": "health_cert", "reason": "已过期"}, {"key": "photo", "reason": "非白底"}]
    services.application_request_materials(
        actor=users["window"], application=app, version=1, gaps=gaps
    )
    client.force_login(users["resident"])
    r = client.post(
        f"/approvals/applications/{app.pk}/act/",
        {
            "action": "upload",
            "key": "health_cert",
            "file": SimpleUploadedFile("h.pdf", PDF),
            "next": f"/approvals/applications/{app.pk}/",
        },
        follow=True,
    )
    html = text(r)
    item = re.search(r'<li data-key="health_cert">(.*?)</li>', html, re.S).group(1)
    assert "已收到" in item and "h.pdf" in item
    other = re.search(r'<li data-key="photo">(.*?)</li>', html, re.S).group(1)
    assert "待补正" in other
    data = client.get(f"/api/v1/approvals/applications/{app.pk}/").json()
    received = {g["key"]: g["received"] for g in data["missing_materials"]}
    assert received == {"health_cert": True, "photo": False}


def test_upload_without_a_file_says_so_in_chinese(client, users):
    app = submit_restaurant(users)
    services.application_request_materials(
        actor=users["window"],
        application=app,
        version=1,
        gaps=[{"key": "health_cert", "reason": "已过期"}],
    )
    client.force_login(users["resident"])
    r = client.post(
        f"/approvals/applications/{app.pk}/act/", {"action": "upload", "key": "health_cert"}
    )
    assert r.status_code == 400 and field_error(text(r), "file") == "请选择文件"
    assert_reads_chinese(text(r))


# ---------------------------------------------------------------------------------------------
# 5. A 差评 goes to the unit that owns the rated step
# ---------------------------------------------------------------------------------------------


def test_bad_rating_of_a_review_step_goes_to_its_department(users):
    app = _delivered_bundle(users)
    step = (
        app.children.get(item__name="设置户外招牌审核")
        .steps.filter(state="approved")
        .select_related("department")
        .first()
    )
    rating = services.application_rate(
        actor=users["resident"],
        application=app,
        version=app.version,
        level=1,
        comment="招牌审核要求前后不一",
        step=str(step.pk),
    )
    rect = Rectification.objects.get(rating=rating)
    assert rect.department == step.department != app.department
    assert rating.stage == "review" and rating.step == step


@pytest.mark.parametrize("stage", ["accept", "deliver"])
def test_bad_rating_of_acceptance_or_hand_over_goes_to_the_window(users, stage):
    app = _delivered_bundle(users)
    rating = services.application_rate(
        actor=users["resident"],
        application=app,
        version=app.version,
        level=2,
        comment="窗口排队太久",
        step=stage,
    )
    rect = Rectification.objects.get(rating=rating)
    window_units = set(users["window"].memberships.values_list("org_unit_id", flat=True))
    assert rect.department_id in window_units
    assert rect.department_id != app.department_id


def test_bad_rating_of_a_bundle_must_name_the_step(users):
    app = _delivered_bundle(users)
    with pytest.raises(ValidationFailed) as caught:
        services.application_rate(
            actor=users["resident"], application=app, version=app.version, level=1, comment="差"
        )
    assert "step" in caught.value.fields
    with pytest.raises(ValidationFailed):
        services.application_rate(
            actor=users["resident"],
            application=app,
            version=app.version,
            level=1,
            comment="差",
            step="999999",
        )
    assert not Rectification.objects.exists()


# ---------------------------------------------------------------------------------------------
# The reviewing department's and the hand-over forms keep what was typed, errors at each field
# ---------------------------------------------------------------------------------------------

PENSION = "320576052-05-0404"  # 高龄津贴: one review step of 社会事业局 (shiye)


def _under_review(users) -> Application:
    app = services.application_submit(
        actor=users["resident"],
        item=PENSION,
        form={
            "applicant_name": "刘居民",
            "id_number": "11010519491231002X",
            "phone": "13912345678",
            "address": "星华街1号",
        },
        materials=[
            services.MaterialInput(key=k, filename=f"{k}.pdf", content=PDF)
            for k in ("id_card", "bank_card")
        ],
    )
    return services.application_accept(actor=users["window"], application=app, version=1)


def _act_as(client, user, app, **data):
    client.force_login(user)
    return client.post(f"/approvals/applications/{app.pk}/act/", data)


def test_review_deny_without_legal_basis_keeps_the_reason(client, users):
    app = _under_review(users)
    r = _act_as(
        client, users["shiye"], app, action="deny", version=app.version, reason="户籍不在本街道"
    )
    html = text(r)
    assert r.status_code == 400
    assert field_error(html, "legal_basis") == "请填写法律依据"
    assert field_error(html, "reason") == ""
    assert 'name="reason" value="户籍不在本街道"' in html
    assert re.search(r"<details open><summary>不予办理", html)
    assert_reads_chinese(html)
    assert Application.objects.get(pk=app.pk).status == "accepted"


def test_review_notice_without_a_tick_keeps_the_typed_reasons(client, users):
    app = _under_review(users)
    r = _act_as(
        client,
        users["shiye"],
        app,
        action="request_materials",
        version=app.version,
        **{"reason.bank_card": "卡号模糊", "note": "请补正"},
    )
    html = text(r)
    assert r.status_code == 400
    assert field_error(html, "gaps") == "至少一项"
    assert 'name="reason.bank_card" placeholder="问题" value="卡号模糊"' in html
    assert 'name="note" value="请补正"' in html
    assert re.search(r"<details open><summary>一次性告知补正", html)
    assert_reads_chinese(html)
    # ticked and sent again: the notice goes out
    r = _act_as(
        client,
        users["shiye"],
        app,
        action="request_materials",
        version=app.version,
        **{"gap.bank_card": "1", "reason.bank_card": "卡号模糊"},
    )
    assert r.status_code == 302
    assert Application.objects.get(pk=app.pk).status == "needs_materials"


def test_review_opinion_survives_a_stale_version(client, users):
    app = _under_review(users)
    r = _act_as(
        client,
        users["shiye"],
        app,
        action="approve_step",
        version=app.version - 1,
        opinion="经核查符合条件",
    )
    assert r.status_code == 409
    assert "经核查符合条件</textarea>" in text(r)
    assert_reads_chinese(text(r))


def test_delivery_refusal_names_the_methods_in_chinese(client, users):
    app = _under_review(users)
    run_steps(app.pk, {"社会事业局": users["shiye"]})
    app = Application.objects.get(pk=app.pk)
    r = _act_as(
        client,
        users["window"],
        app,
        action="deliver",
        version=app.version,
        method="pigeon",
        note="寄往星华街1号",
    )
    html = text(r)
    assert r.status_code == 400
    assert field_error(html, "method") == "可选：窗口领取、邮寄送达、电子证照"
    assert 'name="note" value="寄往星华街1号"' in html
    assert_reads_chinese(html)
    for raw in ("electronic", "window"):
        assert raw not in field_error(html, "method")
