"""First impressions: each role lands on its work; Chinese error pages even in the demo."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "persona, landing",
    [
        ("grid_a", "/wo/grid/"),
        ("zhifa", "/wo/inbox/"),
        ("dispatcher", "/command/console/"),
    ],
)
def test_each_role_lands_on_its_work(world, client, persona, landing):
    client.force_login(world.users[persona])
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == landing


def test_a_resident_lands_on_big_tiles_to_report_follow_and_apply(world, client):
    client.force_login(world.users["resident"])
    page = client.get("/").content.decode()
    assert 'id="resident-tiles"' in page
    for url in ("/wo/report/", "/wo/mine/"):
        assert f'href="{url}"' in page


def test_the_workbench_lists_every_page_of_the_roles(world, client):
    client.force_login(world.users["dispatcher"])
    page = client.get("/workbench/").content.decode()
    assert 'href="/command/console/"' in page and "工作台" in page


@override_settings(DEBUG=True)
def test_not_found_and_forbidden_are_chinese_pages_even_with_debug(world, client):
    client.force_login(world.users["resident"])
    missing = client.get("/wo/99999999/")
    assert missing.status_code == 404
    body = missing.content.decode()
    assert "页面不存在" in body and "Page not found" not in body
    api = client.get("/api/v1/workorders/99999999/")
    assert api.status_code in (401, 403, 404)  # the API keeps its JSON errors


def test_each_server_has_its_own_gunicorn_control_socket():
    from yiwang.core.management.commands.serve import control_socket_path

    one = control_socket_path("127.0.0.1", 8000)
    assert one != control_socket_path("127.0.0.1", 8001)
    assert one != control_socket_path("0.0.0.0", 8000)
    assert one.endswith(".ctl") and "~" not in one
