"""Open311 from the outside: the `georeport` client from PyPI against the live test server.

georeport 0.3.1 reads (services, service definitions, requests, one request) but has no call
that creates a request, so the POST goes through `requests`, the HTTP library georeport itself
uses, exactly as the client would send it: form-encoded, UTF-8.
"""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.integrations.tests.conftest import API_KEY, IN_GRID_A

georeport = pytest.importorskip("georeport", reason="georeport (test extra) is not installed")
requests = pytest.importorskip("requests")

TEXT = "唯亭街道星华街与青剑湖路交叉口：一辆白色面包车占用盲道停放三天了，请尽快处理！"


@pytest.fixture
def catalogue(transactional_db):
    """The category catalogue the data migration seeds: a transactional test's flush (here or
    in an earlier test) empties it, and serialized rollback collides with the content types
    that flush re-creates, so it is seeded again."""
    from yiwang.workorders.tests.conftest import seed_categories

    seed_categories()


def test_georeport_client_posts_and_reads_back_chinese(live_server, catalogue, o311):
    root = live_server.url + "/open311/v2"
    client = georeport.GeoReport(root, api_key=API_KEY)
    xml_client = georeport.GeoReport(root, api_key=API_KEY, output_format="xml")

    services = {s["service_code"]: s for s in client.get_service_list()}
    assert services["09009"]["service_name"] == "机动车乱停放"
    xml_services = {s["service_code"]: s for s in xml_client.get_service_list()}
    assert xml_services["06010"]["service_name"] == "暴露垃圾"
    definition = client.get_service_definition("09009")
    assert definition["attributes"][0]["code"] == "plate"

    response = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": API_KEY,
            "service_code": "09009",
            "description": TEXT,
            "address_string": "星华街与青剑湖路交叉口",
            "first_name": "小明",
            "last_name": "王",
            "deviceid": "georeport-test",
            **IN_GRID_A,
        },
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    code = response.json()[0]["service_request_id"]

    one = client.get_service_request(code)
    assert one["description"] == TEXT
    assert one["address"] == "星华街与青剑湖路交叉口"
    assert one["agency_responsible"] == "综合行政执法局"
    assert one["status"] == "open"
    expected = dt.datetime.fromisoformat(one["expected_datetime"])
    assert expected.utcoffset() == dt.timedelta(hours=8)

    xml_one = xml_client.get_service_request(code)
    assert xml_one["description"] == TEXT
    assert xml_one["service_name"] == "机动车乱停放"

    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0)
    listed = client.get_service_requests(
        service_code="09009",
        status="open",
        start_date=(today - dt.timedelta(days=1)).isoformat(),
        end_date=(today + dt.timedelta(days=1)).isoformat(),
    )
    assert [r["service_request_id"] for r in listed] == [code]
    assert client.get_service_requests(status="closed") == []
    by_id = client.get_service_requests(service_request_id=code)
    assert by_id[0]["description"] == TEXT
