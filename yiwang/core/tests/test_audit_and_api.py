import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from yiwang.core.audit import audit_record
from yiwang.core.models import AuditEvent


@pytest.mark.django_db
def test_audit_log_is_append_only(world):
    event = audit_record(
        actor=world.users["dispatcher"],
        action="test.do",
        target=world.street,
        before={"a": 1},
        after={"a": 2},
    )
    assert event.actor_name == "坐席"
    event.note = "changed"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.django_db
def test_personal_data_is_encrypted_in_the_database(world):
    from yiwang.grids.models import GridWorker

    worker = GridWorker.objects.get(name="网格员甲")
    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM grids_gridworker WHERE id = %s", [worker.pk])
        raw = cur.fetchone()[0]
    assert "13800000001" not in raw
    assert worker.phone == "13800000001"


@pytest.mark.django_db
def test_token_login_and_json_errors(world, client):
    resp = client.post(
        "/api/v1/auth/token/",
        {"username": "dispatcher", "password": "test-pass-123"},
        content_type="application/json",
    )
    assert resp.status_code == 200
    token = resp.json()["token"]
    me = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200 and me.json()["roles"] == ["dispatcher"]
    bad = client.post(
        "/api/v1/auth/token/",
        {"username": "dispatcher", "password": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_credentials"
    missing = client.post("/api/v1/auth/token/", {"username": "x"}, content_type="application/json")
    assert missing.status_code == 400 and "password" in missing.json()["error"]["fields"]
    broken = client.post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "parse_error"
    anon = client.get("/api/v1/auth/me/")
    assert anon.status_code in (401, 403) and "error" in anon.json()
    nowhere = client.get("/api/v1/no-such-thing/")
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "not_found"


def test_production_refuses_to_start_without_field_key(tmp_path):
    strong = "kV3q-9Zx!pL7#mR2@tY6$wB1^nF8&hJ4*cD0(sG5)eA3_uK7+oI9=vE2"
    env = {"DEBUG": "0", "SECRET_KEY": strong, "PATH": "/usr/bin:/bin"}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='yiwang.settings'; django.setup()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode != 0
    assert "YIWANG_FIELD_KEY" in proc.stderr


@pytest.mark.django_db
def test_pages_outside_the_api_answer_errors_in_chinese_html(client):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("text/html")
    assert "页面不存在" in missing.content.decode()
