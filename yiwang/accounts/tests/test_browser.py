"""Browser test: the administrator logs into the Chinese admin (系统管理)."""

import pytest

from yiwang.testing import PASSWORD


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


def _enforce_csp(settings):
    from yiwang import settings as project

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": project._CSP_DIRECTIVES}


def _csp_violations(pg) -> list[str]:
    found = []
    pg.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


@pytest.mark.browser
def test_a_user_sees_and_ends_their_sessions_under_an_enforced_csp(
    page, _browser, world, settings, tmp_path
):
    """Two sign-ins (phone and desk); the phone lists both and ends the desk one. The pages
    load their scripts (htmx) from our own static files with the production CSP enforced."""
    import os
    from pathlib import Path

    from yiwang.testing import browser_login

    shots = Path(os.environ.get("YIWANG_SCREENSHOTS", tmp_path))
    _enforce_csp(settings)
    phone = page
    phone_violations = _csp_violations(phone)
    browser_login(phone, "leader")
    desk_context = _browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    desk = desk_context.new_page()
    desk.base_url = phone.base_url
    desk_violations = _csp_violations(desk)
    try:
        browser_login(desk, "leader")
        phone.goto(phone.base_url + "/accounts/sessions/")
        phone.wait_for_load_state("networkidle")
        assert phone.evaluate("typeof window.htmx") == "object"  # script-src 'self' works
        rows = phone.locator("li.session")
        assert rows.count() == 2
        assert phone.locator("li.session .badge").count() == 1  # 当前
        phone.screenshot(path=str(shots / "sessions-phone.png"), full_page=True)
        desk.goto(desk.base_url + "/accounts/sessions/")
        desk.screenshot(path=str(shots / "sessions-desk.png"), full_page=True)
        # the phone ends the other sign-in (the row without the 当前 badge)
        phone.locator("li.session", has_not=phone.locator(".badge")).locator("button").click()
        phone.wait_for_load_state()
        assert "已注销该登录" in phone.content()
        assert phone.locator("li.session").count() == 1
        desk.goto(desk.base_url + "/accounts/sessions/")
        assert "/accounts/login/" in desk.url  # signed out there
    finally:
        desk_context.close()
    assert phone_violations == [] and desk_violations == []
