"""Writes of 业务对接: Open311 API keys and work orders posted through Open311.

`open311_request_create` turns a POST requests body into a work order through the work-order
intake (`yiwang.workorders.services.work_order_create`, channel `open311`, filed by the API
key's service account), and keeps what Open311 sent beyond a work order in an
`Open311Submission` (token, device/account ids, e-mail, attributes, media_url).
"""

from __future__ import annotations

from django.db import transaction

from yiwang.core.audit import audit_record
from yiwang.core.errors import Forbidden, NotFound, ValidationFailed
from yiwang.core.validators import check_phone, normalize_phone
from yiwang.integrations.models import (
    Open311ApiKey,
    Open311ServiceAttribute,
    Open311Submission,
    new_token,
)
from yiwang.integrations.open311.formats import Open311Error
from yiwang.integrations.open311.parsing import MAX_DESCRIPTION, RequestInput, parse_datetime
from yiwang.integrations.selectors import open311_service_get


@transaction.atomic
def open311_api_key_issue(*, actor, name: str, user, key: str | None = None):
    """Issue a key for a client; returns (Open311ApiKey, the raw key shown once)."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写密钥名称。", fields={"name": ["必填"]})
    raw = key or Open311ApiKey.new_key()
    if len(raw) < 8:
        raise ValidationFailed("密钥至少 8 个字符。", fields={"key": ["至少 8 个字符"]})
    api_key = Open311ApiKey(name=name, user=user)
    api_key.set_key(raw)
    if Open311ApiKey.objects.filter(key_hash=api_key.key_hash).exists():
        raise ValidationFailed("该密钥已存在。", fields={"key": ["已存在"]})
    api_key.save()
    audit_record(
        actor=actor,
        action="open311.api_key_issue",
        target=api_key,
        after={"name": name, "user": user.pk, "prefix": api_key.key_prefix},
    )
    return api_key, raw


@transaction.atomic
def open311_api_key_revoke(*, actor, api_key: Open311ApiKey) -> Open311ApiKey:
    api_key.is_active = False
    api_key.save(update_fields=["is_active"])
    audit_record(actor=actor, action="open311.api_key_revoke", target=api_key)
    return api_key


def _check_attributes(category, given: dict[str, list[str]]) -> tuple[dict, list[str]]:
    """Check `attribute[...]` values against the service definition.

    Returns (all values to keep, lines describing the defined ones for the order text).
    Unknown codes are kept and never refused (FixMyStreet sends its own).
    """
    kept: dict = {
        code: (values if len(values) > 1 else values[0]) for code, values in given.items()
    }
    lines: list[str] = []
    for attr in Open311ServiceAttribute.objects.filter(category=category):
        values = given.get(attr.code, [])
        label = f"attribute[{attr.code}]"
        if not values:
            if attr.variable and attr.required:
                raise ValidationFailed(
                    f"缺少必填属性 {label}：{attr.description} (required attribute missing)",
                    fields={label: ["必填"]},
                )
            continue
        if attr.datatype == attr.Datatype.SINGLEVALUELIST and len(values) > 1:
            raise ValidationFailed(f"{label} 只能选一项 (single value expected)")
        if attr.datatype in (attr.Datatype.SINGLEVALUELIST, attr.Datatype.MULTIVALUELIST):
            allowed = attr.allowed_keys()
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValidationFailed(
                    f"{label} 的取值 {bad[0]} 不在可选范围内 (value not allowed)",
                    fields={label: [f"可选：{', '.join(sorted(allowed))}"]},
                )
            names = {str(v.get("key")): str(v.get("name", "")) for v in attr.values or []}
            shown = "、".join(names.get(v) or v for v in values)
        elif attr.datatype == attr.Datatype.NUMBER:
            try:
                float(values[0])
            except ValueError:
                raise ValidationFailed(f"{label} 必须是数字 (number expected)")
            shown = values[0]
        elif attr.datatype == attr.Datatype.DATETIME:
            try:
                parse_datetime(values[0], label)
            except Open311Error as error:
                raise ValidationFailed(error.description)
            shown = values[0]
        else:
            shown = values[0]
        lines.append(f"{attr.description}：{shown}")
    return kept, lines


def _order_text(data: RequestInput, category, lines: list[str]) -> str:
    text = data.description or f"{category.name}（Open311 上报，未填写描述）"
    if lines:
        extra = "\n【补充信息】" + "；".join(lines)
        if len(text) + len(extra) <= MAX_DESCRIPTION:
            text += extra
    return text


@transaction.atomic
def open311_request_create(
    *,
    api_key: str,
    data: RequestInput,
    photos=(),
    idempotency_key: str | None = None,
) -> Open311Submission:
    """POST requests: file a work order for an Open311 client (api_key required)."""
    from yiwang.workorders.models import WorkOrder
    from yiwang.workorders.services import validate_photos, work_order_create

    key = Open311ApiKey.find_active(api_key)
    if key is None:
        raise Forbidden(
            "api_key 无效或已停用 (invalid api_key)"
            if api_key
            else "缺少 api_key (api_key missing)"
        )
    try:
        category = open311_service_get(code=data.service_code)
    except NotFound as error:
        raise ValidationFailed(error.message, fields={"service_code": ["未知的服务编码"]})
    attributes, lines = _check_attributes(category, data.attributes)
    photos = validate_photos(photos, field="media")
    phone = normalize_phone(data.phone)
    if phone:
        problem = check_phone(phone)
        if problem:
            raise ValidationFailed(f"phone：{problem}", fields={"phone": [problem]})
    address = data.address_string or (f"地址编号 {data.address_id}" if data.address_id else "")
    token = new_token()
    # The system files the order (actor=None: Open311 is an integration channel that no
    # person's role grants), on behalf of the key's service account (reporter): its
    # idempotency keys, "my orders" and data scope are the key's own. Our audit row below
    # names the service account.
    order = work_order_create(
        actor=None,
        reporter=key.user,
        description=_order_text(data, category, lines),
        lon=data.long,
        lat=data.lat,
        address=address,
        category=category,
        category_source=WorkOrder.CategorySource.REPORTER,
        channel=WorkOrder.Channel.OPEN311,
        photos=photos,
        idempotency_key=idempotency_key or "",
        reporter_name=data.reporter_name[:50],
        reporter_phone=phone,
        external_id=token,
    )
    if getattr(order, "replayed", False):  # a retry with the same Idempotency-Key
        existing = Open311Submission.objects.filter(work_order=order).first()
        if existing is not None:
            return existing
    submission = Open311Submission.objects.create(
        token=token,
        work_order=order,
        api_key=key,
        service_code=category.code,
        jurisdiction_id=data.jurisdiction_id,
        device_id=data.device_id,
        account_id=data.account_id,
        email=data.email,
        address_id=data.address_id,
        media_url=data.media_url,
        attributes=attributes,
    )
    audit_record(
        actor=key.user,
        action="open311.request_create",
        target=submission,
        after={
            "work_order": order.code,
            "api_key": key.name,
            "service_code": category.code,
            "device_id": data.device_id,
            "account_id": data.account_id,
        },
    )
    key.touch()
    return submission
