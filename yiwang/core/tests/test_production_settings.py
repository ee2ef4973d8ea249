"""Issue 11, items 7-8: production refuses weak or published keys; `check --deploy` is clean
under the documented production environment; headers (HSTS, CSP, HTTPS redirect); SQLite gets
the same settings however it is named."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

STRONG_SECRET = secrets.token_urlsafe(50)
DEV_SECRET = "yiwang-development-only-secret-key-do-not-use-in-production"
DEV_FIELD_KEY = "eWl3YW5nLWRldi1vbmx5LWZpZWxkLWtleS0wMDAwMDA="


def production_env(tmp_path, **overrides) -> dict:
    """The documented production environment (README: 生产部署)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "0",
        "SECRET_KEY": STRONG_SECRET,
        "YIWANG_FIELD_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "yiwang.example.gov.cn",
        "SECURE_HSTS_PRELOAD": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run_python(code: str, env: dict, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=cwd
    )


SETUP = "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='yiwang.settings'; django.setup()"


def test_check_deploy_is_clean_in_the_documented_production_environment(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"]
        + ["--tag", "security", "--settings", "yiwang.settings"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "no issues" in proc.stdout


def test_check_deploy_warns_without_the_production_settings(tmp_path):
    """The same check does fail when HTTPS is switched off: it is no empty test."""
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    proc = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"]
        + ["--tag", "security", "--settings", "yiwang.settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode != 0
    assert "security.W004" in proc.stderr and "security.W008" in proc.stderr


@pytest.mark.parametrize(
    "overrides, word",
    [
        ({"SECRET_KEY": "abc"}, "SECRET_KEY"),
        ({"SECRET_KEY": DEV_SECRET}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "k" * 50}, "SECRET_KEY"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"YIWANG_FIELD_KEY": DEV_FIELD_KEY}, "YIWANG_FIELD_KEY"),
        ({"YIWANG_FIELD_KEY": Fernet.generate_key().decode() + "," + DEV_FIELD_KEY}, "FIELD_KEY"),
        ({"YIWANG_FIELD_KEY": "not-a-key"}, "YIWANG_FIELD_KEY"),
        ({"YIWANG_FIELD_KEY": "A" * 43 + "="}, "YIWANG_FIELD_KEY"),
        ({"YIWANG_FIELD_KEY": None}, "YIWANG_FIELD_KEY"),
    ],
    ids=[
        "abc",
        "dev-secret",
        "django-insecure",
        "low-variety",
        "missing-secret",
        "dev-field-key",
        "dev-field-key-in-rotation",
        "malformed-field-key",
        "all-zero-field-key",
        "missing-field-key",
    ],
)
def test_production_refuses_weak_or_published_keys(tmp_path, overrides, word):
    proc = run_python(SETUP, production_env(tmp_path, **overrides), tmp_path)
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr and word in proc.stderr


def test_production_starts_with_strong_keys(tmp_path):
    code = SETUP + (
        "; from django.conf import settings as s; import json; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'redirect': s.SECURE_SSL_REDIRECT,"
        "'csp': [str(x) for x in s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src']],"
        "'opts': s.DATABASES['default']['OPTIONS']}))"
    )
    proc = run_python(code, production_env(tmp_path), tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["hsts"] >= 31536000 and out["redirect"] is True
    assert "'self'" in out["csp"] and "'unsafe-inline'" not in out["csp"]


@pytest.mark.parametrize(
    "url", ["sqlite:///{tmp}/named.sqlite3", None], ids=["DATABASE_URL", "default-file"]
)
def test_sqlite_gets_wal_busy_timeout_and_immediate_however_named(tmp_path, url):
    env = {"PATH": "/usr/bin:/bin"}
    if url:
        env["DATABASE_URL"] = url.format(tmp=tmp_path)
    code = SETUP + (
        "; from django.db import connection; c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0],"
        " connection.settings_dict['OPTIONS'].get('transaction_mode'))"
    )
    proc = run_python(code, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["wal", "10000", "IMMEDIATE"]


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client, settings):
    resp = client.get("/accounts/login/")
    header = resp.get("Content-Security-Policy") or resp.get("Content-Security-Policy-Report-Only")
    assert header and "script-src 'self'" in header and "object-src 'none'" in header
    assert "frame-ancestors 'none'" in header
