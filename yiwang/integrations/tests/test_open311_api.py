"""Open311 GeoReport v2 endpoints through Django's test client: JSON and XML, filters,
datetimes with offsets, Chinese round-trip, FixMyStreet-style posts, errors."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yiwang.integrations.models import Open311Submission
from yiwang.integrations.tests.conftest import API_KEY, IN_GRID_A, png_bytes

BASE = "/open311/v2"
TEXT = "青剑湖路口有一辆黑色轿车长期占用消防通道，影响通行。"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def post(client, fmt="json", **fields):
    data = {"api_key": API_KEY, "service_code": "09009", "description": TEXT, **IN_GRID_A}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.{fmt}", data)


def created_id(response) -> str:
    assert response.status_code == 201, response.content.decode()
    return response.json()[0]["service_request_id"]


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def order_of(code):
    from yiwang.workorders.models import WorkOrder

    return WorkOrder.objects.get(code=code)


def make_resident_order(world, **extra):
    from yiwang.workorders.services import work_order_create

    return work_order_create(
        actor=world.users["resident"],
        description="居民上报：楼道堆放杂物",
        lon=120.005,
        lat=31.005,
        category="09009",
        **extra,
    )


# --- discovery, services, service definitions -------------------------------------------------


@pytest.mark.parametrize("path", ["/open311/v2/discovery", "/open311/discovery"])
def test_discovery_in_both_formats(client, db, path):
    data = client.get(path + ".json").json()
    endpoint = data["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml(client.get(path + ".xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_the_small_classes_with_a_rule(client, o311):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = {s["service_code"]: s for s in response.json()}
    assert set(services) == {"09009", "06010"}  # 06013 has no rule
    parking = services["09009"]
    assert parking["service_name"] == "机动车乱停放"
    assert parking["group"] == "街面秩序类"
    assert parking["type"] == "realtime"
    assert parking["metadata"] is True
    assert "综合行政执法局" in parking["description"]
    assert "2工作日" in parking["description"]
    assert "机动车乱停放" in parking["keywords"]


def test_services_xml(client, o311):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    codes = {s.findtext("service_code"): s for s in root.findall("service")}
    assert set(codes) == {"09009", "06010"}
    assert codes["06010"].findtext("service_name") == "暴露垃圾"
    assert codes["06010"].findtext("metadata") == "true"


def test_inactive_category_is_not_a_service(client, o311):
    o311.parking.is_active = False
    o311.parking.save()
    codes = [s["service_code"] for s in client.get(f"{BASE}/services.json").json()]
    assert codes == ["06010"]


def test_service_definition_json_and_xml(client, o311):
    data = client.get(f"{BASE}/services/06010.json").json()
    assert data["service_code"] == "06010"
    (attribute,) = data["attributes"]
    assert attribute == {
        "variable": True,
        "code": "amount",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "垃圾量",
        "values": [{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}],
    }
    root = xml(client.get(f"{BASE}/services/06010.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("attributes/attribute/code") == "amount"
    names = [v.findtext("name") for v in root.findall("attributes/attribute/values/value")]
    assert names == ["少量", "大量"]


@pytest.mark.parametrize("code", ["06013", "nope", "09"])
def test_unknown_service_definition_is_a_404(client, o311, code):
    response = client.get(f"{BASE}/services/{code}.json")
    assert response.status_code == 404
    [error] = response.json()
    assert error["code"] == 404 and "service_code" in error["description"]
    root = xml(client.get(f"{BASE}/services/{code}.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"


# --- POST requests ----------------------------------------------------------------------------


def test_post_creates_a_dispatched_work_order(client, o311):
    response = post(client, first_name="三", last_name="张", phone="13900001111")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    [created] = response.json()
    order = order_of(created["service_request_id"])
    assert created["token"] == order.open311_submission.token == order.external_id
    assert "综合行政执法局" in created["service_notice"]
    assert created["account_id"] is None
    assert order.channel == "open311"
    assert order.status == "dispatched"
    assert order.description == TEXT
    assert order.primary_department == o311.world.department
    assert order.grid == o311.world.regions["A"]
    assert order.reporter == o311.client_user
    assert (order.reporter_name, order.reporter_phone) == ("张三", "13900001111")
    assert order.deadline is not None
    o311.key.refresh_from_db()
    assert o311.key.last_used_at is not None


def test_post_writes_an_audit_row_naming_the_service_account(client, o311):
    from yiwang.core.models import AuditEvent

    code = created_id(post(client))
    event = AuditEvent.objects.get(action="open311.request_create")
    assert event.actor == o311.client_user
    assert event.after["work_order"] == code


def test_post_xml_answer(client, o311):
    response = post(client, "xml")
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    code = request.findtext("service_request_id")
    assert code.startswith("WT")
    assert request.findtext("token") == order_of(code).open311_submission.token
    assert "已受理" in request.findtext("service_notice")


def test_post_outside_the_street_is_refused_like_any_interactive_report(client, o311):
    from yiwang.workorders.models import WorkOrder

    for fmt in ("json", "xml"):
        response = post(client, fmt, lat="30.5", long="121.5")
        assert response.status_code == 400
        if fmt == "json":
            [error] = response.json()
            description = error["description"]
        else:
            description = xml(response).findtext("error/description")
        assert "该位置不在测试街道范围内" in description and "12345" in description
        assert description.endswith("[outside_street]")
        assert description.count("该位置不在") == 1  # the message once, not once per field
    assert WorkOrder.objects.count() == 0
    assert Open311Submission.objects.count() == 0


def test_post_with_only_an_address(client, o311):
    code = created_id(
        post(client, lat=None, long=None, address_string="唯亭街道青剑湖路88号", address_id="A-9")
    )
    order = order_of(code)
    assert order.address == "唯亭街道青剑湖路88号"
    assert order.status == "triage"
    item = client.get(f"{BASE}/requests/{code}.json").json()[0]
    assert item["address"] == "唯亭街道青剑湖路88号"
    assert item["address_id"] == "A-9"
    assert item["lat"] is None and item["long"] is None


def test_form_encoded_utf8_body_round_trips_chinese(client, o311):
    body = urlencode(
        {"api_key": API_KEY, "service_code": "09009", "description": TEXT, **IN_GRID_A},
        encoding="utf-8",
    )
    response = client.post(
        f"{BASE}/requests.xml", body, content_type="application/x-www-form-urlencoded"
    )
    code = xml(response).findtext("request/service_request_id")
    root = xml(client.get(f"{BASE}/requests/{code}.xml"))
    assert root.findtext("request/description") == TEXT
    assert client.get(f"{BASE}/requests/{code}.json").json()[0]["description"] == TEXT


def test_json_body_is_accepted(client, o311):
    response = client.post(
        f"{BASE}/requests.json",
        json.dumps({"api_key": API_KEY, "service_code": "09009", "description": TEXT,
                    "lat": 31.005, "long": 120.005}),
        content_type="application/json",
    )  # fmt: skip
    assert order_of(created_id(response)).description == TEXT


def test_fixmystreet_multipart_post_with_a_photo(client, o311):
    photo = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    response = client.post(
        f"{BASE}/requests.xml",
        {
            "api_key": API_KEY,
            "service_code": "09009",
            "description": TEXT,
            **IN_GRID_A,
            "deviceid": "fms-device-1",
            "account_id": "fms-user-77",
            "email": "reporter@example.org",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "attribute[fixmystreet_id]": "4242",
            "attribute[title]": "违停",
            "attribute[plate]": "苏E12345",
            "media": photo,
        },
    )
    assert response.status_code == 201, response.content.decode()
    code = xml(response).findtext("request/service_request_id")
    order = order_of(code)
    [stored] = order.photos.all()
    assert stored.kind == "report" and (stored.width, stored.height) == (8, 6)
    submission = order.open311_submission
    assert submission.device_id == "fms-device-1"
    assert submission.account_id == "fms-user-77"
    assert submission.email == "reporter@example.org"
    assert submission.attributes == {"fixmystreet_id": "4242", "title": "违停", "plate": "苏E12345"}
    assert order.reporter_name == "Ada Lovelace"
    assert order.description == TEXT + "\n【补充信息】车牌号：苏E12345"
    item = client.get(f"{BASE}/requests/{code}.json").json()[0]
    assert item["media_url"].startswith("http://testserver/media/workorders/")
    assert xml(response).findtext("request/account_id") == "fms-user-77"


def test_device_id_and_deviceid_are_both_read(client, o311):
    one = order_of(created_id(post(client, device_id="dev-a")))
    two = order_of(created_id(post(client, deviceid="dev-b")))
    assert one.open311_submission.device_id == "dev-a"
    assert two.open311_submission.device_id == "dev-b"


def test_media_url_is_kept_and_returned(client, o311):
    code = created_id(post(client, media_url="https://img.example.org/a.jpg"))
    item = client.get(f"{BASE}/requests/{code}.json").json()[0]
    assert item["media_url"] == "https://img.example.org/a.jpg"


def test_required_and_listed_attributes(client, o311):
    missing = post(client, service_code="06010")
    assert missing.status_code == 400
    assert "attribute[amount]" in missing.json()[0]["description"]
    wrong = post(client, service_code="06010", **{"attribute[amount]": "huge"})
    assert wrong.status_code == 400
    good = post(client, service_code="06010", **{"attribute[amount]": "large"})
    order = order_of(created_id(good))
    assert order.primary_department == o311.world.department2
    assert order.description.endswith("垃圾量：大量")


def test_idempotency_key_replays_the_first_answer(client, o311):
    first = client.post(
        f"{BASE}/requests.json",
        {"api_key": API_KEY, "service_code": "09009", "description": TEXT, **IN_GRID_A},
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    again = client.post(
        f"{BASE}/requests.json",
        {"api_key": API_KEY, "service_code": "09009", "description": TEXT, **IN_GRID_A},
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    assert created_id(first) == created_id(again)
    assert first.json()[0]["token"] == again.json()[0]["token"]
    assert Open311Submission.objects.count() == 1


def test_missing_description_falls_back_to_the_service_name(client, o311):
    order = order_of(created_id(post(client, description=None)))
    assert order.description.startswith("机动车乱停放")


@pytest.mark.parametrize(
    "fields, status, fragment",
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "wrong-key"}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "06013"}, 400, "service_code"),  # a category without a rule
        ({"service_code": "nope"}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"lat": "91"}, 400, "lat"),
        ({"long": "east"}, 400, "long"),
        ({"lat": None}, 400, "together"),
        ({"description": "长" * 4001}, 400, "description"),
        ({"phone": "12345"}, 400, "phone"),
        ({"media_url": "ftp://x"}, 400, "media_url"),
        ({"address_string": "路" * 257}, 400, "address_string"),
    ],
)
def test_bad_posts_answer_in_open311_format(client, o311, fields, status, fragment):
    from yiwang.workorders.models import WorkOrder

    for fmt in ("json", "xml"):
        response = post(client, fmt, **fields)
        assert response.status_code == status
        if fmt == "json":
            [error] = response.json()
            assert error["code"] == status
            assert fragment in error["description"]
        else:
            root = xml(response)
            assert root.findtext("error/code") == str(status)
    assert WorkOrder.objects.count() == 0
    assert Open311Submission.objects.count() == 0


def test_inactive_key_is_refused(client, o311):
    o311.key.is_active = False
    o311.key.save()
    assert post(client).status_code == 403


def test_a_file_that_is_not_an_image_is_refused(client, o311):
    from yiwang.workorders.models import WorkOrder

    fake = SimpleUploadedFile("x.png", b"not really a png", content_type="image/png")
    response = client.post(
        f"{BASE}/requests.json",
        {"api_key": API_KEY, "service_code": "09009", **IN_GRID_A, "media": fake},
    )
    assert response.status_code == 400
    assert (
        "media" in response.json()[0]["description"] or "图片" in response.json()[0]["description"]
    )
    assert WorkOrder.objects.count() == 0


def test_malformed_json_body_is_a_400(client, o311):
    response = client.post(f"{BASE}/requests.json", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


# --- GET requests -----------------------------------------------------------------------------


def test_get_request_fields(client, o311):
    code = created_id(post(client))
    order = order_of(code)
    [item] = client.get(f"{BASE}/requests/{code}.json").json()
    assert item["service_request_id"] == code
    assert item["status"] == "open"
    assert item["status_notes"] == "已派遣待签收"
    assert item["service_code"] == "09009"
    assert item["service_name"] == "机动车乱停放"
    assert item["agency_responsible"] == "综合行政执法局"
    assert item["description"] == TEXT
    assert (item["lat"], item["long"]) == (31.005, 120.005)
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert item[name].endswith("+08:00"), item[name]
    assert dt.datetime.fromisoformat(item["expected_datetime"]) == order.deadline.replace(
        microsecond=0
    )
    assert dt.datetime.fromisoformat(item["requested_datetime"]) == order.reported_at.replace(
        microsecond=0
    )


def test_get_request_xml(client, o311):
    code = created_id(post(client))
    root = xml(client.get(f"{BASE}/requests/{code}.xml"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == code
    assert request.findtext("status") == "open"
    assert request.findtext("agency_responsible") == "综合行政执法局"
    assert request.findtext("expected_datetime").endswith("+08:00")
    assert request.findtext("zipcode") == ""


def test_unknown_request_and_token_are_404(client, o311):
    for path in ("requests/WT20000101-0001", "tokens/0123456789abcdef"):
        response = client.get(f"{BASE}/{path}.json")
        assert response.status_code == 404
        assert response.json()[0]["code"] == 404
        assert xml(client.get(f"{BASE}/{path}.xml")).findtext("error/code") == "404"


def test_token_lookup(client, o311):
    [created] = post(client).json()
    [item] = client.get(f"{BASE}/tokens/{created['token']}.json").json()
    assert item == {"service_request_id": created["service_request_id"], "token": created["token"]}
    root = xml(client.get(f"{BASE}/tokens/{created['token']}.xml"))
    assert root.findtext("request/service_request_id") == created["service_request_id"]


@pytest.mark.parametrize(
    "status, expected",
    [
        ("dispatched", "open"),
        ("handling", "open"),
        ("completed", "open"),  # handled but not yet verified: 核查 may still reopen it
        ("triage", "open"),
        ("archived", "closed"),
        ("cancelled", "closed"),
        ("merged", "closed"),
    ],
)
def test_state_mapping(client, o311, status, expected):
    from yiwang.workorders.models import WorkOrder

    code = created_id(post(client))
    WorkOrder.objects.filter(code=code).update(status=status)
    [item] = client.get(f"{BASE}/requests/{code}.json").json()
    assert item["status"] == expected
    assert item["status_notes"].startswith(WorkOrder.Status(status).label)
    listed = client.get(f"{BASE}/requests.json", {"status": expected}).json()
    assert [i["service_request_id"] for i in listed] == [code]
    other = "closed" if expected == "open" else "open"
    assert client.get(f"{BASE}/requests.json", {"status": other}).json() == []


def test_filters_by_id_list_and_service_code(client, o311):
    a = created_id(post(client))
    b = created_id(post(client, service_code="06010", **{"attribute[amount]": "small"}))
    c = created_id(post(client))
    by_ids = client.get(f"{BASE}/requests.json", {"service_request_id": f"{a},{c}"}).json()
    assert sorted(i["service_request_id"] for i in by_ids) == sorted([a, c])
    by_code = client.get(f"{BASE}/requests.json", {"service_code": "06010"}).json()
    assert [i["service_request_id"] for i in by_code] == [b]
    both = client.get(f"{BASE}/requests.json", {"service_code": "06010,09009"}).json()
    assert len(both) == 3
    # service_request_id overrides the other filters (the specification)
    overridden = client.get(
        f"{BASE}/requests.json", {"service_request_id": a, "service_code": "06010"}
    ).json()
    assert [i["service_request_id"] for i in overridden] == [a]


def test_date_filters_with_offsets(client, o311):
    from yiwang.workorders.models import WorkOrder

    early = created_id(post(client))
    late = created_id(post(client))
    # 2026-11-20 10:00 and 2026-11-21 10:00 in Shanghai
    WorkOrder.objects.filter(code=early).update(
        reported_at=dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    )
    WorkOrder.objects.filter(code=late).update(
        reported_at=dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
    )

    def ids(**query):
        response = client.get(f"{BASE}/requests.json", query)
        assert response.status_code == 200, response.content
        return [i["service_request_id"] for i in response.json()]

    assert ids(start_date="2026-11-01T00:00:00+08:00", end_date="2026-11-30T00:00:00+08:00") == [
        late,
        early,
    ]
    # the same instant written three ways: +08:00, Z and -05:00
    assert ids(start_date="2026-11-21T09:59:00+08:00", end_date="2026-11-22T00:00:00+08:00") == [
        late
    ]
    assert ids(start_date="2026-11-21T01:59:00Z", end_date="2026-11-22T00:00:00Z") == [late]
    assert ids(start_date="2026-11-20T12:59:00-05:00", end_date="2026-11-22T00:00:00Z") == [late]
    assert ids(start_date="2026-11-20T10:00:01+08:00", end_date="2026-11-21T09:59:59+08:00") == []
    # a '+' the client forgot to encode arrives as a space
    response = client.get(
        f"{BASE}/requests.json?start_date=2026-11-21T09:59:00+08:00&end_date=2026-11-30"
    )
    assert [i["service_request_id"] for i in response.json()] == [late]
    item = response.json()[0]
    assert item["requested_datetime"] == "2026-11-21T10:00:00+08:00"


def test_default_window_is_the_last_90_days(client, o311):
    from yiwang.workorders.models import WorkOrder

    old = created_id(post(client))
    new = created_id(post(client))
    WorkOrder.objects.filter(code=old).update(reported_at=timezone.now() - dt.timedelta(days=91))
    assert [i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json()] == [new]
    assert len(client.get(f"{BASE}/requests.json", {"service_request_id": old}).json()) == 1


@pytest.mark.parametrize(
    "query",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"end_date": "2026-02-30"},
        {"start_date": "2026-11-30", "end_date": "2026-11-01"},
        {"api_key": "wrong"},
    ],
)
def test_bad_filters_are_refused(client, o311, query):
    response = client.get(f"{BASE}/requests.json", query)
    assert response.status_code in (400, 403)
    assert response.json()[0]["code"] == response.status_code
    root = xml(client.get(f"{BASE}/requests.xml", query))
    assert root.findtext("error/code") == str(response.status_code)


def test_requests_list_xml_round_trips_chinese(client, o311):
    created_id(post(client))
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert [r.findtext("description") for r in root.findall("request")] == [TEXT]


# --- scope: who reads which orders ------------------------------------------------------------


def test_anonymous_readers_see_only_open311_orders(client, o311):
    mine = created_id(post(client))
    resident = make_resident_order(o311.world).code
    listed = [i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json()]
    assert listed == [mine]
    assert client.get(f"{BASE}/requests/{resident}.json").status_code == 404


def test_an_api_key_widens_reads_to_its_service_accounts_scope(client, o311):
    from yiwang.accounts.models import Membership, Role
    from yiwang.integrations.services import open311_api_key_issue
    from yiwang.testing import make_user

    mine = created_id(post(client))
    resident = make_resident_order(o311.world).code
    # The FixMyStreet account has no role: still only Open311 orders.
    listed = client.get(f"{BASE}/requests.json", {"api_key": API_KEY}).json()
    assert [i["service_request_id"] for i in listed] == [mine]
    # A street-wide account (e.g. the city's 12345 platform) sees the street's orders.
    street_user = make_user("hotline-sync", display_name="12345 同步")
    Membership.objects.create(user=street_user, org_unit=o311.world.street, role=Role.LEADER)
    open311_api_key_issue(actor=None, name="12345", user=street_user, key="street-key-123")
    listed = client.get(f"{BASE}/requests.json", {"api_key": "street-key-123"}).json()
    assert {i["service_request_id"] for i in listed} == {mine, resident}
    one = client.get(f"{BASE}/requests/{resident}.json", {"api_key": "street-key-123"})
    assert one.status_code == 200


def test_grid_b_account_does_not_see_grid_a_orders(client, o311):
    from yiwang.integrations.services import open311_api_key_issue

    in_a = make_resident_order(o311.world).code
    open311_api_key_issue(actor=None, name="B", user=o311.world.users["grid_b"], key="grid-b-key")
    open311_api_key_issue(actor=None, name="A", user=o311.world.users["grid_a"], key="grid-a-key")
    seen_b = client.get(f"{BASE}/requests.json", {"api_key": "grid-b-key"}).json()
    seen_a = client.get(f"{BASE}/requests.json", {"api_key": "grid-a-key"}).json()
    assert in_a not in [i["service_request_id"] for i in seen_b]
    assert in_a in [i["service_request_id"] for i in seen_a]
    assert client.get(f"{BASE}/requests/{in_a}.json", {"api_key": "grid-b-key"}).status_code == 404


def test_list_query_count_does_not_grow_with_orders(client, o311, django_assert_max_num_queries):
    for _ in range(5):
        created_id(post(client, media=SimpleUploadedFile("p.png", png_bytes(), "image/png")))
    with django_assert_max_num_queries(3):
        response = client.get(f"{BASE}/requests.json")
    assert len(response.json()) == 5


# --- routing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/services.csv",
        "/open311/v2/services",
        "/open311/v2/requests.yaml",
        "/open311/v2/nothing.json",
        "/open311/v3/services.json",
    ],
)
def test_unknown_paths_and_formats_are_a_json_404(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()[0]["code"] == 404


def test_wrong_method_is_a_405(client, db):
    response = client.put(f"{BASE}/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()[0]["code"] == 405
    assert client.delete(f"{BASE}/requests.xml").status_code == 405


def test_jurisdiction_is_optional_and_checked_when_configured(client, o311, settings):
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "anything"}).status_code == 200
    settings.YIWANG_OPEN311_JURISDICTION = "320571001"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "320571001"}).status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "x"}).status_code == 404
    assert post(client, jurisdiction_id="x").status_code == 404
    assert post(client, jurisdiction_id="320571001").status_code == 201


def test_openapi_document_is_served(client, db):
    data = client.get(f"{BASE}/openapi.json").json()
    assert data["openapi"].startswith("3.")
    assert f"{BASE}/requests.json" in data["paths"]
    assert "post" in data["paths"][f"{BASE}/requests.xml"]
