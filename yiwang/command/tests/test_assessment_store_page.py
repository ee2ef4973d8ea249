"""The assessments page's 存档 button (月度考核存档): the leader or admin stores a month that
is over, after a confirmation; the page then says when and by whom; the current month cannot
be stored (the service's rule); a stored month cannot be stored again; the dispatcher, who
reads the page, has no button and is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from yiwang.command.models import AssessmentSnapshot
from yiwang.core.audit import AuditEvent

pytestmark = pytest.mark.django_db


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def page(client, month, kind="department") -> str:
    answer = client.get(f"/command/assessment/?month={month}&kind={kind}")
    assert answer.status_code == 200
    return answer.content.decode()


def store(client, month, kind="department"):
    return client.post("/command/assessment/store/", {"month": month, "kind": kind})


@pytest.mark.parametrize("who", ["leader", "admin"])
def test_leader_or_admin_stores_a_past_month_and_sees_when_and_by_whom(world, orders, who):
    user = world.users[who]
    client = web(user)
    html = page(client, last_month())
    assert 'id="store-month"' in html and "confirm(" in html  # asks before it stores
    answer = store(client, last_month(), kind="grid_worker")
    assert answer.status_code == 302
    assert answer["Location"] == f"/command/assessment/?month={last_month()}&kind=grid_worker"
    stored = AssessmentSnapshot.objects.filter(month=f"{last_month()}-01")
    assert {s.kind for s in stored} == {"department", "grid_worker"}
    assert {s.stored_by_id for s in stored} == {user.pk}
    assert AuditEvent.objects.filter(action="assessment.store", note=last_month()).count() == 1
    html = client.get(answer["Location"]).content.decode()
    assert 'data-stored="1"' in html and 'id="store-month"' not in html
    assert f'id="stored-by">{user.display_name}<' in html
    assert "已存档" in html  # the success message


def test_a_month_stored_by_the_worker_says_so(world, orders):
    from yiwang.command.services import assessment_month_store

    assessment_month_store(actor=None, month=last_month())
    html = page(web(world.users["leader"]), last_month())
    assert "后台任务" in html and 'id="store-month"' not in html


def test_the_current_month_cannot_be_stored(world, orders):
    client = web(world.users["leader"])
    html = page(client, this_month())
    assert 'id="store-month"' not in html and 'id="store-hint"' in html
    refused = store(client, this_month())  # a hand-made POST: the service's rule answers
    assert refused.status_code == 400
    assert "尚未结束" in refused.content.decode() and 'id="store-error"' in refused.content.decode()
    assert not AssessmentSnapshot.objects.exists()


def test_a_stored_month_is_not_stored_again(world, orders):
    client = web(world.users["leader"])
    assert store(client, last_month()).status_code == 302
    before = list(AssessmentSnapshot.objects.values_list("pk", "stored_at"))
    again = store(client, last_month())
    assert again.status_code == 409 and "已存档" in again.content.decode()
    assert list(AssessmentSnapshot.objects.values_list("pk", "stored_at")) == before


@pytest.mark.parametrize("month", ["", "2026-13", "abc", "1000-01"])
def test_a_bad_month_answers_400_in_chinese(world, orders, month):
    refused = store(web(world.users["leader"]), month)
    assert refused.status_code == 400 and 'id="store-error"' in refused.content.decode()
    assert not AssessmentSnapshot.objects.exists()


def test_the_dispatcher_reads_but_may_not_store(world, orders):
    client = web(world.users["dispatcher"])
    html = page(client, last_month())
    assert 'id="store-month"' not in html and 'id="store-hint"' not in html
    refused = store(client, last_month())
    assert refused.status_code == 403 and "管理员或街道领导" in refused.content.decode()
    assert not AssessmentSnapshot.objects.exists()


def test_others_get_the_forbidden_page_and_get_is_refused(world, orders):
    assert store(web(world.users["grid_a"]), last_month()).status_code == 403
    assert web(world.users["leader"]).get("/command/assessment/store/").status_code == 405
    assert Client().post("/command/assessment/store/", {"month": last_month()}).status_code == 302
    assert not AssessmentSnapshot.objects.exists()
