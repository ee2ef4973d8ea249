"""Test fixtures shared by every app: personas, API clients, and the browser harness."""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get("YIWANG_SHARED_DATA", Path(__file__).resolve().parent.parent / "shared" / "data")
)
CHROMIUM = os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def shared_data():
    """../shared/data; tests that need it skip with a reason where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available: {SHARED_DATA} is absent (CI always has it)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def fresh_reference_copies():
    """Each test starts without the per-process copies of reference data (grid index, rules
    and categories, approvals catalogue, holiday overrides): a copy built inside an earlier
    test's rolled-back transaction may hold rows that no longer exist."""
    from yiwang.approvals import cache
    from yiwang.core import workdays
    from yiwang.grids.locate import invalidate as invalidate_grids
    from yiwang.workorders import refdata

    copies = (invalidate_grids, refdata.invalidate, cache.invalidate, workdays.invalidate_cache)
    for invalidate in copies:
        invalidate()
    yield
    for invalidate in copies:
        invalidate()


@pytest.fixture
def world(db):
    from yiwang.testing import build_world

    return build_world()


@pytest.fixture
def client_for():
    from yiwang.testing import api_client

    return api_client


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (.ci/run installs Debian's chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, live_server):
    """A phone-sized page (390×844, zh-CN) against the live test server."""
    context = _browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15000)
    pg = context.new_page()
    pg.base_url = live_server.url
    yield pg
    context.close()


@pytest.fixture
def desk_page(_browser, live_server):
    """A desk-sized page (1366×900) for department, dispatcher and admin pages."""
    context = _browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15000)
    pg = context.new_page()
    pg.base_url = live_server.url
    yield pg
    context.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests hash many persona passwords; the slow production hasher is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
