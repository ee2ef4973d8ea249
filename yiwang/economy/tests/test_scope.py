"""Who may do what on the economy desk, beside the scope matrix (yiwang/tests/scope/economy.py):
the role is checked before the body is read, an official acts only for their own firms, and a
company user (企业用户) sees only its own firm."""

from __future__ import annotations

import io

import pytest

from yiwang.core.models import AuditEvent
from yiwang.economy import services as sv
from yiwang.economy.models import OfficialAssignment

pytestmark = pytest.mark.django_db

NOT_BUREAU = ["dispatcher", "grid_a", "zhifa", "window", "resident"]


@pytest.mark.parametrize("persona", NOT_BUREAU)
def test_figures_import_refuses_a_non_bureau_user_whatever_the_body(
    econ, world, client_for, persona
):
    """403 before the upload is read: no 415 for a JSON body, no 400 for a missing file."""
    client = client_for(world.users[persona])
    before = AuditEvent.objects.count()
    as_json = client.post("/api/v1/economy/figures/import/", {}, format="json")
    no_file = client.post("/api/v1/economy/figures/import/", {}, format="multipart")
    upload = io.BytesIO(b"not a workbook")
    upload.name = "x.xlsx"
    a_file = client.post(
        "/api/v1/economy/figures/import/", {"file": upload}, format="multipart"
    )  # fmt: skip
    assert [as_json.status_code, no_file.status_code, a_file.status_code] == [403, 403, 403]
    assert as_json.json()["error"]["code"] == "forbidden"
    assert AuditEvent.objects.count() == before


def test_figures_import_still_reads_the_bureau_s_body(econ, client_for):
    client = client_for(econ.bureau_user)
    missing = client.post("/api/v1/economy/figures/import/", {}, format="multipart")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"file": ["必填"]}


def test_official_assign_refuses_a_non_bureau_user_before_the_body(econ, world, client_for):
    """The firm's own official (who sees the firm) may not assign officials: 403 whatever the
    body, where the body was read first and answered 400."""
    firm = econ.firms[0]
    sv.official_assign(actor=econ.bureau_user, firm=firm, official=econ.official)
    client = client_for(econ.official)
    url = f"/api/v1/economy/firms/{firm.pk}/officials/"
    empty = client.post(url, {}, format="json")
    valid = client.post(url, {"official": world.users["leader"].pk}, format="json")
    assert (empty.status_code, valid.status_code) == (403, 403)
    assert OfficialAssignment.objects.filter(firm=firm).count() == 1
    outside = client_for(world.users["resident"]).post(url, {}, format="json")
    assert outside.status_code == 404  # not the resident's firm: not found
    ok = client_for(econ.bureau_user).post(url, {"official": world.users["leader"].pk})
    assert ok.status_code == 201


def test_an_official_acts_only_for_their_own_firm(econ, client_for):
    """挂钩人员 of firm 0 sees firm 2 (a department sees the street's 法人库) but may not record a
    visit, add a contact or raise a request for it."""
    own, other = econ.firms[0], econ.firms[2]
    sv.official_assign(actor=econ.bureau_user, firm=own, official=econ.official)
    client = client_for(econ.official)
    assert client.get(f"/api/v1/economy/firms/{other.pk}/").status_code == 200
    visit = {"visited_on": "2026-12-01", "summary": "走访"}
    before = AuditEvent.objects.count()
    refused = [
        client.post(f"/api/v1/economy/firms/{other.pk}/visits/", visit, format="json"),
        client.post(f"/api/v1/economy/firms/{other.pk}/contacts/", {"name": "王"}, format="json"),
        client.post(
            f"/api/v1/economy/firms/{other.pk}/requests/", {"description": "用地"}, format="json"
        ),
    ]
    assert [r.status_code for r in refused] == [403, 403, 404]
    assert AuditEvent.objects.count() == before
    done = client.post(f"/api/v1/economy/firms/{own.pk}/visits/", visit, format="json")
    assert done.status_code == 201


def test_a_company_user_sees_only_its_own_firm(econ, world, client_for):
    """The enterprise user (企业用户) of firm 0: its page, its list, nothing of firm 1."""
    own, other = econ.firms[0], econ.firms[1]
    sv.firm_user_link(actor=econ.bureau_user, firm=own, user=econ.firm_user)
    sv.firm_contact_add(actor=econ.bureau_user, firm=other, name="李四", phone="13911112222")
    client = client_for(econ.firm_user)
    mine = client.get("/api/v1/economy/my-firm/")
    assert mine.status_code == 200
    assert (mine.json()["id"], mine.json()["name"]) == (own.pk, own.entity.name)
    assert mine.json()["contacts"] == []  # firm 1's contact is not on its page
    listed = client.get("/api/v1/economy/firms/").json()["results"]
    assert [f["id"] for f in listed] == [own.pk]
    assert client.get(f"/api/v1/economy/firms/{other.pk}/").status_code == 404
    requests = client.get("/api/v1/economy/requests/").json()["results"]
    assert requests == []
    assert client_for(world.users["resident2"]).get("/api/v1/economy/my-firm/").status_code == 404


def _listed_requests(client) -> set:
    return {r["id"] for r in client.get("/api/v1/economy/requests/").json()["results"]}


def test_a_request_is_seen_as_its_work_order_not_as_its_firm(econ, world, client_for):
    """企业诉求 are work orders: a department or the window that sees the firm (法人库) does not
    see its requests until one is dispatched to it; the grid worker sees the ones placed in
    their grid; the firm's official, its user and the bureau see all of them."""
    from yiwang.workorders.models import WorkOrder
    from yiwang.workorders.services import work_order_dispatch

    firm = econ.firms[0]  # grid A, with a point
    sv.firm_user_link(actor=econ.bureau_user, firm=firm, user=econ.firm_user)
    sv.official_assign(actor=econ.bureau_user, firm=firm, official=econ.official)
    made = sv.enterprise_request_create(actor=econ.firm_user, firm=firm, description="招工难")
    users = world.users
    seen = {
        name: made.pk in _listed_requests(client_for(user))
        for name, user in {
            "bureau": econ.bureau_user,
            "official": econ.official,
            "firm_user": econ.firm_user,
            "dispatcher": users["dispatcher"],
            "grid_a": users["grid_a"],
            "grid_b": users["grid_b"],
            "zhifa": users["zhifa"],
            "window": users["window"],
        }.items()
    }
    assert seen == {
        "bureau": True,
        "official": True,
        "firm_user": True,
        "dispatcher": True,
        "grid_a": True,  # the order lies in grid A
        "grid_b": False,
        "zhifa": False,  # sees the firm, not its orders
        "window": False,
    }
    order = WorkOrder.objects.get(pk=made.work_order_id)
    work_order_dispatch(
        actor=users["dispatcher"],
        order=order,
        version=order.version,
        category="06013",
        department=world.department.pk,
        limit_value=5,
        limit_unit="work_days",
    )
    assert made.pk in _listed_requests(client_for(users["zhifa"]))  # now dispatched to it
    rate = client_for(users["window"]).post(f"/api/v1/economy/requests/{made.pk}/rate/", {})
    assert rate.status_code == 404
