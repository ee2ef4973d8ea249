"""JSON and XML renderers for Open311 documents, and the Open311 error format.

Element names follow the GeoReport v2 specification: `services/service`,
`service_definition/attributes/attribute/values/value`, `service_requests/request`,
`errors/error` (code + description), `discovery/endpoints/endpoint/formats/format`.
Text is UTF-8 in both formats (JSON without \\u escapes), so Chinese travels as written.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
# The element name of one item of a list, by the list's element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all (C0 controls except tab, newline, carriage return).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """An answer in Open311's error format. `code` is also the HTTP status."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description

    def as_list(self) -> list[dict]:
        return [{"code": self.code, "description": self.description}]


def xml_text(value) -> str:
    """The text of one XML element: booleans as true/false, None as empty."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _XML_INVALID.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = xml_text(value)


def to_xml(root: str, data) -> bytes:
    """`data` (a list of items, or one dict) as an XML document under `root`, UTF-8."""
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """An HTTP response with `data` in `fmt`; `root` names the XML root element."""
    if fmt not in FORMATS:
        fmt = "json"
    body = to_xml(root, data) if fmt == "xml" else to_json(data)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    return response


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    return render(fmt, "errors", error.as_list(), status=error.code)
