"""Issue 11, items 9-10: damaged or oversized workbooks answer a 4xx JSON error, what an import
reads and stores is bounded, and a dry run stores no rejected rows."""

import io
import json
import zipfile

import pytest

from yiwang.basedata import importing
from yiwang.basedata.models import ImportBatch, Person
from yiwang.basedata.tests.helpers import PEOPLE_HEADERS, make_id, xlsx_bytes

pytestmark = pytest.mark.django_db
BASE = "/api/v1/basedata"
HEADERS = {
    "people": (PEOPLE_HEADERS, "人口"),
    "houses": (["地址", "房屋类型", "经度", "纬度", "网格编码"], "房屋"),
    "entities": (["名称", "统一社会信用代码", "网格编码"], "法人"),
}


def _row(n=1, grid="320571001001001"):
    return ["张三", make_id(n), grid, "", "", "", "", ""]


def _rewrite(data: bytes, replace, extra: dict | None = None) -> bytes:
    """The same .xlsx with some parts replaced (replace(name, content) -> new content) and
    `extra` parts added."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace(info.filename, src.read(info.filename)))
        for name, content in (extra or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _upload(client, kind, data, **extra):
    upload = io.BytesIO(data)
    upload.name = f"{kind}.xlsx"
    return client.post(f"{BASE}/import/{kind}/", {"file": upload, **extra}, format="multipart")


@pytest.mark.parametrize("kind", ["people", "houses", "entities"])
def test_a_truncated_sheet_answers_a_json_400(world, client_for, kind):
    headers, sheet = HEADERS[kind]
    good = xlsx_bytes(headers, [["x"] * len(headers)] * 50, sheet=sheet)

    def cut(name, content):
        return content[: len(content) // 2] if name.startswith("xl/worksheets/") else content

    resp = _upload(client_for(world.users["grid_a"]), kind, _rewrite(good, cut))
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "not_xlsx"
    assert not ImportBatch.objects.exists()


def test_a_huge_shared_string_is_refused_before_it_is_read(world, client_for):
    good = xlsx_bytes(PEOPLE_HEADERS, [_row(1)])
    huge = "a" * (importing.MAX_SHARED_STRINGS_BYTES + 1)

    def link(name, content):  # declare the shared-strings part as Excel does
        if name == "[Content_Types].xml":
            part = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
            return content.replace(b"</Types>", part.encode() + b"</Types>")
        if name == "xl/_rels/workbook.xml.rels":
            rel = f'<Relationship Id="rIdSST" Type="{SST_REL}" Target="sharedStrings.xml"/>'
            return content.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
        return content

    sst = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        f'uniqueCount="1"><si><t>{huge}</t></si></sst>'
    )
    data = _rewrite(good, link, {"xl/sharedStrings.xml": sst})
    assert len(data) < 200_000  # a small upload that unpacks to more than the bound
    resp = _upload(client_for(world.users["grid_a"]), "people", data, dry_run="1")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "file_too_large"
    assert not ImportBatch.objects.exists()


def test_an_overlong_cell_rejects_its_row_and_the_report_is_bounded(world, client_for):
    long_row = _row(2)
    long_row[4] = "长" * (importing.MAX_CELL_CHARS + 1)  # 住址
    data = xlsx_bytes(PEOPLE_HEADERS, [_row(1), long_row])
    resp = _upload(client_for(world.users["grid_a"]), "people", data)
    body = resp.json()
    assert resp.status_code == 200 and (body["created"], body["rejected"]) == (1, 1)
    assert "过长" in body["errors"][0]["message"]
    batch = ImportBatch.objects.get()
    stored = json.loads(batch.rejected_rows)
    cell = stored["rows"][0][1][4]
    assert len(cell) <= importing.REPORT_CELL_CHARS + 1
    assert Person.objects.count() == 1


def test_a_dry_run_stores_no_rejected_rows(world, client_for):
    bad = _row(2)
    bad[1] = bad[1][:-1] + ("0" if bad[1][-1] != "0" else "1")  # wrong checksum
    data = xlsx_bytes(PEOPLE_HEADERS, [_row(1), bad])
    resp = _upload(client_for(world.users["grid_a"]), "people", data, dry_run="1")
    body = resp.json()
    assert resp.status_code == 200 and body["dry_run"] and body["rejected"] == 1
    assert body["error_report_url"] is None and body["errors"]
    assert ImportBatch.objects.get().rejected_rows == ""
    assert Person.objects.count() == 0


def test_an_unknown_import_id_answers_json_404(world, client_for):
    client = client_for(world.users["grid_a"])
    for url in (
        f"{BASE}/imports/999999/",
        f"{BASE}/imports/999999/error-report/",
        f"{BASE}/imports/99999999999999999999999/",
        f"{BASE}/imports/abc/",
    ):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert resp["Content-Type"].startswith("application/json"), url
        assert resp.json()["error"]["code"] == "not_found"
