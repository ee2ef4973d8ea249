"""The catalogue (事项清单): loading items and bundles from plain dicts (the demo, the .xlsx
import), publishing step-flow versions, merging a bundle's forms and materials (一表申请、
一套材料), and checking a submitted form.

The dict shape of an item (every key but code/name/item_type/affair_type/department optional):

    {"code", "name", "item_type": "01", "affair_type": "1"|"2", "statutory_limit_days",
     "promised_limit_days", "limit_note", "department": "经济发展局", "service_modes": [...],
     "channels": [...], "max_visits", "community_may_accept", "target", "life_events": [...],
     "keywords", "legal_basis", "conditions", "is_charged", "fees": [{"name","standard",
     "basis"}], "result_name", "online", "form_fields": [{"name","label","type","required",
     "options"}], "materials": [{"key","name","required","form","formats","original_needed",
     "copies","source","reusable","note"}], "steps": [{"name","department","role",
     "limit_days","condition"}]}

A bundle: {"code", "name", "description", "life_events", "lead_department", "items": [codes],
"produced_materials": [keys], "extra_fields": [...], "max_visits"}.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch

from yiwang.accounts.models import OrgUnit
from yiwang.approvals import cache
from yiwang.approvals.errors import ApprovalErrorCode as E
from yiwang.approvals.models import (
    CHANNELS,
    MATERIAL_FORMATS,
    SERVICE_MODES,
    AffairType,
    Bundle,
    BundleItem,
    ItemMaterial,
    ItemType,
    ServiceItem,
    StepDefinition,
    StepFlow,
    StepRole,
)
from yiwang.core import conditions, validators
from yiwang.core.audit import acting_user, audit_record
from yiwang.core.errors import ValidationFailed

_DEPT_CACHE: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "approvals_dept_cache", default=None
)

FIELD_TYPES = {
    "text": "文本",
    "textarea": "多行文本",
    "number": "数字",
    "date": "日期",
    "choice": "选项",
    "bool": "是/否",
    "id_number": "身份证号",
    "phone": "手机号",
    "uscc": "统一社会信用代码",
}

# ---------------------------------------------------------------------------------------------
# Merging (一表申请、一套材料)
# ---------------------------------------------------------------------------------------------


@dataclass
class Requirement:
    """One material as asked of the applicant, possibly shared by several items."""

    key: str
    name: str
    required: bool
    formats: list[str]
    original_needed: bool
    reusable: bool
    copies: int = 1
    note: str = ""
    items: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "required": self.required,
            "formats": self.formats,
            "original_needed": self.original_needed,
            "reusable": self.reusable,
            "copies": self.copies,
            "note": self.note,
            "items": self.items,
        }


def _item_materials(item: ServiceItem) -> list[ItemMaterial]:
    cache = getattr(item, "_prefetched_objects_cache", {})
    if "materials" in cache:
        return list(cache["materials"])
    return list(item.materials.all())


def merge_requirements(items: list[ServiceItem], produced: list[str] = ()) -> list[Requirement]:
    """Materials of several items, each key asked once. A key any item requires is required;
    formats are those every item accepts (all of them if none is common); an original is needed
    if any item needs it; reuse (免提交) only if every item allows it. Keys in `produced` come
    from another item of the bundle and are not asked."""
    merged: dict[str, Requirement] = {}
    for item in items:
        for m in _item_materials(item):
            if m.key in produced:
                continue
            formats = m.allowed_formats()
            req = merged.get(m.key)
            if req is None:
                merged[m.key] = Requirement(
                    key=m.key,
                    name=m.name,
                    required=m.required,
                    formats=formats,
                    original_needed=m.original_needed,
                    reusable=m.reusable,
                    copies=m.copies,
                    note=m.note,
                    items=[item.name],
                )
                continue
            req.required = req.required or m.required
            common = [f for f in req.formats if f in formats]
            req.formats = common or sorted(set(req.formats) | set(formats))
            req.original_needed = req.original_needed or m.original_needed
            req.reusable = req.reusable and m.reusable
            req.copies = max(req.copies, m.copies)
            req.items.append(item.name)
    return list(merged.values())


def merge_fields(field_lists: list[list[dict]]) -> list[dict]:
    """Form fields of several items, de-duplicated by name (the first label wins; a field any
    item requires is required)."""
    merged: dict[str, dict] = {}
    for fields in field_lists:
        for f in fields or []:
            name = f["name"]
            if name in merged:
                merged[name]["required"] = merged[name].get("required", False) or f.get(
                    "required", False
                )
            else:
                merged[name] = dict(f)
    return list(merged.values())


def bundle_items(bundle: Bundle) -> list[ServiceItem]:
    """The bundle's items in order, with their materials (cached: see cache.py)."""
    items = getattr(bundle, "_approvals_items", None)
    if items is None:
        items = cache.cached(
            ("bundle_items", bundle.pk),
            lambda: [
                bi.item
                for bi in BundleItem.objects.filter(bundle_id=bundle.pk)
                .select_related("item", "item__department")
                .prefetch_related("item__materials")
                .order_by("sort_order", "id")
            ],
        )
        bundle._approvals_items = items
    return items


def requirements_for(*, item: ServiceItem | None = None, bundle: Bundle | None = None):
    """The materials asked of the applicant (read-only; cached per item or bundle)."""
    if bundle is not None:
        return cache.cached(
            ("requirements", "bundle", bundle.pk),
            lambda: merge_requirements(bundle_items(bundle), bundle.produced_materials or []),
        )
    return cache.cached(("requirements", "item", item.pk), lambda: merge_requirements([item]))


def fields_for(*, item: ServiceItem | None = None, bundle: Bundle | None = None) -> list[dict]:
    if bundle is not None:
        return cache.cached(
            ("fields", "bundle", bundle.pk),
            lambda: merge_fields(
                [i.form_fields for i in bundle_items(bundle)] + [bundle.extra_fields or []]
            ),
        )
    return merge_fields([item.form_fields])


# ---------------------------------------------------------------------------------------------
# Form checking
# ---------------------------------------------------------------------------------------------


def clean_form(fields: list[dict], data) -> dict:
    """Check a submitted form against its fields; return the cleaned values. Unknown keys are
    dropped. Raises ValidationFailed listing every problem at once."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed(
            "申请表 form 必须是 JSON 对象。",
            code=E.INVALID_FORM,
            fields={"form": ["必须是 JSON 对象"]},
        )
    errors: dict[str, list[str]] = {}
    out: dict = {}
    for f in fields:
        name, label, kind = f["name"], f.get("label", f["name"]), f.get("type", "text")
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", []):
            if f.get("required"):
                errors[name] = [f"请填写“{label}”"]
            continue
        problem, cleaned = _check_value(kind, value, f)
        if problem:
            errors[name] = [_field_problem(label, problem)]
        else:
            out[name] = cleaned
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"申请表有误：{first}。", code=E.INVALID_FORM, fields=errors)
    return out


def _field_problem(label: str, problem: str) -> str:
    """“身份证号”校验位错误 — one sentence, without the closing 。 (the caller adds one where it
    ends a sentence) and without repeating a label the validator's message already starts with
    (core.validators: 身份证号校验位错误。)."""
    problem = problem.rstrip("。.")
    for prefix in (label, label.removeprefix("申请人")):
        if prefix and problem.startswith(prefix):
            problem = problem[len(prefix) :]
            break
    for generic in ("身份证号", "电话号码", "统一社会信用代码"):
        if problem.startswith(generic):
            problem = problem[len(generic) :]
            break
    return f"“{label}”{problem.lstrip('：:')}"


def _check_value(kind: str, value, f: dict):
    if kind in {"text", "textarea"}:
        text = str(value)
        if len(text) > int(f.get("max_length", 500)):
            return "过长", None
        return None, text
    if kind == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return "必须是数字", None
        if number < float(f.get("min", 0)):
            return f"不能小于 {f.get('min', 0)}", None
        return None, int(number) if number.is_integer() else number
    if kind == "date":
        try:
            return None, dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            return "日期格式应为 YYYY-MM-DD", None
    if kind == "choice":
        options = f.get("options") or []
        if value not in options:
            return f"必须是以下之一：{'、'.join(map(str, options))}", None
        return None, value
    if kind == "bool":
        if isinstance(value, bool):
            return None, value
        text = str(value).strip().lower()
        if text in {"1", "true", "yes", "on", "是"}:
            return None, True
        if text in {"0", "false", "no", "off", "否"}:
            return None, False
        return "必须是“是”或“否”", None
    checker = {
        "id_number": validators.check_id_number,
        "phone": validators.check_phone,
        "uscc": validators.check_uscc,
    }.get(kind)
    if checker is not None:
        message = checker(str(value))
        return (message, None) if message else (None, str(value).upper())
    return None, value


PII_TYPES = {"id_number", "phone"}


def split_private(fields: list[dict], cleaned: dict) -> tuple[dict, dict]:
    """Separate personal-data values (ID numbers, phones) from the rest of a form: they are
    stored encrypted and shown masked."""
    private_names = {f["name"] for f in fields if f.get("type") in PII_TYPES}
    public = {k: v for k, v in cleaned.items() if k not in private_names}
    private = {k: v for k, v in cleaned.items() if k in private_names}
    return public, private


def masked_form(fields: list[dict], form: dict) -> dict:
    """A full form with its personal-data values masked for display."""
    from yiwang.core.pii import mask_id_number, mask_phone

    kinds = {f["name"]: f.get("type") for f in fields}
    out = {}
    for k, v in form.items():
        if kinds.get(k) == "id_number":
            out[k] = mask_id_number(str(v))
        elif kinds.get(k) == "phone":
            out[k] = mask_phone(str(v))
        else:
            out[k] = v
    return out


# ---------------------------------------------------------------------------------------------
# Loading the catalogue
# ---------------------------------------------------------------------------------------------


def _department(ref: str, street: OrgUnit | None, errors: dict, where: str) -> OrgUnit | None:
    ref = (ref or "").strip()
    if not ref:
        errors.setdefault(where, []).append("缺少办理部门")
        return None
    cache = _DEPT_CACHE.get()
    if cache is not None and (ref, street) in cache:
        return cache[(ref, street)]
    qs = OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT)
    unit = qs.filter(code=ref).first()
    if unit is None:
        named = qs.filter(name=ref)
        if street is not None:
            named = named.filter(parent=street)
        units = list(named[:2])
        if len(units) == 1:
            unit = units[0]
        elif len(units) > 1:
            errors.setdefault(where, []).append(f"部门“{ref}”不唯一，请指定街道或使用编码")
            return None
    if unit is None:
        errors.setdefault(where, []).append(f"找不到部门“{ref}”")
    elif cache is not None:
        cache[(ref, street)] = unit
    return unit


def _type_code(value, choices, errors, where, label):
    text = str(value or "").strip()
    for code, name in choices:
        if text in {code, name, f"{code} {name}", f"{code}{name}"} or text.lstrip("0") == str(
            code
        ).lstrip("0"):
            return code
    errors.setdefault(where, []).append(f"{label}“{text}”无效")
    return None


def _check_list(values, allowed, errors, where, label):
    values = list(values or [])
    bad = [v for v in values if v not in allowed]
    if bad:
        errors.setdefault(where, []).append(f"{label}不在清单内：{'、'.join(bad)}")
    return values


def _prepare_item(data: dict, street, errors: dict, n: int) -> dict | None:
    where = f"items[{n}]"
    code, name = str(data.get("code") or "").strip(), str(data.get("name") or "").strip()
    if not code or not name:
        errors.setdefault(where, []).append("缺少事项编码或事项名称")
        return None
    where = f"items[{code}]"
    out = {
        "code": code,
        "name": name,
        "item_type": _type_code(data.get("item_type"), ItemType.choices, errors, where, "事项类型"),
        "affair_type": _type_code(
            data.get("affair_type"), AffairType.choices, errors, where, "办件类型"
        ),
        "department": _department(data.get("department"), street, errors, where),
        "statutory_limit_days": int(data.get("statutory_limit_days") or 0),
        "promised_limit_days": int(data.get("promised_limit_days") or 0),
        "limit_note": data.get("limit_note") or "",
        "service_modes": _check_list(
            data.get("service_modes"), SERVICE_MODES, errors, where, "服务方式"
        ),
        "channels": _check_list(data.get("channels"), CHANNELS, errors, where, "办理渠道"),
        "max_visits": int(data.get("max_visits") if data.get("max_visits") is not None else 1),
        "community_may_accept": bool(data.get("community_may_accept")),
        "target": data.get("target") or "自然人",
        "life_events": list(data.get("life_events") or []),
        "keywords": data.get("keywords") or "",
        "legal_basis": data.get("legal_basis") or "",
        "conditions": data.get("conditions") or "",
        "is_charged": bool(data.get("is_charged")),
        "fees": list(data.get("fees") or []),
        "result_name": data.get("result_name") or "",
        "online": bool(data.get("online", True)),
        "form_fields": list(data.get("form_fields") or []),
    }
    if out["affair_type"] == AffairType.PROMISED and out["promised_limit_days"] < 1:
        errors.setdefault(where, []).append("承诺件的承诺办结时限至少 1 个工作日")
    if out["statutory_limit_days"] and out["promised_limit_days"] > out["statutory_limit_days"]:
        errors.setdefault(where, []).append("承诺时限不能超过法定时限")
    for f in out["form_fields"]:
        if not isinstance(f, dict) or not f.get("name") or f.get("type", "text") not in FIELD_TYPES:
            errors.setdefault(where, []).append(f"申请表字段有误：{f}")
    materials, keys = [], set()
    for m in data.get("materials") or []:
        key = str(m.get("key") or "").strip()
        if not key or key in keys:
            errors.setdefault(where, []).append(f"材料标识缺失或重复：{key or m}")
            continue
        keys.add(key)
        formats = [str(f).lower().replace("jpeg", "jpg") for f in (m.get("formats") or [])]
        _check_list(formats, MATERIAL_FORMATS, errors, where, "电子格式")
        materials.append(
            {
                "key": key,
                "name": m.get("name") or key,
                "required": bool(m.get("required", True)),
                "form": m.get("form") or ItemMaterial.Form.BOTH,
                "formats": formats,
                "original_needed": bool(m.get("original_needed")),
                "copies": int(m.get("copies") or 1),
                "source": m.get("source") or "申请人自备",
                "reusable": bool(m.get("reusable")),
                "note": m.get("note") or "",
            }
        )
    out["materials"] = materials
    steps = []
    for i, s in enumerate(data.get("steps") or [], start=1):
        try:
            conditions.validate_rule(s.get("condition"))
        except ValidationFailed as exc:
            errors.setdefault(where, []).append(f"第{i}环节：{exc.message}")
        role = s.get("role") or StepRole.DEPARTMENT_STAFF
        if role not in StepRole.values:
            errors.setdefault(where, []).append(f"第{i}环节：办理角色“{role}”无效")
        steps.append(
            {
                "order": int(s.get("order") or i),
                "name": s.get("name") or "审查",
                "department": _department(
                    s.get("department") or data.get("department"), street, errors, where
                ),
                "role": role,
                "limit_days": int(s.get("limit_days") or 1),
                "condition": s.get("condition"),
            }
        )
    if out["affair_type"] == AffairType.PROMISED and not steps and out["department"] is not None:
        steps.append(
            {
                "order": 1,
                "name": "审查决定",
                "department": out["department"],
                "role": StepRole.DEPARTMENT_STAFF,
                "limit_days": max(out["promised_limit_days"], 1),
                "condition": None,
            }
        )
    out["steps"] = steps
    return out


def _flow_signature(steps) -> list[tuple]:
    return [
        (s["order"], s["name"], s["department"].pk, s["role"], s["limit_days"], s["condition"])
        for s in steps
    ]


def _current_signature(flow: StepFlow | None) -> list[tuple]:
    if flow is None:
        return []
    return [
        (s.order, s.name, s.department_id, s.role, s.limit_days, s.condition)
        for s in flow.steps.all()
    ]


def _publish_flow(item: ServiceItem, steps: list[dict], actor, note: str = "") -> StepFlow:
    current = item.flows.filter(is_current=True).first()
    version = (item.flows.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    if current is not None:
        StepFlow.objects.filter(pk=current.pk).update(is_current=False)
    flow = StepFlow.objects.create(
        item=item,
        version=version,
        is_current=True,
        note=note,
        created_by=acting_user(actor),
    )
    StepDefinition.objects.bulk_create(
        StepDefinition(
            flow=flow,
            order=s["order"],
            name=s["name"],
            department=s["department"],
            role=s["role"],
            limit_days=s["limit_days"],
            condition=s["condition"],
        )
        for s in steps
    )
    return flow


@transaction.atomic
def step_flow_publish(*, actor, item: ServiceItem, steps: list[dict], note: str = "") -> StepFlow:
    """Publish a new version of an item's review flow. Applications already accepted keep the
    version they pinned; new acceptances use this one."""
    errors: dict = {}
    data = {
        "code": item.code,
        "name": item.name,
        "item_type": item.item_type,
        "affair_type": item.affair_type,
        "department": item.department.code,
        "promised_limit_days": item.promised_limit_days,
        "statutory_limit_days": item.statutory_limit_days,
        "steps": steps,
    }
    prepared = _prepare_item(data, None, errors, 0)
    if not steps:
        errors.setdefault("steps", []).append("至少需要一个环节")
    if errors:
        raise ValidationFailed(_first(errors), code=E.INVALID_CATALOGUE, fields=errors)
    before = _current_signature(item.flows.filter(is_current=True).first())
    flow = _publish_flow(item, prepared["steps"], actor, note)
    audit_record(
        actor=actor,
        action="approvals.flow.publish",
        target=item,
        before={"steps": before},
        after={"version": flow.version, "steps": _current_signature(flow)},
        note=note,
    )
    return flow


def _first(errors: dict) -> str:
    where, messages = next(iter(errors.items()))
    return f"事项清单有误（{where}）：{messages[0]}"


@dataclass
class LoadResult:
    items_created: int = 0
    items_updated: int = 0
    flows_published: int = 0
    bundles_created: int = 0
    bundles_updated: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def catalogue_load(
    *, actor, items: list[dict], bundles: list[dict] = (), street: OrgUnit | None = None
) -> LoadResult:
    """Create or update items and bundles by code (idempotent), all or nothing. Items are
    devolved to `street` when given. A flow is published only when its steps changed."""
    token = _DEPT_CACHE.set({})
    try:
        return _catalogue_load(actor=actor, items=items, bundles=bundles, street=street)
    finally:
        _DEPT_CACHE.reset(token)


@transaction.atomic
def _catalogue_load(*, actor, items, bundles, street) -> LoadResult:
    errors: dict = {}
    prepared = [p for n, d in enumerate(items) if (p := _prepare_item(d, street, errors, n))]
    codes = [p["code"] for p in prepared]
    dupes = {c for c in codes if codes.count(c) > 1}
    if dupes:
        errors.setdefault("items", []).append(f"事项编码重复：{'、'.join(sorted(dupes))}")
    known = set(codes) | set(ServiceItem.objects.values_list("code", flat=True))
    prepared_bundles = []
    for n, b in enumerate(bundles):
        where = f"bundles[{b.get('code') or n}]"
        if not b.get("code") or not b.get("name"):
            errors.setdefault(where, []).append("缺少一件事编码或名称")
            continue
        missing = [c for c in b.get("items") or [] if c not in known]
        if missing:
            errors.setdefault(where, []).append(f"包含未知事项：{'、'.join(missing)}")
        if len(b.get("items") or []) < 2:
            errors.setdefault(where, []).append("一件事至少包含两个事项")
        lead = _department(b.get("lead_department"), street, errors, where)
        prepared_bundles.append({**b, "lead_department": lead})
    if errors:
        raise ValidationFailed(_first(errors), code=E.INVALID_CATALOGUE, fields=errors)

    result = LoadResult()
    existing = {
        i.code: i
        for i in ServiceItem.objects.filter(code__in=codes).prefetch_related(
            "materials",
            Prefetch(
                "flows", queryset=StepFlow.objects.filter(is_current=True).prefetch_related("steps")
            ),
        )
    }
    through = ServiceItem.devolved_to.through
    devolutions = []
    for p in prepared:
        materials, steps = p.pop("materials"), p.pop("steps")
        item = existing.get(p["code"])
        if item is None:
            item = ServiceItem.objects.create(**p)
            result.items_created += 1
            ItemMaterial.objects.bulk_create(
                ItemMaterial(item=item, sort_order=order, **m) for order, m in enumerate(materials)
            )
            current = None
        else:
            for k, v in p.items():
                setattr(item, k, v)
            item.save()
            result.items_updated += 1
            have = {m.key: m for m in item.materials.all()}
            for order, m in enumerate(materials):
                obj = have.pop(m["key"], None) or ItemMaterial(item=item, key=m["key"])
                for k, v in m.items():
                    setattr(obj, k, v)
                obj.sort_order = order
                obj.save()
            ItemMaterial.objects.filter(pk__in=[m.pk for m in have.values()]).delete()
            current = next(iter(item.flows.all()), None)
        if street is not None:
            devolutions.append(through(serviceitem_id=item.pk, orgunit_id=street.pk))
        if steps and _flow_signature(steps) != _current_signature(current):
            _publish_flow(item, steps, actor, "清单导入")
            result.flows_published += 1
    through.objects.bulk_create(devolutions, ignore_conflicts=True)
    for b in prepared_bundles:
        item_codes = list(b.get("items") or [])
        defaults = {
            "name": b["name"],
            "description": b.get("description") or "",
            "life_events": list(b.get("life_events") or []),
            "lead_department": b["lead_department"],
            "produced_materials": list(b.get("produced_materials") or []),
            "extra_fields": list(b.get("extra_fields") or []),
            "max_visits": int(b.get("max_visits") if b.get("max_visits") is not None else 1),
        }
        bundle, created = Bundle.objects.update_or_create(code=b["code"], defaults=defaults)
        result.bundles_created += created
        result.bundles_updated += not created
        by_code = {i.code: i for i in ServiceItem.objects.filter(code__in=item_codes)}
        bundle.bundle_items.all().delete()
        BundleItem.objects.bulk_create(
            BundleItem(bundle=bundle, item=by_code[c], sort_order=i)
            for i, c in enumerate(item_codes)
        )
    audit_record(
        actor=actor,
        action="approvals.catalogue.load",
        target_type="approvals.serviceitem",
        target_id="*",
        after=result.as_dict(),
        note=f"街道 {street.code}" if street is not None else "",
    )
    return result


@transaction.atomic
def item_devolve(*, actor, item: ServiceItem, street: OrgUnit, devolved: bool = True) -> None:
    """下放（赋权）or withdraw an item for a street."""
    if street.kind != OrgUnit.Kind.STREET:
        raise ValidationFailed("只能下放至街道。", fields={"street": ["必须是街道"]})
    if devolved:
        item.devolved_to.add(street)
    else:
        item.devolved_to.remove(street)
    audit_record(
        actor=actor,
        action="approvals.item.devolve" if devolved else "approvals.item.withdraw",
        target=item,
        after={"street": street.code, "devolved": devolved},
    )


# ---------------------------------------------------------------------------------------------
# Serialising the catalogue back to dicts (the .xlsx export)
# ---------------------------------------------------------------------------------------------


def item_as_dict(item: ServiceItem) -> dict:
    flow = next((f for f in item.flows.all() if f.is_current), None)
    return {
        "code": item.code,
        "name": item.name,
        "item_type": item.item_type,
        "affair_type": item.affair_type,
        "statutory_limit_days": item.statutory_limit_days,
        "promised_limit_days": item.promised_limit_days,
        "limit_note": item.limit_note,
        "department": item.department.name,
        "department_code": item.department.code,
        "service_modes": item.service_modes,
        "channels": item.channels,
        "max_visits": item.max_visits,
        "community_may_accept": item.community_may_accept,
        "target": item.target,
        "life_events": item.life_events,
        "keywords": item.keywords,
        "legal_basis": item.legal_basis,
        "conditions": item.conditions,
        "is_charged": item.is_charged,
        "fees": item.fees,
        "result_name": item.result_name,
        "online": item.online,
        "form_fields": item.form_fields,
        "materials": [
            {
                "key": m.key,
                "name": m.name,
                "required": m.required,
                "form": m.form,
                "formats": m.formats,
                "original_needed": m.original_needed,
                "copies": m.copies,
                "source": m.source,
                "reusable": m.reusable,
                "note": m.note,
            }
            for m in item.materials.all()
        ],
        "steps": [
            {
                "order": s.order,
                "name": s.name,
                "department": s.department.name,
                "role": s.role,
                "limit_days": s.limit_days,
                "condition": s.condition,
            }
            for s in (flow.steps.all() if flow else [])
        ],
    }


def bundle_as_dict(bundle: Bundle) -> dict:
    return {
        "code": bundle.code,
        "name": bundle.name,
        "description": bundle.description,
        "life_events": bundle.life_events,
        "lead_department": bundle.lead_department.name,
        "items": [bi.item.code for bi in bundle.bundle_items.all()],
        "produced_materials": bundle.produced_materials,
        "extra_fields": bundle.extra_fields,
        "max_visits": bundle.max_visits,
    }
