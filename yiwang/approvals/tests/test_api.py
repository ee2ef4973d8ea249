"""API: the catalogue, submission (JSON and multipart), actions with versions, materials,
scope, bad input (one error format, nothing changed), KPIs."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.approvals.models import Application, ApplicationEvent, ApplicationMaterial, Rating
from yiwang.approvals.tests.conftest import PDF, PNG, restaurant_form

pytestmark = pytest.mark.django_db

BASE = "/api/v1/approvals"
MATERIAL_KEYS = [
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


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def materials_json(skip=(), override=None):
    out = []
    for k in MATERIAL_KEYS:
        if k in skip:
            continue
        if k == "photo":
            out.append({"key": k, "filename": "photo.png", "content_base64": b64(PNG)})
        else:
            out.append({"key": k, "filename": f"{k}.pdf", "content_base64": b64(PDF)})
    if override:
        out = [m for m in out if m["key"] != override["key"]] + [override]
    return out


def submit(client_for, users, *, user="resident", **extra):
    payload = {
        "bundle": "320576052-YJS-01",
        "form": restaurant_form(),
        "materials": materials_json(),
    }
    payload.update(extra)
    return client_for(users[user]).post(f"{BASE}/applications/", payload, format="json")


def act(client_for, user, app_id, action, **data):
    client = client_for(user)
    if "version" not in data:
        data["version"] = client.get(f"{BASE}/applications/{app_id}/").json()["version"]
    return client.post(f"{BASE}/applications/{app_id}/{action}/", data, format="json")


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code, body
    return body["error"]


def state():
    return (
        Application.objects.count(),
        ApplicationMaterial.objects.count(),
        ApplicationEvent.objects.count(),
        Rating.objects.count(),
    )


# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------


def test_items_are_public_and_searchable(client, catalogue):
    r = client.get(f"{BASE}/items/")
    assert r.status_code == 200
    assert r.json()["count"] >= 40
    r = client.get(f"{BASE}/items/", {"life_event": "出生"})
    names = {i["name"] for i in r.json()["results"]}
    assert {"生育登记", "新生儿城乡居民医保参保登记"} <= names and "临时救助" not in names
    r = client.get(f"{BASE}/items/", {"q": "奶茶"})
    assert [i["name"] for i in r.json()["results"]] == ["食品经营许可（小餐饮）"]


def test_item_detail_has_national_fields_and_steps(client, catalogue):
    r = client.get(f"{BASE}/items/320576052-01-0104/")
    body = r.json()
    assert body["item_type"] == "01" and body["item_type_label"] == "行政许可"
    assert body["affair_type_label"] == "承诺件"
    assert body["statutory_limit_days"] == 20 and body["promised_limit_days"] == 5
    assert body["department"]["name"] == "经济发展局"
    health = next(m for m in body["materials"] if m["key"] == "health_cert")
    assert health["original_needed"] is True and health["formats"] == ["pdf", "jpg", "png"]
    assert [s["name"] for s in body["steps"]] == ["材料审查", "现场核查", "审批决定"]
    assert body["steps"][1]["condition"]["any"][0]["field"] == "cooking"
    assert_error(client.get(f"{BASE}/items/nope/"), 404, "not_found")


def test_bundle_merges_form_and_materials(client, catalogue):
    body = client.get(f"{BASE}/bundles/320576052-YJS-01/").json()
    assert body["name"] == "开办小餐饮店"
    assert len(body["items"]) == 4
    keys = [m["key"] for m in body["materials"]]
    assert len(keys) == len(set(keys))  # each material asked once
    assert "business_licence" not in keys  # produced inside the bundle
    id_card = next(m for m in body["materials"] if m["key"] == "id_card")
    assert len(id_card["items"]) == 4
    fields = [f["name"] for f in body["form_fields"]]
    assert len(fields) == len(set(fields)) and "cooking" in fields and "sign_size" in fields
    bundles = client.get(f"{BASE}/bundles/").json()
    assert bundles["count"] == 4


# ---------------------------------------------------------------------------------------------
# Submission and the life cycle through the API
# ---------------------------------------------------------------------------------------------


def test_restaurant_bundle_through_the_api(client_for, users):
    r = submit(client_for, users)
    assert r.status_code == 201, r.content
    app = r.json()
    assert app["kind"] == "bundle" and app["status"] == "submitted"
    assert len(app["sub_applications"]) == 4
    # masked for the applicant too: no GET answer carries a plain ID number (issue 11)
    assert app["form"]["id_number"] == "110105********002X"
    assert app["form"]["phone"] == "139****5678"
    assert "11010519491231002X" not in r.content.decode()
    assert app["timeline"][0]["label"] == "提交申请"
    pid = app["id"]

    r = act(client_for, users["window"], pid, "accept")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "reviewing"
    assert body["form"]["id_number"] == "110105********002X"  # masked for the clerk
    subs = {s["item"]["name"]: s for s in body["sub_applications"]}
    assert subs["个体工商户设立登记"]["status"] == "approved"

    steps = client_for(users["jingfa"]).get(f"{BASE}/steps/").json()
    assert [s["name"] for s in steps["results"]] == ["材料审查"]
    assert client_for(users["zhifa"]).get(f"{BASE}/steps/").json()["count"] == 2

    for reviewer in ["jingfa", "zhifa"]:
        while True:
            mine = client_for(users[reviewer]).get(f"{BASE}/steps/").json()["results"]
            if not mine:
                break
            s = mine[0]
            r = act(
                client_for,
                users[reviewer],
                s["application"]["id"],
                "approve_step",
                version=s["application"]["version"],
                opinion="同意",
            )
            assert r.status_code == 200, r.content

    body = client_for(users["window"]).get(f"{BASE}/applications/{pid}/").json()
    assert body["status"] == "approved" and "deliver" in body["allowed_actions"]
    r = act(client_for, users["window"], pid, "deliver", method="window")
    assert r.json()["status"] == "delivered" and r.json()["visits"] == 1
    r = act(client_for, users["resident"], pid, "rate", level=5, comment="一次办好")
    assert r.status_code == 200 and r.json()["rating"]["label"] == "非常满意"
    labels = [e["label"] for e in r.json()["timeline"]]
    assert "受理" in labels and "材料审查：通过" in labels and "一件事办结" in labels


def test_multipart_submission_with_files(client_for, users):
    data = {
        "item": "320576052-20-0201",
        "form": '{"applicant_name": "刘居民", "id_number": "11010519491231002X", '
        '"phone": "13912345678", "address": "星华街1号"}',
        "material.id_card": SimpleUploadedFile("id.pdf", PDF, "application/pdf"),
    }
    r = client_for(users["resident"]).post(f"{BASE}/applications/", data, format="multipart")
    assert r.status_code == 201, r.content
    assert r.json()["materials"][0]["key"] == "id_card"


def test_material_download_scoped(client_for, users):
    app = submit(client_for, users).json()
    m = next(x for x in app["materials"] if x["key"] == "id_card")
    r = client_for(users["resident"]).get(m["url"])
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert client_for(users["window"]).get(m["url"]).status_code == 200
    assert_error(client_for(users["resident2"]).get(m["url"]), 404, "not_found")


# ---------------------------------------------------------------------------------------------
# Bad input: a clear error and nothing changed
# ---------------------------------------------------------------------------------------------


def test_missing_required_material(client_for, users):
    before = state()
    err = assert_error(
        submit(client_for, users, materials=materials_json(skip=("health_cert",))),
        400,
        "missing_materials",
    )
    assert "从业人员健康证明" in err["message"] and "health_cert" in err["fields"]
    assert state() == before


def test_wrong_file_type(client_for, users):
    before = state()
    bad = {"key": "food_safety_rules", "filename": "rules.png", "content_base64": b64(PNG)}
    err = assert_error(
        submit(client_for, users, materials=materials_json(override=bad)), 400, "wrong_file_type"
    )
    assert "PDF" in err["message"]
    assert state() == before
    # through the upload endpoint too
    app = submit(client_for, users).json()
    before = state()
    r = client_for(users["resident"]).post(
        f"{BASE}/applications/{app['id']}/materials/",
        {"key": "id_card", "file": SimpleUploadedFile("id.exe", b"MZ\x90", "application/x")},
        format="multipart",
    )
    assert_error(r, 400, "wrong_file_type")
    assert state() == before


def test_item_not_devolved(client_for, users):
    before = state()
    r = client_for(users["resident"]).post(
        f"{BASE}/applications/",
        {"item": "320571002-20-9001", "form": {"applicant_name": "刘"}},
        format="json",
    )
    err = assert_error(r, 400, "not_devolved")
    assert "未下放" in err["message"]
    assert state() == before


def test_step_by_someone_who_does_not_hold_it(client_for, users):
    pid = submit(client_for, users).json()["id"]
    body = act(client_for, users["window"], pid, "accept").json()
    food = next(
        s for s in body["sub_applications"] if s["item"]["name"] == "食品经营许可（小餐饮）"
    )
    before = state()
    # 综合行政执法局 sees the bundle's other children but does not hold this step
    r = act(client_for, users["zhifa"], food["id"], "approve_step", version=food["version"])
    assert_error(r, 404, "not_found")  # not even visible to zhifa
    r = act(client_for, users["window"], food["id"], "approve_step", version=food["version"])
    assert_error(r, 403, "not_step_holder")
    r = act(
        client_for,
        users["leader"],
        food["id"],
        "deny",
        version=food["version"],
        reason="x",
        legal_basis="y",
    )
    assert_error(r, 403, "not_step_holder")
    assert state() == before


def test_rating_twice(client_for, users):
    pid = submit(client_for, users).json()["id"]
    act(
        client_for,
        users["window"],
        pid,
        "reject",
        reason="场所为住宅",
        legal_basis="《行政许可法》第三十二条",
    )
    assert act(client_for, users["resident"], pid, "rate", level=3).status_code == 200
    before = state()
    assert_error(
        act(client_for, users["resident"], pid, "rate", level=1, comment="差"), 409, "already_rated"
    )
    assert state() == before


def test_stale_version(client_for, users):
    app = submit(client_for, users).json()
    r = act(client_for, users["window"], app["id"], "accept", version=app["version"])
    assert r.status_code == 200
    before = state()
    r = act(
        client_for,
        users["window"],
        app["id"],
        "reject",
        version=app["version"],
        reason="r",
        legal_basis="b",
    )
    assert_error(r, 409, "stale_version")
    assert state() == before


def test_version_required_and_unknown_action(client_for, users):
    app = submit(client_for, users).json()
    r = client_for(users["window"]).post(
        f"{BASE}/applications/{app['id']}/accept/", {}, format="json"
    )
    err = assert_error(r, 400, "invalid")
    assert "version" in err["fields"]
    assert_error(act(client_for, users["window"], app["id"], "explode"), 404, "not_found")


def test_bad_json_and_invalid_form(client_for, users):
    r = client_for(users["resident"]).post(
        f"{BASE}/applications/", "{not json", content_type="application/json"
    )
    assert_error(r, 400, "parse_error")
    r = submit(client_for, users, form=restaurant_form(phone="123"))
    err = assert_error(r, 400, "invalid_form")
    assert "phone" in err["fields"]
    r = submit(client_for, users, materials=[{"key": "id_card", "content_base64": "!!"}])
    assert_error(r, 400, "invalid")
    r = client_for(users["resident"]).post(f"{BASE}/applications/", {"item": "nope"}, format="json")
    assert_error(r, 400, "unknown_item")


def test_request_materials_needs_gaps(client_for, users):
    app = submit(client_for, users).json()
    assert_error(
        act(client_for, users["window"], app["id"], "request_materials", gaps=[]),
        400,
        "no_gaps_listed",
    )
    assert_error(
        act(client_for, users["window"], app["id"], "request_materials", gaps=[{"key": "nope"}]),
        400,
        "unknown_material",
    )
    r = act(
        client_for,
        users["window"],
        app["id"],
        "request_materials",
        gaps=[{"key": "id_card", "reason": "已过期"}, {"key": "photo", "reason": "非白底"}],
    )
    assert r.json()["status"] == "needs_materials"
    assert [g["key"] for g in r.json()["missing_materials"]] == ["id_card", "photo"]


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------


def test_scope_of_applications(client_for, users):
    pid = submit(client_for, users).json()["id"]
    act(client_for, users["window"], pid, "accept")

    def visible(user):
        return {
            a["id"] for a in client_for(users[user]).get(f"{BASE}/applications/").json()["results"]
        }

    all_ids = set(Application.objects.values_list("pk", flat=True))
    assert visible("resident") == all_ids  # own bundle and its children
    assert visible("resident2") == set()
    assert visible("grid_b") == set()
    assert visible("window") == all_ids
    assert visible("window_other") == set()
    assert visible("leader") == all_ids
    eco = set(
        Application.objects.filter(department__name="经济发展局").values_list("pk", flat=True)
    )
    assert visible("jingfa") == eco and pid in eco  # lead department sees the parent
    zhifa = visible("zhifa")
    assert zhifa and zhifa == set(
        Application.objects.filter(department__name="综合行政执法局").values_list("pk", flat=True)
    )
    assert_error(
        client_for(users["resident2"]).get(f"{BASE}/applications/{pid}/"), 404, "not_found"
    )


def test_anonymous_cannot_see_applications(client, catalogue):
    r = client.get(f"{BASE}/applications/")
    assert r.status_code in (401, 403)
    assert r.json()["error"]["code"] == "not_authenticated"


# ---------------------------------------------------------------------------------------------
# KPIs and export
# ---------------------------------------------------------------------------------------------


def test_kpis(client_for, users, clock):
    # one bundle delivered online (0 visits), rated 差评 → rectification
    pid = submit(client_for, users).json()["id"]
    act(client_for, users["window"], pid, "accept")
    for reviewer in ["jingfa", "zhifa"]:
        for s in client_for(users[reviewer]).get(f"{BASE}/steps/").json()["results"]:
            while True:
                d = (
                    client_for(users[reviewer])
                    .get(f"{BASE}/applications/{s['application']['id']}/")
                    .json()
                )
                if "approve_step" not in d["allowed_actions"]:
                    break
                act(client_for, users[reviewer], d["id"], "approve_step")
    act(client_for, users["window"], pid, "deliver", method="electronic")
    act(
        client_for, users["resident"], pid, "rate", level=1, comment="网上填报太复杂", step="accept"
    )
    # one submitted, one rejected
    submit(client_for, users, user="resident2")
    rid = submit(client_for, users).json()["id"]
    act(client_for, users["window"], rid, "reject", reason="r", legal_basis="b")

    k = client_for(users["leader"]).get(f"{BASE}/kpis/").json()
    assert k["applications"]["by_status"]["delivered"] == 4
    assert k["applications"]["by_status"]["submitted"] == 4
    assert k["applications"]["by_status"]["rejected"] == 4
    assert k["completion_rate"] == 1.0 and k["on_time_rate"] == 1.0
    assert k["on_the_spot_share"] == 0.25  # the licence, 即办件
    assert k["no_visit_share"] == 1.0 and k["within_visits_share"] == 1.0
    assert k["online_submitted_share"] == 1.0
    assert k["good_rating_share"] == 0.0 and k["ratings"]["bad"] == 1
    assert k["rectifications"]["total"] == 1 and k["rectified_on_time_share"] is None
    assert k["avg_workdays_to_decision"] == 0.0
    # the 差评 judged the acceptance (网上申报): it goes to the window, not the lead department
    assert client_for(users["jingfa"]).get(f"{BASE}/rectifications/").json()["results"] == []
    rect = client_for(users["window"]).get(f"{BASE}/rectifications/").json()["results"][0]
    r = client_for(users["window"]).post(
        f"{BASE}/rectifications/{rect['id']}/close/",
        {"version": rect["version"], "outcome": "fixed", "result": "简化了表单"},
        format="json",
    )
    assert r.json()["on_time"] is True
    k = client_for(users["leader"]).get(f"{BASE}/kpis/").json()
    assert k["rectified_on_time_share"] == 1.0
    # a resident's KPIs cover only their own
    mine = client_for(users["resident2"]).get(f"{BASE}/kpis/").json()
    assert mine["applications"]["top_level"] == 1
    assert_error(client_for(users["leader"]).get(f"{BASE}/kpis/", {"from": "x"}), 400, "invalid")


def test_export_xlsx(client, catalogue):
    r = client.get(f"{BASE}/items/export.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert r.content[:2] == b"PK"


def test_openapi_schema_lists_approvals(client_for, users):
    r = client_for(users["admin"]).get("/api/v1/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/approvals/applications/{id}/{action}/" in paths


def test_material_file_scope(client_for, users):
    """A material's file is served to those who see its application (the applicant, the
    window), to nobody else, and only under its own application (issue 11, scope matrix)."""
    app = submit(client_for, users).json()
    material = next(m for m in app["materials"] if m["key"] == "id_card")
    url = material["url"]
    assert url == f"{BASE}/applications/{app['id']}/materials/{material['id']}/file/"
    for persona in ("resident", "window"):
        r = client_for(users[persona]).get(url)
        assert r.status_code == 200, persona
        assert b"".join(r.streaming_content) == PDF
    for persona in ("resident2", "grid_a", "shiye"):
        assert client_for(users[persona]).get(url).status_code == 404, persona
    other = submit(client_for, users, user="resident2").json()
    crossed = f"{BASE}/applications/{other['id']}/materials/{material['id']}/file/"
    assert client_for(users["resident2"]).get(crossed).status_code == 404


def test_hand_in_refused_to_who_only_reads_whatever_the_body(client_for, users):
    """The street and the reviewing departments see an application but hand in no material:
    403 before the body is read (not a 400 about a missing file), nothing changed."""
    app = submit(client_for, users).json()
    before = state()
    for persona in ("leader", "dispatcher", "jingfa"):
        client = client_for(users[persona])
        assert client.get(f"{BASE}/applications/{app['id']}/").status_code == 200, persona
        r = client.post(f"{BASE}/applications/{app['id']}/materials/", {}, format="json")
        assert_error(r, 403, "not_applicant")
    assert state() == before
