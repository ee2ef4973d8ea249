"""Reading Open311 input: POST bodies (FixMyStreet quirks), filters and W3C datetimes."""

import datetime as dt

import pytest
from django.http import QueryDict

from yiwang.integrations.open311.formats import Open311Error
from yiwang.integrations.open311.parsing import (
    _Source,
    parse_datetime,
    parse_filters,
    parse_request_input,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def form(**fields):
    q = QueryDict(mutable=True)
    for key, value in fields.items():
        if isinstance(value, list):
            q.setlist(key, value)
        else:
            q[key] = value
    return _Source(q)


def test_minimal_request_with_coordinates():
    data = parse_request_input(form(service_code="0101", lat="31.005", long="120.005"))
    assert (data.service_code, data.lat, data.long) == ("0101", 31.005, 120.005)


def test_fixmystreet_fields_and_aliases():
    src = form(**{
        "service_code": "0101",
        "api_key": "k",
        "address_string": "唯亭街道青剑湖路1号",
        "deviceid": "phone-42",
        "account_id": "acc-7",
        "first_name": "三",
        "last_name": "张",
        "email": "zhang@example.cn",
        "phone": "13800000000",
        "media_url": "https://example.org/p.jpg",
        "attribute[fixmystreet_id]": "1234",
        "attribute[colour][]": ["红", "蓝"],
    })  # fmt: skip
    data = parse_request_input(src)
    assert data.device_id == "phone-42"
    assert data.account_id == "acc-7"
    assert data.reporter_name == "张三"
    assert data.attributes == {"fixmystreet_id": ["1234"], "colour": ["红", "蓝"]}
    assert data.lat is None and data.address_string == "唯亭街道青剑湖路1号"


def test_device_id_wins_over_deviceid():
    data = parse_request_input(
        form(service_code="a", address_id="9", device_id="one", deviceid="two")
    )
    assert data.device_id == "one"


def test_western_names_stay_first_last():
    data = parse_request_input(
        form(service_code="a", address_id="9", first_name="Ada", last_name="Lovelace")
    )
    assert data.reporter_name == "Ada Lovelace"


@pytest.mark.parametrize(
    "fields, fragment",
    [
        ({"lat": "31", "long": "120"}, "service_code"),
        ({"service_code": "a"}, "location"),
        ({"service_code": "a", "lat": "31"}, "together"),
        ({"service_code": "a", "lat": "abc", "long": "120"}, "number"),
        ({"service_code": "a", "lat": "91", "long": "120"}, "between"),
        ({"service_code": "a", "lat": "nan", "long": "120"}, "between"),
        ({"service_code": "a", "lat": "31", "long": "inf"}, "between"),
        ({"service_code": "a", "address_id": "1", "description": "长" * 4001}, "4000"),
        ({"service_code": "a", "address_id": "1", "media_url": "javascript:x"}, "media_url"),
        ({"service_code": "a", "address_id": "1", "phone": "1" * 40}, "phone"),
        ({"service_code": "a", "address_id": "1", "email": "a\x00b"}, "NUL"),
    ],
)
def test_bad_input_is_a_400(fields, fragment):
    with pytest.raises(Open311Error) as info:
        parse_request_input(form(**fields))
    assert info.value.code == 400
    assert fragment in info.value.description


def test_json_body_values_are_accepted():
    data = parse_request_input(_Source({"service_code": "a", "lat": 31.0, "long": 120}))
    assert (data.lat, data.long) == (31.0, 120.0)


def test_json_body_rejects_nested_values():
    with pytest.raises(Open311Error):
        parse_request_input(_Source({"service_code": {"x": 1}, "address_id": "1"}))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2026-11-22T10:00:00+08:00", dt.datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)),
        ("2026-11-22T02:00:00Z", dt.datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)),
        ("2026-11-21T18:00:00-08:00", dt.datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)),
        # an unencoded '+' arrives as a space
        ("2026-11-22T10:00:00 08:00", dt.datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)),
        ("2026-11-22 10:00:00", dt.datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)),
        ("2026-11-22", dt.datetime(2026, 11, 22, 0, tzinfo=SHANGHAI)),
    ],
)
def test_w3c_datetimes(raw, expected):
    assert parse_datetime(raw, "start_date") == expected


@pytest.mark.parametrize("raw", ["yesterday", "2026-13-01", "0001-01-01T00:00:00+08:00", "2026"])
def test_bad_datetimes_are_a_400(raw):
    with pytest.raises(Open311Error) as info:
        parse_datetime(raw, "start_date")
    assert info.value.code == 400


def test_filters():
    q = QueryDict(
        "service_request_id=WT1,WT2&service_request_id=WT3&service_code=a,b"
        "&status=open,closed&start_date=2026-11-01&end_date=2026-11-30T23:59:59%2B08:00"
    )
    f = parse_filters(q)
    assert f.ids == ["WT1", "WT2", "WT3"]
    assert f.service_codes == ["a", "b"]
    assert f.statuses == ["closed", "open"]
    assert f.start.isoformat() == "2026-11-01T00:00:00+08:00"
    assert f.end.isoformat() == "2026-11-30T23:59:59+08:00"


@pytest.mark.parametrize(
    "query",
    [
        "status=pending",
        "start_date=2026-11-30&end_date=2026-11-01",
        "service_request_id=" + ",".join(str(i) for i in range(101)),
    ],
)
def test_bad_filters_are_a_400(query):
    with pytest.raises(Open311Error) as info:
        parse_filters(QueryDict(query))
    assert info.value.code == 400
