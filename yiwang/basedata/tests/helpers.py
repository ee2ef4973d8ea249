"""Test helpers: valid identifiers and real .xlsx files written with openpyxl."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from yiwang.core.validators import USCC_CHARSET, id_check_digit, uscc_check_char

GRID_A = "320571001001001"
GRID_B = "320571001001002"
GRID_C = "320571001002001"
GRID_D = "320571001002002"
PEOPLE_HEADERS = ["姓名", "身份证号", "网格编码", "手机号", "住址", "户编号", "与户主关系", "标签"]


def make_id(n: int = 1, *, area: str = "320576", birth: str = "19800101") -> str:
    first17 = f"{area}{birth}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


def bad_checksum(id_number: str) -> str:
    last = id_number[-1]
    return id_number[:-1] + ("0" if last != "0" else "1")


def make_uscc(n: int = 1, *, prefix: str = "91320594") -> str:
    body = f"{n:09d}"
    first17 = (prefix + body)[:17]
    assert all(c in USCC_CHARSET for c in first17)
    return first17 + uscc_check_char(first17)


def xlsx_bytes(headers, rows, *, sheet="人口", extra_sheets=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if headers is not None:
        ws.append(headers)
    for row in rows:
        ws.append(row)
    for name, sheet_rows in (extra_sheets or {}).items():
        other = wb.create_sheet(name)
        for row in sheet_rows:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(path, headers, rows, **kwargs):
    path.write_bytes(xlsx_bytes(headers, rows, **kwargs))
    return path


def read_rows(data: bytes, sheet: str | None = None) -> list[list]:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def person_row(
    n, *, grid=GRID_A, name=None, phone="13812345678", household="", relation="", tags=""
):
    return [name or f"居民{chr(0x4E00 + n)}", make_id(n), grid, phone, f"测试路{n}号", household,
            relation, tags]  # fmt: skip
