"""Work orders and categories as Open311 documents (plain dicts, rendered by `formats`).

State mapping (our 工单状态 → Open311 status):

| ours | Open311 | why |
|---|---|---|
| submitted 已上报, triage 待分拣, dispatched 已派遣, handling 处置中 | open | being worked on |
| completed 已处置待核查 | open | handled but not yet verified: 核查 may still send it back (返工) |
| archived 已结案, cancelled 已撤销, merged 已合并 | closed | nothing more will happen to it |

`status_notes` carries our own state in Chinese (and, for a merged order, the order it went
into). `expected_datetime` is the deadline (处置时限); `agency_responsible` the primary
department (主办部门); datetimes are ISO 8601 with the +08:00 offset.
"""

from __future__ import annotations

from yiwang.integrations.open311.parsing import format_datetime

CLOSED_STATES = frozenset({"archived", "cancelled", "merged"})
CHANGESET = "2026-11-22T00:00:00+08:00"  # when this endpoint's behaviour last changed
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATES else "open"


def open311_statuses_to_ours(statuses: list[str]) -> set[str] | None:
    """The set of our states matching Open311 `status` values; None when all match."""
    from yiwang.workorders.models import WorkOrder

    if not statuses or set(statuses) >= {"open", "closed"}:
        return None
    ours = set(WorkOrder.Status.values)
    return (ours & CLOSED_STATES) if statuses == ["closed"] else (ours - CLOSED_STATES)


def discovery_document(base_url: str) -> dict:
    return {
        "changeset": CHANGESET,
        "contact": "一网 (yiwang) 集成指挥中心；接口密钥由系统管理员发放",
        "key_service": "api_key 由系统管理员在“系统管理 → Open311 接口密钥”中发放",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service_document(category, rule, attribute_count: int) -> dict:
    """A small class (事项小类) with a responsibility rule, as an Open311 service."""
    group = category.parent.name if category.parent_id else ""
    parts = [f"{group}·{category.name}" if group else category.name]
    if rule is not None:
        parts.append(f"主办部门：{rule.primary_department.name}；处置时限：{rule.limit_display}")
        if rule.filing_criteria:
            parts.append(f"立案条件：{rule.filing_criteria}")
    keywords = [category.name, group, category.get_kind_display()]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": "。".join(parts),
        "metadata": attribute_count > 0,
        "type": "realtime",
        "keywords": ",".join(k for k in keywords if k),
        "group": group,
    }


def attribute_document(attribute) -> dict:
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
        "values": [
            {"key": str(v.get("key", "")), "name": str(v.get("name", ""))}
            for v in (attribute.values or [])
        ],
    }


def status_notes(order) -> str:
    note = order.get_status_display()
    if order.status == "merged" and order.merged_into_id:
        note += f"：已并入工单 {order.merged_into.code}"
    elif order.status == "archived" and order.satisfaction:
        note += f"；评价：{order.get_satisfaction_display()}"
    return note


def request_document(order, request=None) -> dict:
    """A work order as an Open311 service request (GET requests)."""
    submission = getattr(order, "open311_submission", None)
    photos = list(order.photos.all())
    report_photos = [p for p in photos if p.kind == "report"]
    media_url = None
    if report_photos and report_photos[0].image:
        url = report_photos[0].image.url
        media_url = request.build_absolute_uri(url) if request is not None else url
    elif submission is not None and submission.media_url:
        media_url = submission.media_url
    category = order.category
    deadline_note = None
    if order.deadline is not None and open311_status(order.status) == "open":
        deadline_note = f"办理期限：{format_datetime(order.deadline)}"
    return {
        "service_request_id": order.code,
        "status": open311_status(order.status),
        "status_notes": status_notes(order),
        "service_name": category.name if category else None,
        "service_code": category.code if category else None,
        "description": order.description,
        "agency_responsible": order.primary_department.name if order.primary_department else None,
        "service_notice": deadline_note,
        "requested_datetime": format_datetime(order.reported_at),
        "updated_datetime": format_datetime(order.updated_at),
        "expected_datetime": format_datetime(order.deadline),
        "address": order.address or None,
        "address_id": (submission.address_id or None) if submission else None,
        "zipcode": None,
        "lat": order.lat,
        "long": order.lon,
        "media_url": media_url,
    }


def created_document(submission) -> dict:
    """The answer to POST requests: the id at once (we create synchronously) and a token."""
    order = submission.work_order
    notice = f"已受理，工单编号 {order.code}"
    if order.primary_department is not None:
        notice += f"，已派遣至{order.primary_department.name}"
    else:
        notice += "，待人工分拣派遣"
    if order.deadline is not None:
        notice += f"，办理期限 {format_datetime(order.deadline)}"
    return {
        "service_request_id": order.code,
        "token": submission.token,
        "service_notice": notice + "。",
        "account_id": submission.account_id or None,
    }


def token_document(submission) -> dict:
    return {"service_request_id": submission.work_order.code, "token": submission.token}
