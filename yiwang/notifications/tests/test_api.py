import pytest
from django.template import Context, Template
from django.test import RequestFactory

from yiwang.notifications import services
from yiwang.notifications.models import Notification as N

pytestmark = pytest.mark.django_db


def test_list_is_own_newest_first_with_unread(world, client_for):
    a, b = world.users["zhifa"], world.users["shiye"]
    services.notify(recipients=[a], kind="dispatch", title="第一条")
    services.notify(recipients=[a, b], kind="supervise", title="第二条", link="/wo/1/")
    answer = client_for(a).get("/api/v1/notifications/")
    assert answer.status_code == 200
    data = answer.json()
    assert data["unread"] == 2 and data["count"] == 2
    assert [r["title"] for r in data["results"]] == ["第二条", "第一条"]
    assert data["results"][0]["kind_display"] == "督办"
    assert client_for(b).get("/api/v1/notifications/").json()["count"] == 1


def test_read_marks_one_and_others_answer_404(world, client_for):
    a, b = world.users["zhifa"], world.users["shiye"]
    (row,) = services.notify(recipients=[a], kind="other", title="通知")
    refused = client_for(b).post(f"/api/v1/notifications/{row.pk}/read/")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert N.objects.get().read_at is None
    answer = client_for(a).post(f"/api/v1/notifications/{row.pk}/read/")
    assert answer.status_code == 200 and answer.json()["is_read"] is True
    assert client_for(a).get("/api/v1/notifications/").json()["unread"] == 0


def test_anonymous_is_refused(db, client_for):
    assert client_for().get("/api/v1/notifications/").status_code in (401, 403)


def test_bell_shows_unread_count(world):
    a = world.users["zhifa"]
    services.notify(recipients=[a], kind="other", title="一")
    services.notify(recipients=[a], kind="other", title="二")
    request = RequestFactory().get("/")
    request.user = a
    html = Template("{% load notifications %}{% notification_bell %}").render(
        Context({"request": request})
    )
    assert 'id="notification-bell"' in html and ">2</span>" in html


def test_inbox_page_and_open(world, client):
    a = world.users["zhifa"]
    (row,) = services.notify(recipients=[a], kind="dispatch", title="请签收", link="/wo/inbox/")
    client.force_login(a)
    page = client.get("/notifications/")
    assert page.status_code == 200 and "请签收" in page.content.decode()
    opened = client.post(f"/notifications/{row.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/wo/inbox/"
    row.refresh_from_db()
    assert row.read_at is not None
    assert "bell-count" not in client.get("/notifications/bell/").content.decode()
