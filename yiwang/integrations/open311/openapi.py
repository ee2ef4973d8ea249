"""The OpenAPI 3.0 description of the Open311 endpoints, served at /open311/v2/openapi.json.

Hand-written: the Open311 wire format (suffix-chosen JSON/XML, Open311's error list) is not
what drf-spectacular describes. Schemathesis fuzzes the app against it (tests/test_schema.py).
"""

from __future__ import annotations

BASE = "/open311/v2"
NULLABLE_STR = {"type": "string", "nullable": True}
NULLABLE_NUM = {"type": "number", "nullable": True}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _xml(description: str) -> dict:
    return {"description": description, "content": {"text/xml": {"schema": {"type": "string"}}}}


ERRORS = {
    "400": "请求参数有误 (a required argument is missing or invalid)",
    "403": "api_key 无效 (invalid or missing api_key)",
    "404": "未找到 (service_code or service_request_id not found)",
}

JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": "可选：本接口只服务一个辖区 (optional; this endpoint serves one jurisdiction)",
}

SCHEMAS = {
    "Errors": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
    "Service": {
        "type": "object",
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": {"type": "string"},
            "service_name": {"type": "string"},
            "description": NULLABLE_STR,
            "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": NULLABLE_STR,
            "group": NULLABLE_STR,
        },
    },
    "ServiceDefinition": {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {
            "service_code": {"type": "string"},
            "attributes": {"type": "array", "items": _ref("Attribute")},
        },
    },
    "Attribute": {
        "type": "object",
        "required": ["variable", "code", "datatype", "required", "order", "description"],
        "properties": {
            "variable": {"type": "boolean"},
            "code": {"type": "string"},
            "datatype": {
                "type": "string",
                "enum": [
                    "string",
                    "number",
                    "datetime",
                    "text",
                    "singlevaluelist",
                    "multivaluelist",
                ],
            },
            "required": {"type": "boolean"},
            "datatype_description": NULLABLE_STR,
            "order": {"type": "integer"},
            "description": {"type": "string"},
            "values": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key", "name"],
                    "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                },
            },
        },
    },
    "ServiceRequest": {
        "type": "object",
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": NULLABLE_STR,
            "service_name": NULLABLE_STR,
            "service_code": NULLABLE_STR,
            "description": NULLABLE_STR,
            "agency_responsible": NULLABLE_STR,
            "service_notice": NULLABLE_STR,
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": {"type": "string", "format": "date-time", "nullable": True},
            "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
            "address": NULLABLE_STR,
            "address_id": NULLABLE_STR,
            "zipcode": NULLABLE_STR,
            "lat": NULLABLE_NUM,
            "long": NULLABLE_NUM,
            "media_url": NULLABLE_STR,
        },
    },
    "ServiceRequests": {"type": "array", "items": _ref("ServiceRequest")},
    "Created": {
        "type": "array",
        "minItems": 1,
        "maxItems": 1,
        "items": {
            "type": "object",
            "required": ["service_request_id", "token"],
            "properties": {
                "service_request_id": {"type": "string"},
                "token": {"type": "string"},
                "service_notice": NULLABLE_STR,
                "account_id": NULLABLE_STR,
            },
        },
    },
    "Tokens": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "token"],
            "properties": {
                "service_request_id": {"type": "string", "nullable": True},
                "token": {"type": "string"},
            },
        },
    },
    "Discovery": {
        "type": "object",
        "required": ["changeset", "endpoints"],
        "properties": {
            "changeset": {"type": "string"},
            "contact": {"type": "string"},
            "key_service": {"type": "string"},
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["specification", "url", "type", "formats"],
                    "properties": {
                        "specification": {"type": "string"},
                        "url": {"type": "string"},
                        "changeset": {"type": "string"},
                        "type": {"type": "string"},
                        "formats": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    },
    "NewRequest": {
        "type": "object",
        "required": ["api_key", "service_code"],
        "properties": {
            "api_key": {"type": "string", "maxLength": 200},
            "jurisdiction_id": {"type": "string", "maxLength": 100},
            "service_code": {"type": "string", "maxLength": 100},
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "long": {"type": "number", "minimum": -180, "maximum": 180},
            "address_string": {"type": "string", "maxLength": 256},
            "address_id": {"type": "string", "maxLength": 100},
            "description": {"type": "string", "maxLength": 4000},
            "email": {"type": "string", "maxLength": 254},
            "device_id": {"type": "string", "maxLength": 254},
            "deviceid": {"type": "string", "maxLength": 254},
            "account_id": {"type": "string", "maxLength": 254},
            "first_name": {"type": "string", "maxLength": 100},
            "last_name": {"type": "string", "maxLength": 100},
            "phone": {"type": "string", "maxLength": 32},
            "media_url": {"type": "string", "maxLength": 1000},
            "media": {"type": "string", "format": "binary"},
        },
    },
}


def _error_responses(fmt: str, codes: tuple[str, ...]) -> dict:
    if fmt == "xml":
        return {code: _xml(ERRORS[code]) for code in codes}
    return {code: _json(_ref("Errors"), ERRORS[code]) for code in codes}


def _paths_for(fmt: str) -> dict:
    ok = (
        (lambda name, text: _xml(text))
        if fmt == "xml"
        else (lambda name, text: _json(_ref(name), text))
    )
    suffix = f".{fmt}"
    return {
        f"{BASE}/discovery{suffix}": {
            "get": {
                "operationId": f"discovery_{fmt}",
                "summary": "服务发现 (service discovery)",
                "responses": {"200": ok("Discovery", "discovery document")},
            }
        },
        f"{BASE}/services{suffix}": {
            "get": {
                "operationId": f"services_{fmt}",
                "summary": "服务（事件小类）列表 (GET service list)",
                "parameters": [JURISDICTION],
                "responses": {
                    "200": ok("Service", "services")
                    if fmt == "xml"
                    else _json({"type": "array", "items": _ref("Service")}, "services"),
                    **_error_responses(fmt, ("400",)),
                },
            }
        },
        f"{BASE}/services/{{service_code}}{suffix}": {
            "get": {
                "operationId": f"service_definition_{fmt}",
                "summary": "服务定义 (GET service definition)",
                "parameters": [
                    {
                        "name": "service_code",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    },
                    JURISDICTION,
                ],
                "responses": {
                    "200": ok("ServiceDefinition", "service definition"),
                    **_error_responses(fmt, ("400", "404")),
                },
            }
        },
        f"{BASE}/requests{suffix}": {
            "get": {
                "operationId": f"requests_list_{fmt}",
                "summary": "查询工单 (GET service requests)",
                "parameters": [
                    {
                        "name": "service_request_id",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "逗号分隔，优先于其他条件 (comma list; overrides the rest)",
                    },
                    {"name": "service_code", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "start_date",
                        "in": "query",
                        "schema": {"type": "string", "format": "date-time"},
                    },
                    {
                        "name": "end_date",
                        "in": "query",
                        "schema": {"type": "string", "format": "date-time"},
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["open", "closed", "open,closed"]},
                    },
                    JURISDICTION,
                ],
                "responses": {
                    "200": ok("ServiceRequests", "service requests"),
                    **_error_responses(fmt, ("400", "403")),
                },
            },
            "post": {
                "operationId": f"requests_create_{fmt}",
                "summary": "上报工单 (POST service request)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {"schema": _ref("NewRequest")},
                        "multipart/form-data": {"schema": _ref("NewRequest")},
                    },
                },
                "responses": {
                    "201": ok("Created", "created"),
                    **_error_responses(fmt, ("400", "403", "404")),
                },
            },
        },
        f"{BASE}/requests/{{service_request_id}}{suffix}": {
            "get": {
                "operationId": f"request_get_{fmt}",
                "summary": "查询单个工单 (GET service request)",
                "parameters": [
                    {
                        "name": "service_request_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    },
                    JURISDICTION,
                ],
                "responses": {
                    "200": ok("ServiceRequests", "the service request (a list of one)"),
                    **_error_responses(fmt, ("400", "403", "404")),
                },
            }
        },
        f"{BASE}/tokens/{{token}}{suffix}": {
            "get": {
                "operationId": f"token_get_{fmt}",
                "summary": "由令牌查工单号 (GET service_request_id from a token)",
                "parameters": [
                    {
                        "name": "token",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
                    },
                    JURISDICTION,
                ],
                "responses": {
                    "200": ok("Tokens", "token"),
                    **_error_responses(fmt, ("400", "404")),
                },
            }
        },
    }


def openapi_document() -> dict:
    paths = {}
    for fmt in ("json", "xml"):
        paths.update(_paths_for(fmt))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "yiwang 一网 Open311 GeoReport v2",
            "version": "v2",
            "description": (
                "Open311 GeoReport v2：服务（事件小类）、上报与查询工单。状态映射："
                "已归档、已撤销、已合并 → closed；其余（含已办结待核查）→ open。"
                " expected_datetime = 工单办理期限；agency_responsible = 主办部门。"
            ),
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
