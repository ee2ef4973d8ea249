"""Import of people, houses and legal entities from .xlsx (Excel 导入).

Contract:
- the whole file is checked first: not an .xlsx, empty, wrong sheets or wrong headers raise
  `FileRejected` (400) naming the sheet or column, and nothing is saved;
- then row by row: a bad row is rejected with its Excel row number, the column and the reason
  (ID checksum, credit code, unknown grid, duplicate in the file, out of scope …); good rows are
  created or updated (matched by 身份证号 / 地址 / 统一社会信用代码); an empty cell leaves the
  stored value unchanged; nothing is dropped silently: total = created + updated + rejected
  (blank rows are counted apart);
- the good rows are written in one transaction; each written row gets its audit event, and the
  import its summary event; the rejected rows are kept (encrypted) in the ImportBatch so the
  uploader can download an error report (.xlsx: the original row + 错误原因).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from yiwang.basedata import access
from yiwang.basedata.cleaning import (
    FieldError,
    clean_colour,
    clean_entity_kind,
    clean_house_kind,
    clean_id_number,
    clean_name,
    clean_phone,
    clean_point,
    clean_relation,
    clean_tags,
    clean_text,
    clean_uscc,
    text,
)
from yiwang.basedata.errors import BaseDataErrorCode, FileRejected
from yiwang.basedata.models import House, Household, ImportBatch, LegalEntity, Person
from yiwang.basedata.services import (
    ENTITY_FIELDS,
    HOUSE_FIELDS,
    GridResolver,
    entity_snapshot,
    person_snapshot,
    tag_vocabulary,
)
from yiwang.basedata.sheets import (
    ENTITIES,
    HOUSES,
    INSTRUCTIONS_SHEET,
    PEOPLE,
    REPORT_HEADERS,
    Layout,
    normalize_header,
)
from yiwang.core.audit import audit_record, snapshot
from yiwang.core.errors import Conflict, Forbidden
from yiwang.core.models import AuditEvent
from yiwang.core.pii import lookup_hash

MAX_ROWS = 100_000  # per file; the API allows fewer (see api.py): it imports in the request
CHUNK = 500
# Bounds on what one file may make us read and store (a small zip can unpack to gigabytes):
# any part of the workbook, its shared strings, all of it, one cell, and all cells read.
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
MAX_CELL_CHARS = 1000
MAX_CELLS = 3_000_000
# The error report keeps each rejected cell to this many characters, and at most this much.
REPORT_CELL_CHARS = 300
REPORT_MAX_CHARS = 4 * 1024 * 1024


# ---------------------------------------------------------------------------- reading


@dataclass
class Row:
    number: int  # Excel row number (header = 1)
    raw: list  # original cell values, in the file's column order
    values: dict  # column key -> cell value (present columns only)
    errors: list = field(default_factory=list)  # [(header, message)]
    cleaned: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Sheet:
    name: str
    headers: list  # header texts as in the file
    columns: list  # Column or None (empty header) per file column
    rows: list
    blank_rows: int
    warnings: list


def _reject(code: BaseDataErrorCode, message: str, fields: dict | None = None):
    return FileRejected(message, code=code.value, fields=fields or {"file": [message]})


def _has_data(ws) -> bool:
    for values in ws.iter_rows(values_only=True):
        if any(text(v) for v in values):
            return True
    return False


def read_sheet(data: bytes, layout: Layout, max_rows: int = MAX_ROWS) -> Sheet:
    """Open the workbook and check its sheets and headers; raise FileRejected when unusable."""
    import openpyxl

    if not data:
        raise _reject(BaseDataErrorCode.EMPTY_FILE, "文件为空（0 字节）。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _reject(
            BaseDataErrorCode.NOT_XLSX,
            "文件不是 .xlsx 工作簿（旧版 .xls 或 CSV 请在 Excel/WPS 中另存为 .xlsx）。",
        )
    _check_unzipped_sizes(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a zip that is not a workbook
        raise _reject(BaseDataErrorCode.NOT_XLSX, "文件不是有效的 .xlsx 工作簿，无法打开。")
    try:
        return _read(wb, layout, max_rows)
    except FileRejected:
        raise
    except Exception:  # a damaged sheet (truncated XML, bad zip member) fails while streaming
        raise _reject(
            BaseDataErrorCode.NOT_XLSX,
            "工作簿内容已损坏（工作表无法读取），请在 Excel/WPS 中打开并重新保存后再导入。",
        )
    finally:
        wb.close()


def _check_unzipped_sizes(data: bytes) -> None:
    """Refuse a workbook whose parts unpack beyond the bounds, before anything is unpacked."""
    too_big = _reject(
        BaseDataErrorCode.FILE_TOO_LARGE,
        "工作簿解压后过大（单个单元格或工作表内容超出限制），请检查文件或拆分后导入。",
    )
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _reject(BaseDataErrorCode.NOT_XLSX, "文件不是有效的 .xlsx 工作簿，无法打开。")
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise too_big
    for member in members:
        limit = MAX_SHARED_STRINGS_BYTES if "sharedstrings" in member.filename.lower() else 0
        if member.file_size > (limit or MAX_PART_BYTES):
            raise too_big


def _read(wb, layout: Layout, max_rows: int) -> Sheet:
    warnings = []
    names = list(wb.sheetnames)
    candidates = [n for n in names if n != INSTRUCTIONS_SHEET]
    if layout.sheet in names:
        data_name = layout.sheet
    elif len(candidates) == 1:
        data_name = candidates[0]
    else:
        listed = "、".join(f"“{n}”" for n in names) or "（无）"
        raise _reject(
            BaseDataErrorCode.BAD_SHEETS,
            f"工作簿有多个工作表（{listed}），找不到名为“{layout.sheet}”的数据表："
            f"请把数据放在名为“{layout.sheet}”的工作表中，或只保留一个工作表。",
            {"sheet": [f"缺少工作表“{layout.sheet}”"]},
        )
    for other in candidates:
        if other == data_name:
            continue
        if _has_data(wb[other]):
            raise _reject(
                BaseDataErrorCode.BAD_SHEETS,
                f"工作簿中有多余的工作表“{other}”且含有数据；只导入工作表“{data_name}”。"
                f"为免数据被遗漏，请删除该工作表或将其数据并入“{data_name}”后重新导入。",
                {"sheet": [f"多余的工作表“{other}”"]},
            )
        warnings.append(f"已忽略空白工作表“{other}”。")

    ws = wb[data_name]
    it = ws.iter_rows(values_only=True)
    header_cells = next(it, None)
    if header_cells is None or not any(text(v) for v in header_cells):
        raise _reject(
            BaseDataErrorCode.EMPTY_FILE,
            f"工作表“{data_name}”是空的，或第1行不是表头（第1行应为列名，如：姓名、身份证号…）。",
        )
    headers = [text(v)[:100] for v in header_cells]  # no header is longer; keeps messages short
    while headers and not headers[-1]:
        headers.pop()
    known = layout.by_header()
    columns, problems, seen, ignored = [], {}, {}, []
    for index, header in enumerate(headers):
        letter = _letter(index)
        if not header:
            columns.append(None)
            continue
        col = known.get(normalize_header(header))
        if col is None and header in REPORT_HEADERS:
            columns.append(None)
            ignored.append(index)
            continue
        if col is None:
            allowed = "、".join(c.header for c in layout.columns)
            problems[header] = [f"第{letter}列“{header}”不是可识别的列名（可用：{allowed}）"]
        elif col.key in seen:
            problems[header] = [f"第{letter}列与第{seen[col.key]}列重复（都是“{col.header}”）"]
        else:
            seen[col.key] = letter
        columns.append(col)
    for col in layout.columns:
        if col.required and col.key not in seen:
            problems[col.header] = ["缺少必填列"]
    if problems:
        detail = "；".join(f"{k}：{v[0]}" for k, v in problems.items())
        raise FileRejected(
            f"表头有误，未导入任何数据。{detail}。", code="bad_headers", fields=problems
        )

    rows, blank, cells_read = [], 0, 0
    for offset, cells in enumerate(it):
        number = offset + 2
        cells_read += len(cells)
        if cells_read > MAX_CELLS:
            raise _reject(
                BaseDataErrorCode.FILE_TOO_LARGE,
                f"工作表的单元格超过 {MAX_CELLS} 个，请删除多余的列或拆分文件后导入。",
            )
        extra = [v for v in cells[len(headers) :] if text(v)]
        cells = list(cells[: len(headers)]) + [None] * (len(headers) - len(cells))
        if not any(text(v) for v in cells) and not extra:
            blank += 1
            continue
        values, unnamed = {}, bool(extra)
        for index, (col, value) in enumerate(zip(columns, cells, strict=True)):
            if index in ignored:
                continue
            if col is None:
                unnamed = unnamed or bool(text(value))
            elif not col.readonly:
                values[col.key] = value
        raw = [v for i, v in enumerate(cells) if i not in ignored]
        row = Row(number=number, raw=raw, values=values)
        if unnamed:
            row.errors.append(("", "没有列名的列中有数据（请补上列名或删除该列）。"))
        for index, value in enumerate(cells):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                row.errors.append(
                    (headers[index], f"第{_letter(index)}列内容过长（最多 {MAX_CELL_CHARS} 字）。")
                )
                row.values = {}  # nothing of this row is cleaned or written
        rows.append(row)
        if len(rows) > max_rows:
            raise _reject(
                BaseDataErrorCode.INVALID,
                f"数据行超过 {max_rows} 行，请拆分文件后分批导入（或由管理员用命令行导入）。",
            )
    if not rows:
        raise _reject(BaseDataErrorCode.EMPTY_FILE, f"工作表“{data_name}”只有表头，没有数据行。")
    kept = [h for i, h in enumerate(headers) if i not in ignored]
    return Sheet(data_name, kept, columns, rows, blank, warnings)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# ---------------------------------------------------------------------------- importers


class Importer:
    layout: Layout
    people = False

    def __init__(self, actor):
        self.actor = actor
        self.resolver = GridResolver(actor, people=self.people)
        self.writable = access.writable_prefixes(actor, people=self.people)
        self.header = {c.key: c.header for c in self.layout.columns}
        self.audit_rows: list[AuditEvent] = []
        self.note = ""

    # helpers
    def take(self, row: Row, key: str, fn, *args, **kwargs):
        """Run one check; on failure record it against the row's column and return None."""
        try:
            return fn(*args, **kwargs)
        except FieldError as exc:
            row.errors.append((self.header.get(exc.field, self.header.get(key, key)), exc.message))
            return None

    def given(self, row: Row, key: str) -> bool:
        return key in row.values and text(row.values[key]) != ""

    def grid_of(self, row: Row):
        """Grid by code, else by point (houses, entities); None when neither is given."""
        code = text(row.values.get("grid"))
        if code:
            return self.take(row, "grid", self.resolver.by_code, code, "grid")
        if row.cleaned.get("lon") is not None:
            return self.take(
                row, "lon", self.resolver.by_point, row.cleaned["lon"], row.cleaned["lat"], "lon"
            )
        return None

    def may_write(self, obj) -> bool:
        return access.code_in(self.writable, obj.grid.code)

    def audit(self, action, obj, *, before=None, after=None, row: Row | None = None):
        note = self.note + (f"（第{row.number}行）" if row else "")
        self.audit_rows.append(
            AuditEvent(
                actor=None if access.is_system(self.actor) else self.actor,
                actor_name=_actor_name(self.actor),
                action=action,
                target_type=obj._meta.label_lower,
                target_id=str(obj.pk),
                target_repr=str(obj)[:200],
                before=before,
                after=after,
                note=note,
            )
        )

    def flush_audit(self):
        AuditEvent.objects.bulk_create(self.audit_rows, batch_size=CHUNK)
        self.audit_rows = []

    # steps
    def clean(self, row: Row) -> None:
        raise NotImplementedError

    def key(self, row: Row) -> str:
        raise NotImplementedError

    def resolve(self, rows: list[Row]) -> None:
        """Bulk checks against the database (existing rows, scope); may reject rows."""

    def write(self, rows: list[Row]) -> tuple[int, int]:
        raise NotImplementedError


def _actor_name(actor) -> str:
    if actor is None:
        return "系统（命令行）"
    return getattr(actor, "display_name", "") or actor.get_username()


def fast_bulk_update(model, objs: list, fields: list[str]) -> None:
    """`UPDATE … SET … WHERE id = %s` for each object, with `executemany`.

    Django's `bulk_update` builds one CASE WHEN expression per field and row, which costs
    about 10 ms of Python per row at this width; this is the same statement per row, its values
    prepared by each field (encryption included), and runs well over 1,000 rows/s."""
    if not objs:
        return
    conn = connections[router.db_for_write(model)]
    qn = conn.ops.quote_name
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        qn(meta.db_table),
        ", ".join(f"{qn(f.column)} = %s" for f in columns),
        qn(meta.pk.column),
    )
    for chunk in _chunks(objs, 2000):
        params = [
            [f.get_db_prep_save(getattr(obj, f.attname), conn) for f in columns] + [obj.pk]
            for obj in chunk
        ]
        with conn.cursor() as cursor:
            cursor.executemany(sql, params)


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


class PeopleImporter(Importer):
    layout = PEOPLE
    people = True

    def __init__(self, actor):
        super().__init__(actor)
        self.vocabulary = tag_vocabulary()
        self.existing: dict[str, Person] = {}
        self.households: dict[str, Household] = {}
        self.new_households: dict[str, Household] = {}
        self.heads: dict[str, Row] = {}

    def clean(self, row: Row) -> None:
        v, c = row.values, row.cleaned
        c["name"] = self.take(row, "name", clean_name, v.get("name"))
        raw_id = v.get("id_number")
        if isinstance(raw_id, float):
            row.errors.append(
                (
                    "身份证号",
                    "身份证号被存成了数字（末几位已丢失），请将该列设为文本格式后重新填写。",
                )
            )
        else:
            c["id_number"] = self.take(row, "id_number", clean_id_number, raw_id)
        code = text(v.get("grid"))
        if not code:
            row.errors.append(("网格编码", "网格编码不能为空。"))
        else:
            c["grid"] = self.take(row, "grid", self.resolver.by_code, code, "grid")
        if self.given(row, "phone"):
            c["phone"] = self.take(row, "phone", clean_phone, v["phone"])
        if self.given(row, "address"):
            c["address"] = self.take(
                row, "address", clean_text, "address", v["address"], label="住址", max_length=200
            )
        if self.given(row, "household"):
            c["household"] = self.take(
                row,
                "household",
                clean_text,
                "household",
                v["household"],
                label="户编号",
                max_length=40,
            )
        if self.given(row, "relation"):
            c["relation"] = self.take(row, "relation", clean_relation, v["relation"])
        if self.given(row, "tags"):
            c["tags"] = self.take(row, "tags", clean_tags, v["tags"], self.vocabulary)
        if self.given(row, "colour"):
            colour = self.take(row, "colour", clean_colour, v["colour"])
            reason = self.take(
                row,
                "colour_reason",
                clean_text,
                "colour_reason",
                v.get("colour_reason"),
                label="标记原因",
                max_length=200,
            )
            if colour in ("red", "yellow") and not reason:
                row.errors.append(("标记原因", "标记红色或黄色须填写标记原因。"))
            c["colour"], c["colour_reason"] = colour or "", reason or ""

    def key(self, row: Row) -> str:
        return row.cleaned["id_number"]

    def resolve(self, rows: list[Row]) -> None:
        hashes = {lookup_hash(r.cleaned["id_number"]): r for r in rows}
        for chunk in _chunks(hashes):
            qs = (
                Person.objects.select_for_update(of=("self",))
                .filter(id_hash__in=chunk)
                .select_related("grid", "household")
            )
            for person in qs:
                self.existing[person.id_hash] = person
        tags_by_person: dict[int, list] = {}
        through = Person.tags.through
        ids = [p.pk for p in self.existing.values()]
        for chunk in _chunks(ids):
            for link in through.objects.filter(person_id__in=chunk).select_related("persontag"):
                tags_by_person.setdefault(link.person_id, []).append(link.persontag)
        for person in self.existing.values():
            person._import_tags = tags_by_person.get(person.pk, [])
        codes = {r.cleaned["household"] for r in rows if r.cleaned.get("household")}
        for chunk in _chunks(codes):
            qs = (
                Household.objects.select_for_update(of=("self",))
                .filter(code__in=chunk)
                .select_related("grid")
            )
            for hh in qs:
                self.households[hh.code] = hh

        for row in rows:
            c = row.cleaned
            person = self.existing.get(lookup_hash(c["id_number"]))
            row.person = person
            if person is not None and not self.may_write(person):
                row.errors.append(
                    (
                        "身份证号",
                        "该人员已在您的管辖范围之外登记，不能由您修改；如已迁入本网格，"
                        "请联系社区或街道办理迁移。",
                    )
                )
                continue
            grid = c["grid"]
            code = c.get("household")
            if code:
                hh = self.households.get(code)
                if hh is not None:
                    if not self.may_write(hh):
                        row.errors.append(("户编号", f"户 {code} 不在您的管辖范围内。"))
                        continue
                    if hh.grid_id != grid.pk:
                        row.errors.append(
                            ("户编号", f"户 {code} 属于网格 {hh.grid.code}，与本行网格编码不一致。")
                        )
                        continue
                else:
                    planned = self.new_households.get(code)
                    if planned is not None and planned.grid_id != grid.pk:
                        row.errors.append(
                            (
                                "户编号",
                                f"户 {code} 在第{planned._row}行属于网格 {planned.grid.code}，"
                                "与本行网格编码不一致。",
                            )
                        )
                        continue
                if c.get("relation") == Person.Relation.HEAD:
                    if code in self.heads:
                        row.errors.append(
                            ("与户主关系", f"户 {code} 已在第{self.heads[code].number}行填写户主。")
                        )
                        continue
                    if (
                        hh is not None
                        and hh.head_id
                        and (person is None or hh.head_id != person.pk)
                    ):
                        row.errors.append(
                            ("与户主关系", f"户 {code} 已有户主，请先在系统中变更户主。")
                        )
                        continue
                    self.heads[code] = row
                if hh is None and code not in self.new_households:
                    new = Household(code=code, address=c.get("address", ""), grid=grid)
                    new._row = row.number
                    self.new_households[code] = new
            elif person is not None and person.household and person.household.grid_id != grid.pk:
                row.errors.append(
                    (
                        "网格编码",
                        f"该人员所在户 {person.household.code} 属于其他网格；"
                        "变更网格时请同时填写新的户编号。",
                    )
                )

    def write(self, rows: list[Row]) -> tuple[int, int]:
        now = timezone.now()
        # Households first: people point at them. Only households some good row uses.
        used = {r.cleaned.get("household") for r in rows}
        new_households = [h for code, h in self.new_households.items() if code in used]
        Household.objects.bulk_create(new_households, batch_size=CHUNK)
        for hh in new_households:
            self.households[hh.code] = hh
        creates, updates, tag_sets, colour_rows = [], [], {}, []
        for row in rows:
            c, person = row.cleaned, row.person
            household = self.households.get(c["household"]) if c.get("household") else None
            if person is None:
                person = Person(
                    name=c["name"],
                    address=c.get("address", ""),
                    relation=c.get("relation", ""),
                    grid=c["grid"],
                    household=household,
                )
                person.set_id_number(c["id_number"])
                person.set_phone(c.get("phone", ""))
                if c.get("colour"):
                    person.colour = c["colour"]
                    person.colour_reason = c["colour_reason"]
                    person.colour_marked_at = now
                    person.colour_marked_by = None if access.is_system(self.actor) else self.actor
                row.person, row.before = person, None
                creates.append(row)
            else:
                row.before = person_snapshot(person, person._import_tags)
                person.name = c["name"]
                person.grid = c["grid"]
                if "phone" in c:
                    person.set_phone(c["phone"])
                if "address" in c:
                    person.address = c["address"]
                if "relation" in c:
                    person.relation = c["relation"]
                if household is not None:
                    person.household = household
                if "colour" in c and (
                    c["colour"] != person.colour or c["colour_reason"] != person.colour_reason
                ):
                    colour_rows.append((row, person.colour, person.colour_reason))
                    person.colour = c["colour"]
                    person.colour_reason = c["colour_reason"]
                    person.colour_marked_at = now if c["colour"] else None
                    person.colour_marked_by = (
                        None if (access.is_system(self.actor) or not c["colour"]) else self.actor
                    )
                person.version += 1
                person.updated_at = now
                updates.append(row)
            if c.get("tags") is not None:
                tag_sets[row.number] = c["tags"]

        Person.objects.bulk_create([r.person for r in creates], batch_size=CHUNK)
        fast_bulk_update(
            Person,
            [r.person for r in updates],
            [
                "name",
                "grid",
                "phone",
                "phone_hash",
                "address",
                "relation",
                "household",
                "colour",
                "colour_reason",
                "colour_marked_at",
                "colour_marked_by",
                "version",
                "updated_at",
            ],
        )
        through = Person.tags.through
        replaced = [r.person.pk for r in updates if r.number in tag_sets]
        for chunk in _chunks(replaced):
            through.objects.filter(person_id__in=chunk).delete()
        links = [
            through(person_id=r.person.pk, persontag_id=tag.pk)
            for r in creates + updates
            if r.number in tag_sets
            for tag in tag_sets[r.number]
        ]
        through.objects.bulk_create(links, batch_size=CHUNK)

        heads, new_ids = [], {id(hh) for hh in new_households}
        for code, row in self.heads.items():
            hh = self.households[code]
            if row.ok and hh.head_id != row.person.pk:
                before = {"head": hh.head_id}
                hh.head = row.person
                heads.append(hh)
                if id(hh) not in new_ids:
                    after = {"head": hh.head_id}
                    self.audit("basedata.household.head", hh, before=before, after=after)
        fast_bulk_update(Household, heads, ["head"])
        for hh in new_households:  # created with their head, one event each
            after = snapshot(hh, ["code", "address", "grid", "head"])
            self.audit("basedata.household.create", hh, after=after)

        for row in creates:
            tags = tag_sets.get(row.number, [])
            after = person_snapshot(row.person, tags)
            self.audit("basedata.person.create", row.person, after=after, row=row)
            if row.person.colour:
                after = {"colour": row.person.colour, "colour_reason": row.person.colour_reason}
                self.audit("basedata.person.colour", row.person, after=after, row=row)
        for row in updates:
            tags = tag_sets.get(row.number, row.person._import_tags)
            after = person_snapshot(row.person, tags)
            self.audit(
                "basedata.person.update", row.person, before=row.before, after=after, row=row
            )
        for row, old_colour, old_reason in colour_rows:
            self.audit(
                "basedata.person.colour",
                row.person,
                before={"colour": old_colour, "colour_reason": old_reason},
                after={"colour": row.person.colour, "colour_reason": row.person.colour_reason},
                row=row,
            )
        return len(creates), len(updates)


class PlaceImporter(Importer):
    """Shared by houses and legal entities: natural key, point, grid by code or point."""

    model = None
    key_field = ""
    fields: list[str] = []

    def __init__(self, actor):
        super().__init__(actor)
        self.existing = {}

    def clean_point(self, row: Row) -> None:
        v = row.values
        if self.given(row, "lon") or self.given(row, "lat"):
            point = self.take(row, "lon", clean_point, v.get("lon"), v.get("lat"))
            if point is not None:
                row.cleaned["lon"], row.cleaned["lat"] = point
        row.cleaned["grid"] = self.grid_of(row) if row.ok else None

    def key(self, row: Row) -> str:
        return row.cleaned[self.key_field]

    def resolve(self, rows: list[Row]) -> None:
        keys = [self.key(r) for r in rows]
        for chunk in _chunks(keys):
            qs = (
                self.model.objects.select_for_update(of=("self",))
                .filter(**{f"{self.key_field}__in": chunk})
                .select_related("grid")
            )
            for obj in qs:
                self.existing[getattr(obj, self.key_field)] = obj
        for row in rows:
            obj = self.existing.get(self.key(row))
            row.obj = obj
            if obj is not None and not self.may_write(obj):
                row.errors.append(
                    (self.layout.key_header, "该记录已登记在您的管辖范围之外，不能由您修改。")
                )
            elif obj is None and row.cleaned.get("grid") is None:
                row.errors.append(("网格编码", "请填写网格编码，或填写经纬度以自动定位网格。"))

    def apply(self, obj, cleaned: dict) -> None:
        for key in self.fields:
            if key in cleaned and cleaned[key] is not None:
                setattr(obj, key, cleaned[key])

    def snap(self, obj) -> dict:
        return snapshot(obj, self.fields)

    def write(self, rows: list[Row]) -> tuple[int, int]:
        now = timezone.now()
        creates, updates = [], []
        for row in rows:
            obj = row.obj
            if obj is None:
                obj = self.model()
                self.apply(obj, row.cleaned)
                row.obj, row.before = obj, None
                creates.append(row)
            else:
                row.before = self.snap(obj)
                self.apply(obj, row.cleaned)
                obj.version += 1
                obj.updated_at = now
                updates.append(row)
        self.model.objects.bulk_create([r.obj for r in creates], batch_size=CHUNK)
        update_fields = [f for f in self.fields if f != self.key_field] + ["version", "updated_at"]
        fast_bulk_update(self.model, [r.obj for r in updates], update_fields)
        name = self.model._meta.model_name
        name = "entity" if name == "legalentity" else name
        for row in creates:
            self.audit(f"basedata.{name}.create", row.obj, after=self.snap(row.obj), row=row)
        for row in updates:
            self.audit(
                f"basedata.{name}.update",
                row.obj,
                before=row.before,
                after=self.snap(row.obj),
                row=row,
            )
        return len(creates), len(updates)


class HouseImporter(PlaceImporter):
    layout = HOUSES
    model = House
    key_field = "address"
    fields = HOUSE_FIELDS

    def clean(self, row: Row) -> None:
        v, c = row.values, row.cleaned
        c["address"] = self.take(
            row, "address", clean_text, "address", v.get("address"), label="地址",
            max_length=200, required=True,
        )  # fmt: skip
        if self.given(row, "kind"):
            c["kind"] = self.take(row, "kind", clean_house_kind, v["kind"])
        if self.given(row, "note"):
            c["note"] = self.take(
                row, "note", clean_text, "note", v["note"], label="备注", max_length=200
            )
        self.clean_point(row)


class EntityImporter(PlaceImporter):
    layout = ENTITIES
    model = LegalEntity
    key_field = "uscc"
    fields = ENTITY_FIELDS + ["phone"]

    def clean(self, row: Row) -> None:
        v, c = row.values, row.cleaned
        c["name"] = self.take(
            row, "name", clean_text, "name", v.get("name"), label="名称", max_length=200,
            required=True,
        )  # fmt: skip
        c["uscc"] = self.take(row, "uscc", clean_uscc, v.get("uscc"))
        if c["uscc"]:
            if self.given(row, "kind"):
                c["kind"] = self.take(row, "kind", clean_entity_kind, v["kind"], c["uscc"])
            else:
                c["default_kind"] = clean_entity_kind("", c["uscc"])
        for key, label, length in (
            ("legal_rep", "法定代表人", 50),
            ("address", "地址", 200),
            ("industry", "行业", 100),
        ):
            if self.given(row, key):
                c[key] = self.take(
                    row, key, clean_text, key, v[key], label=label, max_length=length
                )
        if self.given(row, "phone"):
            c["phone"] = self.take(row, "phone", clean_phone, v["phone"], label="联系电话")
        self.clean_point(row)

    def apply(self, obj, cleaned: dict) -> None:
        if obj.pk is None and "kind" not in cleaned:
            obj.kind = cleaned.get("default_kind") or LegalEntity.Kind.ENTERPRISE
        super().apply(obj, cleaned)

    def snap(self, obj) -> dict:
        return entity_snapshot(obj)


IMPORTERS = {"people": PeopleImporter, "houses": HouseImporter, "entities": EntityImporter}


# ---------------------------------------------------------------------------- the use case


@dataclass
class ImportResult:
    kind: str
    filename: str
    dry_run: bool
    sheet: str
    total: int
    created: int
    updated: int
    rejected: int
    blank_rows: int
    errors: list
    warnings: list
    batch_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "filename": self.filename,
            "dry_run": self.dry_run,
            "sheet": self.sheet,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "rejected": self.rejected,
            "blank_rows": self.blank_rows,
            "errors": self.errors,
            "warnings": self.warnings,
            "batch_id": self.batch_id,
        }


def basedata_import(
    *,
    actor,
    kind: str,
    data: bytes,
    filename: str = "",
    dry_run: bool = False,
    max_rows: int = MAX_ROWS,
) -> tuple[ImportResult, ImportBatch]:
    """Import one .xlsx of `kind` (people, houses, entities). See the module docstring."""
    if kind not in IMPORTERS:
        raise FileRejected(f"未知的导入类型：{kind}。", code="invalid", fields={"kind": ["未知"]})
    if not access.may_edit(actor):
        raise Forbidden("您的角色不能导入基础数据。")
    importer = IMPORTERS[kind](actor)
    sheet = read_sheet(data, importer.layout, max_rows)
    try:
        return _import(importer, sheet, actor=actor, kind=kind, filename=filename, dry_run=dry_run)
    except IntegrityError:
        # Another import or clerk registered one of these rows at the same moment.
        raise Conflict(
            "导入期间有其他人同时登记了相同的记录，本次未导入任何数据，请重新导入。",
            code="concurrent_import",
        )


def _import(importer, sheet, *, actor, kind, filename, dry_run):
    with transaction.atomic():
        for row in sheet.rows:
            if row.ok:
                importer.clean(row)
        first_seen: dict[str, int] = {}
        for row in sheet.rows:
            if not row.ok:
                continue
            key = importer.key(row)
            if key in first_seen:
                row.errors.append(
                    (
                        importer.layout.key_header,
                        f"与第{first_seen[key]}行重复（{importer.layout.key_header}相同）。",
                    )
                )
            else:
                first_seen[key] = row.number
        importer.resolve([r for r in sheet.rows if r.ok])
        good = [r for r in sheet.rows if r.ok]
        rejected = [r for r in sheet.rows if not r.ok]
        batch = ImportBatch.objects.create(
            kind=kind,
            actor=None if access.is_system(actor) else actor,
            actor_name=_actor_name(actor),
            filename=filename[:255],
            dry_run=dry_run,
        )
        importer.note = f"导入批次 #{batch.pk}"
        if dry_run:
            created = sum(1 for r in good if getattr(r, "person", getattr(r, "obj", None)) is None)
            updated = len(good) - created
        else:
            created, updated = importer.write(good)
            importer.flush_audit()
        errors = [
            {"row": r.number, "column": col, "message": msg}
            for r in rejected
            for col, msg in r.errors
        ]
        batch.total = len(sheet.rows)
        batch.created, batch.updated, batch.rejected = created, updated, len(rejected)
        batch.blank_rows = sheet.blank_rows
        batch.errors = errors
        batch.warnings = sheet.warnings
        report = _report_json(sheet, rejected)
        # A dry run stores its summary, never the rejected rows: the caller gets them in memory
        # (the command line writes its error report from them).
        batch.rejected_rows = "" if dry_run else report
        batch.save()
        batch.rejected_rows = report
        assert batch.total == batch.created + batch.updated + batch.rejected
        audit_record(
            actor=actor,
            action=f"basedata.import.{kind}",
            target=batch,
            after={
                "filename": filename,
                "dry_run": dry_run,
                "total": batch.total,
                "created": created,
                "updated": updated,
                "rejected": batch.rejected,
                "blank_rows": batch.blank_rows,
            },
            note="仅校验，未写入" if dry_run else "",
        )
    result = ImportResult(
        kind=kind,
        filename=filename,
        dry_run=dry_run,
        sheet=sheet.name,
        total=batch.total,
        created=created,
        updated=updated,
        rejected=batch.rejected,
        blank_rows=batch.blank_rows,
        errors=errors,
        warnings=sheet.warnings,
        batch_id=batch.pk,
    )
    return result, batch


def _report_json(sheet: Sheet, rejected: list[Row]) -> str:
    """The rejected rows for the error report, each cell cut to REPORT_CELL_CHARS and the whole
    to about REPORT_MAX_CHARS (the rows beyond are counted in the summary, not kept)."""
    rows, size = [], 0
    for r in rejected:
        cells = [_report_cell(v) for v in r.raw]
        reason = "；".join(m for _, m in r.errors)[:REPORT_CELL_CHARS]
        size += sum(len(str(c)) for c in cells) + len(reason)
        if size > REPORT_MAX_CHARS:
            break
        rows.append([r.number, cells, reason])
    body = {"sheet": sheet.name, "headers": sheet.headers, "rows": rows}
    return json.dumps(body, ensure_ascii=False)


def _report_cell(value):
    value = _jsonable(value)
    if isinstance(value, str) and len(value) > REPORT_CELL_CHARS:
        return value[:REPORT_CELL_CHARS] + "…"
    return value


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def error_report_rows(batch: ImportBatch) -> tuple[str, list, list]:
    """(sheet name, headers, rows) of the rejected rows: original cells + 行号 + 错误原因."""
    if not batch.rejected_rows:
        return "", [], []
    data = json.loads(batch.rejected_rows)
    return data["sheet"], data["headers"], data["rows"]


__all__ = ["ImportResult", "basedata_import", "error_report_rows", "read_sheet"]
