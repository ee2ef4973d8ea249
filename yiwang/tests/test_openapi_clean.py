"""Issue 11, item 7 (what remained): the OpenAPI description generates without a warning or
error and validates, and the whole `check --deploy` (every tag, drf-spectacular's W001
included) is clean under the documented production environment (README: 生产部署)."""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_generates_with_no_warning_and_validates():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    messages = sorted(GENERATOR_STATS._warn_cache) + sorted(GENERATOR_STATS._error_cache)
    assert messages == []
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert "GridKindEnum" in schema["components"]["schemas"]


def test_check_deploy_is_clean_with_every_tag(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "YIWANG_FIELD_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "yiwang.example.gov.cn",
        "SECURE_HSTS_PRELOAD": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"]
        + ["--settings", "yiwang.settings"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "no issues" in proc.stdout
