"""Import regions from a GeoJSON FeatureCollection (网格边界导入).

`import_regions(...)` is what `yiwang import grids FILE ...` runs; tests call it directly.

* A file that is empty, not JSON, or not a FeatureCollection is refused as a whole: nothing
  changes.
* Each feature is checked on its own. A rejected feature is reported with its index (1-based,
  in file order) and the reason — not a polygon, no name, no parent found, outside its parent,
  invalid geometry that cannot be repaired, a bad or duplicate code — and the rest are kept.
* Slightly invalid polygons (unclosed rings, rounding slivers, self-touching rings) are repaired
  and the repair is reported.
* Without a parent field, a feature's parent is the active region one level up that contains
  its representative point; without a code field, codes are generated under the parent's.
* A code that does not nest under its parent's (real layers: 苏州工业园区 communities 3205050…
  under streets coded 320576…, grids 320505006023001) is the region's official code: it is
  kept in `official_code` and the internal code is generated under the parent's, so real layers
  import with their codes in one pass. Refused only when it nests under another region of the
  parent's level (the file contradicts itself) or is not a code at all.
* Re-importing the same file updates rather than duplicates: a feature matches an existing
  region by code, else by parent and name.
* The kept rows are written in one transaction, each with its audit event, plus a
  GridImportReport; overlaps between siblings are reported and stored, never refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.core.audit import acting_user, audit_record, snapshot
from yiwang.core.errors import Conflict, StaleVersion, ValidationFailed
from yiwang.grids import geometry as geo
from yiwang.grids.errors import GridErrorCode
from yiwang.grids.models import CODE_LENGTHS, PARENT_LEVEL, GridImportReport, Region
from yiwang.grids.services import (
    LEVEL_LABELS,
    REGION_AUDIT_FIELDS,
    SPECIAL_FIRST,
    check_code,
    normalize_code,
)


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be imported; nothing was changed."""

    code = "import_file"


@dataclass
class ImportResult:
    level: str
    kind: str
    total: int = 0
    dry_run: bool = False
    created: list = field(default_factory=list)  # {"index", "code", "name"}
    updated: list = field(default_factory=list)
    repaired: list = field(default_factory=list)  # {"index", "code", "name", "note"}
    rejected: list = field(default_factory=list)  # {"index", "name", "code", "reason"}
    overlaps: list = field(default_factory=list)  # {"a", "a_name", "b", "b_name", "area_m2"}
    report_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "kind": self.kind,
            "total": self.total,
            "dry_run": self.dry_run,
            "counts": {
                "created": len(self.created),
                "updated": len(self.updated),
                "repaired": len(self.repaired),
                "rejected": len(self.rejected),
                "overlaps": len(self.overlaps),
            },
            "created": self.created,
            "updated": self.updated,
            "repaired": self.repaired,
            "rejected": self.rejected,
            "overlaps": self.overlaps,
            "report_id": self.report_id,
        }

    def summary_lines(self) -> list[str]:
        label = LEVEL_LABELS.get(self.level, self.level)
        head = "（试运行，未写入）" if self.dry_run else ""
        lines = [
            f"导入{label}{head}：共 {self.total} 个要素，新建 {len(self.created)}，"
            f"更新 {len(self.updated)}，修复 {len(self.repaired)}，拒绝 {len(self.rejected)}，"
            f"同级重叠 {len(self.overlaps)} 处。"
        ]
        official = [e for e in self.created + self.updated if e.get("official_code")]
        if official:
            lines.append(
                f"  其中 {len(official)} 个要素的官方编码不嵌套在上级编码下：已保留为官方编码，"
                f"并生成内部编码（如 {official[0]['official_code']} → {official[0]['code']}）。"
            )
        for r in self.rejected:
            lines.append(f"  拒绝 第 {r['index']} 个要素（{r['name'] or '无名称'}）：{r['reason']}")
        for r in self.repaired:
            lines.append(f"  修复 第 {r['index']} 个要素 {r['name']}（{r['code']}）：{r['note']}")
        for o in self.overlaps:
            lines.append(
                f"  重叠 {o['a_name']}（{o['a']}）与 {o['b_name']}（{o['b']}）："
                f"{o['area_m2']:.1f} 平方米"
            )
        return lines


@dataclass
class _Planned:
    index: int
    name: str
    code: str
    parent: Region | None
    geom: object
    geojson: str
    special_type: str
    repaired_note: str
    existing: Region | None
    official_code: str = ""
    warnings: list = field(default_factory=list)


class _Reject(Exception):
    def __init__(self, reason: str, code: str = GridErrorCode.INVALID):
        super().__init__(reason)
        self.reason = reason
        self.code = str(code)


# ---------------------------------------------------------------------------------------------


def read_feature_collection(source) -> list:
    """The features of a FeatureCollection given as a Path, bytes, text or parsed dict."""
    if isinstance(source, Path):
        try:
            source = source.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"无法读取文件：{exc.strerror or exc}。", code="unreadable")
    try:
        data = geo.load_json(source, what="文件")
    except geo.GeometryError as exc:
        raise ImportFileError(exc.message, code=exc.code)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        got = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise ImportFileError(
            f"文件不是 GeoJSON FeatureCollection（顶层 type 为 {got!r}）。",
            code=GridErrorCode.NOT_FEATURE_COLLECTION,
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise ImportFileError(
            "FeatureCollection 缺少 features 数组。", code=GridErrorCode.NOT_FEATURE_COLLECTION
        )
    if not features:
        raise ImportFileError("FeatureCollection 中没有任何要素。", code=GridErrorCode.EMPTY)
    return features


class _CodeAllocator:
    """Hands out generated codes under each parent, remembering what this batch took."""

    def __init__(self, kind: str, code_prefix: str, level: str):
        self.kind, self.code_prefix, self.level = kind, normalize_code(code_prefix), level
        self.used: dict[str, set[int]] = {}

    def _used(self, prefix: str) -> set[int]:
        if prefix not in self.used:
            length = len(prefix) + 3
            self.used[prefix] = {
                int(c[len(prefix) :])
                for c in Region.objects.filter(code__startswith=prefix).values_list(
                    "code", flat=True
                )
                if len(c) == length and c.isdigit()
            }
        return self.used[prefix]

    def take(self, code: str) -> None:
        for prefix in self.used:
            if code.startswith(prefix) and len(code) == len(prefix) + 3:
                self.used[prefix].add(int(code[len(prefix) :]))

    def next(self, parent: Region | None) -> str:
        if parent is not None:
            prefix = parent.code
        else:
            prefix = self.code_prefix
        used = self._used(prefix)
        first, last = (
            (SPECIAL_FIRST, 999) if self.kind == Region.Kind.SPECIAL else (1, SPECIAL_FIRST - 1)
        )
        in_range = [n for n in used if first <= n <= last]
        candidate = max(in_range) + 1 if in_range else first
        if candidate > last:
            candidate = next((n for n in range(first, last + 1) if n not in used), None)
            if candidate is None:
                raise _Reject(f"上级 {prefix} 下的编码已用完。", GridErrorCode.CODE_EXHAUSTED)
        used.add(candidate)
        return f"{prefix}{candidate:03d}"


class _Parents:
    """The active regions one level up: by code, by name, and by containment."""

    def __init__(self, level: str):
        self.level = level
        self.regions = list(Region.objects.filter(level=level, is_active=True).order_by("code"))
        self.by_code = {r.code: r for r in self.regions}
        self.by_name: dict[str, list[Region]] = {}
        for r in self.regions:
            self.by_name.setdefault(r.name, []).append(r)
        self.geoms = {r.pk: geo.geometry_from_text(r.geojson) for r in self.regions}
        located = [r for r in self.regions if self.geoms[r.pk] is not None]
        self.located = located
        self.tree = (
            shapely.STRtree(np.array([self.geoms[r.pk] for r in located], dtype=object))
            if located
            else None
        )

    def by_value(self, value) -> Region:
        text = normalize_code(value)
        if not text:
            raise _Reject("上级字段为空。", GridErrorCode.NO_PARENT)
        if text in self.by_code:
            return self.by_code[text]
        matches = self.by_name.get(text, [])
        if len(matches) == 1:
            return matches[0]
        label = LEVEL_LABELS[self.level]
        if len(matches) > 1:
            raise _Reject(
                f"上级名称「{text}」对应多个{label}，请改用编码。", GridErrorCode.BAD_PARENT
            )
        raise _Reject(f"找不到编码或名称为「{text}」的上级{label}。", GridErrorCode.NO_PARENT)

    def containing(self, geom) -> Region:
        label = LEVEL_LABELS[self.level]
        point = geom.representative_point()
        hits = [] if self.tree is None else self.tree.query(point, predicate="intersects")
        if not len(hits):
            raise _Reject(
                f"找不到包含该要素代表点 ({point.x:.6f}, {point.y:.6f}) 的上级{label}。",
                GridErrorCode.NO_PARENT,
            )
        candidates = [self.located[int(k)] for k in hits]
        if len(candidates) == 1:
            return candidates[0]
        # Overlapping parents: the one sharing the most area, then the smallest code.
        candidates.sort(key=lambda r: r.code)  # max() keeps the first of equals
        return max(candidates, key=lambda r: shapely.intersection(self.geoms[r.pk], geom).area)


def _split_official(code: str, *, level: str, parent, parents) -> tuple[str, str]:
    """(internal code, official code) for the code given in the file.

    A code that fits the level and nests under the parent is both. A well-formed official code
    that does not nest is kept as the official code only (the internal one is generated later),
    unless it nests under another region of the parent's level: then the file names two
    different parents for the feature and it is refused."""
    if not code:
        return "", ""
    if len(code) > 40 or not code.isalnum():
        raise _Reject(f"编码「{code[:40]}」不是有效的编码（只能是字母和数字，最多 40 位）。",
                      GridErrorCode.BAD_CODE)  # fmt: skip
    problem = check_code(code, level=level, parent=parent)
    if problem is None:
        return code, code
    if parent is None:  # a street's code is the root of every code under it
        raise _Reject(problem, GridErrorCode.BAD_CODE)
    if parents is not None:
        other = next(
            (r for c, r in parents.by_code.items() if code.startswith(c) and r.pk != parent.pk),
            None,
        )
        if other is not None and len(code) == CODE_LENGTHS[level]:
            raise _Reject(problem, GridErrorCode.BAD_CODE)
    return "", code


def import_regions(
    *,
    actor,
    source,
    level: str,
    name_field: str,
    code_field: str | None = None,
    parent_field: str | None = None,
    kind: str = Region.Kind.COMPREHENSIVE,
    special_type_field: str | None = None,
    special_type: str = "",
    code_prefix: str = "",
    dry_run: bool = False,
    source_name: str = "",
) -> ImportResult:
    """Import one level of regions from a GeoJSON FeatureCollection (see the module doc)."""
    if level not in CODE_LENGTHS:
        raise ImportFileError(
            f"层级必须是 street、community 或 grid，收到「{level}」。", code="bad_level"
        )
    if kind not in dict(Region.Kind.choices):
        raise ImportFileError(
            f"网格类型必须是 comprehensive 或 special，收到「{kind}」。", code="bad_kind"
        )
    if kind == Region.Kind.SPECIAL and level != Region.Level.GRID:
        raise ImportFileError("只有网格层级可以导入为专属网格（--kind special）。", code="bad_kind")
    if not name_field:
        raise ImportFileError("必须指定名称字段（--name-field）。", code="bad_option")
    parent_level = PARENT_LEVEL[level]
    if parent_level is None and parent_field:
        raise ImportFileError("街道是最上级区域，不能指定上级字段。", code="bad_option")
    if parent_level is None and not code_field:
        prefix = normalize_code(code_prefix)
        if not (prefix.isdigit() and len(prefix) == 6):
            raise ImportFileError(
                "导入街道时须指定编码字段（--code-field），或 6 位数字的编码前缀"
                "（--code-prefix，区县代码）以生成编码。",
                code="bad_option",
            )
    features = read_feature_collection(source)
    if isinstance(source, Path) and not source_name:
        source_name = source.name
    parents = _Parents(parent_level) if parent_level else None
    if parents is not None and not parents.regions:
        raise ImportFileError(
            f"系统中还没有任何{LEVEL_LABELS[parent_level]}，无法导入{LEVEL_LABELS[level]}："
            f"请先导入上一级（--level {parent_level}），或检查 --level 是否填错。",
            code="no_parents",
        )

    result = ImportResult(level=level, kind=kind, total=len(features), dry_run=dry_run)
    allocator = _CodeAllocator(kind, code_prefix, level)
    planned: list[_Planned] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple, int] = {}
    for index, feature in enumerate(features, start=1):
        name = ""
        try:
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise _Reject("不是 GeoJSON Feature 对象。", GridErrorCode.INVALID)
            props = feature.get("properties") or {}
            if not isinstance(props, dict):
                raise _Reject("properties 不是对象。")
            name = normalize_code(props.get(name_field))
            if not name:
                raise _Reject(f"缺少名称（字段 {name_field} 为空或不存在）。", "no_name")
            if len(name) > 100:
                raise _Reject("名称超过 100 个字。", "bad_name")
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict):
                raise _Reject("要素没有几何（geometry 为空）。", GridErrorCode.NOT_POLYGON)
            try:
                checked = geo.check_polygon(geometry, repair_invalid=True)
            except geo.GeometryError as exc:
                raise _Reject(exc.message, exc.code)
            if parents is None:
                parent = None
            elif parent_field:
                parent = parents.by_value(props.get(parent_field))
            else:
                parent = parents.containing(checked.geom)
            if parent is not None:
                parent_geom = parents.geoms.get(parent.pk)
                if parent_geom is not None:
                    try:
                        geo.check_inside(checked.geom, parent_geom, parent_label=parent.name)
                    except geo.GeometryError as exc:
                        raise _Reject(exc.message, exc.code)
            code = normalize_code(props.get(code_field)) if code_field else ""
            code, official = _split_official(code, level=level, parent=parent, parents=parents)
            existing = None
            if code:
                existing = Region.objects.filter(code=code).first()
                if existing is not None and existing.level != level:
                    raise _Reject(
                        f"编码 {code} 已被{LEVEL_LABELS[existing.level]}「{existing.name}」使用。",
                        GridErrorCode.DUPLICATE_CODE,
                    )
            if existing is None:
                same = Region.objects.filter(parent=parent, level=level, name=name)
                if kind == Region.Kind.SPECIAL or level == Region.Level.GRID:
                    same = same.filter(kind=kind)
                existing = same.order_by("code").first()
                if existing is not None and code and existing.code != code:
                    raise _Reject(
                        f"上级下已有同名区域「{name}」，编码为 {existing.code}，与文件中的编码 "
                        f"{code} 不同。",
                        GridErrorCode.DUPLICATE_CODE,
                    )
            if existing is not None:
                code = existing.code
            key = (parent.pk if parent else None, name)
            if key in seen_names:
                raise _Reject(
                    f"与第 {seen_names[key]} 个要素同名且上级相同（重复）。",
                    GridErrorCode.DUPLICATE_CODE,
                )
            if code and code in seen_codes:
                raise _Reject(
                    f"编码 {code} 与第 {seen_codes[code]} 个要素重复。",
                    GridErrorCode.DUPLICATE_CODE,
                )
            if code:
                allocator.take(code)
            stype = ""
            if kind == Region.Kind.SPECIAL:
                stype = normalize_code(props.get(special_type_field)) if special_type_field else ""
                stype = (stype or special_type)[:30]
            plan = _Planned(
                index=index,
                name=name,
                code=code,
                parent=parent,
                geom=checked.geom,
                geojson=checked.geojson,
                special_type=stype,
                repaired_note=checked.repaired_note,
                existing=existing,
                official_code=official,
            )
        except _Reject as rej:
            result.rejected.append(
                {"index": index, "name": name, "code": rej.code, "reason": rej.reason}
            )
            continue
        seen_names[key] = index
        if code:
            seen_codes[code] = index
        planned.append(plan)

    # Codes for the new ones, in file order (after every explicit code has been taken).
    for plan in planned:
        if not plan.code:
            try:
                plan.code = allocator.next(plan.parent)
            except _Reject as rej:
                result.rejected.append(
                    {"index": plan.index, "name": plan.name, "code": rej.code, "reason": rej.reason}
                )
    planned = [p for p in planned if p.code]
    _find_overlaps(planned, level, kind, result)

    for plan in planned:
        entry = {"index": plan.index, "code": plan.code, "name": plan.name}
        if plan.official_code and plan.official_code != plan.code:
            entry["official_code"] = plan.official_code
        (result.updated if plan.existing else result.created).append(entry)
        if plan.repaired_note:
            result.repaired.append(entry | {"note": plan.repaired_note})
    if not dry_run:
        _write(planned, result, actor=actor, level=level, kind=kind, source_name=source_name)
    return result


def _find_overlaps(planned: list[_Planned], level: str, kind: str, result: ImportResult):
    """Overlaps between siblings (same parent, level and kind): the imported ones with each
    other and with the siblings already stored. Warnings, stored on each imported region."""
    if not planned:
        return
    updating = {p.existing.pk for p in planned if p.existing is not None}
    items = [(p.code, p.name, p.parent.pk if p.parent else None, p.geom, p) for p in planned]
    parent_ids = {p.parent.pk if p.parent else None for p in planned}
    stored = Region.objects.filter(level=level, kind=kind, is_active=True).exclude(geojson="")
    stored = stored.exclude(pk__in=updating)
    if None in parent_ids:
        stored = stored.filter(parent__isnull=True)
    else:
        stored = stored.filter(parent_id__in=parent_ids)
    for code, name, parent_id, text in stored.values_list("code", "name", "parent_id", "geojson"):
        geom = geo.geometry_from_text(text)
        if geom is not None:
            items.append((code, name, parent_id, geom, None))
    tree = shapely.STRtree(np.array([it[3] for it in items], dtype=object))
    left, right = tree.query(np.array([it[3] for it in items], dtype=object), "intersects")
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a >= b:
            continue
        ia, ib = items[a], items[b]
        if ia[2] != ib[2] or (ia[4] is None and ib[4] is None):
            continue
        lat0 = (ia[3].bounds[1] + ia[3].bounds[3]) / 2
        shared = geo.area_m2(shapely.intersection(ia[3], ib[3]), lat0)
        if shared <= 0.01:
            continue
        result.overlaps.append(
            {"a": ia[0], "a_name": ia[1], "b": ib[0], "b_name": ib[1], "area_m2": round(shared, 2)}
        )
        for mine, other in ((ia, ib), (ib, ia)):
            if mine[4] is not None:
                own = geo.area_m2(mine[3], lat0) or 1.0
                mine[4].warnings.append(
                    geo.overlap_warning(other[0], other[1], shared, shared / own)
                )


WRITTEN_FIELDS = [
    "code",
    "official_code",
    "name",
    "level",
    "kind",
    "special_type",
    "parent_id",
    "geojson",
    "is_active",
    "repaired_note",
    "warnings",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "area_m2",
    "updated_at",
]


def _write(planned, result: ImportResult, **kwargs) -> None:
    try:
        _write_all(planned, result, **kwargs)
    except IntegrityError:
        raise Conflict(
            "编码冲突：另一项修改或导入同时写入了相同的编码，本次导入未做任何修改，请重试。",
            code="duplicate_code",
        )
    except StaleVersion:
        raise StaleVersion(
            "导入期间有区域被他人修改，本次导入未做任何修改，请重试。", code="stale_version"
        )


@transaction.atomic
def _write_all(planned, result: ImportResult, *, actor, level, kind, source_name) -> None:
    note_base = f"导入 {source_name}".strip()
    for plan in planned:
        region = plan.existing
        created = region is None
        before = None if created else snapshot(region, REGION_AUDIT_FIELDS)
        if created:
            region = Region(level=level, kind=kind)
        region.code = plan.code
        region.name = plan.name
        region.level = level
        region.kind = kind
        region.special_type = plan.special_type
        if plan.official_code:
            region.official_code = plan.official_code
        region.parent = plan.parent
        region.geojson = plan.geojson
        region.is_active = True
        region.repaired_note = plan.repaired_note
        region.warnings = plan.warnings
        region.min_lon, region.min_lat, region.max_lon, region.max_lat = (
            float(v) for v in plan.geom.bounds
        )
        region.area_m2 = round(geo.area_m2(plan.geom), 1)
        if created:
            region.save()
        else:  # compare-and-set: an edit made since we read the row aborts the import
            region.updated_at = timezone.now()
            region.bump_version(fields=WRITTEN_FIELDS)
        audit_record(
            actor=actor,
            action="grids.region.create" if created else "grids.region.update",
            target=region,
            before=before,
            after=snapshot(region, REGION_AUDIT_FIELDS),
            note=f"{note_base} 第 {plan.index} 个要素",
        )
    summary = result.as_dict()
    actor_user = acting_user(actor)
    report = GridImportReport.objects.create(
        actor=actor_user,
        actor_name=str(actor) if actor is not None else "系统",
        source_name=source_name[:255],
        level=level,
        kind=kind,
        total=result.total,
        created=len(result.created),
        updated=len(result.updated),
        repaired=len(result.repaired),
        rejected=len(result.rejected),
        overlaps=len(result.overlaps),
        details=summary,
    )
    result.report_id = report.pk
    from yiwang.grids.locate import invalidate  # updates bypass post_save: refresh the index

    invalidate()
    transaction.on_commit(invalidate)
    audit_record(
        actor=actor,
        action="grids.import",
        target=report,
        after=summary["counts"],
        note=note_base,
    )
