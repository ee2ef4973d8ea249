"""Who may use the work-order channel `enterprise` (企业诉求): the economy app's channel guard,
tried from the work-order API (`POST /api/v1/workorders/` with `"channel": "enterprise"`)."""

from __future__ import annotations

import pytest

from yiwang.economy import services as sv
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db
URL = "/api/v1/workorders/"
IN_A = (120.005, 31.005)  # inside grid A of the test street


def file_enterprise(client, **extra):
    body = {"description": "厂区门口道路破损，货车进出困难", "lon": IN_A[0], "lat": IN_A[1],
            "channel": "enterprise"}  # fmt: skip
    body.update(extra)
    return client.post(URL, body, format="json")


@pytest.mark.parametrize("who", ["resident", "grid_a", "zhifa"])
def test_someone_who_speaks_for_no_firm_is_refused_and_nothing_is_filed(
    world, econ, client_for, who
):
    before = WorkOrder.objects.count()
    response = file_enterprise(client_for(world.users[who]))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "channel_forbidden"
    assert "只有企业用户、企业的挂钩服务人员或经济发展局工作人员" in error["message"]
    assert WorkOrder.objects.count() == before


def test_the_same_resident_may_still_report_as_a_resident(world, econ, client_for):
    response = file_enterprise(client_for(world.users["resident"]), channel="resident")
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "resident"


def test_a_company_user_may_file_once_linked_to_a_firm(world, econ, client_for):
    client = client_for(econ.firm_user)
    assert file_enterprise(client).status_code == 403
    sv.firm_user_link(actor=econ.bureau_user, firm=econ.firms[0], user=econ.firm_user)
    response = file_enterprise(client)
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "enterprise"


def test_an_official_may_file_while_assigned_to_a_firm(world, econ, client_for):
    client = client_for(econ.official)
    assert file_enterprise(client).status_code == 403
    assignment = sv.official_assign(actor=econ.bureau_user, firm=econ.firms[0],
                                    official=econ.official)  # fmt: skip
    assert file_enterprise(client).status_code == 201
    sv.official_unassign(actor=econ.bureau_user, assignment=assignment)
    assert file_enterprise(client).status_code == 403


@pytest.mark.parametrize("who", ["bureau", "dispatcher"])
def test_the_bureau_and_the_dispatcher_may_record_a_firms_request(world, econ, client_for, who):
    user = econ.bureau_user if who == "bureau" else world.users["dispatcher"]
    response = file_enterprise(client_for(user))
    assert response.status_code == 201, response.content


def test_the_economy_service_still_files_a_firms_request(world, econ):
    sv.firm_user_link(actor=econ.bureau_user, firm=econ.firms[0], user=econ.firm_user)
    request = sv.enterprise_request_create(
        actor=econ.firm_user, firm=econ.firms[0], description="申请厂区周边道路修缮"
    )
    assert request.work_order.channel == "enterprise"
