"""Browser test: the administrator logs into the Chinese admin (系统管理)."""

import pytest

from yiwang.core.testing import PASSWORD


@pytest.mark.browser
def test_admin_logs_in_to_chinese_admin(desk_page, world):
    pg = desk_page
    pg.goto(pg.base_url + "/admin/")
    assert "登录" in pg.content()
    pg.fill("#id_username", "admin")
    pg.fill("#id_password", PASSWORD)
    pg.click("input[type=submit]")
    pg.wait_for_selector("#site-name")
    assert "一网 · 镇街一体化平台 系统管理" in pg.inner_text("#site-name")
    assert "组织机构" in pg.content()
    pg.click("text=组织机构")
    pg.wait_for_selector("#result_list")
    assert "测试街道" in pg.inner_text("#result_list")


@pytest.mark.browser
def test_wrong_password_is_refused_in_chinese(desk_page, world):
    pg = desk_page
    pg.goto(pg.base_url + "/admin/login/")
    pg.fill("#id_username", "admin")
    pg.fill("#id_password", "wrong")
    pg.click("input[type=submit]")
    assert "请输入一个正确的" in pg.content()
