"""The Open311 format layer: JSON and XML renderers, the error document, datetimes."""

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest

from yiwang.integrations.open311.formats import Open311Error, render, render_error, to_xml
from yiwang.integrations.open311.parsing import format_datetime


def test_json_keeps_chinese_as_utf8():
    response = render("json", "services", [{"service_name": "暴露垃圾", "metadata": False}])
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "暴露垃圾".encode() in response.content
    assert b"\\u" not in response.content
    assert json.loads(response.content) == [{"service_name": "暴露垃圾", "metadata": False}]


def test_xml_uses_the_specification_element_names():
    body = to_xml(
        "services",
        [{"service_code": "0101", "service_name": "车辆违停", "metadata": True, "group": None}],
    )
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(body)
    assert root.tag == "services"
    service = root.find("service")
    assert service.findtext("service_code") == "0101"
    assert service.findtext("service_name") == "车辆违停"
    assert service.findtext("metadata") == "true"
    assert service.find("group") is not None and service.findtext("group") == ""


def test_xml_nested_lists_get_singular_item_names():
    root = ET.fromstring(
        to_xml(
            "service_definition",
            {
                "service_code": "X",
                "attributes": [
                    {"code": "plate", "values": [{"key": "a", "name": "甲"}, {"key": "b"}]}
                ],
            },
        )
    )
    values = root.findall("attributes/attribute/values/value")
    assert [v.findtext("name") for v in values] == ["甲", None]
    assert values[0].findtext("key") == "a"


def test_xml_drops_characters_xml_cannot_carry():
    root = ET.fromstring(to_xml("service_requests", [{"description": "坏\x00字\x1b符"}]))
    assert root.findtext("request/description") == "坏字符"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_error_document_in_both_formats(fmt):
    response = render_error(fmt, Open311Error(403, "api_key 无效"))
    assert response.status_code == 403
    if fmt == "json":
        assert json.loads(response.content) == [{"code": 403, "description": "api_key 无效"}]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "403"
        assert root.findtext("error/description") == "api_key 无效"


def test_datetimes_carry_the_local_offset():
    utc = dt.datetime(2026, 11, 22, 2, 30, 15, 123456, tzinfo=dt.UTC)
    assert format_datetime(utc) == "2026-11-22T10:30:15+08:00"
    assert format_datetime(None) is None
