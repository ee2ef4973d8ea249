"""Writes to the grid (网格): regions and their grid workers.

Every polygon passes `geometry.check_polygon` (valid GeoJSON Polygon/MultiPolygon, closed rings,
valid geometry) and must lie inside its parent within a tolerance; overlaps with siblings of the
same kind are returned and stored as warnings, never refused. Codes are hierarchical and
generated under the parent's when absent: street 9 digits, community +3, grid +3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, ValidationFailed, check_version
from yiwang.core.validators import check_phone, normalize_phone
from yiwang.grids import geometry as geo
from yiwang.grids.errors import GridErrorCode
from yiwang.grids.models import CODE_LENGTHS, PARENT_LEVEL, GridWorker, Region

REGION_AUDIT_FIELDS = [
    "code",
    "official_code",
    "name",
    "level",
    "kind",
    "special_type",
    "parent",
    "is_active",
    "area_m2",
    "repaired_note",
]
LEVEL_LABELS = dict(Region.Level.choices)
# Generated suffixes: comprehensive grids count up from 001, special grids from 901.
SPECIAL_FIRST = 901


@dataclass
class ValidatedRegion:
    """The fields of a region that passed every check, plus what the caller should hear."""

    name: str
    level: str
    kind: str
    special_type: str
    parent: Region | None
    code: str
    geojson: str
    geom: object = None
    repaired_note: str = ""
    warnings: list = field(default_factory=list)


@dataclass
class RegionSaveResult:
    region: Region
    created: bool
    warnings: list
    repaired_note: str = ""


def _fail(message: str, field_name: str, code: str = GridErrorCode.INVALID) -> ValidationFailed:
    return ValidationFailed(message, code=str(code), fields={field_name: [message]})


# ---------------------------------------------------------------------------------------------
# Codes


def normalize_code(value) -> str:
    """A code as text: integers and floats from GeoJSON properties become digit strings."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_code(code: str, *, level: str, parent: Region | None) -> str | None:
    """Chinese message when `code` does not fit `level` and `parent`, else None."""
    length = CODE_LENGTHS[level]
    if not code.isdigit() or len(code) != length:
        return f"{LEVEL_LABELS[level]}编码必须是 {length} 位数字，收到「{code}」。"
    if parent is not None and not code.startswith(parent.code):
        return f"编码「{code}」必须以上级「{parent.name}」的编码 {parent.code} 开头。"
    return None


def generate_code(
    *, parent: Region | None, level: str, kind: str, taken=(), code_prefix: str = ""
) -> str:
    """The next free code under the parent (or under `code_prefix`, a 6-digit county code, for
    a street). Comprehensive regions take 001…, special grids 901…; `taken` holds codes
    already handed out in the same batch."""
    if parent is not None:
        prefix = parent.code
    else:
        prefix = normalize_code(code_prefix)
        if not (prefix.isdigit() and len(prefix) == CODE_LENGTHS[level] - 3):
            raise _fail(
                f"{LEVEL_LABELS[level]}没有上级，须提供编码，或提供 "
                f"{CODE_LENGTHS[level] - 3} 位数字的编码前缀（如区县代码）以生成编码。",
                "code",
                GridErrorCode.BAD_CODE,
            )
    length = len(prefix) + 3
    existing = set(
        Region.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    ) | {c for c in taken if c.startswith(prefix)}
    used = {int(c[len(prefix) :]) for c in existing if len(c) == length and c.isdigit()}
    first, last = (SPECIAL_FIRST, 999) if kind == Region.Kind.SPECIAL else (1, SPECIAL_FIRST - 1)
    in_range = [n for n in used if first <= n <= last]
    candidate = (max(in_range) + 1) if in_range else first
    if candidate > last:  # the top is taken: look for a gap
        candidate = next((n for n in range(first, last + 1) if n not in used), None)
        if candidate is None:
            raise _fail(
                f"上级 {prefix} 下的编码已用完（{first:03d}～{last:03d}）。",
                "code",
                GridErrorCode.CODE_EXHAUSTED,
            )
    return f"{prefix}{candidate:03d}"


# ---------------------------------------------------------------------------------------------
# Validation


def check_parent(level: str, parent: Region | None) -> None:
    expected = PARENT_LEVEL.get(level)
    if expected is None:
        if parent is not None:
            raise _fail("街道是最上级区域，不能有上级。", "parent", GridErrorCode.BAD_PARENT)
        return
    if parent is None:
        raise _fail(
            f"{LEVEL_LABELS[level]}必须有上级{LEVEL_LABELS[expected]}。",
            "parent",
            GridErrorCode.NO_PARENT,
        )
    if parent.level != expected:
        raise _fail(
            f"{LEVEL_LABELS[level]}的上级必须是{LEVEL_LABELS[expected]}，"
            f"「{parent.name}」是{LEVEL_LABELS[parent.level]}。",
            "parent",
            GridErrorCode.BAD_PARENT,
        )


def sibling_geometries(*, parent, level, kind, exclude_pk=None):
    """[(code, name, geometry)] of the active siblings of the same kind."""
    qs = Region.objects.filter(parent=parent, level=level, kind=kind, is_active=True).exclude(
        geojson=""
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return [
        (code, name, geo.geometry_from_text(text))
        for code, name, text in qs.values_list("code", "name", "geojson")
    ]


def region_validate(
    *,
    name: str,
    level: str,
    kind: str = Region.Kind.COMPREHENSIVE,
    special_type: str = "",
    parent: Region | None = None,
    code: str = "",
    geojson="",
    instance: Region | None = None,
    repair_invalid: bool = False,
    code_prefix: str = "",
) -> ValidatedRegion:
    """Check every rule of a region; raise ValidationFailed naming the field, or return the
    cleaned fields with the warnings (sibling overlaps) the caller should show."""
    name = (name or "").strip()
    if not name:
        raise _fail("名称不能为空。", "name")
    if len(name) > 100:
        raise _fail("名称不能超过 100 个字。", "name")
    if level not in LEVEL_LABELS:
        raise _fail(f"层级必须是 street、community 或 grid，收到「{level}」。", "level")
    if kind not in dict(Region.Kind.choices):
        raise _fail(f"网格类型必须是 comprehensive 或 special，收到「{kind}」。", "kind")
    if kind == Region.Kind.SPECIAL and level != Region.Level.GRID:
        raise _fail("只有网格层级可以是专属网格。", "kind")
    special_type = (special_type or "").strip() if kind == Region.Kind.SPECIAL else ""
    check_parent(level, parent)
    if parent is not None and instance is not None and parent.pk == instance.pk:
        raise _fail("上级不能是自身。", "parent", GridErrorCode.BAD_PARENT)

    checked = None
    warnings: list = []
    if geojson not in (None, "") and not (isinstance(geojson, str) and not geojson.strip()):
        checked = geo.check_polygon(geojson, repair_invalid=repair_invalid)
        parent_geom = geo.geometry_from_text(parent.geojson) if parent is not None else None
        if parent_geom is not None:
            geo.check_inside(checked.geom, parent_geom, parent_label=parent.name)
        warnings = geo.overlaps_with(
            checked.geom,
            sibling_geometries(
                parent=parent,
                level=level,
                kind=kind,
                exclude_pk=instance.pk if instance else None,
            ),
        )
    else:
        warnings.append({"code": "no_geometry", "message": "未设置边界：定位时找不到该区域。"})

    code = normalize_code(code)
    if code:
        problem = check_code(code, level=level, parent=parent)
        if problem:
            raise _fail(problem, "code", GridErrorCode.BAD_CODE)
        clash = Region.objects.filter(code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise _fail(f"编码 {code} 已被使用。", "code", GridErrorCode.DUPLICATE_CODE)
    elif instance is not None and instance.code and (parent is None or parent == instance.parent):
        code = instance.code
    else:
        code = generate_code(parent=parent, level=level, kind=kind, code_prefix=code_prefix)
    return ValidatedRegion(
        name=name,
        level=level,
        kind=kind,
        special_type=special_type,
        parent=parent,
        code=code,
        geojson=checked.geojson if checked else "",
        geom=checked.geom if checked else None,
        repaired_note=checked.repaired_note if checked else "",
        warnings=warnings,
    )


def apply_validated(region: Region, data: ValidatedRegion) -> None:
    """Copy validated fields (and the cached box and area) onto the instance, unsaved."""
    region.name = data.name
    region.level = data.level
    region.kind = data.kind
    region.special_type = data.special_type
    region.parent = data.parent
    region.code = data.code
    region.geojson = data.geojson
    region.repaired_note = data.repaired_note
    region.warnings = data.warnings
    if data.geom is not None:
        region.min_lon, region.min_lat, region.max_lon, region.max_lat = (
            float(v) for v in data.geom.bounds
        )
        region.area_m2 = round(geo.area_m2(data.geom), 1)
    else:
        region.min_lon = region.min_lat = region.max_lon = region.max_lat = None
        region.area_m2 = None


def _children_outside(region: Region, geom) -> list[dict]:
    """Warnings for children that the new boundary leaves outside (beyond the tolerance)."""
    out = []
    for child in region.children.filter(is_active=True).exclude(geojson=""):
        child_geom = geo.geometry_from_text(child.geojson)
        if child_geom is None:
            continue
        try:
            geo.check_inside(child_geom, geom, parent_label=region.name)
        except geo.GeometryError as exc:
            out.append(
                {"code": "child_outside", "child": child.code, "message": f"{child.name}：{exc}"}
            )
    return out


# ---------------------------------------------------------------------------------------------
# Region services


@transaction.atomic
def region_create(
    *,
    actor,
    name: str,
    level: str,
    parent: Region | None = None,
    code: str = "",
    geojson="",
    kind: str = Region.Kind.COMPREHENSIVE,
    special_type: str = "",
    is_active: bool = True,
    repair_invalid: bool = False,
    code_prefix: str = "",
) -> RegionSaveResult:
    """新建区域/网格."""
    data = region_validate(
        name=name,
        level=level,
        kind=kind,
        special_type=special_type,
        parent=parent,
        code=code,
        geojson=geojson,
        repair_invalid=repair_invalid,
        code_prefix=code_prefix,
    )
    region = Region(is_active=is_active)
    apply_validated(region, data)
    try:
        with transaction.atomic():
            region.save()
    except IntegrityError:
        raise Conflict(f"编码 {region.code} 刚被他人使用，请重试。", code="duplicate_code")
    audit_record(
        actor=actor,
        action="grids.region.create",
        target=region,
        after=snapshot(region, REGION_AUDIT_FIELDS),
        note="；".join(w["message"] for w in data.warnings),
    )
    return RegionSaveResult(region, True, data.warnings, data.repaired_note)


UPDATABLE = {"name", "level", "kind", "special_type", "parent", "code", "geojson", "is_active"}


@transaction.atomic
def region_update(
    *, actor, region: Region, version=None, repair_invalid: bool = False, **changes
) -> RegionSaveResult:
    """修改区域/网格. With `version` (API), a stale version is a 409; the write itself is a
    compare-and-set on the version either way."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise _fail(f"不能修改的字段：{', '.join(sorted(unknown))}。", sorted(unknown)[0])
    if version is not None:
        check_version(region, version)
    before = snapshot(region, REGION_AUDIT_FIELDS)
    old_code, old_geojson = region.code, region.geojson
    merged = {f: getattr(region, f) for f in UPDATABLE - {"is_active"}}
    merged.update({k: v for k, v in changes.items() if k != "is_active"})
    data = region_validate(
        name=merged["name"],
        level=merged["level"],
        kind=merged["kind"],
        special_type=merged["special_type"],
        parent=merged["parent"],
        code=merged["code"],
        geojson=merged["geojson"],
        instance=region,
        repair_invalid=repair_invalid,
    )
    if data.code != old_code and region.children.exists():
        raise Conflict(
            "该区域已有下级，不能修改编码（下级编码以其编码开头）。",
            code=GridErrorCode.HAS_CHILDREN,
        )
    if data.level != region.level and region.children.exists():
        raise Conflict("该区域已有下级，不能修改层级。", code=GridErrorCode.HAS_CHILDREN)
    if data.geom is not None and data.geojson != old_geojson:
        data.warnings += _children_outside(region, data.geom)
    apply_validated(region, data)
    if "is_active" in changes:
        region.is_active = bool(changes["is_active"])
    region.updated_at = timezone.now()
    fields = sorted(UPDATABLE - {"parent"}) + [
        "parent_id",
        "min_lon",
        "min_lat",
        "max_lon",
        "max_lat",
        "area_m2",
        "repaired_note",
        "warnings",
        "updated_at",
    ]
    try:
        with transaction.atomic():
            region.bump_version(fields=fields)
    except IntegrityError:
        raise Conflict(f"编码 {region.code} 已被使用。", code=GridErrorCode.DUPLICATE_CODE)
    audit_record(
        actor=actor,
        action="grids.region.update",
        target=region,
        before=before | {"geojson_changed": False},
        after=snapshot(region, REGION_AUDIT_FIELDS)
        | {"geojson_changed": region.geojson != old_geojson},
        note="；".join(w["message"] for w in data.warnings),
    )
    from yiwang.grids.locate import invalidate

    transaction.on_commit(invalidate)
    invalidate()
    return RegionSaveResult(region, False, data.warnings, data.repaired_note)


def region_save(*, actor, region: Region | None = None, **fields) -> RegionSaveResult:
    """Create when `region` is None, else update (the admin's entry point)."""
    if region is None or region.pk is None:
        return region_create(actor=actor, **fields)
    return region_update(actor=actor, region=region, **fields)


# ---------------------------------------------------------------------------------------------
# Grid workers

WORKER_AUDIT_FIELDS = ["region", "user", "name", "role", "is_active"]


def _check_worker(name: str, phone: str, role: str) -> tuple[str, str]:
    name = (name or "").strip()
    if not name:
        raise _fail("网格员姓名不能为空。", "name")
    phone = normalize_phone(phone or "")
    if phone:
        problem = check_phone(phone)
        if problem:
            raise _fail(problem, "phone", GridErrorCode.BAD_PHONE)
    if role not in dict(GridWorker.Role.choices):
        raise _fail(f"职务必须是 head、full_time 或 part_time，收到「{role}」。", "role")
    return name, phone


@transaction.atomic
def grid_worker_assign(
    *,
    actor,
    region: Region,
    name: str,
    phone: str = "",
    role: str = GridWorker.Role.FULL_TIME,
    user=None,
) -> GridWorker:
    """给网格配备网格员（网格长、专职网格员、兼职网格员）."""
    name, phone = _check_worker(name, phone, role)
    worker = GridWorker.objects.create(region=region, user=user, name=name, phone=phone, role=role)
    audit_record(
        actor=actor,
        action="grids.worker.assign",
        target=worker,
        after=snapshot(worker, WORKER_AUDIT_FIELDS),
    )
    return worker


@transaction.atomic
def grid_worker_update(*, actor, worker: GridWorker, **changes) -> GridWorker:
    """修改网格员信息（姓名、电话、职务、在岗）."""
    allowed = {"name", "phone", "role", "user", "is_active", "region"}
    unknown = set(changes) - allowed
    if unknown:
        raise _fail(f"不能修改的字段：{', '.join(sorted(unknown))}。", sorted(unknown)[0])
    before = snapshot(worker, WORKER_AUDIT_FIELDS)
    name, phone = _check_worker(
        changes.get("name", worker.name),
        changes.get("phone", worker.phone),
        changes.get("role", worker.role),
    )
    worker.name, worker.phone = name, phone
    for key in ("role", "user", "is_active", "region"):
        if key in changes:
            setattr(worker, key, changes[key])
    worker.save()
    audit_record(
        actor=actor,
        action="grids.worker.update",
        target=worker,
        before=before,
        after=snapshot(worker, WORKER_AUDIT_FIELDS),
    )
    return worker


@transaction.atomic
def grid_worker_remove(*, actor, worker: GridWorker) -> None:
    """撤销网格员配备."""
    before = snapshot(worker, WORKER_AUDIT_FIELDS)
    audit_record(actor=actor, action="grids.worker.remove", target=worker, before=before)
    worker.delete()
