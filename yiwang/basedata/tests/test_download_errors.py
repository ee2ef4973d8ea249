"""Found by schemathesis (issue 11, item 14): a download asked for as .xlsx answered its errors
with the .xlsx media type around a JSON body. Errors go out as JSON, typed as JSON."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/basedata/templates/people/?format=xlsx",
        "/api/v1/basedata/export/people/?format=xlsx",
        "/api/v1/basedata/imports/987654/error-report/?format=xlsx",
    ],
)
def test_download_errors_are_json_typed_as_json(world, client_for, url):
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"].startswith("application/json")
    assert anonymous.json()["error"]["code"] == "not_authenticated"


def test_a_download_still_answers_xlsx(world, client_for):
    resp = client_for(world.users["grid_a"]).get("/api/v1/basedata/templates/people/?format=xlsx")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    missing = client_for(world.users["grid_a"]).get(
        "/api/v1/basedata/imports/987654/error-report/?format=xlsx"
    )
    assert missing.status_code == 404 and missing["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("size", ["true", "0", "501", "\t5", "５", "-1"])
def test_a_page_size_out_of_its_range_is_refused(world, client_for, size):
    resp = client_for(world.users["admin"]).get("/api/v1/basedata/houses/", {"page_size": size})
    assert resp.status_code == 400 and resp.json()["error"]["fields"] == {
        "page_size": ["1～500 的整数"]
    }


def test_a_page_size_in_range_pages(world, client_for):
    resp = client_for(world.users["admin"]).get("/api/v1/basedata/houses/", {"page_size": "2"})
    assert resp.status_code == 200 and set(resp.json()) == {"count", "next", "previous", "results"}
